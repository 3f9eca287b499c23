//! Between SDP and the protocol-neutral media model of the SAL
//! ([`openphone_sal::MediaDescription`]): reading a peer's description,
//! writing ours. Negotiation itself works on the model
//! ([`openphone_sal::media::negotiate`]); SDP is one encoding of it.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use openphone_sal::{
    CodecDescriptor, Fingerprint, MediaDescription as Media, MediaDirection, MediaKind, RtpProfile,
    SdesCrypto, StreamDescription,
};

use super::attributes::{direction_name, parse_pt, RtcpAttr, RtpMap};
use super::error::SdpError;
use super::model::{
    addr_type_of, Attribute, Connection, MediaDescription, Origin, SessionDescription, Timing,
};
use super::static_pt::static_payload_type;

/// What we put in our `o=` line. The SIP stack keeps one per call and bumps
/// `session_version` for every new description (RFC 3264 §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdpOrigin {
    /// `o=` username (`-` if none).
    pub username: String,
    /// Session id, fixed for the call.
    pub session_id: u64,
    /// Version of this description.
    pub session_version: u64,
    /// Address of the machine that created the session.
    pub address: IpAddr,
}

impl SdpOrigin {
    fn to_origin(&self) -> Origin {
        let username = if self.username.is_empty() || self.username.contains(char::is_whitespace) {
            "-".to_string()
        } else {
            self.username.clone()
        };
        Origin {
            username,
            session_id: self.session_id,
            session_version: self.session_version,
            net_type: "IN".into(),
            addr_type: addr_type_of(self.address).into(),
            address: self.address.to_string(),
        }
    }
}

/// A peer's whole description as the neutral model: one stream per `m=`
/// line, in order. Host names in `c=` are an error here
/// ([`SdpError::UnresolvedAddress`]); use [`description_from_sdp_with`] to
/// resolve them.
///
/// - Static payload types without `a=rtpmap` come from RFC 3551's table;
///   dynamic ones without it are skipped (they cannot be used).
/// - Port 0 gives a refused stream (`rtp: None`).
/// - `RTP/AVP`, `RTP/AVPF`, `RTP/SAVP`, `RTP/SAVPF` (also under `UDP/TLS/`)
///   are RTP profiles; an `audio` or `video` line on any other transport
///   (`udptl`, `TCP/…`) is described as [`MediaKind::Other`], so offer/answer
///   refuses it instead of sending RTP to it.
/// - Direction: the media attribute, else the session one, else sendrecv.
///   A `c=` of `0.0.0.0` (RFC 2543 hold, RFC 3264 §8.4) means the peer will
///   not receive: sendrecv/sendonly become sendonly, the others inactive.
/// - `a=ptime` from the media section, else the session (some devices put
///   it there). `a=rtcp` (RFC 3605) is kept when it is not RTP port + 1.
/// - `a=crypto` (RFC 4568), `a=zrtp-hash` (RFC 6189), `a=fingerprint`
///   (RFC 8122) and `a=rtcp-mux` (RFC 5761) fill the stream's security and
///   RTCP fields; malformed crypto lines are skipped (RFC 4568 §7.1.2: an
///   answerer ignores what it does not understand).
pub fn description_from_sdp(sd: &SessionDescription) -> Result<Media, SdpError> {
    description_from_sdp_with(sd, |_| None)
}

/// [`description_from_sdp`] with a resolver for host names in `c=` and
/// `a=rtcp` (the cores do no I/O: the caller resolves, or maps names in tests).
pub fn description_from_sdp_with(
    sd: &SessionDescription,
    resolve: impl Fn(&str) -> Option<IpAddr>,
) -> Result<Media, SdpError> {
    let mut streams = Vec::with_capacity(sd.media.len());
    for m in &sd.media {
        streams.push(stream_from_section(sd, m, &resolve)?);
    }
    Ok(Media::new(streams))
}

