//! RFC 3261 timer values (§17, Table 4).

use std::time::Duration;

/// Base timer values. Every transaction timer derives from these.
///
/// ```
/// use openphone_sip::TimerConfig;
/// let t = TimerConfig::default();
/// assert_eq!(t.timeout(), std::time::Duration::from_secs(32)); // 64·T1: timers B, F, H, J
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate (default 500 ms).
    pub t1: Duration,
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s).
    pub t2: Duration,
    /// Maximum duration a message remains in the network (default 5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    /// 64·T1: timers B, F, H and J, and the 2xx retransmission give-up time.
    pub fn timeout(&self) -> Duration {
        self.t1.saturating_mul(64)
    }

    /// Timer D for unreliable transports: at least 32 s.
    pub fn timer_d(&self) -> Duration {
        self.timeout().max(Duration::from_secs(32))
    }
}
