//! The phone's error type.

/// Errors returned by the [`Phone`](crate::Phone) and [`Call`](crate::Call) API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address could not be understood.
    #[error("invalid address: {0}")]
    InvalidAddress(String),
    /// No stack compiled in or registered serves this URI scheme.
    #[error("no stack serves the URI scheme {0:?}")]
    NoStackForScheme(String),
    /// The stack serving this call or account cannot do what was asked.
    #[error("{operation} is not supported by the {stack} stack")]
    Unsupported {
        /// What was asked.
        operation: &'static str,
        /// Which stack said no.
        stack: &'static str,
    },
    /// The call is unknown (never existed or already ended and forgotten).
    #[error("unknown call")]
    UnknownCall,
    /// The account is unknown.
    #[error("unknown account")]
    UnknownAccount,
    /// The subscription is unknown.
    #[error("unknown subscription")]
    UnknownSubscription,
    /// The call is not in a state that allows the operation.
    #[error("cannot {operation} a call that is {state}")]
    InvalidState {
        /// What was asked.
        operation: &'static str,
        /// The call's state at the time.
        state: crate::CallState,
    },
    /// The phone has shut down.
    #[error("the phone has shut down")]
    Closed,
    /// A stack failed to start or reported an error.
    #[error("stack error: {0}")]
    Stack(#[from] StackError),
    /// The media engine failed.
    #[error("media error: {0}")]
    Media(#[from] MediaError),
    /// The phone was built without something it needs.
    #[error("configuration error: {0}")]
    Config(String),
}

/// Errors a stack reports to the phone.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StackError {
    /// A socket could not be opened.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Invalid configuration.
    #[error("invalid stack configuration: {0}")]
    Config(String),
    /// Anything else, described.
    #[error("{0}")]
    Other(String),
}

/// Errors the media engine reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// Could not open an RTP socket.
    #[error("cannot open RTP socket: {0}")]
    Socket(#[from] std::io::Error),
    /// No codec in common, or the agreed codec is not built in.
    #[error("codec not available: {0}")]
    Codec(String),
    /// The audio device failed.
    #[error("audio device error: {0}")]
    Device(String),
    /// The session is not running.
    #[error("media session not started")]
    NotStarted,
    /// The engine cannot do this (yet): never a silent no-op.
    #[error("{0} is not supported by this media engine")]
    Unsupported(&'static str),
    /// No media endpoint exists for the call.
    #[error("no media endpoint for this call")]
    UnknownCall,
    /// The media cannot be secured as the account's policy demands (no keys
    /// agreed, unusable keys): the call ends with
    /// [`Cause::SecurityFailure`](crate::Cause::SecurityFailure) and no
    /// clear media is sent.
    #[error("media security: {0}")]
    Security(String),
    /// Anything else, described.
    #[error("{0}")]
    Other(String),
}
