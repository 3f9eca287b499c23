use rand::{Rng, SeedableRng};

use super::PacketOutcome::*;
use super::*;

fn feed(p: &mut LossPattern, pattern: &str) {
    for c in pattern.chars() {
        p.record(match c {
            '1' => Received,
            '0' => Lost,
            'X' => Discarded,
            _ => unreachable!(),
        });
    }
}

#[test]
fn rfc3611_example_pattern() {
    // RFC 3611 §4.7.2's example (1 received, 0 lost, X discarded) with
    // Gmin 16: gap, a 12-packet burst from the first X, gap.
    let mut p = LossPattern::new(16);
    feed(
        &mut p,
        "11110111111111111111111X111X1011110111111111111111111X111111111",
    );
    let bg = p.burst_gap();
    assert_eq!(bg.bursts, 1);
    assert_eq!(bg.burst_packets, 12.0);
    // The burst X111X1011110 holds 4 losses/discards.
    assert!((bg.burst_density - 4.0 / 12.0).abs() < 1e-12);
    // The lone 0 and the lone X are gap losses: 2 of the 51 gap packets,
    // over 2 gaps.
    assert!((bg.gap_density - 2.0 / 51.0).abs() < 1e-12);
    assert_eq!(bg.gap_packets, 25.5);
    assert_eq!(p.missing(), 6);
}

#[test]
fn lone_losses_stay_in_gaps() {
    let mut p = LossPattern::new(16);
    for _ in 0..10 {
        feed(&mut p, "0");
        feed(&mut p, &"1".repeat(16));
    }
    let bg = p.burst_gap();
    assert_eq!(bg.bursts, 0);
    assert_eq!(bg.burst_density, 0.0);
    assert!((bg.gap_density - 10.0 / 170.0).abs() < 1e-12);
    assert_eq!(bg.gap_packets, 170.0);
    // 15 received between two losses is not enough: a burst.
    let mut p = LossPattern::new(16);
    feed(&mut p, &format!("0{}0", "1".repeat(15)));
    let bg = p.burst_gap();
    assert_eq!((bg.bursts, bg.burst_packets), (1, 17.0));
}

#[test]
fn open_cluster_is_closed_at_report_time_without_changing_state() {
    let mut p = LossPattern::new(16);
    feed(&mut p, "11110010");
    let bg = p.burst_gap();
    assert_eq!((bg.bursts, bg.burst_packets), (1, 4.0));
    assert!((bg.burst_density - 3.0 / 4.0).abs() < 1e-12);
    // The cluster goes on: one more loss within Gmin joins it.
    feed(&mut p, "1110");
    let bg = p.burst_gap();
    assert_eq!((bg.bursts, bg.burst_packets), (1, 8.0));
    assert!((bg.burst_density - 4.0 / 8.0).abs() < 1e-12);
}

#[test]
fn burst_ratio_edges() {
    let mut p = LossPattern::new(16);
    assert_eq!(p.burst_ratio(), 1.0);
    assert_eq!(p.loss_percent(), 0.0);
    feed(&mut p, "1111");
    assert_eq!(p.burst_ratio(), 1.0);
    let mut p = LossPattern::new(16);
    feed(&mut p, "0000");
    assert_eq!((p.loss_percent(), p.burst_ratio()), (100.0, 1.0));
    assert_eq!(p.burst_gap().burst_density, 1.0);
    // Alternating loss is smoother than random: ratio below 1 (the E-model
    // rates it as random).
    let mut p = LossPattern::new(16);
    feed(&mut p, &"10".repeat(50));
    assert!((p.burst_ratio() - 0.5).abs() < 1e-12);
}

#[test]
fn random_loss_has_burst_ratio_one() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut p = LossPattern::new(16);
    for _ in 0..400_000 {
        p.record(if rng.gen_bool(0.05) { Lost } else { Received });
    }
    assert!((p.loss_percent() - 5.0).abs() < 0.1, "{}", p.loss_percent());
    assert!((p.burst_ratio() - 1.0).abs() < 0.02, "{}", p.burst_ratio());
}

#[test]
fn gilbert_loss_matches_markov_burst_ratio() {
    // Two-state Markov loss: P(loss | received) = p, P(received | lost) = q.
    // G.107: BurstR = 1 / (p + q).
    let (pl, q) = (0.01, 0.3);
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut p = LossPattern::new(16);
    let mut lost = false;
    for _ in 0..1_000_000 {
        lost = if lost {
            !rng.gen_bool(q)
        } else {
            rng.gen_bool(pl)
        };
        p.record(if lost { Lost } else { Received });
    }
    let want = 1.0 / (pl + q);
    assert!(
        (p.burst_ratio() / want - 1.0).abs() < 0.03,
        "{} vs {want}",
        p.burst_ratio()
    );
    // Stationary loss rate p / (p + q) = 3.2 %.
    assert!((p.loss_percent() - 100.0 * pl / (pl + q)).abs() < 0.2);
    // Loss runs average 1/q = 3.3 packets, so most losses sit in bursts.
    let bg = p.burst_gap();
    assert!(bg.burst_density > 0.5 && bg.gap_density < 0.01, "{bg:?}");
}
