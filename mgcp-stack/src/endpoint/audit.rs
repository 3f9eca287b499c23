//! Audits and configuration (RFC 3435 §2.3.2, §2.3.9, §2.3.10):
//! AuditEndpoint, AuditConnection and EndpointConfiguration.

use tracing::warn;

use super::connection::{connection_parameters, missing};
use super::request::event;
use super::{Endpoint, Refusal};
use crate::message::{Command, NotifiedEntity, Parameter, Response, ReturnCode};

impl Endpoint {
    pub(super) fn audit_endpoint(&mut self, cmd: &Command) -> Result<Response, Refusal> {
        let lines = self.lines_matching(&cmd.endpoint)?;
        let mut r = Response::new(ReturnCode::OK, cmd.transaction_id);
        if cmd.endpoint.is_wildcard() {
            for i in lines {
                r = r.with(Parameter::SpecificEndpointId(self.lines[i].name.clone()));
            }
            return Ok(r);
        }
        let line = &self.lines[lines[0]];
        let info = cmd
            .parameters
            .requested_info()
            .map(|f| f.0.clone())
            .unwrap_or_default();
        for code in info {
            let param = match code.to_ascii_uppercase().as_str() {
                "R" => Some(Parameter::RequestedEvents(line.request.events.clone())),
                "D" => line.digit_map.clone().map(Parameter::DigitMap),
                "S" => Some(Parameter::SignalRequests(line.signals.clone())),
                "X" => line.request.id.clone().map(Parameter::RequestId),
                "N" => Some(Parameter::NotifiedEntity(NotifiedEntity::at(line.notified))),
                "I" => Some(Parameter::ConnectionId(
                    line.connections.iter().map(|c| c.id.clone()).collect(),
                )),
                "T" => Some(Parameter::DetectEvents(
                    line.request.detect.clone().unwrap_or_default(),
                )),
                "O" => Some(Parameter::ObservedEvents(line.observed.clone())),
                "ES" => Some(Parameter::EventStates(vec![event(
                    "L",
                    if line.off_hook() { "hd" } else { "hu" },
                )])),
                "Q" => line
                    .request
                    .quarantine
                    .clone()
                    .map(Parameter::QuarantineHandling),
                "A" => "v:L;D;G, m:sendrecv;sendonly;recvonly;inactive;conf"
                    .parse()
                    .ok()
                    .map(Parameter::Capabilities),
                // No restart is pending once a line answers audits.
                "RM" | "RD" => None,
                other => {
                    return Err(Refusal::new(
                        ReturnCode::INVALID_PARAMETER,
                        format!("requested info {other} not supported"),
                    ))
                }
            };
            if let Some(p) = param {
                r = r.with(p);
            }
        }
        Ok(r)
    }

    pub(super) fn audit_connection(&mut self, cmd: &Command) -> Result<Response, Refusal> {
        let i = self.single_line(&cmd.endpoint)?;
        let id = cmd
            .parameters
            .connection_id()
            .ok_or_else(|| missing("ConnectionId (I:)"))?;
        let k = self.lines[i].connection(id).ok_or_else(|| {
            Refusal::new(
                ReturnCode::INCORRECT_CONNECTION_ID,
                format!("no connection {id}"),
            )
        })?;
        let conn = &self.lines[i].connections[k];
        let mut r = Response::new(ReturnCode::OK, cmd.transaction_id);
        let info = cmd
            .parameters
            .requested_info()
            .map(|f| f.0.clone())
            .unwrap_or_default();
        let mut lc = false;
        let mut rc = false;
        for code in info {
            match code.to_ascii_uppercase().as_str() {
                "C" => r = r.with(Parameter::CallId(conn.call_id.clone())),
                "N" => {
                    r = r.with(Parameter::NotifiedEntity(NotifiedEntity::at(
                        self.lines[i].notified,
                    )))
                }
                "M" => r = r.with(Parameter::ConnectionMode(conn.mode.clone())),
                "P" => {
                    if let Some(s) = self.media.stats(conn.sal).or(conn.final_stats.clone()) {
                        r = r.with(Parameter::ConnectionParameters(connection_parameters(&s)));
                    }
                }
                "LC" => lc = true,
                "RC" => rc = true,
                // We keep no connection options beyond what the SDP says.
                "L" => {}
                other => {
                    return Err(Refusal::new(
                        ReturnCode::INVALID_PARAMETER,
                        format!("requested info {other} not supported"),
                    ))
                }
            }
        }
        if lc {
            r = r.with_sdp(conn.local_sdp.clone());
        }
        if rc {
            if let Some(s) = &conn.remote_sdp {
                r = r.with_sdp(s.clone());
            }
        }
        Ok(r)
    }

    pub(super) fn endpoint_configuration(&mut self, cmd: &Command) -> Result<Response, Refusal> {
        self.lines_matching(&cmd.endpoint)?;
        let b = cmd
            .parameters
            .bearer_information()
            .ok_or_else(|| missing("BearerInformation (B:)"))?;
        match b.encoding() {
            Some(e) if e.eq_ignore_ascii_case("mu") || e.eq_ignore_ascii_case("A") => {
                Ok(Response::new(ReturnCode::OK, cmd.transaction_id))
            }
            other => {
                warn!(encoding = ?other, "bearer encoding not supported");
                Err(Refusal::new(
                    ReturnCode::INVALID_PARAMETER,
                    "bearer encoding must be e:mu or e:A",
                ))
            }
        }
    }
}