fn profile_of(proto: &str) -> Option<RtpProfile> {
    let p = proto.to_ascii_uppercase();
    let p = p.strip_prefix("UDP/TLS/").unwrap_or(&p);
    Some(match p {
        "RTP/AVP" => RtpProfile::Avp,
        "RTP/SAVP" => RtpProfile::Savp,
        "RTP/AVPF" => RtpProfile::Avpf,
        "RTP/SAVPF" => RtpProfile::Savpf,
        _ => return None,
    })
}

fn kind_of(m: &MediaDescription) -> MediaKind {
    let rtp = profile_of(&m.proto).is_some();
    if m.media.eq_ignore_ascii_case("audio") && rtp {
        MediaKind::Audio
    } else if m.media.eq_ignore_ascii_case("video") && rtp {
        MediaKind::Video
    } else {
        MediaKind::Other(m.media.to_ascii_lowercase())
    }
}

fn stream_from_section(
    sd: &SessionDescription,
    m: &MediaDescription,
    resolve: &impl Fn(&str) -> Option<IpAddr>,
) -> Result<StreamDescription, SdpError> {
    let kind = kind_of(m);
    let mut s = StreamDescription::refused(kind.clone());
    s.profile = profile_of(&m.proto).unwrap_or_default();
    if profile_of(&m.proto).is_some() {
        s.codecs = codecs_of(m);
    }
    s.direction = m.direction().or_else(|| sd.direction()).unwrap_or_default();
    if m.port == 0 || kind != MediaKind::Audio {
        // Refused, or a stream we only describe so that it can be refused:
        // its address does not matter, good or bad.
        if m.port != 0 {
            let conn = m.connection.as_ref().or(sd.connection.as_ref());
            if let Some(ip) = conn.and_then(|c| connection_ip(c, resolve).ok()) {
                s.rtp = Some(SocketAddr::new(ip, m.port));
            }
        }
        return Ok(s);
    }
    let conn = m
        .connection
        .as_ref()
        .or(sd.connection.as_ref())
        .ok_or(SdpError::NoConnection)?;
    let ip = connection_ip(conn, resolve)?;
    s.rtp = Some(SocketAddr::new(ip, m.port));
    if ip.is_unspecified() {
        s.direction = match s.direction {
            MediaDirection::SendRecv | MediaDirection::SendOnly => MediaDirection::SendOnly,
            _ => MediaDirection::Inactive,
        };
    }
    s.ptime = m
        .ptime()
        .or_else(|| sd.ptime())
        .map(|ms| Duration::from_micros((ms * 1000.0).round() as u64));
    s.rtcp_mux = m.rtcp_mux();
    if let Some(r) = m.rtcp() {
        let rtcp_ip = match &r.address {
            None => Some(ip),
            Some((_, _, a)) => a.parse().ok().or_else(|| resolve(a)),
        };
        if let Some(rtcp_ip) = rtcp_ip {
            let addr = SocketAddr::new(rtcp_ip, r.port);
            if Some(addr) != s.rtcp_addr() {
                s.rtcp = Some(addr);
            }
        }
    }
    s.security.crypto = m.crypto().filter_map(parse_crypto).collect();
    s.security.zrtp_hash = m
        .attribute("zrtp-hash")
        .and_then(|a| a.value.as_deref())
        .map(|v| v.trim().to_string());
    s.security.fingerprint = m
        .attribute("fingerprint")
        .or_else(|| {
            sd.attributes
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case("fingerprint"))
        })
        .and_then(|a| a.value.as_deref())
        .and_then(|v| {
            let (hash, value) = v.trim().split_once(' ')?;
            Some(Fingerprint::new(hash, value.trim()))
        });
    Ok(s)
}

/// `tag suite key-params [session-params…]` (RFC 4568 §9.1).
fn parse_crypto(value: &str) -> Option<SdesCrypto> {
    let mut it = value.split_ascii_whitespace();
    let tag: u32 = it.next()?.parse().ok()?;
    if tag > 999_999_999 {
        return None;
    }
    let suite = it.next()?;
    let key = it.next()?;
    if !key
        .get(..7)
        .is_some_and(|k| k.eq_ignore_ascii_case("inline:"))
    {
        return None;
    }
    let mut c = SdesCrypto::new(tag, suite, key);
    c.session_params = it.map(str::to_string).collect();
    Some(c)
}

