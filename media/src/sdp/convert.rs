//! Between SDP and the protocol-neutral [`MediaOffer`]: reading a peer's
//! description, writing ours.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use openphone_sal::{CodecDescriptor, MediaDirection, MediaOffer};
use openphone_sdp::{
    addr_type_of, parse_payload_type, static_payload_type, Attribute, Connection, Direction,
    MediaDescription, Origin, RtcpAttr, RtpMap, SdpError, SessionDescription, Timing,
};

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

/// The audio stream of a peer's description as a [`MediaOffer`].
///
/// Takes the first `audio` section on `RTP/AVP` or `RTP/AVPF` that has a
/// non-zero port (or, failing that, the first such section, refused). Host
/// names in `c=` are an error here ([`SdpError::UnresolvedAddress`]); use
/// [`offer_from_sdp_with`] to resolve them.
///
/// - Static payload types without `a=rtpmap` come from RFC 3551's table;
///   dynamic ones without it are skipped (they cannot be used).
/// - Port 0 gives `rtp` with port 0: the stream is refused, and
///   [`answer`](super::answer) refuses it too.
/// - Direction: the media attribute, else the session one, else sendrecv.
///   A `c=` of `0.0.0.0` (RFC 2543 hold, RFC 3264 §8.4) means the peer will
///   not receive: sendrecv/sendonly become sendonly, the others inactive.
/// - `a=ptime` from the media section, else the session (some devices put
///   it there). `a=rtcp` (RFC 3605) is kept when it is not RTP port + 1.
pub fn offer_from_sdp(sd: &SessionDescription) -> Result<MediaOffer, SdpError> {
    offer_from_sdp_with(sd, |_| None)
}

/// [`offer_from_sdp`] with a resolver for host names in `c=` and `a=rtcp`
/// (the core does no I/O: the caller resolves, or maps names in tests).
pub fn offer_from_sdp_with(
    sd: &SessionDescription,
    resolve: impl Fn(&str) -> Option<IpAddr>,
) -> Result<MediaOffer, SdpError> {
    let index = audio_index(sd).ok_or(SdpError::NoAudio)?;
    let m = sd.media.get(index).ok_or(SdpError::NoAudio)?;

    let conn = m.connection.as_ref().or(sd.connection.as_ref());
    let ip = match conn {
        Some(c) => match connection_ip(c, &resolve) {
            Ok(ip) => ip,
            // A refused stream needs no address, good or bad.
            Err(_) if m.port == 0 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Err(e) => return Err(e),
        },
        None if m.port == 0 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        None => return Err(SdpError::NoConnection),
    };
    let rtp = SocketAddr::new(ip, m.port);

    let mut offer = MediaOffer::new(rtp);
    offer.codecs = codecs_of(m);
    offer.direction = media_direction(m.direction().or_else(|| sd.direction()).unwrap_or_default());
    if ip.is_unspecified() && m.port != 0 {
        offer.direction = match offer.direction {
            MediaDirection::SendRecv | MediaDirection::SendOnly => MediaDirection::SendOnly,
            _ => MediaDirection::Inactive,
        };
    }
    offer.ptime = m
        .ptime()
        .or_else(|| sd.ptime())
        .map(|ms| Duration::from_micros((ms * 1000.0).round() as u64));
    if let Some(r) = m.rtcp() {
        let rtcp_ip = match &r.address {
            None => Some(ip),
            Some((_, _, a)) => a.parse().ok().or_else(|| resolve(a)),
        };
        if let Some(rtcp_ip) = rtcp_ip {
            let addr = SocketAddr::new(rtcp_ip, r.port);
            if addr != offer.rtcp_addr() {
                offer.rtcp = Some(addr);
            }
        }
    }
    Ok(offer)
}

