use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn defaults_give_g107_reference_rating() {
    // G.107 §7.7: all defaults give R = 93.2.
    let r = EModel::default().rating();
    assert!(close(r.r, 93.2, 0.05), "{r:?}");
    // The terms as worked by hand from §7.2–7.5 with the defaults:
    // No = −61.18 dBm0p, Ro = 94.77, Is = Iolr 0.43 + Ist 0.00 + Iq 0.97,
    // Id = Idle 0.15 (Idte and Idd vanish at T = Ta = 0).
    assert!(close(r.ro, 94.77, 0.01), "{r:?}");
    assert!(close(r.is, 1.41, 0.01), "{r:?}");
    assert!(close(r.id, 0.15, 0.005), "{r:?}");
    assert_eq!(r.ie_eff, 0.0);
    assert!(close(mos_cqe(r.r), 4.41, 0.005));
}

#[test]
fn mos_from_r_matches_annex_b_points() {
    // R → MOS-CQE at the G.109 category boundaries, which G.109 lists
    // rounded up to two decimals (R 80 gives 4.024, listed as 4.03).
    for (r, mos) in [
        (90.0, 4.34),
        (80.0, 4.03),
        (70.0, 3.60),
        (60.0, 3.10),
        (50.0, 2.58),
    ] {
        let m = mos_cqe(r);
        assert!(m <= mos + 1e-9 && m > mos - 0.01, "R {r}: {m}");
    }
    assert_eq!(mos_cqe(-3.0), 1.0);
    assert_eq!(mos_cqe(0.0), 1.0);
    assert_eq!(mos_cqe(100.0), 4.5);
    assert_eq!(mos_cqe(120.0), 4.5);
    assert_eq!(mos_cqe(f64::NAN), 1.0);
    // The cubic dips below 1 near R = 3; the scale's floor holds.
    assert_eq!(mos_cqe(3.0), 1.0);
    // Monotone over the whole range.
    let mut prev = 0.0;
    for i in 0..=1000 {
        let m = mos_cqe(i as f64 / 10.0);
        assert!(m >= prev, "R {}", i as f64 / 10.0);
        prev = m;
    }
}

#[test]
fn packet_loss_through_ie_eff() {
    // G.711 with Appendix I PLC (G.113: Ie 0, Bpl 25.1) at 2 % random loss:
    // Ie,eff = 95·2 / (2 + 25.1) = 7.011.
    let m = EModel {
        ppl: 2.0,
        bpl: 25.1,
        ..EModel::default()
    };
    let r = m.rating();
    assert!(close(r.ie_eff, 7.011, 0.001), "{r:?}");
    assert!(close(r.r, 93.2 - 7.011, 0.05), "{r:?}");
    // Without PLC (Bpl 4.3) 1 % loss costs 95 / 5.3 = 17.92.
    let m = EModel {
        ppl: 1.0,
        ..EModel::default()
    };
    assert!(close(m.rating().ie_eff, 17.925, 0.001));
    // Bursty loss hurts more: BurstR 2 → 95·2 / (1 + 25.1) = 7.280.
    let m = EModel {
        ppl: 2.0,
        bpl: 25.1,
        burst_r: 2.0,
        ..EModel::default()
    };
    assert!(close(m.rating().ie_eff, 7.280, 0.001));
    // A codec's own impairment adds on: GSM-FR (Ie 20) at 0 % loss.
    let m = EModel {
        ie: 20.0,
        ..EModel::default()
    };
    assert!(close(m.rating().r, 73.2, 0.05));
    // Everything lost: Ie,eff → 95·100/(100 + Bpl), R far below 0.
    let m = EModel {
        ppl: 100.0,
        bpl: 25.1,
        ..EModel::default()
    };
    assert!(close(m.rating().ie_eff, 75.94, 0.01));
    // BurstR below 1 is rated as random.
    let m = EModel {
        ppl: 2.0,
        bpl: 25.1,
        burst_r: 0.5,
        ..EModel::default()
    };
    assert!(close(m.rating().ie_eff, 7.011, 0.001));
}

#[test]
fn absolute_delay_impairment() {
    let at = |ta: f64| {
        EModel {
            ta,
            ..EModel::default()
        }
        .rating()
        .id - EModel::default().rating().id
    };
    // Idd is 0 up to mT = 100 ms.
    assert_eq!(at(100.0), 0.0);
    // Ta = 200 ms: X = 1, Idd = 25·(2^(1/6) − 3·(1 + 3⁻⁶)^(1/6) + 2) = 3.044.
    assert!(close(at(200.0), 3.044, 0.002), "{}", at(200.0));
    // Ta = 400 ms: X = 2, Idd = 25·(65^(1/6) − 3·(1 + (2/3)⁶)^(1/6) + 2) = 24.08.
    assert!(close(at(400.0), 24.08, 0.02), "{}", at(400.0));
    // Lower sensitivity (sT < 1, larger mT) means less impairment.
    let relaxed = EModel {
        ta: 400.0,
        s_t: 0.55,
        m_t: 120.0,
        ..EModel::default()
    };
    let strict = EModel {
        ta: 400.0,
        ..EModel::default()
    };
    let (relaxed, strict) = (relaxed.rating().id, strict.rating().id);
    assert!(relaxed < strict - 5.0, "{relaxed} vs {strict}");
}

#[test]
fn echo_and_monotonicity() {
    // A VoIP path: T = Ta, Tr = 2·Ta. R falls with delay and with loss.
    let voip = |ta: f64, ppl: f64| {
        EModel {
            t: ta,
            tr: 2.0 * ta,
            ta,
            ppl,
            bpl: 25.1,
            ..EModel::default()
        }
        .rating()
        .r
    };
    let mut prev = f64::INFINITY;
    for ta in (0..=600).step_by(10) {
        let r = voip(ta as f64, 0.0);
        assert!(r <= prev + 1e-9, "Ta {ta}: {r} after {prev}");
        prev = r;
    }
    let mut prev = f64::INFINITY;
    for p in 0..=40 {
        let r = voip(50.0, p as f64 / 2.0);
        assert!(r < prev, "Ppl {}", p as f64 / 2.0);
        prev = r;
    }
    // Talker echo with TELR 65 dB is small but present at 150 ms one way.
    let r = EModel {
        t: 150.0,
        ..EModel::default()
    }
    .rating();
    assert!(r.id > 0.5 && r.id < 5.0, "{r:?}");
    // Weak echo loss is a large impairment.
    let r = EModel {
        t: 150.0,
        telr: 30.0,
        ..EModel::default()
    }
    .rating();
    assert!(r.id > 20.0, "{r:?}");
}
