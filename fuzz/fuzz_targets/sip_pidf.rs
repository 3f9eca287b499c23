//! Fuzz the PIDF reader (RFC 3863). Properties: no panic; a document it
//! reads prints (our own printer) to one that reads back to the same status.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_sip::event::{parse_pidf, pidf_document};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = parse_pidf(data) {
        let doc = pidf_document(&p.entity, &p.status, "t", None);
        let back = parse_pidf(doc.as_bytes()).expect("printed PIDF reads");
        assert_eq!(back.status.basic, p.status.basic);
    }
});
