//! The parser: datagram → messages (split at `.` lines) → header lines and
//! session descriptions.

use openphone_sdp::{SdpError, SessionDescription};

use super::command::Command;
use super::error::{ParseError, ParseErrorKind};
use super::ids::TransactionId;
use super::params::{Parameter, Parameters, MAX_PARAMETERS};
use super::response::Response;
use super::return_code::ReturnCode;
use super::scan::is_token;
use super::verb::Verb;
use super::{Message, MAX_DATAGRAM_BYTES, MAX_LINE_LEN, MAX_MESSAGES_PER_DATAGRAM};

/// The lines of `data`, each without its LF or CRLF (a final line without
/// a line end counts), with the offset just past each line's end.
fn lines(data: &[u8]) -> impl Iterator<Item = (&[u8], usize)> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= data.len() {
            return None;
        }
        let start = pos;
        let (end, next) = match data[pos..].iter().position(|&b| b == b'\n') {
            Some(i) => (pos + i, pos + i + 1),
            None => (data.len(), data.len()),
        };
        pos = next;
        let line = &data[start..end];
        Some((line.strip_suffix(b"\r").unwrap_or(line), next))
    })
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

/// Splits a datagram into its piggy-backed messages at lines holding a
/// single `.` (RFC 3435 §3.5.5).
pub(crate) fn split_datagram(data: &[u8]) -> Result<Vec<&[u8]>, ParseError> {
    if data.len() > MAX_DATAGRAM_BYTES {
        return Err(ParseError::new(ParseErrorKind::TooLarge(data.len())));
    }
    let mut parts = Vec::new();
    let mut start = 0;
    let mut line_start = 0;
    for (line, next) in lines(data) {
        if line == b"." {
            if parts.len() + 1 >= MAX_MESSAGES_PER_DATAGRAM {
                return Err(ParseError::new(ParseErrorKind::TooManyMessages));
            }
            parts.push(&data[start..line_start]);
            start = next;
        }
        line_start = next;
    }
    parts.push(&data[start..]);
    Ok(parts)
}

/// Parses one message (no `.` separators inside).
pub(crate) fn parse_message(data: &[u8]) -> Result<Message, ParseError> {
    if data.len() > MAX_DATAGRAM_BYTES {
        return Err(ParseError::new(ParseErrorKind::TooLarge(data.len())));
    }
    let mut it = lines(data).skip_while(|(l, _)| is_blank(l));
    let Some((first, _)) = it.next() else {
        return Err(ParseError::new(ParseErrorKind::Empty));
    };
    let first = text(first).map_err(ParseError::new)?;
    let tokens: Vec<&str> = first.split([' ', '\t']).filter(|t| !t.is_empty()).collect();
    let is_response = tokens
        .first()
        .is_some_and(|t| t.len() == 3 && t.bytes().all(|b| b.is_ascii_digit()));
    if is_response {
        let (code, tid, package, commentary) = response_line(first, &tokens)?;
        let fail = |k| ParseError::new(k).in_response(tid);
        let (parameters, sdp) = rest(it, data).map_err(fail)?;
        return Ok(Message::Response(Response {
            code,
            transaction_id: tid,
            package,
            commentary,
            parameters,
            sdp,
        }));
    }
    let tid = tokens
        .get(1)
        .and_then(|t| t.parse::<TransactionId>().ok())
        .ok_or_else(|| ParseError::new(ParseErrorKind::CommandLine("missing transaction id")))?;
    let fail = |k| ParseError::new(k).in_command(tid);
    let verb_text = tokens.first().copied().unwrap_or_default();
    let verb = Verb::parse(verb_text).ok_or_else(|| {
        fail(ParseErrorKind::UnknownCommand(
            verb_text.chars().take(16).collect(),
        ))
    })?;
    let endpoint = tokens
        .get(2)
        .ok_or_else(|| fail(ParseErrorKind::CommandLine("missing endpoint name")))?
        .parse()
        .map_err(|e| fail(ParseErrorKind::Endpoint(e)))?;
    match (tokens.get(3), tokens.get(4)) {
        (Some(m), Some(v)) if m.eq_ignore_ascii_case("MGCP") => {
            if *v != "1.0" {
                return Err(fail(ParseErrorKind::Version(v.chars().take(16).collect())));
            }
        }
        (Some(_), _) => return Err(fail(ParseErrorKind::CommandLine("expected MGCP 1.0"))),
        (None, _) => {
            return Err(fail(ParseErrorKind::CommandLine(
                "missing protocol version",
            )))
        }
    }
    let profile = (tokens.len() > 5).then(|| tokens[5..].join(" "));
    let (parameters, sdp) = rest(it, data).map_err(fail)?;
    Ok(Message::Command(Command {
        verb,
        transaction_id: tid,
        endpoint,
        profile,
        parameters,
        sdp,
    }))
}

/// The parameter lines up to the empty line, and the session descriptions
/// after it.
fn rest<'a>(
    mut lines: impl Iterator<Item = (&'a [u8], usize)>,
    data: &'a [u8],
) -> Result<(Parameters, Vec<SessionDescription>), ParseErrorKind> {
    let mut header = Vec::new();
    let mut body_start = data.len();
    for (line, next) in lines.by_ref() {
        if is_blank(line) {
            body_start = next;
            break;
        }
        if header.len() == MAX_PARAMETERS {
            return Err(ParseErrorKind::TooManyParameters);
        }
        header.push(line);
    }
    let parameters = parameters(&header)?;
    let sdp = descriptions(&data[body_start.min(data.len())..])?;
    Ok((parameters, sdp))
}

