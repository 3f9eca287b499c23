//! PIDF presence documents (RFC 3863): a small, bounded reader for the
//! parts a phone shows (entity, basic status, note) and a printer.
//!
//! The reader is a tag scanner, not a validating XML parser: it walks
//! start/end tags and text, matches element names by their local part
//! (namespace prefixes vary between servers: `<tuple>`, `<pidf:tuple>`),
//! and ignores everything it does not know (RFC 3863 §4.1.5: unknown
//! extensions are skipped). Input size, nesting and text lengths are capped,
//! so a hostile body costs linear time and bounded memory.

use openphone_sal::{BasicStatus, PresenceStatus};

/// Largest document read (bytes); larger bodies are refused.
pub const MAX_PIDF: usize = 64 * 1024;
/// Longest note kept (characters); longer ones are cut.
const MAX_NOTE: usize = 256;
/// Deepest nesting accepted.
const MAX_DEPTH: usize = 32;

/// Why a body is not a usable PIDF document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PidfError {
    /// Larger than [`MAX_PIDF`].
    #[error("PIDF document too large ({0} bytes)")]
    TooLarge(usize),
    /// Not UTF-8 text.
    #[error("PIDF document is not UTF-8")]
    NotText,
    /// The XML is cut or broken where the reader needs it.
    #[error("malformed PIDF: {0}")]
    Malformed(&'static str),
    /// The root element is not `presence`.
    #[error("not a PIDF document (root element is not <presence>)")]
    NotPresence,
    /// Nested deeper than the reader accepts.
    #[error("PIDF document nested too deeply")]
    TooDeep,
}

/// What a PIDF document says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pidf {
    /// The presentity (`entity` attribute of `<presence>`).
    pub entity: String,
    /// Open if any tuple's basic status is open (RFC 3863 leaves the
    /// aggregation of tuples to the watcher: one reachable contact is
    /// enough to call the presentity reachable); closed when no tuple
    /// says open, including a document without tuples (the state a
    /// presence server gives for a presentity that published nothing).
    pub status: PresenceStatus,
}

/// Reads a PIDF document.
///
/// ```
/// use openphone_sip::event::parse_pidf;
/// let doc = br#"<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf"
///   entity="pres:bob@example.com"><tuple id="t1"><status><basic>open</basic></status>
///   <note>at lunch &amp; back soon</note></tuple></presence>"#;
/// let p = parse_pidf(doc).unwrap();
/// assert_eq!(p.entity, "pres:bob@example.com");
/// assert_eq!(p.status.to_string(), "open (at lunch & back soon)");
/// ```
pub fn parse_pidf(body: &[u8]) -> Result<Pidf, PidfError> {
    if body.len() > MAX_PIDF {
        return Err(PidfError::TooLarge(body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| PidfError::NotText)?;
    let mut stack: Vec<String> = Vec::new();
    let mut entity = None;
    let mut seen_root = false;
    let mut any_open = false;
    let mut note: Option<String> = None;
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        let content = &rest[..lt];
        on_text(&stack, content, &mut any_open, &mut note);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<?") {
            rest = skip_past(after, "?>")?;
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = skip_past(after, "-->")?;
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after
                .find("]]>")
                .ok_or(PidfError::Malformed("unterminated CDATA"))?;
            on_raw_text(&stack, &after[..end], &mut any_open, &mut note);
            rest = &after[end + 3..];
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = skip_past(after, ">")?;
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after
                .find('>')
                .ok_or(PidfError::Malformed("unterminated end tag"))?;
            let name = local_name(after[..end].trim());
            // Tolerate mismatches: pop back to the named element if open.
            if let Some(pos) = stack.iter().rposition(|n| n == name) {
                stack.truncate(pos);
            }
            rest = &after[end + 1..];
        } else {
            let after = &rest[1..];
            let end = tag_end(after).ok_or(PidfError::Malformed("unterminated tag"))?;
            let tag = &after[..end];
            let empty = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name_end = tag
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(tag.len());
            let name = local_name(&tag[..name_end]);
            if name.is_empty() {
                return Err(PidfError::Malformed("empty element name"));
            }
            if !seen_root {
                if name != "presence" {
                    return Err(PidfError::NotPresence);
                }
                seen_root = true;
                entity = attribute(&tag[name_end..], "entity").map(|v| unescape(&v, MAX_NOTE * 4));
            }
            if !empty {
                if stack.len() >= MAX_DEPTH {
                    return Err(PidfError::TooDeep);
                }
                stack.push(name.to_string());
            }
            rest = &after[end + 1..];
        }
    }
    if !seen_root {
        return Err(PidfError::NotPresence);
    }
    let basic = if any_open {
        BasicStatus::Open
    } else {
        BasicStatus::Closed
    };
    let mut status = PresenceStatus::new(basic);
    if let Some(n) = note.filter(|n| !n.is_empty()) {
        status = status.with_note(n);
    }
    Ok(Pidf {
        entity: entity.unwrap_or_default(),
        status,
    })
}

