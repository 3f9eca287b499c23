//! Message summaries (RFC 3842 §5.2, `application/simple-message-summary`):
//! the body of a `message-summary` NOTIFY, the message-waiting lamp.

use openphone_sal::MessageSummary;

/// Largest body read (bytes).
pub const MAX_SUMMARY: usize = 16 * 1024;
/// Longest `Message-Account` kept (characters).
const MAX_ACCOUNT: usize = 256;

/// Why a body is not a usable message summary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    /// Larger than [`MAX_SUMMARY`].
    #[error("message summary too large ({0} bytes)")]
    TooLarge(usize),
    /// No `Messages-Waiting` line (RFC 3842 §5.2 requires it first).
    #[error("message summary without Messages-Waiting")]
    NoStatus,
    /// `Messages-Waiting` is neither yes nor no.
    #[error("Messages-Waiting is neither yes nor no")]
    BadStatus,
}

/// Reads a message summary. Header names are case-insensitive; lines the
/// reader does not know (other message classes than voice, optional
/// message headers after the blank line) are ignored; counts that do not
/// parse count as 0 and too large ones saturate.
///
/// ```
/// use openphone_sip::event::parse_message_summary;
/// let body = b"Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\n\
///              Voice-Message: 2/8 (0/2)\r\n";
/// let m = parse_message_summary(body).unwrap();
/// assert!(m.waiting);
/// assert_eq!((m.voice_new, m.voice_old), (2, 8));
/// assert_eq!((m.voice_new_urgent, m.voice_old_urgent), (0, 2));
/// assert_eq!(m.account.as_deref(), Some("sip:alice@vmail.example.com"));
/// ```
pub fn parse_message_summary(body: &[u8]) -> Result<MessageSummary, SummaryError> {
    if body.len() > MAX_SUMMARY {
        return Err(SummaryError::TooLarge(body.len()));
    }
    let text = String::from_utf8_lossy(body);
    let mut waiting = None;
    let mut out = MessageSummary::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            // §5.2: optional message headers follow the blank line.
            if waiting.is_some() {
                break;
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "messages-waiting" => {
                waiting = Some(match value.to_ascii_lowercase().as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err(SummaryError::BadStatus),
                });
            }
            "message-account" => {
                let a: String = value
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_ACCOUNT)
                    .collect();
                out.account = Some(a);
            }
            "voice-message" => {
                let (new, old, unew, uold) = counts(value);
                out.voice_new = new;
                out.voice_old = old;
                out.voice_new_urgent = unew;
                out.voice_old_urgent = uold;
            }
            _ => {}
        }
    }
    out.waiting = waiting.ok_or(SummaryError::NoStatus)?;
    Ok(out)
}

/// `2/8 (0/2)` → (2, 8, 0, 2); the urgent pair is optional.
fn counts(v: &str) -> (u32, u32, u32, u32) {
    let (main, urgent) = match v.split_once('(') {
        Some((m, u)) => (m, u.trim_end_matches(')')),
        None => (v, ""),
    };
    let pair = |s: &str| {
        let (a, b) = s.split_once('/').unwrap_or((s, "0"));
        (number(a), number(b))
    };
    let (n, o) = pair(main);
    let (un, uo) = if urgent.trim().is_empty() {
        (0, 0)
    } else {
        pair(urgent)
    };
    (n, o, un, uo)
}

/// A decimal count; saturates at `u32::MAX`, 0 when not a number.
fn number(s: &str) -> u32 {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    s.parse::<u64>()
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3842_example() {
        // RFC 3842 §5.2 example, with message headers after the blank line.
        let body = b"Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\n\
Voice-Message: 4/8 (1/2)\r\nFax-Message: 2/1\r\n\r\nTo: <alice@atlanta.example.com>\r\n\
Voice-Message: 9/9\r\n";
        let m = parse_message_summary(body).unwrap();
        assert_eq!((m.voice_new, m.voice_old), (4, 8));
        assert_eq!((m.voice_new_urgent, m.voice_old_urgent), (1, 2));
    }

    #[test]
    fn asterisk_style_and_errors() {
        let m = parse_message_summary(b"messages-waiting: no\nvoice-message: 0/3\n").unwrap();
        assert!(!m.waiting);
        assert_eq!((m.voice_new, m.voice_old), (0, 3));
        assert_eq!(
            parse_message_summary(b"Voice-Message: 1/1"),
            Err(SummaryError::NoStatus)
        );
        assert_eq!(
            parse_message_summary(b"Messages-Waiting: maybe"),
            Err(SummaryError::BadStatus)
        );
        let m = parse_message_summary(b"Messages-Waiting: yes\nVoice-Message: 99999999999/x (7")
            .unwrap();
        assert_eq!(
            (m.voice_new, m.voice_old, m.voice_new_urgent),
            (u32::MAX, 0, 7)
        );
        assert!(parse_message_summary(&vec![b'a'; MAX_SUMMARY + 1]).is_err());
    }
}
