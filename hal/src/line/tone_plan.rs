//! Per-country call-progress tone plans.
//!
//! Frequencies and cadences of dial, ringing, busy, congestion and (where
//! listed) call-waiting and special dial tone are those ITU-T E.180
//! Supplement 2 ("Various tones used in national networks") lists for each
//! country. The supplement gives no levels: the US levels are those of the
//! North American precise tone plan (ITU-T E.300 Supplement 3); elsewhere
//! tones use −10 dBm0 per component, and a driver may scale them. Tones the
//! supplement does not list for a country are filled from national
//! practice and say so in [`ToneSpec::source`].

use crate::line::{Cadence, Country, Tone, TonePattern, ToneSpec};

const E180: &str = "ITU-T E.180 Suppl. 2";
const E180_US: &str = "ITU-T E.180 Suppl. 2; level from E.300 Suppl. 3";
const NATIONAL: &str = "national practice (not in E.180 Suppl. 2)";
const GENERIC: &str = "no national value: OpenPhone default";

/// Level used where no standard value is known, per component.
const DEFAULT_LEVEL_DBM0: f32 = -10.0;

/// The tones and ringing cadence of one country.
///
/// ```
/// use openphone_hal::line::{Country, Tone, TonePlan};
///
/// let de = TonePlan::for_country(Country::De);
/// assert_eq!(de.tone(Tone::Dial).frequencies, [425.0]);
/// assert_eq!(de.ring_cadence().to_string(), "DE: 1 s on, 4 s off");
/// for tone in Tone::ALL {
///     println!("{tone}: {}", de.tone(tone));
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TonePlan {
    country: Country,
    ring: Cadence,
    dial: ToneSpec,
    stutter_dial: ToneSpec,
    ringback: ToneSpec,
    busy: ToneSpec,
    congestion: ToneSpec,
    call_waiting: ToneSpec,
    confirmation: ToneSpec,
    off_hook_warning: ToneSpec,
}

fn repeating(segments: &[(u64, u64)]) -> TonePattern {
    TonePattern::Repeating(Cadence::fixed(segments))
}

fn bursts(segments: &[(u64, u64)], cycles: u8) -> TonePattern {
    TonePattern::Bursts {
        cadence: Cadence::fixed(segments),
        cycles,
    }
}

fn bursts_then_steady(segments: &[(u64, u64)], cycles: u8) -> TonePattern {
    TonePattern::BurstsThenSteady {
        cadence: Cadence::fixed(segments),
        cycles,
    }
}

/// The North American receiver-off-hook tone (E.300 Suppl. 3): loud, four
/// frequencies, 0.1 s on/off. No other plan here has its own howler, so
/// every plan uses this one.
fn howler(source: &'static str) -> ToneSpec {
    ToneSpec::new(
        &[1400.0, 2060.0, 2450.0, 2600.0],
        3.0,
        repeating(&[(100, 100)]),
        source,
    )
}

/// Three short bursts of the national dial frequency: the confirmation
/// tone where the country defines none.
fn confirmation(frequencies: &[f32], level: f32, source: &'static str) -> ToneSpec {
    ToneSpec::new(frequencies, level, bursts(&[(100, 100)], 3), source)
}

impl TonePlan {
    /// The plan of `country`.
    pub fn for_country(country: Country) -> TonePlan {
        match country {
            Country::Us => Self::us(),
            Country::Uk => Self::uk(),
            Country::De => Self::de(),
            Country::Fr => Self::fr(),
            Country::Jp => Self::jp(),
        }
    }

    fn us() -> TonePlan {
        let dial = [350.0, 440.0];
        let busy = [480.0, 620.0];
        TonePlan {
            country: Country::Us,
            ring: Cadence::ring(Country::Us),
            dial: ToneSpec::new(&dial, -13.0, TonePattern::Continuous, E180_US),
            // Message-waiting stutter: ten 0.1 s interruptions, then steady.
            stutter_dial: ToneSpec::new(
                &dial,
                -13.0,
                bursts_then_steady(&[(100, 100)], 10),
                NATIONAL,
            ),
            ringback: ToneSpec::new(&[440.0, 480.0], -19.0, repeating(&[(2000, 4000)]), E180_US),
            busy: ToneSpec::new(&busy, -24.0, repeating(&[(500, 500)]), E180_US),
            congestion: ToneSpec::new(&busy, -24.0, repeating(&[(250, 250)]), E180_US),
            // One 0.3 s burst, repeated once ten seconds later.
            call_waiting: ToneSpec::new(&[440.0], -13.0, bursts(&[(300, 9700)], 2), E180_US),
            confirmation: confirmation(&dial, -13.0, NATIONAL),
            off_hook_warning: howler("ITU-T E.300 Suppl. 3"),
        }
    }