/// Text inside the current element, entities still escaped.
fn on_text(stack: &[String], raw: &str, any_open: &mut bool, note: &mut Option<String>) {
    if raw.trim().is_empty() {
        return;
    }
    on_raw_text(stack, &unescape(raw, MAX_NOTE * 4), any_open, note);
}

/// Text inside the current element, already plain.
fn on_raw_text(stack: &[String], text: &str, any_open: &mut bool, note: &mut Option<String>) {
    let Some(current) = stack.last() else { return };
    let parent = stack.len().checked_sub(2).and_then(|i| stack.get(i));
    if current == "basic" && parent.is_some_and(|p| p == "status") {
        if text.trim().eq_ignore_ascii_case("open") {
            *any_open = true;
        }
    } else if current == "note" && note.is_none() {
        let t: String = text
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_NOTE)
            .collect();
        *note = Some(t);
    }
}

/// The rest of `s` after `end`.
fn skip_past<'a>(s: &'a str, end: &str) -> Result<&'a str, PidfError> {
    s.find(end)
        .map(|i| &s[i + end.len()..])
        .ok_or(PidfError::Malformed("unterminated markup"))
}

/// Index of the `>` closing a start tag, skipping quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `pidf:tuple` → `tuple`.
fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The value of attribute `want` (local name) in a start tag's attribute text.
fn attribute(mut attrs: &str, want: &str) -> Option<String> {
    loop {
        attrs = attrs.trim_start();
        let eq = attrs.find('=')?;
        let name = local_name(attrs[..eq].trim());
        let after = attrs[eq + 1..].trim_start();
        let q = after.chars().next()?;
        if q != '"' && q != '\'' {
            return None;
        }
        let close = after[1..].find(q)?;
        let value = &after[1..1 + close];
        if name == want {
            return Some(value.to_string());
        }
        attrs = &after[close + 2..];
    }
}