fn connection_ip(
    c: &Connection,
    resolve: &impl Fn(&str) -> Option<IpAddr>,
) -> Result<IpAddr, SdpError> {
    if !c.net_type.eq_ignore_ascii_case("IN") {
        return Err(SdpError::InvalidAddress(c.to_string()));
    }
    match c.address.parse::<IpAddr>() {
        Ok(ip) => {
            let declared_v6 = c.addr_type.eq_ignore_ascii_case("IP6");
            if declared_v6 != ip.is_ipv6() {
                return Err(SdpError::InvalidAddress(c.address.clone()));
            }
            Ok(ip)
        }
        Err(_) => resolve(&c.address).ok_or_else(|| SdpError::UnresolvedAddress(c.address.clone())),
    }
}

/// The codecs of an RTP section, in `m=` order.
fn codecs_of(m: &MediaDescription) -> Vec<CodecDescriptor> {
    let mut out: Vec<CodecDescriptor> = Vec::new();
    for format in &m.formats {
        let Some(pt) = parse_pt(format) else { continue };
        if out.iter().any(|c| c.payload_type == Some(pt)) {
            continue;
        }
        let codec = match (m.rtpmap(pt), static_payload_type(pt)) {
            (Some(map), _) => CodecDescriptor::new(pt, map.encoding, map.clock_rate)
                .with_channels(map.channels.unwrap_or(1)),
            (None, Some((name, rate, ch))) => {
                CodecDescriptor::new(pt, name, rate).with_channels(ch)
            }
            (None, None) => continue,
        };
        let codec = match m.fmtp(format) {
            Some(p) if !p.is_empty() => codec.with_fmtp(p),
            _ => codec,
        };
        out.push(codec);
    }
    out
}

/// Our description as SDP: one `m=` line per stream, an rtpmap for every
/// codec (static ones too, as most devices expect), fmtp where set, ptime,
/// the direction, `a=rtcp` when RTCP is not on RTP port + 1, `a=rtcp-mux`,
/// and the security attributes.
///
/// A refused stream, or one with no codecs, is printed with port 0 (and
/// format 0 when it has none, since an `m=` line needs one).
///
/// ```
/// use openphone_media::sdp::{sdp_from_description, SdpOrigin};
/// use openphone_sal::{CodecDescriptor, MediaDescription, StreamDescription};
/// let ours = MediaDescription::from(
///     StreamDescription::audio("192.0.2.10:40000".parse().unwrap())
///         .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
///         .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16")),
/// );
/// let origin = SdpOrigin { username: "-".into(), session_id: 7, session_version: 1,
///                          address: "192.0.2.10".parse().unwrap() };
/// let text = sdp_from_description(&ours, &origin).to_string();
/// assert!(text.contains("m=audio 40000 RTP/AVP 8 101\r\n"));
/// assert!(text.contains("a=fmtp:101 0-16\r\n"));
/// ```
pub fn sdp_from_description(desc: &Media, origin: &SdpOrigin) -> SessionDescription {
    let ip = desc
        .audio()
        .and_then(|s| s.rtp)
        .or_else(|| desc.streams.iter().find_map(|s| s.rtp))
        .map(|a| a.ip())
        .unwrap_or(origin.address);
    let mut media: Vec<MediaDescription> = desc
        .streams
        .iter()
        .map(|s| section(s, &s.profile.to_string()))
        .collect();
    if media.is_empty() {
        let mut m = MediaDescription::new("audio", 0, "RTP/AVP");
        m.formats.push("0".into());
        media.push(m);
    }
    SessionDescription {
        version: 0,
        origin: origin.to_origin(),
        session_name: "-".into(),
        information: None,
        uri: None,
        emails: Vec::new(),
        phones: Vec::new(),
        connection: Some(Connection::from_ip(ip)),
        bandwidths: Vec::new(),
        times: vec![Timing::default()],
        time_zones: None,
        key: None,
        attributes: Vec::new(),
        media,
    }
}