/// Index of the section [`offer_from_sdp`] uses.
pub fn audio_index(sd: &SessionDescription) -> Option<usize> {
    let usable = |m: &MediaDescription| {
        m.media.eq_ignore_ascii_case("audio")
            && (m.proto.eq_ignore_ascii_case("RTP/AVP") || m.proto.eq_ignore_ascii_case("RTP/AVPF"))
    };
    sd.media
        .iter()
        .position(|m| usable(m) && m.port != 0)
        .or_else(|| sd.media.iter().position(usable))
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
        let Some(pt) = parse_payload_type(format) else {
            continue;
        };
        if out.iter().any(|c| c.payload_type == pt) {
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

/// Our description of `offer`: one `m=audio` on `RTP/AVP`, with an rtpmap
/// for every codec (static ones too, as most devices expect), fmtp where
/// set, ptime, the direction, and `a=rtcp` when RTCP is not on RTP port + 1.
///
/// An offer with no codecs is printed as a refused stream (port 0, format 0),
/// since an `m=` line needs at least one format.
///
/// ```
/// use openphone_media::sdp::{sdp_from_offer, SdpOrigin};
/// use openphone_sal::{CodecDescriptor, MediaOffer};
/// let offer = MediaOffer::new("192.0.2.10:40000".parse().unwrap())
///     .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
///     .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16"));
/// let origin = SdpOrigin { username: "-".into(), session_id: 7, session_version: 1,
///                          address: "192.0.2.10".parse().unwrap() };
/// let text = sdp_from_offer(&offer, &origin).to_string();
/// assert!(text.contains("m=audio 40000 RTP/AVP 8 101\r\n"));
/// assert!(text.contains("a=fmtp:101 0-16\r\n"));
/// ```
pub fn sdp_from_offer(offer: &MediaOffer, origin: &SdpOrigin) -> SessionDescription {
    SessionDescription {
        version: 0,
        origin: origin.to_origin(),
        session_name: "-".into(),
        information: None,
        uri: None,
        emails: Vec::new(),
        phones: Vec::new(),
        connection: Some(Connection::from_ip(offer.rtp.ip())),
        bandwidths: Vec::new(),
        times: vec![Timing::default()],
        time_zones: None,
        key: None,
        attributes: Vec::new(),
        media: vec![audio_section(offer, "RTP/AVP")],
    }
}

/// Our answer to a peer's whole description: the same number of `m=` lines
/// in the same order (RFC 3264 §6), the audio section chosen by
/// [`offer_from_sdp`] described by `answer`, every other section refused
/// (port 0, its formats echoed, no attributes).
///
/// Use this rather than [`sdp_from_offer`] when answering, so an offer with
/// video or a second audio stream gets a well-formed answer.
pub fn sdp_answer_for(
    remote: &SessionDescription,
    answer: &MediaOffer,
    origin: &SdpOrigin,
) -> SessionDescription {
    let mut sd = sdp_from_offer(answer, origin);
    let audio = audio_index(remote);
    sd.media = remote
        .media
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if Some(i) == audio {
                audio_section(answer, &m.proto)
            } else {
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
        sd.media.push(audio_section(answer, "RTP/AVP"));
    }
    sd
}

fn audio_section(offer: &MediaOffer, proto: &str) -> MediaDescription {
    let port = if offer.codecs.is_empty() {
        0
    } else {
        offer.rtp.port()
    };
    let mut m = MediaDescription::new("audio", port, proto);
    if offer.codecs.is_empty() {
        m.formats.push("0".into());
    }
    for c in &offer.codecs {
        m.formats.push(c.payload_type.to_string());
    }
    for c in &offer.codecs {
        let map = RtpMap {
            payload_type: c.payload_type,
            encoding: c.encoding.clone(),
            clock_rate: c.clock_rate,
            channels: (c.channels > 1).then_some(c.channels),
        };
        m.attributes
            .push(Attribute::value("rtpmap", map.to_string()));
        if let Some(p) = &c.fmtp {
            m.attributes.push(Attribute::value(
                "fmtp",
                format!("{} {}", c.payload_type, p),
            ));
        }
    }
    if let Some(pt) = offer.ptime {
        m.attributes.push(Attribute::value("ptime", format_ms(pt)));
    }
    if let Some(rtcp) = offer.rtcp {
        let mut default = offer.rtp;
        default.set_port(offer.rtp.port().wrapping_add(1));
        if rtcp != default {
            let attr = RtcpAttr {
                port: rtcp.port(),
                address: (rtcp.ip() != offer.rtp.ip()).then(|| {
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
    m.attributes
        .push(Attribute::property(direction_name(offer.direction)));
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

/// The SDP attribute name of a direction.
pub fn direction_name(d: MediaDirection) -> &'static str {
    sdp_direction(d).name()
}

/// SDP's direction as the protocol-neutral one (the same four values).
fn media_direction(d: Direction) -> MediaDirection {
    match d {
        Direction::SendRecv => MediaDirection::SendRecv,
        Direction::SendOnly => MediaDirection::SendOnly,
        Direction::RecvOnly => MediaDirection::RecvOnly,
        Direction::Inactive => MediaDirection::Inactive,
    }
}

fn sdp_direction(d: MediaDirection) -> Direction {
    match d {
        MediaDirection::SendRecv => Direction::SendRecv,
        MediaDirection::SendOnly => Direction::SendOnly,
        MediaDirection::RecvOnly => Direction::RecvOnly,
        MediaDirection::Inactive => Direction::Inactive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_map_both_ways() {
        for d in [
            MediaDirection::SendRecv,
            MediaDirection::SendOnly,
            MediaDirection::RecvOnly,
            MediaDirection::Inactive,
        ] {
            assert_eq!(media_direction(sdp_direction(d)), d);
            assert_eq!(
                Direction::from_name(direction_name(d)),
                Some(sdp_direction(d))
            );
        }
        // Both sides agree on what no attribute means.
        assert_eq!(
            media_direction(Direction::default()),
            MediaDirection::default()
        );
    }
}