    fn uk() -> TonePlan {
        let l = DEFAULT_LEVEL_DBM0;
        let dial = [350.0, 440.0];
        TonePlan {
            country: Country::Uk,
            ring: Cadence::ring(Country::Uk),
            dial: ToneSpec::new(&dial, l, TonePattern::Continuous, E180),
            // BT's special dial tone interrupts only the 350 Hz component;
            // a two-frequency generator interrupts both.
            stutter_dial: ToneSpec::new(&dial, l, repeating(&[(750, 750)]), NATIONAL),
            ringback: ToneSpec::new(
                &[400.0, 450.0],
                l,
                repeating(&[(400, 200), (400, 2000)]),
                E180,
            ),
            busy: ToneSpec::new(&[400.0], l, repeating(&[(375, 375)]), E180),
            congestion: ToneSpec::new(&[400.0], l, repeating(&[(400, 350), (225, 525)]), E180),
            call_waiting: ToneSpec::new(&[400.0], l, repeating(&[(100, 4000)]), NATIONAL),
            confirmation: confirmation(&dial, l, GENERIC),
            off_hook_warning: howler(GENERIC),
        }
    }

    fn de() -> TonePlan {
        let l = DEFAULT_LEVEL_DBM0;
        let f = [425.0];
        TonePlan {
            country: Country::De,
            ring: Cadence::ring(Country::De),
            dial: ToneSpec::new(&f, l, TonePattern::Continuous, E180),
            // E.180 Suppl. 2 "special dial tone": 425+400 Hz, continuous.
            stutter_dial: ToneSpec::new(&[425.0, 400.0], l, TonePattern::Continuous, E180),
            ringback: ToneSpec::new(&f, l, repeating(&[(1000, 4000)]), E180),
            busy: ToneSpec::new(&f, l, repeating(&[(480, 480)]), E180),
            congestion: ToneSpec::new(&f, l, repeating(&[(240, 240)]), E180),
            call_waiting: ToneSpec::new(&f, l, repeating(&[(200, 200), (200, 5000)]), E180),
            confirmation: confirmation(&f, l, GENERIC),
            off_hook_warning: howler(GENERIC),
        }
    }

    fn fr() -> TonePlan {
        let l = DEFAULT_LEVEL_DBM0;
        let f = [440.0];
        TonePlan {
            country: Country::Fr,
            ring: Cadence::ring(Country::Fr),
            dial: ToneSpec::new(&f, l, TonePattern::Continuous, E180),
            stutter_dial: ToneSpec::new(&f, l, bursts_then_steady(&[(100, 100)], 10), GENERIC),
            ringback: ToneSpec::new(&f, l, repeating(&[(1500, 3500)]), E180),
            busy: ToneSpec::new(&f, l, repeating(&[(500, 500)]), E180),
            congestion: ToneSpec::new(&f, l, repeating(&[(250, 250)]), NATIONAL),
            call_waiting: ToneSpec::new(&f, l, repeating(&[(300, 10_000)]), NATIONAL),
            confirmation: confirmation(&f, l, GENERIC),
            off_hook_warning: howler(GENERIC),
        }
    }

    fn jp() -> TonePlan {
        let l = DEFAULT_LEVEL_DBM0;
        let f = [400.0];
        TonePlan {
            country: Country::Jp,
            ring: Cadence::ring(Country::Jp),
            dial: ToneSpec::new(&f, l, TonePattern::Continuous, E180),
            stutter_dial: ToneSpec::new(&f, l, bursts_then_steady(&[(100, 100)], 10), GENERIC),
            // 400 Hz amplitude-modulated by 16 Hz ("400×16").
            ringback: ToneSpec::new(&f, l, repeating(&[(1000, 2000)]), E180).modulated(16.0),
            busy: ToneSpec::new(&f, l, repeating(&[(500, 500)]), E180),
            // Japanese exchanges give congestion the busy-tone cadence.
            congestion: ToneSpec::new(&f, l, repeating(&[(500, 500)]), NATIONAL),
            call_waiting: ToneSpec::new(&f, l, repeating(&[(500, 8000)]), NATIONAL).modulated(16.0),
            confirmation: confirmation(&f, l, GENERIC),
            off_hook_warning: howler(GENERIC),
        }
    }

    /// The country this plan is for.
    pub fn country(&self) -> Country {
        self.country
    }

    /// The country's standard ringing cadence (as [`Cadence::ring`]).
    pub fn ring_cadence(&self) -> &Cadence {
        &self.ring
    }

