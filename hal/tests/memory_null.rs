//! Null and memory drivers.
use openphone_hal::{
    memory, AudioSink, AudioSource, MemorySink, MemorySource, NullSink, NullSource,
};

#[test]
fn null_source_is_endless_silence() {
    let mut s = NullSource::new(16000);
    assert_eq!(s.sample_rate(), 16000);
    let mut f = [7i16; 320];
    for _ in 0..100 {
        assert!(s.read(&mut f).unwrap());
        assert!(f.iter().all(|&x| x == 0));
    }
}

#[test]
fn null_sink_counts() {
    let mut s = NullSink::new(8000);
    for _ in 0..50 {
        s.write(&[1; 160]).unwrap();
    }
    s.write(&[]).unwrap();
    s.flush().unwrap();
    assert_eq!(s.samples_written(), 8000);
}

#[test]
fn memory_sink_is_visible_through_handles_across_threads() {
    let mut sink = MemorySink::new(8000);
    let h = sink.handle();
    let h2 = h.clone();
    let t = std::thread::spawn(move || {
        for i in 0..10 {
            sink.write(&[i; 3]).unwrap();
        }
        sink
    });
    let sink = t.join().unwrap();
    assert_eq!(h.len(), 30);
    assert_eq!(h2.samples()[27..], [9, 9, 9]);
    assert_eq!(sink.samples(), h.samples());
    h.clear();
    assert!(h2.is_empty());
}

#[test]
fn memory_source_plays_once() {
    let data: Vec<i16> = (0..400).collect();
    let mut s = MemorySource::new(8000, data.clone());
    let mut got = Vec::new();
    let mut f = [0i16; 160];
    assert!(s.read(&mut f).unwrap());
    got.extend(f);
    assert!(s.read(&mut f).unwrap());
    got.extend(f);
    assert!(!s.read(&mut f).unwrap());
    got.extend(f);
    assert_eq!(&got[..400], &data[..]);
    assert!(got[400..].iter().all(|&x| x == 0));
    assert!(!s.read(&mut f).unwrap());
    assert_eq!(s.remaining(), 0);
}

#[test]
fn loopback_passes_audio_in_order() {
    let (mut sink, mut src) = memory::loopback(8000, 1000);
    sink.write(&[1, 2, 3]).unwrap();
    sink.write(&[4, 5]).unwrap();
    let mut f = [0i16; 4];
    assert!(src.read(&mut f).unwrap());
    assert_eq!(f, [1, 2, 3, 4]);
    assert_eq!(src.available(), 1);
    // Underrun: the rest is silence, the source stays live.
    assert!(src.read(&mut f).unwrap());
    assert_eq!(f, [5, 0, 0, 0]);
}

#[test]
fn loopback_drops_oldest_on_overflow() {
    let (mut sink, mut src) = memory::loopback(8000, 5);
    sink.write(&[1, 2, 3]).unwrap();
    sink.write(&[4, 5, 6, 7]).unwrap();
    assert_eq!(src.dropped(), 2);
    sink.write(&(100..120).collect::<Vec<i16>>()).unwrap();
    assert_eq!(src.dropped(), 2 + 5 + 15);
    let mut f = [0i16; 5];
    src.read(&mut f).unwrap();
    assert_eq!(f, [115, 116, 117, 118, 119]);
}

#[test]
fn loopback_ends_after_sink_dropped_and_drained() {
    let (mut sink, mut src) = memory::loopback(8000, 100);
    sink.write(&[9; 10]).unwrap();
    drop(sink);
    let mut f = [0i16; 6];
    assert!(src.read(&mut f).unwrap());
    assert!(!src.read(&mut f).unwrap());
    assert_eq!(f, [9, 9, 9, 9, 0, 0]);
    assert!(!src.read(&mut f).unwrap());
}