/// Replaces the five predefined entities and character references; keeps
/// at most `max` characters. Unknown references stay as written.
fn unescape(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let r = &after[..i];
            match r {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => r
                    .strip_prefix("#x")
                    .or_else(|| r.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| r.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }
            .map(|c| (c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
        if out.len() > max * 4 {
            break;
        }
    }
    if out.len() <= max * 4 {
        out.push_str(rest);
    }
    out.chars().take(max).collect()
}

/// XML-escapes text for an element or a double-quoted attribute.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A PIDF document (RFC 3863 §4) for `entity` with one tuple `tuple_id`
/// whose contact is `contact`, if given.
///
/// ```
/// use openphone_sal::{BasicStatus, PresenceStatus};
/// use openphone_sip::event::{parse_pidf, pidf_document};
/// let st = PresenceStatus::new(BasicStatus::Closed).with_note("away <5 min>");
/// let doc = pidf_document("sip:alice@example.com", &st, "t1", None);
/// let back = parse_pidf(doc.as_bytes()).unwrap();
/// assert_eq!(back.entity, "sip:alice@example.com");
/// assert_eq!(back.status, st);
/// ```
pub fn pidf_document(
    entity: &str,
    status: &PresenceStatus,
    tuple_id: &str,
    contact: Option<&str>,
) -> String {
    let basic = match status.basic {
        BasicStatus::Open => "open",
        BasicStatus::Closed => "closed",
    };
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n");
    s.push_str(&format!(
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"{}\">\r\n",
        escape(entity)
    ));
    s.push_str(&format!(
        "<tuple id=\"{}\">\r\n<status><basic>{basic}</basic></status>\r\n",
        escape(tuple_id)
    ));
    if let Some(c) = contact {
        s.push_str(&format!("<contact>{}</contact>\r\n", escape(c)));
    }
    if let Some(n) = &status.note {
        s.push_str(&format!("<note>{}</note>\r\n", escape(n)));
    }
    s.push_str("</tuple>\r\n</presence>\r\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3863_example_reads() {
        // RFC 3863 §6 example, abridged (prefixes and extensions kept).
        let doc = br#"<?xml version="1.0" encoding="UTF-8"?>
   <impp:presence xmlns:impp="urn:ietf:params:xml:ns:pidf"
       xmlns:myex="http://id.example.com/presence/"
       entity="pres:someone@example.com">
     <impp:tuple id="bs35r9">
       <impp:status>
         <impp:basic>open</impp:basic>
         <myex:location>home</myex:location>
       </impp:status>
       <impp:contact priority="0.8">im:someone@mobilecarrier.net</impp:contact>
       <impp:note xml:lang="en">Don't Disturb Please!</impp:note>
       <impp:timestamp>2001-10-27T16:49:29Z</impp:timestamp>
     </impp:tuple>
   </impp:presence>"#;
        let p = parse_pidf(doc).unwrap();
        assert_eq!(p.entity, "pres:someone@example.com");
        assert_eq!(p.status.basic, BasicStatus::Open);
        assert_eq!(p.status.note.as_deref(), Some("Don't Disturb Please!"));
    }

    #[test]
    fn closed_without_tuples_and_any_open_wins() {
        let p = parse_pidf(br#"<presence entity="sip:a@b"/>"#).unwrap();
        assert_eq!(p.status.basic, BasicStatus::Closed);
        let two = br#"<presence entity="sip:a@b"><tuple id="1"><status><basic>closed</basic></status></tuple><tuple id="2"><status><basic>OPEN</basic></status></tuple></presence>"#;
        assert_eq!(parse_pidf(two).unwrap().status.basic, BasicStatus::Open);
    }

    #[test]
    fn bad_documents_are_errors() {
        assert_eq!(parse_pidf(b"<foo/>"), Err(PidfError::NotPresence));
        assert_eq!(parse_pidf(b"plain text"), Err(PidfError::NotPresence));
        assert!(matches!(
            parse_pidf(b"<presence entity=\"x"),
            Err(PidfError::Malformed(_))
        ));
        assert_eq!(parse_pidf(&[0xff, 0xfe]), Err(PidfError::NotText));
        let deep = "<presence>".to_string() + &"<a>".repeat(100);
        assert_eq!(parse_pidf(deep.as_bytes()), Err(PidfError::TooDeep));
        let big = vec![b' '; MAX_PIDF + 1];
        assert_eq!(parse_pidf(&big), Err(PidfError::TooLarge(MAX_PIDF + 1)));
    }

    #[test]
    fn notes_are_bounded_and_unescaped() {
        let long = "x".repeat(10_000);
        let doc = format!("<presence entity='e'><note>&lt;{long}</note></presence>");
        let p = parse_pidf(doc.as_bytes()).unwrap();
        let n = p.status.note.unwrap();
        assert!(n.starts_with("<x"));
        assert_eq!(n.chars().count(), MAX_NOTE);
        assert_eq!(unescape("a &#x41;&#66; &bogus; &", 100), "a AB &bogus; &");
    }
}
