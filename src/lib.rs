//! # OpenPhone
#![warn(missing_docs)]
pub use openphone_sal::*;
