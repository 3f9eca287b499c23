//! Event-package bodies (RFC 6665 packages): presence documents (PIDF,
//! RFC 3863) and message summaries (RFC 3842). Pure parsing and printing,
//! bounded, never panicking on input.

pub mod message_summary;
pub mod pidf;

pub use message_summary::{parse_message_summary, SummaryError};
pub use pidf::{parse_pidf, pidf_document, Pidf, PidfError};
