//! The fuzz seeds in `fuzz/seeds/h323_*` are what the builders encode
//! today. Stale seeds fail; `OPENPHONE_WRITE_SEEDS=1 cargo test -p
//! openphone-h323 --test fuzz_seeds` rewrites them.
mod common;

use common::*;
use openphone_h323::build::call;
use openphone_h323::q931::{
    Cause, InformationElement, Message, MessageType, PartyNumber, UserUser,
};
use openphone_h323::{per, q931, tpkt};
use std::path::PathBuf;

fn seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let uuie = per::encode_user_information(&setup()).unwrap();
    let cr = q931::CallReference {
        value: 0x0101,
        from_destination: false,
    };
    let q931_setup = Message::new(MessageType::Setup, cr)
        .with(InformationElement::BearerCapability(vec![0x88, 0x90, 0xa5]))
        .with(InformationElement::Display("Alice".into()))
        .with(InformationElement::CallingPartyNumber(PartyNumber::e164(
            "1001",
        )))
        .with(InformationElement::CalledPartyNumber(PartyNumber::e164(
            "1002",
        )))
        .with(InformationElement::UserUser(UserUser::h225(uuie.clone())))
        .encode()
        .unwrap();
    let rc_uuie = per::encode_user_information(&call::user_information(
        call::release_complete(CALL_ID, None),
        false,
        vec![],
    ))
    .unwrap();
    let q931_release = Message::new(
        MessageType::ReleaseComplete,
        q931::CallReference {
            value: 0x0101,
            from_destination: true,
        },
    )
    .with(InformationElement::Cause(Cause::new(17)))
    .with(InformationElement::UserUser(UserUser::h225(
        rc_uuie.clone(),
    )))
    .encode()
    .unwrap();
    let mut stream = tpkt::encode(&q931_setup).unwrap();
    stream.extend(tpkt::encode(&q931_release).unwrap());
    vec![
        (
            "h323_q931",
            "setup-tpkt",
            tpkt::encode(&q931_setup).unwrap(),
        ),
        ("h323_q931", "setup-release-stream", stream),
        ("h323_q931", "release-complete", q931_release),
        ("h323_ras", "grq", per::encode_ras(&grq()).unwrap()),
        ("h323_ras", "rrq", per::encode_ras(&rrq()).unwrap()),
        (
            "h323_ras",
            "rrq-keepalive",
            per::encode_ras(&keep_alive()).unwrap(),
        ),
        ("h323_uuie", "setup", uuie),
        ("h323_uuie", "release-complete", rc_uuie),
        ("h323_h245", "msd", per::encode_h245(&msd()).unwrap()),
        ("h323_h245", "tcs", per::encode_h245(&tcs()).unwrap()),
        ("h323_h245", "olc", per::encode_h245(&olc()).unwrap()),
    ]
}

#[test]
fn fuzz_seeds_are_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
    let write = std::env::var_os("OPENPHONE_WRITE_SEEDS").is_some();
    let mut stale = Vec::new();
    for (target, name, bytes) in seeds() {
        let path = root.join(target).join(name);
        if write {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale or missing seeds (OPENPHONE_WRITE_SEEDS=1 rewrites): {stale:?}"
    );
}
