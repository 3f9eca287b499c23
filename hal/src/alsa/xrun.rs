//! Recovery from xruns and suspends, so a device error does not end the call.

use std::time::{Duration, Instant};

use alsa::pcm::PCM;
use alsa::Direction;

use super::shared::Shared;

/// How long a suspended device is given to resume.
const RESUME_WAIT: Duration = Duration::from_secs(2);

/// Brings `pcm` back after `err` from a read or write. `Ok` when the
/// transfer can be retried; `Err` for errors that are not xruns.
pub(crate) fn recover(
    pcm: &PCM,
    dir: Direction,
    err: alsa::Error,
    shared: &Shared,
) -> Result<(), alsa::Error> {
    match err.errno() {
        // Interrupted or not ready: just try again.
        libc::EINTR | libc::EAGAIN => Ok(()),
        // Overrun (capture) or underrun (playback): re-prepare.
        libc::EPIPE => {
            shared
                .xruns
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::debug!(device = %shared.name, "ALSA xrun; re-preparing");
            pcm.prepare()?;
            if dir == Direction::Capture {
                pcm.start()?;
            }
            Ok(())
        }
        // Suspended (system sleep): resume, or re-prepare where the driver
        // cannot resume.
        libc::ESTRPIPE => {
            shared
                .suspends
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::debug!(device = %shared.name, "ALSA device suspended; resuming");
            let until = Instant::now() + RESUME_WAIT;
            loop {
                match pcm.resume() {
                    Ok(()) => return Ok(()),
                    Err(e) if e.errno() == libc::EAGAIN && Instant::now() < until => {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => {
                        pcm.prepare()?;
                        if dir == Direction::Capture {
                            pcm.start()?;
                        }
                        return Ok(());
                    }
                }
            }
        }
        _ => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering::Relaxed;

    use alsa::pcm::State;

    use super::*;
    use crate::alsa::config::open;
    use crate::alsa::AlsaConfig;

    /// The recovery steps on a real (null) PCM, with the errors ALSA would
    /// return: the null PCM never runs late by itself.
    #[test]
    fn epipe_prepares_estrpipe_resumes_others_fail() {
        for dir in [Direction::Playback, Direction::Capture] {
            let setup = open("null", dir, &AlsaConfig::new(8000)).expect("null PCM");
            let shared = Shared::new("null");
            let pcm = &setup.pcm;
            pcm.start().expect("start");
            pcm.drop().expect("stop");
            assert_eq!(pcm.state(), State::Setup);
            recover(
                pcm,
                dir,
                alsa::Error::new("snd_pcm_writei", libc::EPIPE),
                &shared,
            )
            .expect("xrun recovered");
            assert_eq!(shared.xruns.load(Relaxed), 1);
            let want = match dir {
                Direction::Playback => State::Prepared,
                Direction::Capture => State::Running,
            };
            assert_eq!(pcm.state(), want, "{dir:?} after an xrun");
            recover(
                pcm,
                dir,
                alsa::Error::new("snd_pcm_readi", libc::ESTRPIPE),
                &shared,
            )
            .expect("suspend recovered");
            assert_eq!(shared.suspends.load(Relaxed), 1);
            recover(
                pcm,
                dir,
                alsa::Error::new("snd_pcm_readi", libc::EINTR),
                &shared,
            )
            .expect("interrupted: retry");
            let e = recover(
                pcm,
                dir,
                alsa::Error::new("snd_pcm_readi", libc::ENODEV),
                &shared,
            )
            .unwrap_err();
            assert_eq!(e.errno(), libc::ENODEV);
            assert_eq!(shared.xruns.load(Relaxed), 1);
        }
    }
}
