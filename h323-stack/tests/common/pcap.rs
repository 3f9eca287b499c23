//! A minimal pcap (libpcap classic, LINKTYPE_RAW IPv4) writer, so an
//! independent dissector (tshark) can read what we encoded.

use std::net::SocketAddrV4;

/// One IPv4 packet, UDP or TCP (one segment, PSH|ACK).
pub enum Packet<'a> {
    Udp {
        from: SocketAddrV4,
        to: SocketAddrV4,
        payload: &'a [u8],
    },
    Tcp {
        from: SocketAddrV4,
        to: SocketAddrV4,
        seq: u32,
        payload: &'a [u8],
    },
}

fn ipv4(from: SocketAddrV4, to: SocketAddrV4, proto: u8, l4: &[u8]) -> Vec<u8> {
    let total = u16::try_from(20 + l4.len()).expect("test packet fits IPv4");
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
    h.extend_from_slice(&from.ip().octets());
    h.extend_from_slice(&to.ip().octets());
    let mut sum: u32 = h
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let ck = !(sum as u16);
    h[10..12].copy_from_slice(&ck.to_be_bytes());
    h.extend_from_slice(l4);
    h
}

fn packet_bytes(p: &Packet) -> Vec<u8> {
    match p {
        Packet::Udp { from, to, payload } => {
            let len = u16::try_from(8 + payload.len()).expect("test datagram fits UDP");
            let mut u = Vec::new();
            u.extend_from_slice(&from.port().to_be_bytes());
            u.extend_from_slice(&to.port().to_be_bytes());
            u.extend_from_slice(&len.to_be_bytes());
            u.extend_from_slice(&[0, 0]); // no checksum (allowed over IPv4)
            u.extend_from_slice(payload);
            ipv4(*from, *to, 17, &u)
        }
        Packet::Tcp {
            from,
            to,
            seq,
            payload,
        } => {
            let mut t = Vec::new();
            t.extend_from_slice(&from.port().to_be_bytes());
            t.extend_from_slice(&to.port().to_be_bytes());
            t.extend_from_slice(&seq.to_be_bytes());
            t.extend_from_slice(&1u32.to_be_bytes()); // ack
            t.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]); // 20-byte header, PSH|ACK
            t.extend_from_slice(payload);
            ipv4(*from, *to, 6, &t)
        }
    }
}

/// A pcap file holding `packets`, one per second.
pub fn pcap(packets: &[Packet]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]); // thiszone, sigfigs
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&101u32.to_le_bytes()); // LINKTYPE_RAW
    for (i, p) in packets.iter().enumerate() {
        let bytes = packet_bytes(p);
        let len = u32::try_from(bytes.len()).expect("test packet size");
        out.extend_from_slice(&(1_700_000_000 + i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}
