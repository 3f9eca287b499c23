//! The codec registry: finds encoders and decoders by SDP encoding name,
//! clock rate and channels (+ format parameters for codecs with variants,
//! such as iLBC's `mode=20`/`mode=30`), and lists what we offer in
//! preference order with payload types.
//!
//! Adding a codec: write an adapter module in `codec/` and add a
//! [`CodecEntry`] for it in [`CodecRegistry::with_builtin`] (in the default
//! preference position).
//!
//! ```
//! use openphone_media::codec::CodecRegistry;
//! use openphone_sal::CodecDescriptor;
//! let reg = CodecRegistry::with_builtin();
//! let offered = reg.supported();
//! assert_eq!(offered[0].encoding, "PCMU");
//! assert!(offered.iter().any(|c| c.is_telephone_event() && c.payload_type == Some(101)));
//! let mut enc = reg.encoder(&CodecDescriptor::new(8, "pcma", 8000)).unwrap();
//! assert_eq!(enc.info().name, "pcma");
//! ```

use openphone_sal::CodecDescriptor;

use super::g711::{Pcma, Pcmu};
use super::g722::{g722_info, G722Decoder, G722Encoder};
use super::g726::{g726_info, G726Decoder, G726Encoder, G726Packing, G726Rate};
use super::gsm::{gsm_info, GsmDecoder, GsmEncoder};
use super::ilbc::{ilbc_info, IlbcDecoder, IlbcEncoder, IlbcMode};
use super::traits::{AudioDecoder, AudioEncoder, CodecError, CodecInfo};

/// Builds an encoder for a negotiated descriptor (its fmtp may select a variant).
pub type EncoderFactory = fn(&CodecDescriptor) -> Result<Box<dyn AudioEncoder>, CodecError>;
/// Builds a decoder for a negotiated descriptor.
pub type DecoderFactory = fn(&CodecDescriptor) -> Result<Box<dyn AudioDecoder>, CodecError>;
/// Says whether an entry serves a descriptor's format parameters.
pub type FmtpMatcher = fn(Option<&str>) -> bool;

/// RTP payload type we use for RFC 4733 telephone-event.
pub const TELEPHONE_EVENT_PT: u8 = 101;
/// First dynamic payload type (RFC 3551 §3).
pub const FIRST_DYNAMIC_PT: u8 = 96;

/// One registered codec (one variant of it).
#[derive(Clone)]
pub struct CodecEntry {
    /// Static facts (encoding name, rates, frame size, fmtp we advertise…).
    pub info: CodecInfo,
    /// Makes an encoder.
    pub encoder: EncoderFactory,
    /// Makes a decoder.
    pub decoder: DecoderFactory,
    /// Whether this entry serves a peer's fmtp; `None` accepts any.
    pub fmtp_matches: Option<FmtpMatcher>,
    /// Channel count as written in SDP (`opus/48000/2` says 2 although we
    /// code mono, RFC 7587); 1 for every other codec.
    pub channels: u8,
}

impl std::fmt::Debug for CodecEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodecEntry")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl CodecEntry {
    /// An entry that accepts any fmtp.
    pub fn new(info: CodecInfo, encoder: EncoderFactory, decoder: DecoderFactory) -> Self {
        CodecEntry {
            info,
            encoder,
            decoder,
            fmtp_matches: None,
            channels: 1,
        }
    }

    /// Sets the SDP channel count.
    pub fn with_channels(mut self, channels: u8) -> Self {
        self.channels = channels.max(1);
        self
    }

    /// Restricts the entry to descriptors whose fmtp `m` accepts.
    pub fn with_fmtp_matcher(mut self, m: FmtpMatcher) -> Self {
        self.fmtp_matches = Some(m);
        self
    }

    /// True when this entry serves `d` (name case-insensitive, clock rate, channels, fmtp).
    pub fn serves(&self, d: &CodecDescriptor) -> bool {
        self.info.encoding.eq_ignore_ascii_case(&d.encoding)
            && self.info.rtp_clock_rate == d.clock_rate
            && d.channels.max(1) == self.channels
            && self.fmtp_matches.is_none_or(|m| m(d.fmtp.as_deref()))
    }

    /// True when `name` designates this entry: its tool name (`gsm`, `ilbc20`),
    /// its encoding name (`GSM`), or `encoding/rate` (`speex/16000`), case-insensitively.
    pub fn named(&self, name: &str) -> bool {
        if name.eq_ignore_ascii_case(self.info.name)
            || name.eq_ignore_ascii_case(self.info.encoding)
        {
            return true;
        }
        match name.split_once('/') {
            Some((enc, rate)) => {
                enc.eq_ignore_ascii_case(self.info.encoding)
                    && rate.trim().parse::<u32>().ok() == Some(self.info.rtp_clock_rate)
            }
            None => false,
        }
    }
}

