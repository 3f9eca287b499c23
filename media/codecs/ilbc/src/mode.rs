//! The two iLBC frame modes and their SDP signalling (RFC 3952).

/// iLBC frame length mode.
///
/// ```
/// use openphone_ilbc::IlbcMode;
/// assert_eq!(IlbcMode::from_fmtp(Some("mode=20")), IlbcMode::Ms20);
/// assert_eq!(IlbcMode::from_fmtp(None), IlbcMode::Ms30);
/// assert_eq!(IlbcMode::Ms20.frame_bytes(), 38);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IlbcMode {
    /// 20 ms frames: 160 samples, 38 bytes (15.2 kbit/s).
    Ms20,
    /// 30 ms frames: 240 samples, 50 bytes (13.33 kbit/s).
    Ms30,
}

impl IlbcMode {
    /// Mode from an SDP `a=fmtp` parameter string. RFC 3952 §5: `mode=20`
    /// selects 20 ms; anything else, including an absent parameter, means
    /// the default 30 ms mode.
    pub fn from_fmtp(fmtp: Option<&str>) -> IlbcMode {
        let Some(fmtp) = fmtp else {
            return IlbcMode::Ms30;
        };
        for param in fmtp.split(';') {
            let mut kv = param.splitn(2, '=');
            let key = kv.next().unwrap_or("").trim();
            let value = kv.next().unwrap_or("").trim();
            if key.eq_ignore_ascii_case("mode") && value == "20" {
                return IlbcMode::Ms20;
            }
        }
        IlbcMode::Ms30
    }

    /// The mode whose frames are `len` bytes long.
    pub fn from_frame_bytes(len: usize) -> Option<IlbcMode> {
        match len {
            38 => Some(IlbcMode::Ms20),
            50 => Some(IlbcMode::Ms30),
            _ => None,
        }
    }

    /// Samples per frame at 8 kHz.
    pub fn frame_samples(self) -> usize {
        match self {
            IlbcMode::Ms20 => 160,
            IlbcMode::Ms30 => 240,
        }
    }

    /// Bytes per encoded frame.
    pub fn frame_bytes(self) -> usize {
        match self {
            IlbcMode::Ms20 => 38,
            IlbcMode::Ms30 => 50,
        }
    }

    /// Frame duration in milliseconds.
    pub fn frame_ms(self) -> u32 {
        match self {
            IlbcMode::Ms20 => 20,
            IlbcMode::Ms30 => 30,
        }
    }

    /// Number of 40-sample sub-blocks.
    pub(crate) fn nsub(self) -> usize {
        self.frame_samples() / 40
    }

    /// Number of LSF sets per frame.
    pub(crate) fn lpc_n(self) -> usize {
        match self {
            IlbcMode::Ms20 => 1,
            IlbcMode::Ms30 => 2,
        }
    }

    /// Length of the scalar-quantised start state.
    pub(crate) fn state_short_len(self) -> usize {
        match self {
            IlbcMode::Ms20 => 57,
            IlbcMode::Ms30 => 58,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmtp_parsing() {
        assert_eq!(IlbcMode::from_fmtp(Some("mode=30")), IlbcMode::Ms30);
        assert_eq!(IlbcMode::from_fmtp(Some(" mode = 20 ")), IlbcMode::Ms20);
        assert_eq!(IlbcMode::from_fmtp(Some("foo=1; mode=20")), IlbcMode::Ms20);
        assert_eq!(IlbcMode::from_fmtp(Some("")), IlbcMode::Ms30);
        assert_eq!(IlbcMode::from_fmtp(Some("mode=25")), IlbcMode::Ms30);
    }
}
