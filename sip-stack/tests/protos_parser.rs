//! PROTOS c07-sip (OUSPG) robustness run: 4,527 malformed INVITEs.
//!
//! Corpus: `/work/shared/corpora/protos-c07-sip` (see its README for the
//! record format and placeholders). PROTOS' own criterion is robustness:
//! no crash, no hang. Here every case must either parse or fail with a
//! `ParseError` whose response code is 4xx/5xx; the valid reference case
//! 0 must parse. Per-group counts are printed (`--nocapture`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use openphone_sip::message::*;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/protos-c07-sip")
}

#[path = "common/protos.rs"]
mod protos;
use protos::{records, substitute};

#[test]
fn protos_c07_sip_never_panics_and_errors_are_4xx_5xx() {
    let dir = corpus_dir();
    let groups = std::fs::read_to_string(dir.join("GROUPS.tsv"))
        .unwrap_or_else(|e| panic!("PROTOS corpus missing at {}: {e}", dir.display()));
    let groups: Vec<(String, usize, usize)> = groups
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (
                c[0].to_string(),
                c[1].parse().unwrap(),
                c[2].parse().unwrap(),
            )
        })
        .collect();
    let mut per_group: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut ok, mut rejected, mut total) = (0usize, 0usize, 0usize);
    for (name, first, count) in &groups {
        for idx in *first..first + count {
            let data =
                std::fs::read(dir.join("cases").join(format!("{idx:07}"))).expect("case file");
            let recs = records(&data);
            assert_eq!(recs.len(), 2, "case {idx}");
            let invite = substitute(recs[0]);
            let teardown = substitute(recs[1]);
            let entry = per_group.entry(name.clone()).or_default();
            match SipMessage::parse_datagram(&invite) {
                Ok(m) => {
                    // Whatever parsed must print and re-parse.
                    let again = SipMessage::parse_datagram(&m.to_bytes());
                    assert!(
                        again.is_ok(),
                        "case {idx}: reprint failed: {:?}",
                        again.err()
                    );
                    ok += 1;
                    entry.0 += 1;
                }
                Err(e) => {
                    let code = e.response_code();
                    assert!((400..600).contains(&code), "case {idx}: code {code}");
                    rejected += 1;
                    entry.1 += 1;
                }
            }
            // The same bytes on a stream, followed by the teardown request.
            let mut framer = StreamFramer::new();
            framer.push(&invite);
            framer.push(&teardown);
            for _ in 0..4 {
                match framer.next_message() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) if e.breaks_framing() => break,
                    Err(_) => {}
                }
            }
            // The teardown repeats the case's malformed element; it only
            // has to be handled without panic and with a 4xx/5xx code.
            if let Err(e) = SipMessage::parse_datagram(&teardown) {
                assert!(
                    (400..600).contains(&e.response_code()),
                    "case {idx}: teardown"
                );
            }
            total += 1;
        }
    }
    assert_eq!(total, 4527);
    println!("PROTOS c07-sip: {total} cases, {ok} parsed, {rejected} rejected with 4xx/5xx");
    for (g, (p, r)) in &per_group {
        println!("  {g:32} parsed {p:4}  rejected {r:4}");
    }
    assert_eq!(per_group["valid"], (1, 0), "reference INVITE must parse");
}