/// The set of codecs this build can use, in preference order.
#[derive(Debug, Clone, Default)]
pub struct CodecRegistry {
    /// Every registered entry, in default preference order.
    entries: Vec<CodecEntry>,
    /// Indices into `entries` that we offer, in order.
    enabled: Vec<usize>,
    /// Whether to offer telephone-event/8000.
    telephone_event: bool,
    /// Whether to offer RFC 3389 comfort noise (CN/8000).
    comfort_noise: bool,
}

impl CodecRegistry {
    /// An empty registry (telephone-event still offered).
    pub fn new() -> Self {
        CodecRegistry {
            entries: Vec::new(),
            enabled: Vec::new(),
            telephone_event: true,
            comfort_noise: false,
        }
    }

    /// Every codec built into this crate (and enabled by features), in
    /// default preference order: G.711 first because every peer has it,
    /// then wideband (G.722, Opus, Speex-WB), then the low-rate narrowband
    /// codecs (Speex-NB, GSM, iLBC 30/20 ms, G.726 at 32/24/40/16 kbit/s).
    pub fn with_builtin() -> Self {
        let mut r = CodecRegistry::new();
        r.register(CodecEntry::new(
            Pcmu::info(),
            |_| Ok(Box::new(Pcmu::encoder())),
            |_| Ok(Box::new(Pcmu::decoder())),
        ));
        r.register(CodecEntry::new(
            Pcma::info(),
            |_| Ok(Box::new(Pcma::encoder())),
            |_| Ok(Box::new(Pcma::decoder())),
        ));
        r.register(CodecEntry::new(
            g722_info(),
            |_| Ok(Box::new(G722Encoder::new())),
            |_| Ok(Box::new(G722Decoder::new())),
        ));
        register_optional_wideband(&mut r);
        r.register(CodecEntry::new(
            gsm_info(),
            |_| Ok(Box::new(GsmEncoder::new())),
            |_| Ok(Box::new(GsmDecoder::new())),
        ));
        // RFC 3952: `mode=20` selects 20 ms frames, anything else 30 ms.
        r.register(
            CodecEntry::new(
                ilbc_info(IlbcMode::Ms30),
                |_| Ok(Box::new(IlbcEncoder::new(IlbcMode::Ms30))),
                |_| Ok(Box::new(IlbcDecoder::new(IlbcMode::Ms30))),
            )
            .with_fmtp_matcher(|f| IlbcMode::from_fmtp(f) == IlbcMode::Ms30),
        );
        r.register(
            CodecEntry::new(
                ilbc_info(IlbcMode::Ms20),
                |_| Ok(Box::new(IlbcEncoder::new(IlbcMode::Ms20))),
                |_| Ok(Box::new(IlbcDecoder::new(IlbcMode::Ms20))),
            )
            .with_fmtp_matcher(|f| IlbcMode::from_fmtp(f) == IlbcMode::Ms20),
        );
        macro_rules! g726 {
            ($rate:expr) => {
                r.register(CodecEntry::new(
                    g726_info($rate),
                    |_| Ok(Box::new(G726Encoder::new($rate, G726Packing::Rfc3551))),
                    |_| Ok(Box::new(G726Decoder::new($rate, G726Packing::Rfc3551))),
                ))
            };
        }
        g726!(G726Rate::Kbps32);
        g726!(G726Rate::Kbps24);
        g726!(G726Rate::Kbps40);
        g726!(G726Rate::Kbps16);
        register_optional_narrowband(&mut r);
        r
    }