/// A header line as text: printable ASCII, blanks and tabs only.
fn text(line: &[u8]) -> Result<&str, ParseErrorKind> {
    if line.len() > MAX_LINE_LEN {
        return Err(ParseErrorKind::LineTooLong);
    }
    if !line
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        return Err(ParseErrorKind::NotText);
    }
    std::str::from_utf8(line).map_err(|_| ParseErrorKind::NotText)
}

type ResponseLine = (ReturnCode, TransactionId, Option<String>, String);

fn response_line(line: &str, tokens: &[&str]) -> Result<ResponseLine, ParseError> {
    let bad = |what| ParseError::new(ParseErrorKind::ResponseLine(what));
    let code = tokens[0]
        .parse::<u16>()
        .ok()
        .and_then(ReturnCode::new)
        .ok_or_else(|| bad("invalid return code"))?;
    let tid: TransactionId = tokens
        .get(1)
        .ok_or_else(|| bad("missing transaction id"))?
        .parse()
        .map_err(|_| bad("invalid transaction id"))?;
    // What follows the transaction id, verbatim but for outer blanks.
    let mut rest = line.trim_start_matches([' ', '\t']);
    for _ in 0..2 {
        rest = rest
            .trim_start_matches(|c| c != ' ' && c != '\t')
            .trim_start_matches([' ', '\t']);
    }
    let rest = rest.trim_end_matches([' ', '\t']);
    let (package, commentary) = match tokens.get(2).and_then(|t| t.strip_prefix('/')) {
        Some(p) if is_token(p) => {
            let after = rest[tokens[2].len()..].trim_start_matches([' ', '\t']);
            (Some(p.to_string()), after)
        }
        _ => (None, rest),
    };
    Ok((code, tid, package, commentary.to_string()))
}

fn parameters(lines: &[&[u8]]) -> Result<Parameters, ParseErrorKind> {
    let mut params = Parameters::default();
    for line in lines {
        let line = text(line)?;
        let (code, value) = line
            .split_once(':')
            .ok_or(ParseErrorKind::ParameterLine("no colon"))?;
        let code = code.trim_end_matches([' ', '\t']);
        if !is_token(&code.replace('+', "-")) || code.len() > 64 {
            return Err(ParseErrorKind::ParameterLine("invalid parameter code"));
        }
        let p = Parameter::parse(code, value.trim_matches([' ', '\t']))?;
        if !p.may_repeat() && params.iter().any(|q| q.code() == p.code()) {
            return Err(ParseErrorKind::DuplicateParameter(p.code().to_string()));
        }
        params.push(p);
    }
    Ok(params)
}

/// The session descriptions after the empty line: one, or two separated by
/// an empty line (an audit's local then remote descriptor).
fn descriptions(body: &[u8]) -> Result<Vec<SessionDescription>, ParseErrorKind> {
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    for (line, next) in lines(body) {
        match (is_blank(line), start) {
            (true, Some(s)) => {
                blocks.push((s, pos));
                start = None;
            }
            (false, None) => start = Some(pos),
            _ => {}
        }
        pos = next;
    }
    if let Some(s) = start {
        blocks.push((s, body.len()));
    }
    if blocks.len() > 2 {
        return Err(ParseErrorKind::TooManyDescriptors);
    }
    blocks
        .into_iter()
        .map(|(s, e)| parse_sdp(&body[s..e]).map_err(ParseErrorKind::Sdp))
        .collect()
}

/// Parses a session description, reading an `o=` session id or version
/// written in hexadecimal as the number it stands for: osmo-mgw writes its
/// connection id there (`o=- E7A352E2 23 IN IP4 ...`), where RFC 8866
/// wants decimal digits. Nothing else is relaxed.
fn parse_sdp(block: &[u8]) -> Result<SessionDescription, SdpError> {
    let first = SessionDescription::parse(block);
    let Err(SdpError::InvalidField { field, .. }) = &first else {
        return first;
    };
    if !field.starts_with("origin session") {
        return first;
    }
    let mut fixed = Vec::with_capacity(block.len() + 16);
    let mut changed = false;
    for (line, _) in lines(block) {
        match line.strip_prefix(b"o=") {
            Some(rest) if !changed => {
                changed = true;
                fixed.extend_from_slice(b"o=");
                for (i, field) in rest.split(|&b| b == b' ').enumerate() {
                    if i > 0 {
                        fixed.push(b' ');
                    }
                    let hex = std::str::from_utf8(field)
                        .ok()
                        .filter(|f| {
                            (1..=16).contains(&f.len()) && !f.bytes().all(|b| b.is_ascii_digit())
                        })
                        .and_then(|f| u64::from_str_radix(f, 16).ok());
                    match hex {
                        Some(v) if i == 1 || i == 2 => {
                            fixed.extend_from_slice(v.to_string().as_bytes())
                        }
                        _ => fixed.extend_from_slice(field),
                    }
                }
            }
            _ => fixed.extend_from_slice(line),
        }
        fixed.extend_from_slice(b"\r\n");
    }
    SessionDescription::parse(&fixed).or(first)
}
