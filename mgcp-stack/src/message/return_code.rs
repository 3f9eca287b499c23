//! Return codes (RFC 3435 §2.4) and their mapping to the SAL's neutral
//! [`Cause`].
//!
//! | Cause | sent as | also read as |
//! |---|---|---|
//! | NormalClearing | 250 | 200 |
//! | Busy | 401 (phone already off hook) | |
//! | NotFound | 500 (endpoint unknown) | |
//! | Unavailable | 501 (endpoint not ready) | 502, 405, 520 |
//! | Forbidden | 533 | |
//! | Timeout | 406 | (no response after retransmissions) |
//! | NetworkError | 403 | 404, 526 |
//! | IncompatibleMedia | 505 | 506, 534, 535 |
//! | Unsupported | 507 (unsupported functionality) | 504, 508, 511–514, 517–519, 522, 525, 528, 532, 536, 537 |
//! | InvalidRequest | 510 (protocol error) | 400, 509, 515, 516, 523, 524, 527, 538, 539, 541 |
//! | Congestion | 409 (overload) | 410, 540 |
//! | ServerError | 529 (internal hardware failure) | 530, 531 |
//! | Redirected | 521 (redirected to another call agent) | |
//! | Cancelled | 407 (aborted) | |
//! | any other cause | 510 | |
//!
//! Every other code reads as [`Cause::Other`].

use std::fmt;

use openphone_sal::{Cause, RawCause, Reason};

/// An MGCP return code: three decimal digits.
///
/// `1xx` are provisional, `2xx` success, `4xx` transient errors, `5xx`
/// permanent errors, `8xx` package-specific; `000` is a response
/// acknowledgement.
///
/// ```
/// use openphone_mgcp::message::ReturnCode;
/// use openphone_sal::Cause;
/// assert!(ReturnCode::OK.is_success());
/// assert!(ReturnCode::TRANSACTION_EXECUTING.is_provisional());
/// assert_eq!(ReturnCode::ENDPOINT_UNKNOWN.cause(), Cause::NotFound);
/// assert_eq!(ReturnCode::for_cause(Cause::Busy), ReturnCode::ALREADY_OFF_HOOK);
/// assert_eq!(ReturnCode::PROTOCOL_ERROR.to_string(), "510");
/// assert_eq!(ReturnCode::PROTOCOL_ERROR.description(), "protocol error");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReturnCode(u16);

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $text:literal;)*) => {
        impl ReturnCode {
            $(
                $(#[$doc])*
                pub const $name: ReturnCode = ReturnCode($value);
            )*

            /// The RFC's short description of the code ("" when it defines none).
            pub fn description(self) -> &'static str {
                match self.0 {
                    $($value => $text,)*
                    800..=899 => "package-specific",
                    _ => "",
                }
            }
        }
    };
}