    /// Chooses the bit packing of the `G726-16/24/32/40` entries.
    ///
    /// RFC 3551 §4.5.4 packs those names with the first codeword in the least
    /// significant bits ([`G726Packing::Rfc3551`], the default). Several
    /// deployed phones (baresip 1.0 and linphone 5.1 among them, see
    /// INTEROP.md) send the AAL2 order under the RFC 3551 names; choosing
    /// [`G726Packing::Aal2`] here interoperates with them, as twinkle's
    /// `g726_packing=aal2` does.
    ///
    /// ```
    /// use openphone_media::codec::{CodecRegistry, G726Packing};
    /// let mut r = CodecRegistry::with_builtin();
    /// r.set_g726_packing(G726Packing::Aal2);
    /// assert!(r.by_name("g726-32").is_some());
    /// ```
    pub fn set_g726_packing(&mut self, packing: G726Packing) {
        macro_rules! pick {
            ($rate:expr) => {
                match packing {
                    G726Packing::Rfc3551 => (
                        (|_| Ok(Box::new(G726Encoder::new($rate, G726Packing::Rfc3551))))
                            as EncoderFactory,
                        (|_| Ok(Box::new(G726Decoder::new($rate, G726Packing::Rfc3551))))
                            as DecoderFactory,
                    ),
                    G726Packing::Aal2 => (
                        (|_| Ok(Box::new(G726Encoder::new($rate, G726Packing::Aal2))))
                            as EncoderFactory,
                        (|_| Ok(Box::new(G726Decoder::new($rate, G726Packing::Aal2))))
                            as DecoderFactory,
                    ),
                }
            };
        }
        for e in &mut self.entries {
            let (enc, dec) = match e.info.encoding {
                "G726-16" => pick!(G726Rate::Kbps16),
                "G726-24" => pick!(G726Rate::Kbps24),
                "G726-32" => pick!(G726Rate::Kbps32),
                "G726-40" => pick!(G726Rate::Kbps40),
                _ => continue,
            };
            e.encoder = enc;
            e.decoder = dec;
        }
    }

    /// Adds an entry at the end of the preference order (and enables it).
    pub fn register(&mut self, entry: CodecEntry) {
        self.entries.push(entry);
        self.enabled.push(self.entries.len() - 1);
    }

