//! Why a message could not be parsed, and the return code that answers it.

use openphone_sal::DigitMapError;
use openphone_sdp::SdpError;

use super::endpoint::InvalidName;
use super::ids::TransactionId;
use super::params::EventError;
use super::return_code::ReturnCode;

/// What was wrong with a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Nothing but blank lines.
    #[error("empty message")]
    Empty,
    /// The datagram is larger than [`MAX_DATAGRAM_BYTES`](super::MAX_DATAGRAM_BYTES).
    #[error("datagram of {0} bytes is too large")]
    TooLarge(usize),
    /// A header line longer than [`MAX_LINE_LEN`](super::MAX_LINE_LEN).
    #[error("line too long")]
    LineTooLong,
    /// More parameter lines than [`MAX_PARAMETERS`](super::MAX_PARAMETERS).
    #[error("too many parameters")]
    TooManyParameters,
    /// More piggy-backed messages than
    /// [`MAX_MESSAGES_PER_DATAGRAM`](super::MAX_MESSAGES_PER_DATAGRAM).
    #[error("too many piggy-backed messages")]
    TooManyMessages,
    /// The header is not printable ASCII text (a control character, or
    /// bytes that are not UTF-8).
    #[error("header is not text")]
    NotText,
    /// The command line is malformed.
    #[error("malformed command line: {0}")]
    CommandLine(&'static str),
    /// The verb is not a four-character command name.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// The endpoint name is malformed.
    #[error("invalid endpoint name: {0}")]
    Endpoint(InvalidName),
    /// A protocol version other than MGCP 1.0.
    #[error("unsupported protocol version {0:?}")]
    Version(String),
    /// The response line is malformed.
    #[error("malformed response line: {0}")]
    ResponseLine(&'static str),
    /// A parameter line without a code and colon.
    #[error("malformed parameter line: {0}")]
    ParameterLine(&'static str),
    /// A parameter that may appear once appears again.
    #[error("duplicate {0} parameter")]
    DuplicateParameter(String),
    /// A parameter value its grammar does not allow.
    #[error("invalid {name} parameter: {reason}")]
    InvalidParameter {
        /// The parameter code.
        name: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A malformed event or signal list (`R`, `S`, `T`, `ES`, `O`).
    #[error("invalid {name} parameter: {error}")]
    Events {
        /// The parameter code.
        name: &'static str,
        /// What was wrong.
        error: EventError,
    },
    /// A malformed digit map (`D:`).
    #[error("invalid digit map: {0}")]
    DigitMap(DigitMapError),
    /// The session description after the empty line does not parse.
    #[error("invalid session description: {0}")]
    Sdp(SdpError),
    /// More than two session descriptions.
    #[error("more than two session descriptions")]
    TooManyDescriptors,
}

/// A message that could not be parsed.
///
/// When the transaction identifier of a command could be read,
/// [`error_response_code`](Self::error_response_code) gives the return
/// code to answer with; a broken response or a command without a readable
/// transaction id cannot be answered and is dropped.
///
/// ```
/// use openphone_mgcp::message::{Message, ReturnCode};
/// let err = Message::parse(b"CRCX 1204 aaln/1@rgw MGCP 1.0\r\nM: sideways\r\n").unwrap_err();
/// assert_eq!(err.transaction_id().map(|t| t.get()), Some(1204));
/// assert_eq!(err.error_response_code(), Some(ReturnCode::UNSUPPORTED_MODE));
///
/// let err = Message::parse(b"FROBNICATE 1205 aaln/1@rgw MGCP 1.0\r\n").unwrap_err();
/// assert_eq!(err.error_response_code(), Some(ReturnCode::UNKNOWN_COMMAND));
///
/// let err = Message::parse(b"CRCX x aaln/1@rgw MGCP 1.0\r\n").unwrap_err();
/// assert_eq!(err.error_response_code(), None); // no transaction id to answer
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    kind: ParseErrorKind,
    transaction_id: Option<TransactionId>,
    command: bool,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind) -> Self {
        ParseError {
            kind,
            transaction_id: None,
            command: false,
        }
    }

    pub(crate) fn in_command(mut self, transaction_id: TransactionId) -> Self {
        self.transaction_id = Some(transaction_id);
        self.command = true;
        self
    }

    pub(crate) fn in_response(mut self, transaction_id: TransactionId) -> Self {
        self.transaction_id = Some(transaction_id);
        self.command = false;
        self
    }

    /// What was wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// The transaction identifier, when the first line gave one.
    pub fn transaction_id(&self) -> Option<TransactionId> {
        self.transaction_id
    }

    /// Whether the message was a command (its first line said so).
    pub fn is_command(&self) -> bool {
        self.command
    }

    /// The return code for this error (RFC 3435 §2.4), whatever the
    /// message was.
    pub fn return_code(&self) -> ReturnCode {
        use ParseErrorKind as K;
        match &self.kind {
            K::UnknownCommand(_) => ReturnCode::UNKNOWN_COMMAND,
            K::Endpoint(_) => ReturnCode::ENDPOINT_UNKNOWN,
            K::Version(_) => ReturnCode::INCOMPATIBLE_VERSION,
            K::InvalidParameter { name, .. } => match *name {
                "C" => ReturnCode::UNKNOWN_CALL_ID,
                "I" | "I2" => ReturnCode::INCORRECT_CONNECTION_ID,
                "M" => ReturnCode::UNSUPPORTED_MODE,
                "L" => ReturnCode::INVALID_OPTIONS,
                "Q" => ReturnCode::UNSUPPORTED_QUARANTINE,
                "RM" => ReturnCode::UNSUPPORTED_RESTART_METHOD,
                "Z" | "Z2" => ReturnCode::ENDPOINT_UNKNOWN,
                _ => ReturnCode::INVALID_PARAMETER,
            },
            K::Events { error, .. } => match error {
                EventError::Name(_) => ReturnCode::NO_SUCH_EVENT_OR_SIGNAL,
                EventError::Action(_) => ReturnCode::UNKNOWN_ACTION,
                EventError::Parameters => ReturnCode::EVENT_PARAMETER_ERROR,
                EventError::DigitMap(e) => digit_map_code(e),
            },
            K::DigitMap(e) => digit_map_code(e),
            K::Sdp(e) => match e {
                SdpError::UnknownLineType { .. } | SdpError::TooLarge(_) | SdpError::TooMany(_) => {
                    ReturnCode::UNSUPPORTED_REMOTE_DESCRIPTOR
                }
                _ => ReturnCode::REMOTE_DESCRIPTOR_ERROR,
            },
            _ => ReturnCode::PROTOCOL_ERROR,
        }
    }

    /// The code to answer a broken command with; `None` when there is no
    /// command to answer (a broken response, or no transaction id).
    pub fn error_response_code(&self) -> Option<ReturnCode> {
        (self.command && self.transaction_id.is_some()).then(|| self.return_code())
    }
}

/// A character the digit map grammar does not know may be an extension
/// (537); any other broken map is an invalid parameter value (539).
fn digit_map_code(e: &DigitMapError) -> ReturnCode {
    match e {
        DigitMapError::Unexpected { found, .. } if found.is_ascii_alphabetic() => {
            ReturnCode::UNSUPPORTED_DIGIT_MAP
        }
        _ => ReturnCode::INVALID_PARAMETER,
    }
}