/// Our answer to a peer's whole description (RFC 3264 §6): the same number
/// of `m=` lines in the same order. Each section the answer accepts is
/// described from `answer` on the offer's transport; every other section is
/// refused (port 0, the offer's own transport and formats echoed, no
/// attributes), so an offer with video, T.38 or a second audio stream gets a
/// well-formed answer.
pub fn sdp_answer_for(
    remote: &SessionDescription,
    answer: &Media,
    origin: &SdpOrigin,
) -> SessionDescription {
    let mut sd = sdp_from_description(answer, origin);
    sd.media = remote
        .media
        .iter()
        .enumerate()
        .map(|(i, m)| match answer.streams.get(i) {
            Some(s) if !s.is_refused() && !s.codecs.is_empty() => section(s, &m.proto),
            _ => {
                let mut refused = MediaDescription::new(m.media.clone(), 0, m.proto.clone());
                refused.formats = m.formats.clone();
                if refused.formats.is_empty() {
                    refused.formats.push("0".into());
                }
                refused
            }
        })
        .collect();
    if sd.media.is_empty() {
        sd = sdp_from_description(answer, origin);
    }
    sd
}

fn section(s: &StreamDescription, proto: &str) -> MediaDescription {
    let numbered: Vec<(u8, &CodecDescriptor)> = s
        .codecs
        .iter()
        .filter_map(|c| Some((c.payload_type.or_else(|| c.static_payload_type())?, c)))
        .collect();
    let port = match s.rtp {
        Some(a) if !numbered.is_empty() => a.port(),
        _ => 0,
    };
    let mut m = MediaDescription::new(s.kind.to_string(), port, proto);
    if numbered.is_empty() {
        m.formats.push("0".into());
    }
    for (pt, _) in &numbered {
        m.formats.push(pt.to_string());
    }
    if port == 0 {
        return m;
    }
    for (pt, c) in &numbered {
        let map = RtpMap {
            payload_type: *pt,
            encoding: c.encoding.clone(),
            clock_rate: c.clock_rate,
            channels: (c.channels > 1).then_some(c.channels),
        };
        m.attributes
            .push(Attribute::value("rtpmap", map.to_string()));
        if let Some(p) = &c.fmtp {
            m.attributes
                .push(Attribute::value("fmtp", format!("{pt} {p}")));
        }
    }
    if let Some(pt) = s.ptime {
        m.attributes.push(Attribute::value("ptime", format_ms(pt)));
    }
    if let (Some(rtp), Some(rtcp)) = (s.rtp, s.rtcp) {
        let mut default = rtp;
        default.set_port(rtp.port().wrapping_add(1));
        if rtcp != default {
            let attr = RtcpAttr {
                port: rtcp.port(),
                address: (rtcp.ip() != rtp.ip()).then(|| {
                    (
                        "IN".to_string(),
                        addr_type_of(rtcp.ip()).to_string(),
                        rtcp.ip().to_string(),
                    )
                }),
            };
            m.attributes
                .push(Attribute::value("rtcp", attr.to_string()));
        }
    }
    if s.rtcp_mux {
        m.attributes.push(Attribute::property("rtcp-mux"));
    }
    for c in &s.security.crypto {
        let mut v = format!("{} {} {}", c.tag, c.suite, c.key_params);
        for p in &c.session_params {
            v.push(' ');
            v.push_str(p);
        }
        m.attributes.push(Attribute::value("crypto", v));
    }
    if let Some(h) = &s.security.zrtp_hash {
        m.attributes.push(Attribute::value("zrtp-hash", h.clone()));
    }
    if let Some(f) = &s.security.fingerprint {
        m.attributes.push(Attribute::value(
            "fingerprint",
            format!("{} {}", f.hash, f.value),
        ));
    }
    m.attributes
        .push(Attribute::property(direction_name(s.direction)));
    m
}

/// Milliseconds as SDP writes them: `20`, or `22.5` when not whole.
fn format_ms(d: Duration) -> String {
    let us = d.as_micros();
    if us % 1000 == 0 {
        (us / 1000).to_string()
    } else {
        format!("{}", us as f64 / 1000.0)
    }
}
