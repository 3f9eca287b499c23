//! RFC 3551 §6 static payload types (Tables 4 and 5), used when an `m=`
//! line lists a static number without an `a=rtpmap`.

/// `(payload type, encoding name, clock rate, channels)` of RFC 3551's
/// audio and video assignments. G722 is registered with an 8000 Hz RTP clock
/// although it samples at 16 kHz (RFC 3551 §4.5.2, a historical error kept
/// for compatibility). PT 2 (formerly G721) is not listed: RFC 3551 leaves
/// it unassigned, so G.726-32 must be described with an rtpmap.
const TABLE: &[(u8, &str, u32, u8)] = &[
    (0, "PCMU", 8000, 1),
    (3, "GSM", 8000, 1),
    (4, "G723", 8000, 1),
    (5, "DVI4", 8000, 1),
    (6, "DVI4", 16000, 1),
    (7, "LPC", 8000, 1),
    (8, "PCMA", 8000, 1),
    (9, "G722", 8000, 1),
    (10, "L16", 44100, 2),
    (11, "L16", 44100, 1),
    (12, "QCELP", 8000, 1),
    (13, "CN", 8000, 1),
    (14, "MPA", 90000, 1),
    (15, "G728", 8000, 1),
    (16, "DVI4", 11025, 1),
    (17, "DVI4", 22050, 1),
    (18, "G729", 8000, 1),
    (25, "CelB", 90000, 1),
    (26, "JPEG", 90000, 1),
    (28, "nv", 90000, 1),
    (31, "H261", 90000, 1),
    (32, "MPV", 90000, 1),
    (33, "MP2T", 90000, 1),
    (34, "H263", 90000, 1),
];

/// The static assignment of `pt`: `(encoding, clock rate, channels)`.
pub fn static_payload_type(pt: u8) -> Option<(&'static str, u32, u8)> {
    TABLE
        .iter()
        .find(|e| e.0 == pt)
        .map(|&(_, name, rate, ch)| (name, rate, ch))
}

/// True for numbers below 96 that RFC 3551 assigns statically.
pub fn is_static(pt: u8) -> bool {
    static_payload_type(pt).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_entries() {
        assert_eq!(static_payload_type(0), Some(("PCMU", 8000, 1)));
        assert_eq!(static_payload_type(9), Some(("G722", 8000, 1)));
        assert_eq!(static_payload_type(18), Some(("G729", 8000, 1)));
        assert_eq!(static_payload_type(2), None);
        assert_eq!(static_payload_type(96), None);
    }
}