codes! {
    /// 000: response acknowledgement.
    RESPONSE_ACK = 0, "response acknowledgement";
    /// 100: the transaction is being executed; a final response will follow.
    TRANSACTION_EXECUTING = 100, "transaction being executed";
    /// 101: the transaction has been queued.
    TRANSACTION_QUEUED = 101, "transaction queued";
    /// 200: executed normally.
    OK = 200, "OK";
    /// 250: the connection was deleted.
    CONNECTION_DELETED = 250, "connection deleted";
    /// 400: transient error.
    TRANSIENT_ERROR = 400, "transient error";
    /// 401: the phone is already off hook.
    ALREADY_OFF_HOOK = 401, "phone already off hook";
    /// 402: the phone is already on hook.
    ALREADY_ON_HOOK = 402, "phone already on hook";
    /// 403: insufficient resources now.
    INSUFFICIENT_RESOURCES_NOW = 403, "insufficient resources now";
    /// 404: insufficient bandwidth now.
    INSUFFICIENT_BANDWIDTH_NOW = 404, "insufficient bandwidth now";
    /// 405: the endpoint is restarting.
    ENDPOINT_RESTARTING = 405, "endpoint restarting";
    /// 406: timeout.
    TIMEOUT = 406, "timeout";
    /// 407: aborted (e.g. by a DeleteConnection or a new NotificationRequest).
    ABORTED = 407, "aborted";
    /// 409: overload.
    OVERLOAD = 409, "overload";
    /// 410: no endpoint available.
    NO_ENDPOINT_AVAILABLE = 410, "no endpoint available";
    /// 500: the endpoint is unknown.
    ENDPOINT_UNKNOWN = 500, "endpoint unknown";
    /// 501: the endpoint is not ready.
    ENDPOINT_NOT_READY = 501, "endpoint not ready";
    /// 502: insufficient resources.
    INSUFFICIENT_RESOURCES = 502, "insufficient resources";
    /// 503: the wildcard is too complicated.
    WILDCARD_TOO_COMPLICATED = 503, "wildcard too complicated";
    /// 504: unknown or unsupported command.
    UNKNOWN_COMMAND = 504, "unknown or unsupported command";
    /// 505: unsupported RemoteConnectionDescriptor.
    UNSUPPORTED_REMOTE_DESCRIPTOR = 505, "unsupported remote connection descriptor";
    /// 506: cannot satisfy both LocalConnectionOptions and the RemoteConnectionDescriptor.
    UNABLE_TO_SATISFY_OPTIONS = 506, "unable to satisfy local connection options and remote descriptor";
    /// 507: unsupported functionality.
    UNSUPPORTED_FUNCTIONALITY = 507, "unsupported functionality";
    /// 508: unknown or unsupported quarantine handling.
    UNSUPPORTED_QUARANTINE = 508, "unknown or unsupported quarantine handling";
    /// 509: error in the RemoteConnectionDescriptor.
    REMOTE_DESCRIPTOR_ERROR = 509, "error in remote connection descriptor";
    /// 510: protocol error.
    PROTOCOL_ERROR = 510, "protocol error";
    /// 511: unrecognized extension (an unsupported critical `X+` parameter).
    UNRECOGNIZED_EXTENSION = 511, "unrecognized extension";
    /// 512: the gateway cannot detect a requested event.
    CANNOT_DETECT_EVENT = 512, "cannot detect requested event";
    /// 513: the gateway cannot generate a requested signal.
    CANNOT_GENERATE_SIGNAL = 513, "cannot generate requested signal";
    /// 514: the gateway cannot send the announcement.
    CANNOT_SEND_ANNOUNCEMENT = 514, "cannot send announcement";
    /// 515: incorrect connection id (perhaps already deleted).
    INCORRECT_CONNECTION_ID = 515, "incorrect connection id";
    /// 516: unknown call id.
    UNKNOWN_CALL_ID = 516, "unknown call id";
    /// 517: unsupported or invalid mode.
    UNSUPPORTED_MODE = 517, "unsupported or invalid mode";
    /// 518: unsupported or unknown package.
    UNSUPPORTED_PACKAGE = 518, "unsupported or unknown package";
    /// 519: the endpoint has no digit map.
    NO_DIGIT_MAP = 519, "endpoint has no digit map";
    /// 520: the endpoint is restarting.
    RESTARTING = 520, "endpoint restarting";
    /// 521: the endpoint is redirected to another call agent.
    REDIRECTED = 521, "endpoint redirected to another call agent";
    /// 522: no such event or signal.
    NO_SUCH_EVENT_OR_SIGNAL = 522, "no such event or signal";
    /// 523: unknown action or illegal combination of actions.
    UNKNOWN_ACTION = 523, "unknown action or illegal combination of actions";
    /// 524: internal inconsistency in LocalConnectionOptions.
    INCONSISTENT_OPTIONS = 524, "internal inconsistency in local connection options";
    /// 525: unknown extension in LocalConnectionOptions.
    UNKNOWN_OPTIONS_EXTENSION = 525, "unknown extension in local connection options";
    /// 526: insufficient bandwidth.
    INSUFFICIENT_BANDWIDTH = 526, "insufficient bandwidth";
    /// 527: missing RemoteConnectionDescriptor.
    MISSING_REMOTE_DESCRIPTOR = 527, "missing remote connection descriptor";
    /// 528: incompatible protocol version.
    INCOMPATIBLE_VERSION = 528, "incompatible protocol version";
    /// 529: internal hardware failure.
    HARDWARE_FAILURE = 529, "internal hardware failure";
    /// 530: CAS signalling protocol error.
    CAS_ERROR = 530, "CAS signalling protocol error";
    /// 531: failure of a grouping of trunks.
    TRUNK_GROUP_FAILURE = 531, "failure of a grouping of trunks";
    /// 532: unsupported value in LocalConnectionOptions.
    UNSUPPORTED_OPTION_VALUE = 532, "unsupported value in local connection options";
    /// 533: response too large.
    RESPONSE_TOO_LARGE = 533, "response too large";
    /// 534: codec negotiation failure.
    CODEC_NEGOTIATION_FAILURE = 534, "codec negotiation failure";
    /// 535: packetization period not supported.
    UNSUPPORTED_PACKETIZATION = 535, "packetization period not supported";
    /// 536: unknown or unsupported RestartMethod.
    UNSUPPORTED_RESTART_METHOD = 536, "unknown or unsupported restart method";
    /// 537: unknown or unsupported digit map extension.
    UNSUPPORTED_DIGIT_MAP = 537, "unknown or unsupported digit map extension";
    /// 538: event or signal parameter error.
    EVENT_PARAMETER_ERROR = 538, "event or signal parameter error";
    /// 539: invalid or unsupported command parameter.
    INVALID_PARAMETER = 539, "invalid or unsupported command parameter";
    /// 540: per-endpoint connection limit exceeded.
    CONNECTION_LIMIT = 540, "per endpoint connection limit exceeded";
    /// 541: invalid or unsupported LocalConnectionOptions.
    INVALID_OPTIONS = 541, "invalid or unsupported local connection options";
}

