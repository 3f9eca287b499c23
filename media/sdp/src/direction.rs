//! The media direction attributes (RFC 8866 §6.7, RFC 3264 §5.1).

use std::fmt;

use super::model::Attribute;

/// `a=sendrecv`, `a=sendonly`, `a=recvonly` or `a=inactive`: what the
/// writer of the description will do with a stream.
///
/// A section without one inherits the session's, else it is sendrecv
/// (RFC 8866 §6.7), hence the `Default`.
///
/// ```
/// use openphone_sdp::Direction;
/// assert_eq!(Direction::from_name("SendOnly"), Some(Direction::SendOnly));
/// assert_eq!(Direction::SendOnly.reversed(), Direction::RecvOnly);
/// assert_eq!(Direction::Inactive.to_string(), "inactive");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Sends and receives.
    #[default]
    SendRecv,
    /// Sends only.
    SendOnly,
    /// Receives only.
    RecvOnly,
    /// Neither sends nor receives (e.g. on hold both ways).
    Inactive,
}

impl Direction {
    /// The attribute name (`sendrecv`…).
    pub fn name(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction an attribute name stands for (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ]
        .into_iter()
        .find(|d| name.eq_ignore_ascii_case(d.name()))
    }

    /// The same stream seen from the other end: sendonly and recvonly swap.
    pub fn reversed(self) -> Self {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The last direction attribute in a list (the last wins if a peer sends several).
pub(crate) fn direction_of(attrs: &[Attribute]) -> Option<Direction> {
    attrs
        .iter()
        .rev()
        .filter(|a| a.value.is_none())
        .find_map(|a| Direction::from_name(&a.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_property_attribute_wins() {
        let attrs = [
            Attribute::property("sendonly"),
            Attribute::property("rtcp-mux"),
            Attribute::property("INACTIVE"),
            // A value attribute is not a direction, whatever its name.
            Attribute::value("recvonly", "x"),
        ];
        assert_eq!(direction_of(&attrs), Some(Direction::Inactive));
        assert_eq!(direction_of(&attrs[1..2]), None);
        assert_eq!(Direction::from_name("sendrecv "), None);
    }
}
