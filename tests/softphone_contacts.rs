//! The softphone's address book: vCard 3.0 (folded and escaped lines) and
//! 4.0 files; the caller's name shown on an incoming call; `call NAME`
//! (exact, unique part, ambiguous, number without an account); `contacts`;
//! a broken file refused before the phone starts.

mod common;

use std::path::Path;

use common::softphone::{cmd, start, wait_line};

const CALLEE_BOOK: &str = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Alice Example\r\n\
IMPP:sip:openphone@127.0.0.1:26172\r\nTEL;VALUE=uri;TYPE=cell:tel:+1-555-0100\r\nEND:VCARD\r\n";

const CALLER_BOOK: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Builder;Bob;;;\r\n\
FN:Bob\\, the\r\n  Builder\r\nX-SIP:sip:bob@127.0.0.1:26171\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bobby Tables\r\nTEL;TYPE=WORK:+44 20 7946 0000\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nobody\r\nNOTE:no address\r\nEND:VCARD\r\n";

#[test]
fn contacts_name_callers_and_are_called_by_name() {
    let dir = std::env::temp_dir().join(format!("op-contacts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (callee_vcf, caller_vcf) = (dir.join("callee.vcf"), dir.join("caller.vcf"));
    std::fs::write(&callee_vcf, CALLEE_BOOK).unwrap();
    std::fs::write(&caller_vcf, CALLER_BOOK).unwrap();
    let (cc, ca) = (dir.join("callee.sock"), dir.join("caller.sock"));
    let (callee_log, caller_log) = (dir.join("callee.log"), dir.join("caller.log"));
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let _callee = start(
        &[
            "--listen",
            "127.0.0.1:26171",
            "--control",
            &s(&cc),
            "--auto-answer",
            "--address-book",
            &s(&callee_vcf),
        ],
        &callee_log,
    );
    let _caller = start(
        &[
            "--listen",
            "127.0.0.1:26172",
            "--control",
            &s(&ca),
            "--address-book",
            &s(&caller_vcf),
        ],
        &caller_log,
    );
    assert!(wait_line(&caller_log, "address book:").contains("2 contacts"));
    wait_line(&caller_log, "control: ");
    wait_line(&callee_log, "control: ");

    let (code, out) = cmd(&ca, "contacts");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("contact: Bob, the Builder | sip:bob@127.0.0.1:26171"),
        "folded, escaped v3 name: {out}"
    );
    assert!(
        out.contains("contact: Bobby Tables | +442079460000"),
        "{out}"
    );
    assert!(!out.contains("Nobody"), "no address, not kept: {out}");

    let (code, out) = cmd(&ca, "call bob");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("ambiguous") && out.contains("Bobby Tables"),
        "{out}"
    );
    let (code, out) = cmd(&ca, "call tables");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("only phone numbers"), "{out}");
    let (code, out) = cmd(&ca, "call nobody");
    assert_eq!(code, 1, "{out}");

    let (code, out) = cmd(&ca, "call builder");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("calling Bob, the Builder (sip:bob@127.0.0.1:26171)"),
        "{out}"
    );
    let shown = wait_line(&callee_log, "caller: call-1");
    assert!(shown.contains("is Alice Example"), "{shown}");
    wait_line(&caller_log, "state call-1 active");
    cmd(&ca, "hangup");

    // A broken address book stops the phone before it starts.
    let broken = dir.join("broken.vcf");
    std::fs::write(&broken, "BEGIN:VCARD\r\nFN:x\r\n").unwrap();
    let (out, status) = common::run_example(
        "softphone",
        &[
            "--listen",
            "127.0.0.1:26173",
            "--no-control",
            "--address-book",
            &s(&broken),
        ],
    );
    assert_eq!(status.code(), Some(2), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
