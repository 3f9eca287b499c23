//! PROTOS c07-sip case files: `<len> <bytes>` records with placeholders.
//! Shared by `protos_parser.rs` and `view_differential.rs` (`#[path]`).

/// Splits a case file into its `<len> <bytes>` records.
pub fn records(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|&b| b == b' ') else {
            break;
        };
        let len: usize = std::str::from_utf8(&rest[..sp]).unwrap().parse().unwrap();
        let end = (sp + 1 + len).min(rest.len());
        out.push(&rest[sp + 1..end]);
        rest = &rest[end..];
    }
    out
}

const PLACEHOLDERS: [(&[u8], &[u8]); 9] = [
    (b"<To>", b"receiver@127.0.0.1"),
    (b"<From>", b"caller@127.0.0.1"),
    (b"<From-Address>", b"127.0.0.1"),
    (b"<From-IP>", b"127.0.0.1"),
    (b"<Local-Port>", b"5062"),
    (b"<Branch-ID>", b"77"),
    (b"<Call-ID>", b"protos-77"),
    (b"<CSeq>", b"1"),
    (b"<Teardown-Method>", b"CANCEL"),
];

/// Fills in the placeholders in one pass (the corpus is 37 MB, so this
/// must stay cheap in debug builds); Content-Length last, from the body.
pub fn substitute(rec: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rec.len() + 64);
    let mut cl_at = None;
    let mut i = 0;
    while i < rec.len() {
        let b = rec[i];
        if b == b'<' {
            let rest = &rec[i..];
            if let Some((k, v)) = PLACEHOLDERS.iter().find(|(k, _)| rest.starts_with(k)) {
                out.extend_from_slice(v);
                i += k.len();
                continue;
            }
            if rest.starts_with(b"<Content-Length>") {
                cl_at = Some(out.len());
                i += b"<Content-Length>".len();
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    if let Some(at) = cl_at {
        let mut body_len = 0;
        let mut j = 0;
        while j + 4 <= out.len() {
            if out[j] == b'\r' && &out[j..j + 4] == b"\r\n\r\n" {
                body_len = out.len() - j - 4;
                break;
            }
            j += 1;
        }
        let digits = body_len.to_string();
        out.splice(at..at, digits.bytes());
    }
    out
}
