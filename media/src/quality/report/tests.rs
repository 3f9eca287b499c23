use super::*;
use crate::quality::loss::PacketOutcome;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn clean() -> CallFigures {
    CallFigures {
        codec: "PCMU".into(),
        packets_received: 3000,
        ..CallFigures::default()
    }
}

#[test]
fn clean_call_rates_near_the_g711_ceiling() {
    let r = QualityReport::new(&clean());
    assert_eq!(r.loss_percent, 0.0);
    assert_eq!(r.delay.mouth_to_ear(), ms(20));
    // 20 ms one way: only a trace of talker echo (TELR 65 dB) below 93.2.
    assert!(r.r_factor > 92.5 && r.r_factor <= 93.2, "{r}");
    assert!(r.mos > 4.38, "{r}");
}

#[test]
fn worse_network_lowers_r() {
    let base = QualityReport::new(&clean()).r_factor;
    let lossy = QualityReport::new(&CallFigures {
        packets_received: 2940,
        packets_lost: 60,
        ..clean()
    });
    assert!((lossy.loss_percent - 2.0).abs() < 1e-9);
    // G.711 + PLC at 2 %: Ie,eff = 7.0.
    assert!((lossy.rating.ie_eff - 7.011).abs() < 0.001);
    assert!(lossy.r_factor < base - 6.9);
    let bursty = QualityReport::new(&CallFigures {
        burst_ratio: Some(3.0),
        ..lossy_figures()
    });
    assert!(bursty.r_factor < lossy.r_factor);
    let late = QualityReport::new(&CallFigures {
        rtt: Some(ms(500)),
        jitter_buffer_mean: ms(120),
        ..clean()
    });
    // 250 + 120 + 20 ms mouth to ear: Idd alone is about 20.
    assert_eq!(late.delay.mouth_to_ear(), ms(390));
    assert!(late.r_factor < base - 20.0, "{late}");
    // Discards count as loss for the E-model.
    let discards = QualityReport::new(&CallFigures {
        packets_discarded: 60,
        ..clean()
    });
    assert!((discards.loss_percent - 2.0).abs() < 1e-9);
    assert_eq!(discards.r_factor, lossy.r_factor);
}

fn lossy_figures() -> CallFigures {
    CallFigures {
        packets_received: 2940,
        packets_lost: 60,
        ..clean()
    }
}

#[test]
fn codec_and_inputs_are_sanitised() {
    let gsm = QualityReport::new(&CallFigures {
        codec: "GSM".into(),
        ..clean()
    });
    let g711 = QualityReport::new(&clean());
    assert!((g711.r_factor - gsm.r_factor - 20.0).abs() < 1e-9);
    // Duplicates can make RFC 3550 loss negative; discards cannot exceed receipts.
    let odd = QualityReport::new(&CallFigures {
        packets_received: 10,
        packets_lost: -4,
        packets_discarded: 50,
        burst_ratio: Some(f64::NAN),
        ..clean()
    });
    assert_eq!((odd.packets_lost, odd.packets_discarded), (0, 10));
    assert_eq!(odd.loss_percent, 100.0);
    assert_eq!(odd.burst_ratio, 1.0);
    // A measured Ie replaces the table's.
    let measured = QualityReport::new(&CallFigures {
        codec: "iLBC".into(),
        codec_impairment: Some(impairment("iLBC", ms(30), true).with_ie(11.0, "measured")),
        ..clean()
    });
    assert_eq!(measured.impairment.ie, 11.0);
    assert_eq!(measured.delay.lookahead, ms(10));
    // Nothing received at all.
    let empty = QualityReport::new(&CallFigures::default());
    assert_eq!((empty.packets_expected, empty.loss_percent), (0, 0.0));
}

#[test]
fn fed_from_histogram_and_pattern() {
    let mut h = DelayHistogram::new();
    for i in 0..100 {
        h.record(ms(40 + i % 20));
    }
    let mut p = LossPattern::new(16);
    for i in 0..1000 {
        // Losses in pairs: mean run 2 at 2 %: BurstR = 2 · 0.98.
        p.record(if i % 100 < 2 {
            PacketOutcome::Lost
        } else {
            PacketOutcome::Received
        });
    }
    let f = CallFigures {
        packets_received: 980,
        packets_lost: 20,
        ..clean()
    }
    .with_histogram(&h)
    .with_loss_pattern(&p);
    assert_eq!(f.jitter_buffer_mean, Duration::from_micros(49_500));
    assert!(f.jitter_buffer_p95 >= ms(57) && f.jitter_buffer_p95 <= ms(60));
    assert!((f.burst_ratio.unwrap() - 1.96).abs() < 1e-9);
    let r = QualityReport::from(&f);
    assert_eq!(r.burst_ratio, f.burst_ratio.unwrap());
    // Nothing recorded: the ratio stays unset.
    let f = clean().with_loss_pattern(&LossPattern::new(16));
    assert_eq!(f.burst_ratio, None);
}

#[test]
fn display_is_one_readable_line() {
    let r = QualityReport::new(&CallFigures {
        codec: "PCMA".into(),
        packets_received: 1485,
        packets_lost: 15,
        packets_discarded: 3,
        jitter: Duration::from_micros(4_100),
        rtt: Some(ms(84)),
        jitter_buffer_mean: ms(60),
        jitter_buffer_p95: ms(82),
        concealed: ms(360),
        ..CallFigures::default()
    });
    let line = r.to_string();
    assert!(!line.contains('\n'));
    let want = format!(
        "PCMA: received 1485 of 1500 packets, lost 15 (1.0 %), discarded 3 (0.2 %), \
         jitter 4.1 ms, buffer 60/82 ms mean/p95, concealed 0.36 s, rtt 84 ms, \
         mouth-to-ear 122 ms, R {:.1}, MOS {:.2}",
        r.r_factor, r.mos
    );
    assert_eq!(line, want);
    let opus = QualityReport::new(&CallFigures {
        codec: "opus".into(),
        ..CallFigures::default()
    });
    let line = opus.to_string();
    assert!(line.contains("rtt unknown"), "{line}");
    assert!(line.ends_with("(narrowband scale)"), "{line}");
    let none = QualityReport::new(&CallFigures::default()).to_string();
    assert!(
        none.starts_with("no codec: received 0 of 0 packets"),
        "{none}"
    );
}
