//! Our jitter buffer, as a `MediaSession` configures it (40–300 ms), over
//! the seeded traces of the `jitter_compare` bench (whose trace generator
//! and runner this test shares): 60 s of 20 ms packets with 20 ms + 0–80 ms
//! of independent delay per packet (the call demo's `--jitter-ms 40`), then
//! the same with 2 % random loss. Thresholds sit just above what seed 1
//! measures (stated at each assertion), so a change that costs delay or
//! audio fails here; BENCHMARKS.md ("Jitter buffer vs libspeexdsp") has the
//! full comparison.

#[path = "../benches/jitter_compare/trace.rs"]
#[allow(dead_code)] // the bench uses more of it than this test
mod trace;

#[path = "../benches/jitter_compare/run.rs"]
#[allow(dead_code)]
mod run;

use run::{mean, percentile, run, Ours, Report};
use trace::{generate, read_csv, Trace};

fn trace(name: &str) -> Trace {
    generate(name, 60, 1).expect("known trace")
}

fn network_loss_pct(t: &Trace) -> f64 {
    100.0 * (t.sent - t.packets.len() as u64) as f64 / t.sent as f64
}

fn report(t: &Trace) -> Report {
    let r = run(t, &mut Ours::session());
    eprintln!(
        "{}: buffer delay mean {:.1} p95 {:.1} ms, latency over best path mean {:.1} p95 {:.1} ms, \
         concealed {:.2} % ({} lost + {} inserted), late {}, other discarded {}; {}",
        t.name,
        mean(&r.buffer_ms),
        percentile(&r.buffer_ms, 95.0),
        mean(&r.excess_ms),
        percentile(&r.excess_ms, 95.0),
        r.concealed_pct(),
        r.concealed,
        r.inserted,
        r.late,
        r.other_discarded,
        r.notes
    );
    r
}

#[test]
fn uniform_jitter_without_loss() {
    let t = trace("jitter40");
    assert_eq!(t.packets.len(), 3000);
    let r = report(&t);
    // Measured: 3 frames inserted at start-up underflows, nothing lost or late.
    assert!(
        r.concealed_pct() < 1.0,
        "concealed {:.2} %",
        r.concealed_pct()
    );
    assert!(r.late <= 3, "late {}", r.late);
    assert!(r.played >= 2997, "played {}", r.played);
    // Measured: buffer delay p95 103.0 ms (libspeexdsp: 83.0).
    let p95 = percentile(&r.buffer_ms, 95.0);
    assert!(p95 < 120.0, "buffer delay p95 {p95:.1} ms");
    // Measured: 106.9 ms over the best path (libspeexdsp: 86.9).
    let lat = percentile(&r.excess_ms, 95.0);
    assert!(lat < 120.0, "latency over best path p95 {lat:.1} ms");
}

#[test]
fn uniform_jitter_with_two_percent_loss() {
    let t = trace("loss2-jitter40");
    let lost = network_loss_pct(&t);
    // Seed 1 drops 70 of 3000 (2.33 %).
    assert!((1.5..3.0).contains(&lost), "network loss {lost:.2} %");
    let r = report(&t);
    // Measured: 2.50 % (70 concealed + 5 inserted); the network's share is
    // unavoidable, the buffer may add half a point.
    let c = r.concealed_pct();
    assert!(
        c < lost + 0.5,
        "concealed {c:.2} % vs network loss {lost:.2} %"
    );
    assert!(r.late <= 3, "late {}", r.late);
    // Measured: p95 125.7 ms (libspeexdsp: 83.1). The old shrink rule
    // (level > target + 1 for 50 pops) never fired under loss and left
    // 143.0 ms; the lead-based one (session 9) shrinks to the target.
    let p95 = percentile(&r.buffer_ms, 95.0);
    assert!(p95 < 135.0, "buffer delay p95 {p95:.1} ms");
}

#[test]
fn traces_are_deterministic_by_seed() {
    let a = generate("wifi-bursts", 10, 7).expect("known trace");
    let b = generate("wifi-bursts", 10, 7).expect("known trace");
    let c = generate("wifi-bursts", 10, 8).expect("known trace");
    assert_eq!(a.packets, b.packets);
    assert_ne!(a.packets, c.packets);
    // The stalls hold packets 100–200 ms beyond the 20–30 ms base.
    let worst = a
        .packets
        .iter()
        .map(|p| p.arrival_us as i64 - trace::send_us(p.ts, a.origin_ts().unwrap_or(0)))
        .max()
        .unwrap_or(0);
    assert!(
        (100_000..=230_000).contains(&worst),
        "worst transit {worst} µs"
    );
}

#[test]
fn csv_trace_reads_back() {
    let t = trace("reorder");
    let path = std::env::temp_dir().join(format!("jitter_trace_{}.csv", std::process::id()));
    let mut text = String::from("seq,ts,arrival_ms\n# a comment\n");
    for p in &t.packets {
        text.push_str(&format!(
            "{},{},{:.3}\n",
            p.seq,
            p.ts,
            p.arrival_us as f64 / 1000.0
        ));
    }
    std::fs::write(&path, text).expect("write temp CSV");
    let back = read_csv(&path).expect("read back");
    let _ = std::fs::remove_file(&path);
    assert_eq!(back.sent, t.sent);
    assert_eq!(back.packets.len(), t.packets.len());
    let first = t.packets.first().map_or(0, |p| p.arrival_us);
    for (a, b) in t.packets.iter().zip(&back.packets) {
        assert_eq!((a.seq, a.ts), (b.seq, b.ts));
        // Shifted so the first arrival is at 100 ms.
        assert_eq!(a.arrival_us - first + 100_000, b.arrival_us);
    }
    assert!(read_csv(std::path::Path::new("/nonexistent/trace.csv")).is_err());
}