    /// How `tone` sounds in this country.
    pub fn tone(&self, tone: Tone) -> &ToneSpec {
        match tone {
            Tone::Dial => &self.dial,
            Tone::StutterDial => &self.stutter_dial,
            Tone::Ringback => &self.ringback,
            Tone::Busy => &self.busy,
            Tone::Congestion => &self.congestion,
            Tone::CallWaiting => &self.call_waiting,
            Tone::Confirmation => &self.confirmation,
            Tone::OffHookWarning => &self.off_hook_warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn cadence_ms(spec: &ToneSpec) -> Vec<(u128, u128)> {
        let cadence = match &spec.pattern {
            TonePattern::Continuous => return Vec::new(),
            TonePattern::Repeating(c) => c,
            TonePattern::Bursts { cadence, .. } | TonePattern::BurstsThenSteady { cadence, .. } => {
                cadence
            }
        };
        cadence
            .segments()
            .iter()
            .map(|(on, off)| (on.as_millis(), off.as_millis()))
            .collect()
    }

    #[test]
    fn every_built_in_cadence_passes_validation() {
        for country in Country::ALL {
            let plan = TonePlan::for_country(country);
            assert_eq!(plan.country(), country);
            for tone in Tone::ALL {
                let spec = plan.tone(tone);
                assert!(
                    (1..=4).contains(&spec.frequencies.len()),
                    "{country} {tone}"
                );
                for hz in &spec.frequencies {
                    assert!((300.0..=3400.0).contains(hz), "{country} {tone}: {hz} Hz");
                }
                let segments: Vec<_> = cadence_ms(spec)
                    .into_iter()
                    .map(|(on, off)| {
                        let ms = |v: u128| Duration::from_millis(v as u64);
                        (ms(on), ms(off))
                    })
                    .collect();
                if !segments.is_empty() {
                    assert!(Cadence::new(&segments).is_ok(), "{country} {tone}");
                }
            }
        }
    }

    // Spot checks against ITU-T E.180 Supplement 2.
    #[test]
    fn us_values_match_e180() {
        let us = TonePlan::for_country(Country::Us);
        assert_eq!(us.tone(Tone::Dial).frequencies, [350.0, 440.0]);
        assert_eq!(us.tone(Tone::Dial).pattern, TonePattern::Continuous);
        assert_eq!(us.tone(Tone::Ringback).frequencies, [440.0, 480.0]);
        assert_eq!(cadence_ms(us.tone(Tone::Ringback)), [(2000, 4000)]);
        assert_eq!(us.tone(Tone::Busy).frequencies, [480.0, 620.0]);
        assert_eq!(cadence_ms(us.tone(Tone::Busy)), [(500, 500)]);
        assert_eq!(cadence_ms(us.tone(Tone::Congestion)), [(250, 250)]);
        assert_eq!(us.tone(Tone::Busy).level_dbm0, -24.0);
        assert_eq!(us.tone(Tone::CallWaiting).frequencies, [440.0]);
    }

    #[test]
    fn uk_values_match_e180() {
        let uk = TonePlan::for_country(Country::Uk);
        assert_eq!(uk.tone(Tone::Dial).frequencies, [350.0, 440.0]);
        assert_eq!(uk.tone(Tone::Ringback).frequencies, [400.0, 450.0]);
        assert_eq!(
            cadence_ms(uk.tone(Tone::Ringback)),
            [(400, 200), (400, 2000)]
        );
        assert_eq!(cadence_ms(uk.tone(Tone::Busy)), [(375, 375)]);
        assert_eq!(
            cadence_ms(uk.tone(Tone::Congestion)),
            [(400, 350), (225, 525)]
        );
    }

    #[test]
    fn de_values_match_e180() {
        let de = TonePlan::for_country(Country::De);
        for tone in [
            Tone::Dial,
            Tone::Ringback,
            Tone::Busy,
            Tone::Congestion,
            Tone::CallWaiting,
        ] {
            assert_eq!(de.tone(tone).frequencies, [425.0], "{tone}");
            assert_eq!(de.tone(tone).source, E180, "{tone}");
        }
        assert_eq!(cadence_ms(de.tone(Tone::Ringback)), [(1000, 4000)]);
        assert_eq!(cadence_ms(de.tone(Tone::Busy)), [(480, 480)]);
        assert_eq!(cadence_ms(de.tone(Tone::Congestion)), [(240, 240)]);
        assert_eq!(
            cadence_ms(de.tone(Tone::CallWaiting)),
            [(200, 200), (200, 5000)]
        );
        assert_eq!(de.tone(Tone::StutterDial).frequencies, [425.0, 400.0]);
    }

    #[test]
    fn fr_and_jp_values_match_e180() {
        let fr = TonePlan::for_country(Country::Fr);
        assert_eq!(fr.tone(Tone::Dial).frequencies, [440.0]);
        assert_eq!(cadence_ms(fr.tone(Tone::Ringback)), [(1500, 3500)]);
        assert_eq!(cadence_ms(fr.tone(Tone::Busy)), [(500, 500)]);
        let jp = TonePlan::for_country(Country::Jp);
        assert_eq!(jp.tone(Tone::Dial).frequencies, [400.0]);
        assert_eq!(jp.tone(Tone::Ringback).modulation_hz, Some(16.0));
        assert_eq!(cadence_ms(jp.tone(Tone::Ringback)), [(1000, 2000)]);
        assert_eq!(cadence_ms(jp.tone(Tone::Busy)), [(500, 500)]);
    }

    #[test]
    fn ringback_and_ring_cadence_agree() {
        // The bell and the caller's ringback run in step in every plan.
        for country in Country::ALL {
            let plan = TonePlan::for_country(country);
            let ring: Vec<_> = plan
                .ring_cadence()
                .segments()
                .iter()
                .map(|(on, off)| (on.as_millis(), off.as_millis()))
                .collect();
            assert_eq!(ring, cadence_ms(plan.tone(Tone::Ringback)), "{country}");
        }
    }
}
