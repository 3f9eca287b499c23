//! Connections (RFC 3435 §2.3.5–2.3.10): CreateConnection,
//! ModifyConnection, DeleteConnection and the audits, through the SAL's
//! media port. A line has at most one connection, for the call it is in.
//!
//! The connection mode governs which way media flows (the SDP direction
//! attributes of either side are left out of the negotiation: the call
//! agent changes modes without new descriptions).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use openphone_sal::media::negotiate::{self, NegotiationError};
use openphone_sal::{
    Cause, EndReason, MediaDescription, MediaDirection, MediaLoop, MediaStats, NegotiatedMedia,
    NegotiatedStream, Reason, RecvChannel, StackEvent,
};
use openphone_sdp::{
    description_from_sdp, sdp_answer_for, sdp_from_description, SdpOrigin, SessionDescription,
};
use tracing::info;

use super::line::{CallKind, Conn, LineCall};
use super::request::check_events;
use super::signals::check_signals;
use super::{Endpoint, Refusal};
use crate::message::{
    Command, ConnectionId, ConnectionMode, ConnectionParameters, LocalConnectionOptions, NameTerm,
    Parameter, Parameters, Response, ReturnCode,
};

pub(super) fn missing(what: &str) -> Refusal {
    Refusal::new(ReturnCode::PROTOCOL_ERROR, format!("{what} missing"))
}

fn resources(e: impl std::fmt::Display) -> Refusal {
    Refusal::new(ReturnCode::INSUFFICIENT_RESOURCES, e.to_string())
}

/// Which way media flows in `mode`, and where it is looped (RFC 3435
/// §2.3.5 and §3.2.2.6): `loopback` and `conttest` turn the line's audio
/// back to the line and leave the network silent; `netwloop` and
/// `netwtest` return what arrives from the network to its sender.
fn mode_media(mode: &ConnectionMode) -> Result<(MediaDirection, MediaLoop), Refusal> {
    Ok(match mode {
        ConnectionMode::SendRecv | ConnectionMode::Conference => {
            (MediaDirection::SendRecv, MediaLoop::None)
        }
        ConnectionMode::SendOnly => (MediaDirection::SendOnly, MediaLoop::None),
        ConnectionMode::RecvOnly => (MediaDirection::RecvOnly, MediaLoop::None),
        ConnectionMode::Inactive => (MediaDirection::Inactive, MediaLoop::None),
        ConnectionMode::Loopback | ConnectionMode::ContinuityTest => {
            (MediaDirection::Inactive, MediaLoop::Circuit)
        }
        ConnectionMode::NetworkLoop | ConnectionMode::NetworkTest => {
            (MediaDirection::SendRecv, MediaLoop::Network)
        }
        ConnectionMode::Extension(x) => {
            return Err(Refusal::new(
                ReturnCode::UNSUPPORTED_MODE,
                format!("mode {x} not supported"),
            ))
        }
    })
}

/// Media on our own codecs with no peer: what a circuit loop runs on
/// before (or without) a remote description.
fn local_only(local: &MediaDescription) -> Result<NegotiatedMedia, Refusal> {
    let audio = local
        .audio()
        .ok_or_else(|| resources("no local audio stream"))?;
    let rtp = audio
        .rtp
        .ok_or_else(|| resources("the local audio stream has no address"))?;
    let codecs = audio
        .codecs
        .iter()
        .filter(|c| !c.is_telephone_event())
        .filter_map(|c| c.payload_type.map(|pt| (pt, c.clone())))
        .collect();
    Ok(NegotiatedMedia::new(vec![NegotiatedStream::audio(rtp)
        .with_recv(RecvChannel::new(codecs))
        .with_direction(MediaDirection::Inactive)]))
}

