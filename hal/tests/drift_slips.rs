//! Clock drift measured: a ring fed at one clock and emptied at another,
//! through the real [`SlipReader`] / [`FrameWriter`], in simulated time.
//!
//! Both directions of a call at 8 kHz with 10 ms device periods and 20 ms
//! packets: capture (the device gives periods at its clock, the call takes
//! 20 ms at the RTP clock) and playback (the call gives 20 ms, the device
//! takes periods). Each scenario prints the slips and the drift they
//! corrected in ppm, to compare with the drift simulated:
//! `cargo test -p openphone-hal --test drift_slips -- --nocapture`.

use std::sync::Arc;

use openphone_hal::drift::{DriftCounters, DriftStats, FrameWriter, SlipBand, SlipReader};
use openphone_hal::ring::FrameRing;

const RATE: f64 = 8000.0;
const PERIOD: usize = 80; // 10 ms device periods
const PACKET: usize = 160; // 20 ms packets

/// A small deterministic generator for scheduling jitter.
struct Jitter(u64, f64);

impl Jitter {
    /// Uniform in [0, max) seconds: a thread woken late, never early.
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 * self.1
    }
}

#[derive(Clone, Copy, Debug)]
enum Dir {
    Capture,
    Playback,
}

/// Runs `secs` of simulated time: the device's clock runs at `device_ppm`,
/// the call's at `call_ppm` (relative to nominal), each event woken up to
/// `jitter` seconds late. Returns the slip statistics.
fn simulate(dir: Dir, secs: f64, device_ppm: f64, call_ppm: f64, jitter: f64) -> DriftStats {
    let ring = Arc::new(FrameRing::new(PERIOD, 32));
    let counters = Arc::new(DriftCounters::default());
    let mut reader = SlipReader::new(ring.clone(), SlipBand::default(), counters.clone());
    let mut writer = FrameWriter::new(ring, counters.clone());
    let dev_step = PERIOD as f64 / (RATE * (1.0 + device_ppm * 1e-6));
    let call_step = PACKET as f64 / (RATE * (1.0 + call_ppm * 1e-6));
    let mut jit = Jitter(0x9E37_79B9_7F4A_7C15, jitter);
    let (mut dev_k, mut call_k) = (0u64, 0u64);
    let mut dev_at = jit.next();
    let mut call_at = 0.005 + jit.next();
    let mut period = vec![0i16; PERIOD];
    let mut packet = vec![0i16; PACKET];
    while dev_at.min(call_at) < secs {
        if dev_at <= call_at {
            match dir {
                Dir::Capture => {
                    // A whole period: one push, as the capture thread does.
                    period.fill(dev_k as i16);
                    writer.write(&period);
                }
                Dir::Playback => {
                    reader.take(&mut period);
                }
            }
            dev_k += 1;
            dev_at = dev_k as f64 * dev_step + jit.next();
        } else {
            match dir {
                Dir::Capture => reader.read(&mut packet),
                Dir::Playback => writer.write(&packet),
            }
            call_k += 1;
            call_at = 0.005 + call_k as f64 * call_step + jit.next();
        }
    }
    counters.snapshot()
}

fn report(label: &str, secs: f64, true_ppm: f64, s: &DriftStats) -> f64 {
    let ppm = s.slip_ppm();
    println!(
        "{label:<44} {secs:>6.0} s  drift {true_ppm:>+7.1} ppm  repeated {:>3} dropped {:>3} starved {:>2} resyncs {} overflows {}  corrected {ppm:>+8.1} ppm",
        s.repeated, s.dropped, s.starved, s.resyncs, s.overflows
    );
    ppm
}

/// The taker's clock relative to the giver's, in ppm (positive: the taker
/// is faster and must repeat frames).
fn taker_faster_ppm(dir: Dir, device_ppm: f64, call_ppm: f64) -> f64 {
    let (taker, giver) = match dir {
        Dir::Capture => (call_ppm, device_ppm),
        Dir::Playback => (device_ppm, call_ppm),
    };
    ((1.0 + taker * 1e-6) / (1.0 + giver * 1e-6) - 1.0) * 1e6
}