impl ReturnCode {
    /// A code from its value; `None` above 999.
    pub fn new(value: u16) -> Option<Self> {
        (value <= 999).then_some(ReturnCode(value))
    }

    /// The numeric value.
    pub fn get(self) -> u16 {
        self.0
    }

    /// `000`: a response acknowledgement.
    pub fn is_ack(self) -> bool {
        self.0 == 0
    }

    /// `1xx`: a final response will follow.
    pub fn is_provisional(self) -> bool {
        (100..200).contains(&self.0)
    }

    /// `2xx`.
    pub fn is_success(self) -> bool {
        (200..300).contains(&self.0)
    }

    /// `4xx`: the command may succeed if tried again later.
    pub fn is_transient_error(self) -> bool {
        (400..500).contains(&self.0)
    }

    /// `5xx`: the command failed for good.
    pub fn is_permanent_error(self) -> bool {
        (500..600).contains(&self.0)
    }

    /// `8xx`: defined by a package (the response names it).
    pub fn is_package_specific(self) -> bool {
        (800..900).contains(&self.0)
    }

    /// Every code from 200 up ends the transaction (and so does 000).
    pub fn is_final(self) -> bool {
        !self.is_provisional()
    }

    /// The neutral cause a received code stands for (see the module table).
    pub fn cause(self) -> Cause {
        match self.0 {
            200 | 250 => Cause::NormalClearing,
            401 => Cause::Busy,
            500 => Cause::NotFound,
            501 | 502 | 405 | 520 => Cause::Unavailable,
            533 => Cause::Forbidden,
            406 => Cause::Timeout,
            403 | 404 | 526 => Cause::NetworkError,
            505 | 506 | 534 | 535 => Cause::IncompatibleMedia,
            504 | 507 | 508 | 511..=514 | 517..=519 | 522 | 525 | 528 | 532 | 536 | 537 => {
                Cause::Unsupported
            }
            400 | 509 | 510 | 515 | 516 | 523 | 524 | 527 | 538 | 539 | 541 => {
                Cause::InvalidRequest
            }
            409 | 410 | 540 => Cause::Congestion,
            529..=531 => Cause::ServerError,
            521 => Cause::Redirected,
            407 => Cause::Cancelled,
            _ => Cause::Other,
        }
    }