/// The final statistics as `P:` (RFC 3435 §2.3.5).
pub(super) fn connection_parameters(s: &MediaStats) -> ConnectionParameters {
    let mut p = ConnectionParameters::default()
        .with("PS", s.packets_sent)
        .with("OS", s.bytes_sent)
        .with("PR", s.packets_received)
        .with("OR", s.bytes_received)
        .with("PL", s.packets_lost)
        .with("JI", s.jitter_ms.max(0.0).round() as u64);
    if let Some(rtt) = s.rtt_ms {
        p = p.with("LA", (rtt.max(0.0) / 2.0).round() as u64);
    }
    p
}

fn origin(local: &MediaDescription, session_id: u64, version: u64) -> SdpOrigin {
    SdpOrigin {
        username: "-".into(),
        session_id,
        session_version: version,
        address: local
            .audio()
            .and_then(|s| s.rtp)
            .map(|a| a.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
    }
}

/// The remote description in the model, directions left to the mode.
fn remote_description(sdp: &SessionDescription) -> Result<MediaDescription, Refusal> {
    let mut d = description_from_sdp(sdp)
        .map_err(|e| Refusal::new(ReturnCode::UNSUPPORTED_REMOTE_DESCRIPTOR, e.to_string()))?;
    for s in &mut d.streams {
        s.direction = MediaDirection::SendRecv;
    }
    Ok(d)
}

fn negotiation(e: NegotiationError) -> Refusal {
    match e {
        NegotiationError::NoCommonCodec => {
            Refusal::new(ReturnCode::CODEC_NEGOTIATION_FAILURE, e.to_string())
        }
        _ => Refusal::new(ReturnCode::UNSUPPORTED_REMOTE_DESCRIPTOR, e.to_string()),
    }
}

/// Applies `L:` to our description: `a:` keeps only the codecs named
/// (and telephone-event), `p:` sets the packetisation period.
fn apply_options(local: &mut MediaDescription, l: &LocalConnectionOptions) -> Result<(), Refusal> {
    let Some(audio) = local.audio_mut() else {
        return Ok(());
    };
    if let Some(names) = l.codecs() {
        audio.codecs.retain(|c| {
            c.encoding.eq_ignore_ascii_case("telephone-event")
                || names.iter().any(|n| {
                    let n = n.rsplit('/').next().unwrap_or(n);
                    n.eq_ignore_ascii_case(&c.encoding)
                })
        });
        if !audio
            .codecs
            .iter()
            .any(|c| !c.encoding.eq_ignore_ascii_case("telephone-event"))
        {
            return Err(Refusal::new(
                ReturnCode::CODEC_NEGOTIATION_FAILURE,
                "none of the codecs in L: is available",
            ));
        }
    }
    if let Some(p) = l.packetization() {
        // G.711 and the other frame codecs: 10 ms steps up to 120 ms.
        let ms = p.min.max(10);
        if ms > 120 || p.max.is_some_and(|max| max < ms) {
            return Err(Refusal::new(
                ReturnCode::UNSUPPORTED_PACKETIZATION,
                format!("packetization period {p} not supported"),
            ));
        }
        audio.ptime = Some(std::time::Duration::from_millis(u64::from(ms)));
    }
    audio.direction = MediaDirection::SendRecv;
    Ok(())
}

impl Endpoint {
    /// Checks an embedded notification request before anything changes.
    fn check_embedded_request(&self, i: usize, p: &Parameters) -> Result<(), Refusal> {
        if p.request_id().is_none() {
            return Ok(());
        }
        let line = &self.lines[i];
        let has_map = p.digit_map().is_some() || line.digit_map.is_some();
        if let Some(r) = p.requested_events() {
            check_events(r, has_map, Some(line.off_hook()))?;
        }
        if let Some(s) = p.signal_requests() {
            check_signals(s, Some(line.off_hook()))?;
        }
        Ok(())
    }

    fn origin_for(&self, k: usize, local: &MediaDescription, version: u64) -> SdpOrigin {
        origin(local, self.session_id.wrapping_add(k as u64), version)
    }

    pub(super) fn create_connection(
        &mut self,
        now: Instant,
        cmd: &Command,
    ) -> Result<Response, Refusal> {
        let p = &cmd.parameters;
        let wildcard = cmd.endpoint.is_wildcard();
        let i = if cmd
            .endpoint
            .terms()
            .iter()
            .any(|t| matches!(t, NameTerm::Any))
        {
            let candidates = self.lines_any(&cmd.endpoint)?;
            candidates
                .into_iter()
                .find(|&i| self.lines[i].connections.is_empty())
                .ok_or_else(|| {
                    Refusal::new(ReturnCode::NO_ENDPOINT_AVAILABLE, "every line is in use")
                })?
        } else {
            self.single_line(&cmd.endpoint)?
        };
        let call_id = p.call_id().ok_or_else(|| missing("CallId (C:)"))?.clone();
        let mode = p
            .mode()
            .ok_or_else(|| missing("ConnectionMode (M:)"))?
            .clone();
        mode_media(&mode)?;
        if p.second_endpoint_id().is_some() {
            return Err(Refusal::new(
                ReturnCode::UNSUPPORTED_FUNCTIONALITY,
                "connections between two endpoints are not supported",
            ));
        }
        if !self.lines[i].connections.is_empty() {
            return Err(Refusal::new(
                ReturnCode::CONNECTION_LIMIT,
                "a line has one connection",
            ));
        }
        self.check_embedded_request(i, p)?;
        self.set_notified(i, cmd)?;
        let created_call = self.lines[i].call.is_none();
        let sal = self.line_call(i);
        let result = self.new_connection(i, sal, call_id, mode, cmd);
        let conn_id = match result {
            Ok(id) => id,
            Err(e) => {
                if created_call {
                    self.lines[i].call = None;
                    self.media.release(sal);
                }
                return Err(e);
            }
        };
        let k = self.lines[i].connections.len() - 1;
        if let Err(e) = self.apply_media(i, k) {
            self.lines[i].connections.pop();
            if created_call {
                self.lines[i].call = None;
                self.media.release(sal);
            }
            return Err(e);
        }
        if p.request_id().is_some() {
            self.notification_request(now, i, p)?;
        }
        self.maybe_connected(i);
        let conn = &self.lines[i].connections[k];
        info!(line = %self.lines[i].name, connection = %conn.id, mode = %conn.mode, "connection created");
        let mut r = Response::new(ReturnCode::OK, cmd.transaction_id)
            .with(Parameter::ConnectionId(vec![conn_id]));
        if wildcard {
            r = r.with(Parameter::SpecificEndpointId(self.lines[i].name.clone()));
        }
        Ok(r.with_sdp(conn.local_sdp.clone()))
    }

    /// Lines a name with `$` may choose from.
    fn lines_any(&self, name: &crate::message::EndpointName) -> Result<Vec<usize>, Refusal> {
        let found: Vec<usize> = (0..self.lines.len())
            .filter(|&i| name.matches(&self.lines[i].name))
            .collect();
        if found.is_empty() {
            Err(super::unknown_endpoint(name))
        } else {
            Ok(found)
        }
    }

    /// The SAL call of line `i`, created (not yet told to the phone) if
    /// the line is in none.
    fn line_call(&mut self, i: usize) -> openphone_sal::CallId {
        let off = self.lines[i].off_hook();
        self.lines[i]
            .call
            .get_or_insert_with(|| LineCall {
                id: openphone_sal::CallId::next(),
                kind: if off {
                    CallKind::Outgoing
                } else {
                    CallKind::Incoming
                },
                announced: false,
                connected: false,
                ringing: false,
                caller: None,
            })
            .id
    }

    fn new_connection(
        &mut self,
        i: usize,
        sal: openphone_sal::CallId,
        call_id: crate::message::CallId,
        mode: ConnectionMode,
        cmd: &Command,
    ) -> Result<ConnectionId, Refusal> {
        let mut local = self.media.reserve(sal).map_err(resources)?;
        match cmd.parameters.local_connection_options() {
            Some(l) => apply_options(&mut local, l)?,
            None => {
                if let Some(a) = local.audio_mut() {
                    a.direction = MediaDirection::SendRecv;
                }
            }
        }
        let id = ConnectionId::from_u128(u128::from(self.next_connection));
        let k = self.next_connection as usize;
        self.next_connection += 1;
        let o = self.origin_for(k, &local, 1);
        let (local, local_sdp, negotiated, offered) = match cmd.sdp() {
            Some(remote) => {
                let offer = remote_description(remote)?;
                let (answer, agreed) = negotiate::answer(&local, &offer).map_err(negotiation)?;
                let sdp = sdp_answer_for(remote, &answer, &o);
                (answer, sdp, Some(agreed), false)
            }
            None => {
                let sdp = sdp_from_description(&local, &o);
                (local, sdp, None, true)
            }
        };
        self.lines[i].connections.push(Conn {
            id: id.clone(),
            call_id,
            sal,
            mode,
            local,
            offered,
            local_sdp,
            remote_sdp: cmd.sdp().cloned(),
            negotiated,
            sdp_version: 2,
            final_stats: None,
            applied_loop: MediaLoop::None,
        });
        Ok(id)
    }

    /// Applies connection `k`'s agreement with its mode's direction and
    /// loop, and tells the phone. An on-hook line sends nothing whatever
    /// the mode: a handset in its cradle has no microphone (the callee's
    /// connection is sendrecv while it rings, and its audio must not reach
    /// the caller before it answers). A network loop is not the handset
    /// and answers the network whatever the hook.
    fn apply_media(&mut self, i: usize, k: usize) -> Result<(), Refusal> {
        let off_hook = self.lines[i].off_hook();
        let conn = &mut self.lines[i].connections[k];
        let (mode, looped) = mode_media(&conn.mode)?;
        let sends = mode.sends() && (off_hook || looped == MediaLoop::Network);
        let dir = MediaDirection::from_flags(sends, mode.receives());
        let agreed = conn.negotiated.is_some();
        let neg = match conn.negotiated.as_mut() {
            Some(neg) => {
                if let Some(a) = neg.audio_mut() {
                    a.direction = dir;
                }
                neg.clone()
            }
            // A circuit loop needs no peer (and leaving one needs the
            // media it started).
            None if looped == MediaLoop::Circuit || conn.applied_loop == MediaLoop::Circuit => {
                local_only(&conn.local)?
            }
            None => return Ok(()),
        };
        let (sal, previous) = (conn.sal, conn.applied_loop);
        if looped != previous {
            self.media.set_loop(sal, looped).map_err(|e| {
                Refusal::new(
                    ReturnCode::UNSUPPORTED_MODE,
                    format!("mode {}: {e}", self.lines[i].connections[k].mode),
                )
            })?;
        }
        if let Err(e) = self.media.apply(sal, &neg) {
            if looped != previous {
                // Best effort: the media keeps the loop it had.
                let _ = self.media.set_loop(sal, previous);
            }
            return Err(resources(e));
        }
        self.lines[i].connections[k].applied_loop = looped;
        let announced = self.lines[i]
            .call
            .as_ref()
            .is_some_and(|c| c.id == sal && c.announced);
        if announced && agreed {
            self.events.push_back(StackEvent::MediaNegotiated {
                call: sal,
                media: neg,
            });
        }
        Ok(())
    }

    /// Re-applies every connection of line `i` after its hook changed, so
    /// that sending follows the handset (see `apply_media`).
    pub(super) fn hook_changed_media(&mut self, i: usize) {
        for k in 0..self.lines[i].connections.len() {
            if let Err(e) = self.apply_media(i, k) {
                // The media engine refused what it ran a moment ago: the
                // call cannot go on (the phone hears why).
                let text = format!("media not re-applied after a hook change: {e:?}");
                let reason = Reason::new(Cause::IncompatibleMedia).with_text(text);
                self.end_call(i, EndReason::system(reason));
                return;
            }
        }
    }

    /// Reports `Connected` once the line is off-hook in its call and media
    /// flows both ways.
    pub(super) fn maybe_connected(&mut self, i: usize) {
        let line = &mut self.lines[i];
        let off = line.off_hook();
        let Some(call) = line.call.as_mut() else {
            return;
        };
        if call.connected || !call.announced || !off {
            return;
        }
        let flowing = line.connections.iter().any(|c| {
            c.sal == call.id
                && c.negotiated.is_some()
                && matches!(
                    c.mode,
                    ConnectionMode::SendRecv | ConnectionMode::Conference
                )
        });
        if flowing {
            call.connected = true;
            let id = call.id;
            info!(line = %line.name, call = %id, "connected");
            self.events.push_back(StackEvent::Connected { call: id });
        }
    }

    pub(super) fn modify_connection(
        &mut self,
        now: Instant,
        cmd: &Command,
    ) -> Result<Response, Refusal> {
        let p = &cmd.parameters;
        let i = self.single_line(&cmd.endpoint)?;
        let id = p
            .connection_id()
            .ok_or_else(|| missing("ConnectionId (I:)"))?;
        let k = self.lines[i].connection(id).ok_or_else(|| {
            Refusal::new(
                ReturnCode::INCORRECT_CONNECTION_ID,
                format!("no connection {id}"),
            )
        })?;
        if p.call_id()
            .is_some_and(|c| *c != self.lines[i].connections[k].call_id)
        {
            return Err(Refusal::new(
                ReturnCode::UNKNOWN_CALL_ID,
                "the connection belongs to another call",
            ));
        }
        if let Some(m) = p.mode() {
            mode_media(m)?;
        }
        self.check_embedded_request(i, p)?;
        self.set_notified(i, cmd)?;
        let before = self.lines[i].connections[k].clone();
        if let Some(remote) = cmd.sdp() {
            let theirs = remote_description(remote)?;
            let conn = &self.lines[i].connections[k];
            if conn.offered {
                // The answer to the description we gave in CRCX.
                let agreed = negotiate::complete(&conn.local, &theirs).map_err(negotiation)?;
                let conn = &mut self.lines[i].connections[k];
                conn.negotiated = Some(agreed);
                conn.offered = false;
            } else {
                // A new offer: answer it again.
                let mut local = self.media.local_description(conn.sal).map_err(resources)?;
                if let Some(a) = local.audio_mut() {
                    a.direction = MediaDirection::SendRecv;
                }
                let (answer, agreed) = negotiate::answer(&local, &theirs).map_err(negotiation)?;
                let version = conn.sdp_version;
                let o = self.origin_for(k, &answer, version);
                let conn = &mut self.lines[i].connections[k];
                conn.local_sdp = sdp_answer_for(remote, &answer, &o);
                conn.sdp_version += 1;
                conn.local = answer;
                conn.negotiated = Some(agreed);
            }
            self.lines[i].connections[k].remote_sdp = Some(remote.clone());
        }
        if let Some(m) = p.mode() {
            self.lines[i].connections[k].mode = m.clone();
        }
        if let Err(e) = self.apply_media(i, k) {
            self.lines[i].connections[k] = before;
            return Err(e);
        }
        if p.request_id().is_some() {
            self.notification_request(now, i, p)?;
        }
        self.maybe_connected(i);
        let conn = &self.lines[i].connections[k];
        info!(line = %self.lines[i].name, connection = %conn.id, mode = %conn.mode, "connection modified");
        Ok(Response::new(ReturnCode::OK, cmd.transaction_id).with_sdp(conn.local_sdp.clone()))
    }

    pub(super) fn delete_connection(
        &mut self,
        now: Instant,
        cmd: &Command,
    ) -> Result<Response, Refusal> {
        let p = &cmd.parameters;
        let lines = self.lines_matching(&cmd.endpoint)?;
        let id = p.connection_id();
        let call_id = p.call_id();
        if id.is_some() && call_id.is_none() {
            return Err(missing("CallId (C:) with ConnectionId (I:)"));
        }
        let mut doomed = Vec::new();
        for &i in &lines {
            for c in &self.lines[i].connections {
                if id.is_none_or(|x| *x == c.id) && call_id.is_none_or(|x| *x == c.call_id) {
                    doomed.push((i, c.id.clone()));
                }
            }
        }
        if doomed.is_empty() {
            if let Some(x) = id {
                return Err(Refusal::new(
                    ReturnCode::INCORRECT_CONNECTION_ID,
                    format!("no connection {x}"),
                ));
            }
            if call_id.is_some() {
                return Err(Refusal::new(
                    ReturnCode::UNKNOWN_CALL_ID,
                    "no such call here",
                ));
            }
        }
        let embedded = p.request_id().is_some();
        if embedded {
            if lines.len() != 1 {
                return Err(Refusal::new(
                    ReturnCode::WILDCARD_TOO_COMPLICATED,
                    "a notification request needs one endpoint",
                ));
            }
            self.check_embedded_request(lines[0], p)?;
        }
        let mut stats = None;
        let single = doomed.len() == 1;
        for (i, cid) in doomed {
            let s = self.release_connection(i, &cid);
            if single {
                stats = s;
            }
        }
        if embedded {
            self.notification_request(now, lines[0], p)?;
        }
        let mut r = Response::new(ReturnCode::CONNECTION_DELETED, cmd.transaction_id);
        if let Some(s) = stats {
            r = r.with(Parameter::ConnectionParameters(s));
        }
        Ok(r)
    }

    /// Deletes a connection: final statistics, media released, and the
    /// call ended if it was its last connection.
    fn release_connection(&mut self, i: usize, id: &ConnectionId) -> Option<ConnectionParameters> {
        let k = self.lines[i].connection(id)?;
        let conn = self.lines[i].connections.remove(k);
        // The phone may have released the media first (its hang-up does),
        // and its final statistics may have been in the making when the
        // call ended: ask again.
        let stats = self
            .media
            .release(conn.sal)
            .or(conn.final_stats)
            .or_else(|| self.media.stats(conn.sal));
        info!(line = %self.lines[i].name, connection = %conn.id, ?stats, "connection deleted");
        let in_call = self.lines[i]
            .call
            .as_ref()
            .is_some_and(|c| c.id == conn.sal);
        let others = self.lines[i].connections.iter().any(|c| c.sal == conn.sal);
        if in_call && !others {
            let (announced, connected) = self.lines[i]
                .call
                .as_ref()
                .map(|c| (c.announced, c.connected))
                .unwrap_or_default();
            if announced {
                let reason = if connected {
                    Reason::new(Cause::NormalClearing)
                        .with_text("connection deleted by the call agent")
                } else {
                    Reason::new(Cause::Cancelled).with_text("connection deleted before the answer")
                };
                self.end_call(i, EndReason::remote(reason));
            } else {
                self.lines[i].call = None;
            }
        }
        stats.as_ref().map(connection_parameters)
    }

    /// Ends the line's call for the phone. Statistics are kept for the
    /// DLCX, as the phone releases the media on `CallEnded`.
    pub(super) fn end_call(&mut self, i: usize, reason: EndReason) {
        let Some(call) = self.lines[i].call.take() else {
            return;
        };
        for c in self.lines[i]
            .connections
            .iter_mut()
            .filter(|c| c.sal == call.id)
        {
            if c.final_stats.is_none() {
                c.final_stats = self.media.stats(call.id);
            }
        }
        if call.announced {
            info!(line = %self.lines[i].name, call = %call.id, %reason, "call ended");
            self.events.push_back(StackEvent::CallEnded {
                call: call.id,
                reason,
            });
        } else if !self.lines[i].connections.iter().any(|c| c.sal == call.id) {
            self.media.release(call.id);
        }
    }

    /// Shutdown: every connection of line `i` goes, media released.
    pub(super) fn drop_connections(&mut self, i: usize) {
        for c in std::mem::take(&mut self.lines[i].connections) {
            self.media.release(c.sal);
        }
    }
}
