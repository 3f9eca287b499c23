//! What the call agent asks of an endpoint: connection settings and
//! notification requests, and how they become parameter lines.

use openphone_sal::DigitMap;
use openphone_sdp::SessionDescription;

use crate::message::{
    Command, ConnectionMode, EventSpec, LocalConnectionOptions, NotifiedEntity, Parameter,
    QuarantineHandling, RequestId, RequestedEvent,
};

/// Settings of a connection to create (CRCX) or modify (MDCX).
///
/// ```
/// use openphone_mgcp::agent::ConnectionRequest;
/// use openphone_mgcp::message::ConnectionMode;
/// let r = ConnectionRequest::new(ConnectionMode::RecvOnly)
///     .with_local_options("p:20, a:PCMA".parse()?);
/// assert_eq!(r.mode, Some(ConnectionMode::RecvOnly));
/// # Ok::<(), openphone_mgcp::message::InvalidOptions>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionRequest {
    /// The mode (`M:`); required to create, optional to modify.
    pub mode: Option<ConnectionMode>,
    /// Local connection options (`L:`): codecs, packetization…
    pub local_options: Option<LocalConnectionOptions>,
    /// The far end's session description (RemoteConnectionDescriptor).
    pub remote_sdp: Option<SessionDescription>,
    /// A notification request sent along (`X:`, `R:`, `S:`, `D:`).
    pub notification: Option<NotificationRequest>,
}

impl ConnectionRequest {
    /// A request with a mode.
    pub fn new(mode: ConnectionMode) -> Self {
        ConnectionRequest {
            mode: Some(mode),
            ..Default::default()
        }
    }

    /// Adds local connection options.
    pub fn with_local_options(mut self, options: LocalConnectionOptions) -> Self {
        self.local_options = Some(options);
        self
    }

    /// Adds the remote session description.
    pub fn with_remote_sdp(mut self, sdp: SessionDescription) -> Self {
        self.remote_sdp = Some(sdp);
        self
    }

    /// Adds a notification request.
    pub fn with_notification(mut self, notification: NotificationRequest) -> Self {
        self.notification = Some(notification);
        self
    }

    pub(crate) fn apply(self, command: &mut Command, request_id: Option<RequestId>) {
        if let Some(l) = self.local_options {
            command
                .parameters
                .push(Parameter::LocalConnectionOptions(l));
        }
        if let Some(m) = self.mode {
            command.parameters.push(Parameter::ConnectionMode(m));
        }
        if let (Some(n), Some(x)) = (self.notification, request_id) {
            n.apply(command, x, None);
        }
        if let Some(sdp) = self.remote_sdp {
            command.sdp.push(sdp);
        }
    }
}

/// A notification request (RQNT, or embedded in CRCX/MDCX): the events to
/// watch and what to do on each, signals to play, and a digit map.
///
/// ```
/// use openphone_mgcp::agent::NotificationRequest;
/// use openphone_mgcp::message::{parse_event_specs, parse_requested_events};
/// use openphone_sal::DigitMap;
/// // Off-hook seen: dial tone, collect digits by the map, watch for on-hook.
/// let r = NotificationRequest::new(parse_requested_events("L/hu(N), D/[0-9#*T](D)")?)
///     .with_signals(parse_event_specs("L/dl")?)
///     .with_digit_map(DigitMap::parse("(1xxx|9xxxxxxx|*xx)").unwrap());
/// assert_eq!(r.signals.len(), 1);
/// # Ok::<(), openphone_mgcp::message::EventError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationRequest {
    /// `R:` the events to watch, with their actions.
    pub requested_events: Vec<RequestedEvent>,
    /// `S:` the signals to apply (empty stops all).
    pub signals: Vec<EventSpec>,
    /// `D:` the digit map for events with the `D` action.
    pub digit_map: Option<DigitMap>,
    /// `Q:` what to do with events seen in between.
    pub quarantine: Option<QuarantineHandling>,
    /// `T:` events to detect while quarantined.
    pub detect_events: Option<Vec<EventSpec>>,
}

impl NotificationRequest {
    /// A request for these events, with no signals.
    pub fn new(requested_events: Vec<RequestedEvent>) -> Self {
        NotificationRequest {
            requested_events,
            ..Default::default()
        }
    }

    /// Adds signals.
    pub fn with_signals(mut self, signals: Vec<EventSpec>) -> Self {
        self.signals = signals;
        self
    }

    /// Adds a digit map.
    pub fn with_digit_map(mut self, map: DigitMap) -> Self {
        self.digit_map = Some(map);
        self
    }

    pub(crate) fn apply(
        self,
        command: &mut Command,
        request_id: RequestId,
        notified: Option<&NotifiedEntity>,
    ) {
        let p = &mut command.parameters;
        if let Some(n) = notified {
            p.push(Parameter::NotifiedEntity(n.clone()));
        }
        p.push(Parameter::RequestId(request_id));
        p.push(Parameter::RequestedEvents(self.requested_events));
        if let Some(d) = self.digit_map {
            p.push(Parameter::DigitMap(d));
        }
        p.push(Parameter::SignalRequests(self.signals));
        if let Some(q) = self.quarantine {
            p.push(Parameter::QuarantineHandling(q));
        }
        if let Some(t) = self.detect_events {
            p.push(Parameter::DetectEvents(t));
        }
    }
}
