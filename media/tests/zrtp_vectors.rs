/// The fuzz seeds made by `fuzz/seeds/make-seeds.sh` (its own CRC-32C in
/// Python) are packets we accept, with messages we decode and re-encode
/// alike (except the fragment, whose message is partial).
#[test]
fn fuzz_seeds_are_valid_packets() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/zrtp_packet");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let p = parse_packet(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if p.fragment.is_some() {
            assert!(Message::parse(p.message).is_err());
        } else {
            let m = Message::parse(p.message).unwrap();
            assert_eq!(m.to_bytes(), p.message, "{}", path.display());
        }
        n += 1;
    }
    assert!(n >= 10);
}
