//! Why an SDP body could not be parsed or used.

/// Why an SDP body could not be parsed or used.
///
/// Line numbers are 1-based and count every line of the body. The parser
/// gives every variant up to [`InvalidField`](Self::InvalidField); the last
/// four are for users of a parsed description that need an audio stream and
/// its address (such as openphone-media's conversion to a media offer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdpError {
    /// The body is larger than [`MAX_SDP_BYTES`](crate::MAX_SDP_BYTES).
    #[error("SDP body too large ({0} bytes)")]
    TooLarge(usize),
    /// More lines, media sections or attributes than the parser accepts.
    #[error("SDP has too many {0}")]
    TooMany(&'static str),
    /// A line is not `<letter>=<value>`.
    #[error("line {line}: not a <type>=<value> line")]
    MalformedLine {
        /// Line number.
        line: usize,
    },
    /// A line type the RFC does not define (RFC 8866 §5 says to reject the description).
    #[error("line {line}: unknown line type '{kind}'")]
    UnknownLineType {
        /// Line number.
        line: usize,
        /// The type letter.
        kind: char,
    },
    /// A required line is missing, or a line is out of the RFC's order.
    #[error("expected '{expected}=' line{}", at_line(*.line))]
    Missing {
        /// The line type expected.
        expected: char,
        /// Where it was expected, if the body had a line there.
        line: Option<usize>,
    },
    /// A line type where the RFC's order does not allow it (e.g. `t=` inside
    /// a media section).
    #[error("line {line}: '{kind}=' line out of place")]
    Misplaced {
        /// Line number.
        line: usize,
        /// The type letter.
        kind: char,
    },
    /// A line type that may appear once appears again.
    #[error("line {line}: duplicate '{kind}=' line")]
    Duplicate {
        /// Line number.
        line: usize,
        /// The type letter.
        kind: char,
    },
    /// A field of a line is invalid.
    #[error("line {line}: invalid {field}")]
    InvalidField {
        /// Line number.
        line: usize,
        /// Which field.
        field: &'static str,
    },
    /// The description has no usable audio stream.
    #[error("no audio media description")]
    NoAudio,
    /// The audio stream has no connection address (neither media nor session `c=`).
    #[error("no connection address for the audio stream")]
    NoConnection,
    /// The connection address is a host name the caller did not resolve.
    #[error("connection address '{0}' is not an IP address")]
    UnresolvedAddress(String),
    /// The connection address is not a valid IP address of its declared type.
    #[error("invalid connection address '{0}'")]
    InvalidAddress(String),
}

fn at_line(line: Option<usize>) -> String {
    match line {
        Some(l) => format!(" at line {l}"),
        None => String::new(),
    }
}
