//! Writes test captures: a pcap file of IPv4/UDP datagrams on 127.0.0.1, so
//! tshark's dissectors can judge what our encoders produced.

/// A pcap with LINKTYPE_RAW (101): each record is an IPv4 + UDP datagram.
pub fn pcap(dgrams: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend(0xa1b2_c3d4u32.to_le_bytes());
    f.extend(2u16.to_le_bytes());
    f.extend(4u16.to_le_bytes());
    f.extend(0i32.to_le_bytes());
    f.extend(0u32.to_le_bytes());
    f.extend(65535u32.to_le_bytes());
    f.extend(101u32.to_le_bytes());
    for (i, (port, payload)) in dgrams.iter().enumerate() {
        let udp_len = 8 + payload.len();
        let ip_len = 20 + udp_len;
        let mut ip = vec![
            0x45,
            0,
            (ip_len >> 8) as u8,
            ip_len as u8,
            0,
            0,
            0x40,
            0,
            64,
            17,
            0,
            0,
            127,
            0,
            0,
            1,
            127,
            0,
            0,
            1,
        ];
        // IPv4 header checksum.
        let sum: u32 = ip
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]) as u32)
            .sum();
        let sum = (sum & 0xFFFF) + (sum >> 16);
        let ck = !(((sum & 0xFFFF) + (sum >> 16)) as u16);
        ip[10..12].copy_from_slice(&ck.to_be_bytes());
        ip.extend(port.to_be_bytes()); // source port = destination port
        ip.extend(port.to_be_bytes());
        ip.extend((udp_len as u16).to_be_bytes());
        ip.extend([0, 0]); // no UDP checksum
        ip.extend(payload);
        f.extend((i as u32).to_le_bytes());
        f.extend(0u32.to_le_bytes());
        f.extend((ip.len() as u32).to_le_bytes());
        f.extend((ip.len() as u32).to_le_bytes());
        f.extend(ip);
    }
    f
}
