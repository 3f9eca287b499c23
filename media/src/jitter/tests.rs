//! Unit tests of the jitter buffer.
use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn in_order_plays_everything() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut played = Vec::new();
    for i in 0..100u16 {
        let t = t0 + ms(20 * i as u64);
        assert_eq!(
            jb.push(t, i, i as u32 * 160, 0, &[i as u8; 160]),
            PushResult::Stored
        );
        if let Pop::Frame { seq, payload, .. } = jb.pop(t) {
            assert_eq!(payload[0], seq as u8);
            played.push(seq);
        }
    }
    assert_eq!(played.len(), 100);
    let st = jb.stats();
    assert_eq!(st.lost, 0);
    assert!(st.jitter_ms < 1e-6);
    assert_eq!(st.target, ms(20));
}

#[test]
fn duplicates_and_late() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    jb.push(t0, 10, 0, 0, &[0]);
    assert_eq!(jb.push(t0, 10, 0, 0, &[0]), PushResult::Duplicate);
    jb.push(t0, 12, 320, 0, &[0]);
    assert!(matches!(jb.pop(t0), Pop::Frame { seq: 10, .. }));
    assert_eq!(jb.push(t0, 10, 0, 0, &[0]), PushResult::Duplicate);
    assert!(matches!(jb.pop(t0), Pop::Lost { seq: 11 }));
    assert_eq!(jb.push(t0, 11, 160, 0, &[0]), PushResult::Late);
    // The late packet buys one frame of delay: a pause before 12.
    assert!(matches!(jb.pop(t0), Pop::Empty));
    assert!(matches!(jb.pop(t0), Pop::Frame { seq: 12, .. }));
    let st = jb.stats();
    assert_eq!((st.duplicates, st.late, st.lost), (2, 1, 1));
    assert_eq!(st.stretches, 1);
}

#[test]
fn reordering_absorbed() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    for s in [0u16, 2, 1, 3] {
        jb.push(t0, s, s as u32 * 160, 0, &[s as u8]);
    }
    let mut out = Vec::new();
    for _ in 0..4 {
        if let Pop::Frame { seq, .. } = jb.pop(t0) {
            out.push(seq);
        }
    }
    assert_eq!(out, vec![0, 1, 2, 3]);
    assert_eq!(jb.stats().reordered, 1);
}

#[test]
fn bounded_and_oversize() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    assert_eq!(jb.push(t0, 0, 0, 0, &[0; 2000]), PushResult::Dropped);
    for s in 0..1000u16 {
        jb.push(t0, s, s as u32 * 160, 0, &[1]);
    }
    assert!(jb.store.level() <= jb.store.capacity());
}

#[test]
fn ten_ms_packets_popped_twice_per_20ms() {
    // The peer sends 10 ms packets; we play in 20 ms steps, taking two.
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut played = 0;
    for i in 0..1000u16 {
        let t = t0 + ms(10 * i as u64);
        jb.push(t, i, i as u32 * 80, 0, &[1; 80]);
        if i % 2 == 1 {
            for _ in 0..2 {
                if matches!(jb.pop(t), Pop::Frame { .. }) {
                    played += 1;
                }
            }
        }
    }
    let st = jb.stats();
    assert_eq!(st.shrink_drops, 0, "{st:?}");
    assert_eq!(st.lost, 0);
    assert!(played >= 996, "played {played}");
    assert!(st.target <= ms(20), "{st:?}");
}

#[test]
fn seq_wraparound() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut n = 0;
    for i in 0..10u16 {
        let s = 65530u16.wrapping_add(i);
        jb.push(t0 + ms(20 * i as u64), s, i as u32 * 160, 0, &[1]);
        if matches!(jb.pop(t0), Pop::Frame { .. }) {
            n += 1;
        }
    }
    assert_eq!(n, 10);
}

/// Pushes `order` (offsets from `base`) with 20 ms spacing in arrival and
/// pops once per push, collecting what plays.
fn run_reordered(base: u16, order: &[u16], pops_after: usize) -> (Vec<u16>, JitterStats) {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut played = Vec::new();
    let mut collect = |p: Pop<'_>| {
        if let Pop::Frame { seq, payload, .. } = p {
            assert_eq!(payload[0], seq as u8, "payload belongs to its seq");
            played.push(seq);
        }
    };
    for (i, &off) in order.iter().enumerate() {
        let seq = base.wrapping_add(off);
        let t = t0 + ms(20 * i as u64);
        jb.push(t, seq, off as u32 * 160, 0, &[seq as u8; 160]);
        // Playout starts once three packets are in (a prefilled buffer).
        if i >= 2 {
            collect(jb.pop(t));
        }
    }
    for k in 0..pops_after {
        collect(jb.pop(t0 + ms(20 * (order.len() + k) as u64)));
    }
    (played, jb.stats())
}