    /// The code an endpoint refuses with for a neutral cause (see the
    /// module table).
    pub fn for_cause(cause: Cause) -> ReturnCode {
        match cause {
            Cause::NormalClearing => ReturnCode::CONNECTION_DELETED,
            Cause::Busy => ReturnCode::ALREADY_OFF_HOOK,
            Cause::NotFound => ReturnCode::ENDPOINT_UNKNOWN,
            Cause::Unavailable => ReturnCode::ENDPOINT_NOT_READY,
            Cause::Forbidden => ReturnCode::RESPONSE_TOO_LARGE,
            Cause::Timeout => ReturnCode::TIMEOUT,
            Cause::NetworkError => ReturnCode::INSUFFICIENT_RESOURCES_NOW,
            Cause::IncompatibleMedia => ReturnCode::UNSUPPORTED_REMOTE_DESCRIPTOR,
            Cause::Unsupported => ReturnCode::UNSUPPORTED_FUNCTIONALITY,
            Cause::InvalidRequest => ReturnCode::PROTOCOL_ERROR,
            Cause::Congestion => ReturnCode::OVERLOAD,
            Cause::ServerError => ReturnCode::HARDWARE_FAILURE,
            Cause::Redirected => ReturnCode::REDIRECTED,
            Cause::Cancelled => ReturnCode::ABORTED,
            _ => ReturnCode::PROTOCOL_ERROR,
        }
    }

    /// A SAL [`Reason`] for a received code: its cause, the raw code and
    /// the commentary (or the RFC's description when there is none).
    pub fn reason(self, commentary: &str) -> Reason {
        let text = if commentary.is_empty() {
            self.description()
        } else {
            commentary
        };
        Reason::new(self.cause())
            .with_raw(RawCause::Mgcp(self.0))
            .with_text(text)
    }
}

impl fmt::Display for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_round_trip_where_the_table_has_a_row() {
        for cause in Cause::ALL {
            let code = ReturnCode::for_cause(cause);
            let back = code.cause();
            let mapped = matches!(
                cause,
                Cause::NormalClearing
                    | Cause::Busy
                    | Cause::NotFound
                    | Cause::Unavailable
                    | Cause::Forbidden
                    | Cause::Timeout
                    | Cause::NetworkError
                    | Cause::IncompatibleMedia
                    | Cause::Unsupported
                    | Cause::InvalidRequest
                    | Cause::Congestion
                    | Cause::ServerError
                    | Cause::Redirected
                    | Cause::Cancelled
            );
            if mapped {
                assert_eq!(back, cause, "{cause:?} -> {code} -> {back:?}");
            } else {
                assert_eq!(code, ReturnCode::PROTOCOL_ERROR, "{cause:?}");
            }
            assert!(code.is_final() && !code.is_success() || code.get() == 250);
        }
    }

    #[test]
    fn classes() {
        assert!(ReturnCode::RESPONSE_ACK.is_ack());
        assert!(ReturnCode::RESPONSE_ACK.is_final());
        assert!(ReturnCode::TRANSACTION_QUEUED.is_provisional());
        assert!(ReturnCode::OVERLOAD.is_transient_error());
        assert!(ReturnCode::INVALID_OPTIONS.is_permanent_error());
        assert!(ReturnCode::new(801).is_some_and(ReturnCode::is_package_specific));
        assert_eq!(ReturnCode::new(1000), None);
        assert_eq!(ReturnCode::RESPONSE_ACK.to_string(), "000");
        assert_eq!(
            ReturnCode::new(850).map(ReturnCode::description),
            Some("package-specific")
        );
        let r = ReturnCode::ENDPOINT_UNKNOWN.reason("");
        assert_eq!(r.raw, Some(RawCause::Mgcp(500)));
    }
}
