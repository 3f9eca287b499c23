//! PROTOS c07-sip (4,527 malformed INVITEs) fed to the UA core, each followed by its
//! CANCEL teardown. The PROTOS pass criterion: no crash or hang, and a valid INVITE is
//! still answered afterwards (checked every 100 cases and at the end).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use openphone_sip::{CoreConfig, SipCore};

fn records(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|b| *b == b' ') else {
            break;
        };
        let Some(len) = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
        else {
            break;
        };
        let end = (sp + 1 + len).min(rest.len());
        out.push(rest[sp + 1..end].to_vec());
        rest = &rest[end..];
    }
    out
}

fn substitute(msg: &[u8], n: usize, method: &str) -> Vec<u8> {
    let mut s = msg.to_vec();
    let pairs: [(&[u8], String); 9] = [
        (b"<To>", "ua@127.0.0.1".into()),
        (b"<From>", "protos@127.0.0.2".into()),
        (b"<From-Address>", "127.0.0.2".into()),
        (b"<From-IP>", "127.0.0.2".into()),
        (b"<Local-Port>", "5070".into()),
        (b"<Branch-ID>", format!("{n}")),
        (b"<Call-ID>", format!("protos{n}")),
        (b"<CSeq>", "1".into()),
        (b"<Teardown-Method>", method.into()),
    ];
    for (k, v) in pairs {
        while let Some(i) = s.windows(k.len()).position(|w| w == k) {
            s.splice(i..i + k.len(), v.bytes());
        }
    }
    // <Content-Length>: the body after the blank line.
    let body = s
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |i| s.len() - i - 4);
    let k: &[u8] = b"<Content-Length>";
    if let Some(i) = s.windows(k.len()).position(|w| w == k) {
        s.splice(i..i + k.len(), body.to_string().bytes());
    }
    s
}

fn status(b: &[u8]) -> Option<u16> {
    std::str::from_utf8(b.get(8..11)?).ok()?.parse().ok()
}

#[test]
fn protos_c07_cases_never_break_the_core() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/protos-c07-sip/cases");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("PROTOS corpus missing at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    assert_eq!(names.len(), 4527);
    let local: SocketAddr = "127.0.0.1:5060".parse().unwrap();
    let peer: SocketAddr = "127.0.0.2:5070".parse().unwrap();
    let t0 = Instant::now();
    let mut core = SipCore::new(CoreConfig::new(Some(local), None), t0);
    let reference = records(&std::fs::read(&names[0]).unwrap());
    let probe = |core: &mut SipCore, now: Instant, n: usize| {
        let inv = substitute(&reference[0], 900_000 + n, "CANCEL");
        core.handle_datagram(now, local, peer, &inv);
        let codes: Vec<u16> = std::iter::from_fn(|| core.poll_transmit())
            .filter_map(|t| status(&t.bytes))
            .collect();
        assert_eq!(
            codes,
            vec![100, 180],
            "valid INVITE not answered after case {n}"
        );
        core.handle_datagram(
            now,
            local,
            peer,
            &substitute(&reference[1], 900_000 + n, "CANCEL"),
        );
        while core.poll_transmit().is_some() {}
    };
    let mut now = t0;
    for (n, path) in names.iter().enumerate() {
        let recs = records(&std::fs::read(path).unwrap());
        for r in &recs {
            core.handle_datagram(now, local, peer, &substitute(r, n, "CANCEL"));
        }
        while core.poll_transmit().is_some() {}
        while core.poll_event().is_some() {}
        if n % 100 == 0 {
            now += Duration::from_secs(40); // let transactions time out
            core.handle_timeout(now);
            while core.poll_transmit().is_some() {}
            probe(&mut core, now, n);
            while core.poll_event().is_some() {}
        }
    }
    now += Duration::from_secs(40);
    core.handle_timeout(now);
    while core.poll_transmit().is_some() {}
    probe(&mut core, now, names.len());
}