#[test]
fn same_clock_never_slips() {
    for dir in [Dir::Capture, Dir::Playback] {
        let s = simulate(dir, 600.0, 0.0, 0.0, 0.0);
        report(&format!("{dir:?} same clock, no jitter"), 600.0, 0.0, &s);
        assert_eq!(
            (s.repeated, s.dropped, s.starved, s.resyncs, s.overflows),
            (0, 0, 0, 0, 0)
        );
    }
}

#[test]
fn scheduling_jitter_alone_costs_at_most_a_slip_or_two() {
    for dir in [Dir::Capture, Dir::Playback] {
        // Every wake-up up to 8 ms late, for ten minutes.
        let s = simulate(dir, 600.0, 0.0, 0.0, 0.008);
        report(&format!("{dir:?} same clock, 8 ms jitter"), 600.0, 0.0, &s);
        assert!(s.repeated + s.dropped <= 2, "{s:?}");
        assert_eq!((s.starved, s.resyncs, s.overflows), (0, 0, 0), "{s:?}");
    }
}

#[test]
fn one_minute_at_100_ppm_is_absorbed_by_the_ring() {
    // 60 s at 100 ppm is 48 samples, less than one 80-sample period.
    for dir in [Dir::Capture, Dir::Playback] {
        for (dev, call) in [(0.0, 100.0), (100.0, 0.0)] {
            let s = simulate(dir, 60.0, dev, call, 0.002);
            let t = taker_faster_ppm(dir, dev, call);
            report(
                &format!("{dir:?} device {dev:+} ppm call {call:+} ppm"),
                60.0,
                t,
                &s,
            );
            assert!(s.repeated + s.dropped <= 1, "{s:?}");
            assert_eq!((s.starved, s.resyncs, s.overflows), (0, 0, 0), "{s:?}");
        }
    }
}

#[test]
fn slips_measure_the_drift_over_an_hour() {
    for dir in [Dir::Capture, Dir::Playback] {
        for (dev, call) in [
            (0.0, 100.0),
            (100.0, 0.0),
            (-50.0, 50.0),
            (1000.0, 0.0),
            (0.0, 1000.0),
        ] {
            let secs = 3600.0;
            let s = simulate(dir, secs, dev, call, 0.004);
            let t = taker_faster_ppm(dir, dev, call);
            let got = report(
                &format!("{dir:?} device {dev:+} ppm call {call:+} ppm"),
                secs,
                t,
                &s,
            );
            // One slip is 10 ms; an hour at 100 ppm is 36 of them, so the
            // correction is within one slip plus the ring's band (5 frames).
            let per_slip = 1e6 / s.taken as f64;
            assert!(
                (got - t).abs() <= 6.0 * per_slip,
                "{dir:?}: corrected {got:.1} ppm for a drift of {t:.1} ppm ({s:?})"
            );
            // Only the right kind of slip, and no starvation or loss.
            if t > 0.0 {
                assert_eq!(s.dropped, 0, "{s:?}");
            } else {
                assert_eq!(s.repeated, 0, "{s:?}");
            }
            assert_eq!((s.starved, s.resyncs, s.overflows), (0, 0, 0), "{s:?}");
        }
    }
}

#[test]
fn a_stalled_giver_starves_then_recovers_without_slips_piling_up() {
    // The device stops for 500 ms (a stalled FIFO) and comes back: the call
    // hears silence for about that long, then audio again at the target.
    let ring = Arc::new(FrameRing::new(PERIOD, 32));
    let counters = Arc::new(DriftCounters::default());
    let mut reader = SlipReader::new(ring.clone(), SlipBand::default(), counters.clone());
    let mut packet = vec![0i16; PACKET];
    let mut heard = Vec::new();
    // 10 ms steps: the device pushes every step except 100..150, the call
    // reads every other step.
    for step in 0..400u32 {
        if !(100..150).contains(&step) {
            assert!(ring.push(&[1; PERIOD]));
        }
        if step % 2 == 1 {
            reader.read(&mut packet);
            heard.push(packet[0]);
        }
    }
    let s = counters.snapshot();
    println!("stall of 500 ms: {s:?}");
    let silent = heard.iter().skip(10).filter(|&&v| v == 0).count();
    assert!(
        (24..=28).contains(&silent),
        "{silent} silent packets after the start: {heard:?}"
    );
    assert!(
        heard.iter().rev().take(100).all(|&v| v == 1),
        "audio back after the stall"
    );
    assert!(s.starved > 0 && s.repeated <= 1 && s.dropped == 0, "{s:?}");
}