    /// Chooses which codecs to offer and in which order, by name (see
    /// [`CodecEntry::named`]; a name matching several variants enables all of
    /// them in registration order). Codecs not named are not offered.
    /// `telephone-event` in the list is accepted and ignored (see
    /// [`set_telephone_event`](Self::set_telephone_event)).
    pub fn set_preference<S: AsRef<str>>(&mut self, names: &[S]) -> Result<(), CodecError> {
        let mut enabled = Vec::new();
        for name in names {
            let name = name.as_ref().trim();
            if name.eq_ignore_ascii_case("telephone-event") {
                continue;
            }
            let mut found = false;
            for (i, e) in self.entries.iter().enumerate() {
                if e.named(name) {
                    found = true;
                    if !enabled.contains(&i) {
                        enabled.push(i);
                    }
                }
            }
            if !found {
                return Err(CodecError::Unsupported(format!(
                    "unknown codec {name:?} (known: {})",
                    self.entries
                        .iter()
                        .map(|e| e.info.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        if enabled.is_empty() {
            return Err(CodecError::Unsupported(
                "codec preference list names no audio codec".into(),
            ));
        }
        self.enabled = enabled;
        Ok(())
    }

    /// Whether `telephone-event/8000` is offered (default: yes).
    pub fn set_telephone_event(&mut self, on: bool) {
        self.telephone_event = on;
    }

    /// Whether `CN/8000` (RFC 3389 comfort noise, static payload type 13) is
    /// offered (default: no). Offering it lets the peer stop sending during
    /// silence; received CN is played as noise of the signalled level (see
    /// `session::MediaSession`). We do not send CN ourselves.
    pub fn set_comfort_noise(&mut self, on: bool) {
        self.comfort_noise = on;
    }

    /// What we offer, in preference order, with payload types: static ones
    /// where RFC 3551 assigns one, dynamic ones from 96 otherwise (skipping
    /// 101), then telephone-event/8000 on 101 with fmtp `0-16`, and one more
    /// telephone-event per other RTP clock rate in use (e.g. `/48000` for Opus).
    pub fn supported(&self) -> Vec<CodecDescriptor> {
        let mut out = Vec::with_capacity(self.enabled.len() + 1);
        let mut next_dyn = FIRST_DYNAMIC_PT;
        for &i in &self.enabled {
            let Some(e) = self.entries.get(i) else {
                continue;
            };
            let pt = match e.info.static_payload_type {
                Some(pt) => pt,
                None => {
                    if next_dyn == TELEPHONE_EVENT_PT {
                        next_dyn += 1;
                    }
                    if next_dyn > 127 {
                        // Out of dynamic payload types: offer no more.
                        continue;
                    }
                    let pt = next_dyn;
                    next_dyn += 1;
                    pt
                }
            };
            let mut d = CodecDescriptor::new(pt, e.info.encoding, e.info.rtp_clock_rate)
                .with_channels(e.channels);
            d.fmtp = e.info.fmtp.clone();
            out.push(d);
        }
        if self.comfort_noise {
            out.push(CodecDescriptor::new(13, "CN", 8000));
        }
        if self.telephone_event {
            out.push(
                CodecDescriptor::new(TELEPHONE_EVENT_PT, "telephone-event", 8000).with_fmtp("0-16"),
            );
            // RFC 4733 §2.1: events use the clock of the audio they go with,
            // so a 16 or 48 kHz codec gets its own telephone-event entry.
            let mut rates: Vec<u32> = Vec::new();
            for d in &out {
                if d.is_audio() && d.clock_rate != 8000 && !rates.contains(&d.clock_rate) {
                    rates.push(d.clock_rate);
                }
            }
            for rate in rates {
                if next_dyn == TELEPHONE_EVENT_PT {
                    next_dyn += 1;
                }
                if next_dyn > 127 {
                    break;
                }
                out.push(CodecDescriptor::new(next_dyn, "telephone-event", rate).with_fmtp("0-16"));
                next_dyn += 1;
            }
        }
        out
    }

    /// The entry serving a negotiated descriptor, if any.
    pub fn find(&self, d: &CodecDescriptor) -> Option<&CodecEntry> {
        self.entries.iter().find(|e| e.serves(d))
    }

    /// An encoder for a negotiated descriptor.
    pub fn encoder(&self, d: &CodecDescriptor) -> Result<Box<dyn AudioEncoder>, CodecError> {
        let e = self.find(d).ok_or_else(|| not_found(d))?;
        (e.encoder)(d)
    }

    /// A decoder for a negotiated descriptor.
    pub fn decoder(&self, d: &CodecDescriptor) -> Result<Box<dyn AudioDecoder>, CodecError> {
        let e = self.find(d).ok_or_else(|| not_found(d))?;
        (e.decoder)(d)
    }

    /// The first entry called `name` (tool name, encoding, or `encoding/rate`).
    pub fn by_name(&self, name: &str) -> Option<&CodecEntry> {
        self.entries.iter().find(|e| e.named(name))
    }

    /// Every registered entry, in default preference order.
    pub fn list(&self) -> impl Iterator<Item = &CodecEntry> {
        self.entries.iter()
    }

    /// The descriptor we would offer for `entry` (its payload type as in
    /// [`supported`](Self::supported)), for tools that start from a name.
    pub fn descriptor_for(&self, entry: &CodecEntry) -> CodecDescriptor {
        let offered = self
            .supported()
            .into_iter()
            .find(|d| entry.serves(d) && d.fmtp == entry.info.fmtp);
        offered.unwrap_or_else(|| {
            let mut d = CodecDescriptor::new(
                entry.info.static_payload_type.unwrap_or(FIRST_DYNAMIC_PT),
                entry.info.encoding,
                entry.info.rtp_clock_rate,
            )
            .with_channels(entry.channels);
            d.fmtp = entry.info.fmtp.clone();
            d
        })
    }
}

/// Opus (feature `opus`, SDP `opus/48000/2`, RFC 7587) and Speex
/// wideband (feature `speex`).
fn register_optional_wideband(r: &mut CodecRegistry) {
    #[cfg(feature = "opus")]
    {
        use super::opus::{opus_info, OpusDecoder, OpusEncoder, OpusParams};
        // The descriptor's fmtp is the peer's: it steers our encoder.
        r.register(
            CodecEntry::new(
                opus_info(),
                |d| {
                    let p = OpusParams::from_fmtp(d.fmtp.as_deref())?;
                    Ok(Box::new(OpusEncoder::new(&p)?))
                },
                |d| {
                    let p = OpusParams::from_fmtp(d.fmtp.as_deref())?;
                    Ok(Box::new(OpusDecoder::new(&p)?))
                },
            )
            .with_channels(2),
        );
    }
    #[cfg(feature = "speex")]
    {
        use super::speex::{speex_info, SpeexBand, SpeexDecoder, SpeexEncoder, SpeexParams};
        r.register(CodecEntry::new(
            speex_info(SpeexBand::Wide),
            |d| {
                let p = SpeexParams::from_fmtp(d.fmtp.as_deref())?;
                Ok(Box::new(SpeexEncoder::with_params(SpeexBand::Wide, 8, &p)?))
            },
            |_| Ok(Box::new(SpeexDecoder::new(SpeexBand::Wide)?)),
        ));
    }
    let _ = r;
}

/// Speex narrowband (feature `speex`).
fn register_optional_narrowband(r: &mut CodecRegistry) {
    #[cfg(feature = "speex")]
    {
        use super::speex::{speex_info, SpeexBand, SpeexDecoder, SpeexEncoder, SpeexParams};
        r.register(CodecEntry::new(
            speex_info(SpeexBand::Narrow),
            |d| {
                let p = SpeexParams::from_fmtp(d.fmtp.as_deref())?;
                Ok(Box::new(SpeexEncoder::with_params(
                    SpeexBand::Narrow,
                    8,
                    &p,
                )?))
            },
            |_| Ok(Box::new(SpeexDecoder::new(SpeexBand::Narrow)?)),
        ));
    }
    let _ = r;
}

fn not_found(d: &CodecDescriptor) -> CodecError {
    CodecError::Unsupported(format!(
        "no codec {}/{}{} in this build",
        d.encoding,
        d.clock_rate,
        if d.channels > 1 {
            format!("/{}", d.channels)
        } else {
            String::new()
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_order_and_pts() {
        let r = CodecRegistry::with_builtin();
        let s = r.supported();
        assert_eq!(s[0], CodecDescriptor::new(0, "PCMU", 8000));
        assert_eq!(s[1], CodecDescriptor::new(8, "PCMA", 8000));
        assert_eq!(s[2], CodecDescriptor::new(9, "G722", 8000));
        assert!(s.iter().any(|d| *d == CodecDescriptor::new(3, "GSM", 8000)));
        // Dynamic payload types are unique and never 101.
        let mut pts: Vec<u8> = s.iter().filter_map(|d| d.payload_type).collect();
        pts.sort();
        pts.dedup();
        assert_eq!(pts.len(), s.len());
        assert_eq!(s.iter().filter(|d| d.payload_type == Some(101)).count(), 1);
        // One telephone-event per clock rate offered.
        let te_rates: Vec<u32> = s
            .iter()
            .filter(|d| d.is_telephone_event())
            .map(|d| d.clock_rate)
            .collect();
        let mut audio_rates: Vec<u32> = s
            .iter()
            .filter(|d| !d.is_telephone_event())
            .map(|d| d.clock_rate)
            .collect();
        audio_rates.sort();
        audio_rates.dedup();
        let mut sorted = te_rates.clone();
        sorted.sort();
        assert_eq!(sorted, audio_rates);
        let te = s
            .iter()
            .find(|d| d.is_telephone_event() && d.clock_rate == 8000)
            .unwrap();
        assert_eq!(te.payload_type, Some(101));
        assert_eq!(te.fmtp.as_deref(), Some("0-16"));
    }

    #[test]
    fn lookup_case_insensitive_and_rate_checked() {
        let r = CodecRegistry::with_builtin();
        assert!(r.encoder(&CodecDescriptor::new(0, "pcmu", 8000)).is_ok());
        assert!(r.decoder(&CodecDescriptor::new(8, "PcMa", 8000)).is_ok());
        assert!(matches!(
            r.encoder(&CodecDescriptor::new(0, "PCMU", 16000)),
            Err(CodecError::Unsupported(_))
        ));
        assert!(r
            .encoder(&CodecDescriptor::new(0, "PCMU", 8000).with_channels(2))
            .is_err());
        assert!(r.by_name("PCMA").is_some());
        assert!(r.by_name("pcmu/8000").is_some());
        assert!(r.by_name("nope").is_none());
    }

    #[test]
    fn preference_reorders_and_restricts() {
        let mut r = CodecRegistry::with_builtin();
        r.set_preference(&["pcma", "telephone-event"]).unwrap();
        let s = r.supported();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].encoding, "PCMA");
        assert!(r.set_preference(&["foo"]).is_err());
        assert!(r.set_preference::<&str>(&[]).is_err());
    }

    #[test]
    fn variants_by_fmtp_and_name() {
        let r = CodecRegistry::with_builtin();
        let ilbc20 = CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=20");
        let ilbc30 = CodecDescriptor::new(97, "ilbc", 8000).with_fmtp("mode=30");
        let ilbc_default = CodecDescriptor::new(97, "iLBC", 8000);
        assert_eq!(r.encoder(&ilbc20).unwrap().info().frame_samples, 160);
        assert_eq!(r.encoder(&ilbc30).unwrap().info().frame_samples, 240);
        assert_eq!(r.decoder(&ilbc_default).unwrap().info().frame_samples, 240);
        assert_eq!(
            r.by_name("ilbc20").unwrap().info.fmtp.as_deref(),
            Some("mode=20")
        );
        assert_eq!(r.by_name("G726-32").unwrap().info.name, "g726-32");
        assert!(r
            .encoder(&CodecDescriptor::new(98, "G726-16", 8000))
            .is_ok());
        assert_eq!(
            r.encoder(&CodecDescriptor::new(9, "g722", 8000))
                .unwrap()
                .info()
                .sample_rate,
            16000
        );
        // Every listed entry builds both halves from its own descriptor.
        for e in r.list() {
            let d = r.descriptor_for(e);
            assert!(r.encoder(&d).is_ok(), "{}", e.info.name);
            assert!(r.decoder(&d).is_ok(), "{}", e.info.name);
            assert!(e.serves(&d));
        }
    }

    #[cfg(feature = "opus")]
    #[test]
    fn opus_is_48000_over_2() {
        let r = CodecRegistry::with_builtin();
        let d = r
            .supported()
            .into_iter()
            .find(|d| d.encoding == "opus")
            .unwrap();
        assert_eq!((d.clock_rate, d.channels), (48000, 2));
        assert!(r.encoder(&d).is_ok());
        assert!(r
            .encoder(&CodecDescriptor::new(111, "OPUS", 48000))
            .is_err());
    }

    #[test]
    fn comfort_noise_offered_on_request() {
        let mut r = CodecRegistry::with_builtin();
        assert!(!r.supported().iter().any(|d| d.is_comfort_noise()));
        r.set_comfort_noise(true);
        let s = r.supported();
        let cn = s.iter().find(|d| d.is_comfort_noise()).unwrap();
        assert_eq!((cn.payload_type, cn.clock_rate), (Some(13), 8000));
        // After the audio codecs, before telephone-event.
        let at = |f: &dyn Fn(&CodecDescriptor) -> bool| s.iter().position(f).unwrap();
        assert!(at(&|d| d.is_comfort_noise()) > at(&|d| d.encoding == "PCMU"));
        assert!(at(&|d| d.is_comfort_noise()) < at(&|d| d.is_telephone_event()));
    }

    #[test]
    fn dynamic_pts_skip_101() {
        let mut r = CodecRegistry::new();
        for _ in 0..8 {
            let mut info = Pcmu::info();
            info.static_payload_type = None;
            r.register(CodecEntry::new(
                info,
                |_| Ok(Box::new(Pcmu::encoder())),
                |_| Ok(Box::new(Pcmu::decoder())),
            ));
        }
        let pts: Vec<u8> = r
            .supported()
            .iter()
            .filter_map(|d| d.payload_type)
            .collect();
        assert_eq!(pts, vec![96, 97, 98, 99, 100, 102, 103, 104, 101]);
    }
}

#[cfg(test)]
mod g726_packing_tests {
    use super::*;

    #[test]
    fn aal2_packing_switches_the_g726_factories() {
        let pcm: Vec<i16> = (0..160)
            .map(|i| ((i * 977) % 20000 - 10000) as i16)
            .collect();
        let d = CodecDescriptor::new(96, "G726-32", 8000);
        let encode = |r: &CodecRegistry| {
            let mut e = r.encoder(&d).unwrap();
            let mut out = [0u8; 100];
            let n = e.encode(&pcm, &mut out).unwrap();
            out[..n].to_vec()
        };
        let mut r = CodecRegistry::with_builtin();
        let rfc = encode(&r);
        r.set_g726_packing(G726Packing::Aal2);
        let aal2 = encode(&r);
        let mut reference = G726Encoder::new(G726Rate::Kbps32, G726Packing::Aal2);
        let mut want = [0u8; 100];
        let n = reference.encode(&pcm, &mut want).unwrap();
        assert_eq!(aal2, want[..n].to_vec());
        assert_ne!(rfc, aal2, "the two packings differ on this input");
        // Other codecs are untouched.
        assert!(r.encoder(&CodecDescriptor::new(0, "PCMU", 8000)).is_ok());
    }
}