#[test]
fn wrap_with_deep_buffer_and_reordering() {
    // Twelve packets arrive before playout catches up (a jitter burst),
    // straddling 65,535 → 0, in a shuffled order: every one must play, in
    // order. With slots chosen by `seq % 23`, 65,530 and 3 (9 apart across
    // the wrap) shared a slot and one of them was lost.
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let order = [3u16, 0, 5, 1, 2, 9, 4, 7, 6, 11, 8, 10];
    for (i, &off) in order.iter().enumerate() {
        let seq = 65_530u16.wrapping_add(off);
        assert_eq!(
            jb.push(
                t0 + ms(i as u64),
                seq,
                off as u32 * 160,
                0,
                &[off as u8; 160]
            ),
            PushResult::Stored,
            "seq {seq}"
        );
    }
    let mut out = Vec::new();
    for k in 0..12 {
        match jb.pop(t0 + ms(20 * k)) {
            Pop::Frame { seq, payload, .. } => {
                assert_eq!(payload[0] as u16, seq.wrapping_sub(65_530));
                out.push(seq);
            }
            other => panic!("pop {k}: {other:?}"),
        }
    }
    let want: Vec<u16> = (0..12u16).map(|o| 65_530u16.wrapping_add(o)).collect();
    assert_eq!(out, want);
    let st = jb.stats();
    assert_eq!((st.lost, st.dropped, st.duplicates), (0, 0, 0), "{st:?}");
}

#[test]
fn wrap_under_continuous_reordering() {
    // 400 packets from 65,400: pairs swapped every 3rd packet, a 25 ms
    // jitter's worth of buffering (three packets prefilled): all play in
    // order across the wrap.
    let mut order: Vec<u16> = (0..400).collect();
    for i in (3..398).step_by(3) {
        order.swap(i, i + 1);
    }
    let (played, st) = run_reordered(65_400, &order, 20);
    assert_eq!(played.len(), 400, "{st:?}");
    assert!(played.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
    assert_eq!(played[0], 65_400);
    assert_eq!(*played.last().unwrap(), 65_400u16.wrapping_add(399));
    assert_eq!((st.lost, st.late, st.dropped), (0, 0, 0), "{st:?}");
    assert!(st.reordered > 100);
}

#[test]
fn wrap_duplicates_and_late_are_recognised() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    jb.push(t0, 65_535, 0, 0, &[1]);
    jb.push(t0, 1, 320, 0, &[3]);
    assert!(matches!(jb.pop(t0), Pop::Frame { seq: 65_535, .. }));
    assert_eq!(jb.push(t0, 65_535, 0, 0, &[1]), PushResult::Duplicate);
    assert!(matches!(jb.pop(t0), Pop::Lost { seq: 0 }));
    assert_eq!(jb.push(t0, 0, 160, 0, &[2]), PushResult::Late);
    assert_eq!(jb.push(t0, 1, 320, 0, &[3]), PushResult::Duplicate);
    assert!(
        matches!(jb.pop(t0), Pop::Empty),
        "one frame of delay inserted"
    );
    assert!(matches!(jb.pop(t0), Pop::Frame { seq: 1, .. }));
}

#[test]
fn comfort_noise_silence_is_not_loss_or_underflow() {
    // Speech 0..10, a CN packet (seq 10), 1 s of silence (nothing sent),
    // then speech again from seq 11 with a timestamp 1 s later.
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    jb.set_comfort_noise_pt(Some(13));
    let mut kinds = Vec::new();
    let mut tick = |jb: &mut JitterBuffer, i: u64| match jb.pop(t0 + ms(20 * i)) {
        Pop::Frame { payload_type, .. } => kinds.push(if payload_type == 13 { 'n' } else { 's' }),
        Pop::Lost { .. } => kinds.push('L'),
        Pop::Empty => kinds.push('.'),
    };
    for i in 0..10u16 {
        jb.push(t0 + ms(20 * i as u64), i, i as u32 * 160, 0, &[0; 160]);
        tick(&mut jb, i as u64);
    }
    jb.push(t0 + ms(200), 10, 1600, 13, &[40]);
    for i in 10..60 {
        tick(&mut jb, i);
    }
    for i in 0..10u16 {
        let t = 60 + i as u64;
        jb.push(t0 + ms(20 * t), 11 + i, 9600 + i as u32 * 160, 0, &[0; 160]);
        tick(&mut jb, t);
    }
    let s: String = kinds.iter().collect();
    assert!(!s.contains('L'), "{s}");
    assert_eq!(s.matches('n').count(), 1, "{s}");
    assert_eq!(s.matches('s').count(), 20, "{s}");
    let st = jb.stats();
    assert_eq!(
        (st.lost, st.underflows, st.comfort_noise),
        (0, 0, 1),
        "{st:?}"
    );
    assert_eq!(st.silences, 1);
}

#[test]
fn peek_shows_the_packet_after_a_loss() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    jb.push(t0, 100, 0, 111, &[0]);
    jb.push(t0, 102, 320, 111, &[2, 2]);
    assert!(matches!(jb.pop(t0), Pop::Frame { seq: 100, .. }));
    assert!(jb.peek().is_none(), "101 is missing");
    assert!(matches!(jb.pop(t0), Pop::Lost { seq: 101 }));
    assert_eq!(jb.peek(), Some((111, &[2u8, 2][..])));
    assert!(matches!(jb.pop(t0), Pop::Frame { seq: 102, .. }));
}

#[test]
fn memory_follows_the_packets() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    assert_eq!(jb.capacity(), 32);
    assert_eq!(jb.payload_memory(), 0);
    for i in 0..50u16 {
        jb.push(t0 + ms(20 * i as u64), i, i as u32 * 160, 0, &[0; 160]);
        let _ = jb.pop(t0 + ms(20 * i as u64));
    }
    assert_eq!(jb.payload_memory(), 32 * 192);
}
