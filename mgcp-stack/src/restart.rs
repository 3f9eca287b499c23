//! The endpoint's restart procedures (RFC 3435 §4.4): when to send
//! RestartInProgress, with which method, and to which notified entity.
//!
//! * **Restart**: after power-up an endpoint waits a random delay between
//!   0 and the maximum waiting delay (MWD, so that many endpoints
//!   restarting together do not flood the call agent — the "restart
//!   avalanche"), then sends `RSIP` with `RM: restart`.
//! * **Disconnected**: when a command to the call agent gets no response
//!   (the transaction layer gave up), the endpoint is *disconnected*. It
//!   arms a timer with a random value between 1 s and Tdinit (15 s); when the
//!   timer fires, when a command from the call agent arrives, or on local
//!   activity (an off-hook) once Tdmin (15 s) has passed, it sends `RSIP`
//!   with `RM: disconnected`. Each failure doubles the timer, up to Tdmax
//!   (600 s).
//! * **Redirection**: a `521` answer carrying `N:` names another call
//!   agent; the RSIP goes there at once. Any answer with `N:` changes the
//!   notified entity.
//! * **Graceful / forced**: taking the endpoint out of service is
//!   announced with `RM: graceful` (with a delay) or `RM: forced`.
//!
//! The procedure is sans-IO: it says when ([`RestartProcedure::poll_timeout`])
//! and what to send; the caller builds the command
//! ([`RestartProcedure::command`]), sends it through the transaction
//! layer, and reports the outcome.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use openphone_mgcp::message::*;
//! use openphone_mgcp::restart::*;
//!
//! let t0 = Instant::now();
//! let agent: NotifiedEntity = "ca@[127.0.0.1]:2727".parse()?;
//! let config = RestartConfig { max_waiting_delay: Duration::from_secs(2), ..RestartConfig::default() };
//! let mut r = RestartProcedure::new(config, agent, t0, 7);
//! let at = r.poll_timeout().unwrap();
//! assert!(at <= t0 + Duration::from_secs(2));
//! assert_eq!(r.handle_timeout(at), Some(RestartMethod::Restart));
//! let rsip = r.command("aaln/*@[127.0.0.1]".parse()?, RestartMethod::Restart);
//! assert_eq!(rsip.verb, Verb::RestartInProgress);
//!
//! // No answer: disconnected, and the next RSIP says so.
//! r.on_rsip_result(at, None);
//! assert!(matches!(r.state(), RestartState::Disconnected { .. }));
//! let next = r.poll_timeout().unwrap();
//! assert_eq!(r.handle_timeout(next), Some(RestartMethod::Disconnected));
//! let ok = Response::new(ReturnCode::OK, rsip.transaction_id);
//! assert_eq!(r.on_rsip_result(next, Some(&ok)), None);
//! assert_eq!(r.state(), &RestartState::InService);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tracing::{debug, info};

use crate::message::{
    Command, EndpointName, NotifiedEntity, Parameter, Response, RestartMethod, ReturnCode,
    TransactionId, Verb,
};

/// Timers of the restart procedures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartConfig {
    /// MWD: the first RSIP goes after a random delay up to this. A large
    /// gateway uses minutes; a single softphone line can use zero.
    pub max_waiting_delay: Duration,
    /// Tdinit: the first disconnected timer is random up to this.
    pub disconnected_initial: Duration,
    /// Tdmin: local activity triggers the disconnected RSIP only this long
    /// after the endpoint became disconnected.
    pub disconnected_min: Duration,
    /// Tdmax: the disconnected timer doubles up to this.
    pub disconnected_max: Duration,
}

impl Default for RestartConfig {
    fn default() -> Self {
        RestartConfig {
            max_waiting_delay: Duration::from_secs(0),
            disconnected_initial: Duration::from_secs(15),
            disconnected_min: Duration::from_secs(15),
            disconnected_max: Duration::from_secs(600),
        }
    }
}

/// Where the endpoint stands with its call agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestartState {
    /// Waiting out the random restart delay.
    Waiting {
        /// When the first RSIP goes.
        until: Instant,
    },
    /// An RSIP is in flight.
    Announcing {
        /// Its method.
        method: RestartMethod,
    },
    /// The call agent acknowledged us.
    InService,
    /// No contact with the call agent.
    Disconnected {
        /// When it started.
        since: Instant,
        /// The current timer value (doubles after each failed attempt).
        timer: Duration,
        /// When the next disconnected RSIP goes.
        next: Instant,
    },
}

/// The restart state machine of one endpoint (or of a whole gateway, with
/// a wildcard name). See the [module documentation](self).
#[derive(Debug)]
pub struct RestartProcedure {
    config: RestartConfig,
    notified: NotifiedEntity,
    state: RestartState,
    /// The timer to start from if the announcement fails.
    disconnected_timer: Option<Duration>,
    /// When contact was lost (kept while a disconnected RSIP is in flight).
    disconnected_since: Option<Instant>,
    rng: StdRng,
}

fn random_between(rng: &mut StdRng, min: Duration, max: Duration) -> Duration {
    let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let (lo, hi) = (millis(min.min(max)), millis(max));
    Duration::from_millis(rng.gen_range(lo..=hi))
}

impl RestartProcedure {
    /// A procedure that starts now: the first RSIP (`restart`) goes to
    /// `notified` after a random delay up to MWD. `seed` makes the random
    /// delays reproducible.
    pub fn new(config: RestartConfig, notified: NotifiedEntity, now: Instant, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let until = now + random_between(&mut rng, Duration::ZERO, config.max_waiting_delay);
        RestartProcedure {
            config,
            notified,
            state: RestartState::Waiting { until },
            disconnected_timer: None,
            disconnected_since: None,
            rng,
        }
    }

    /// The state.
    pub fn state(&self) -> &RestartState {
        &self.state
    }

    /// Where RSIP and NTFY go.
    pub fn notified_entity(&self) -> &NotifiedEntity {
        &self.notified
    }

    /// A call agent's command named a new notified entity (`N:`).
    pub fn set_notified_entity(&mut self, notified: NotifiedEntity) {
        self.notified = notified;
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            RestartState::Waiting { until } => Some(until),
            RestartState::Disconnected { next, .. } => Some(next),
            _ => None,
        }
    }

    fn announce(&mut self, method: RestartMethod) -> Option<RestartMethod> {
        info!(%method, notified = %self.notified, "restart in progress");
        self.state = RestartState::Announcing {
            method: method.clone(),
        };
        Some(method)
    }

    /// Runs the timers: returns the method of an RSIP to send now.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<RestartMethod> {
        match self.state {
            RestartState::Waiting { until } if until <= now => {
                self.announce(RestartMethod::Restart)
            }
            RestartState::Disconnected { next, .. } if next <= now => {
                self.announce(RestartMethod::Disconnected)
            }
            _ => None,
        }
    }

    /// The RSIP command for `endpoint`; its transaction id is the layer's
    /// to assign. A `graceful` one carries the restart delay.
    pub fn command(&self, endpoint: EndpointName, method: RestartMethod) -> Command {
        Command::new(Verb::RestartInProgress, TransactionId::FIRST, endpoint)
            .with(Parameter::RestartMethod(method))
    }

    /// The outcome of an RSIP: its final response, or `None` when the
    /// transaction layer gave up. Returns the method of an RSIP to send at
    /// once (to the new notified entity, after a redirection).
    pub fn on_rsip_result(
        &mut self,
        now: Instant,
        response: Option<&Response>,
    ) -> Option<RestartMethod> {
        let RestartState::Announcing { method } = self.state.clone() else {
            return None;
        };
        let Some(response) = response else {
            self.disconnect(now);
            return None;
        };
        if let Some(n) = response.parameters.notified_entity() {
            debug!(notified = %n, "notified entity changed by the call agent");
            self.notified = n.clone();
            if response.code == ReturnCode::REDIRECTED {
                return self.announce(method);
            }
        }
        if response.code.is_success() {
            self.state = RestartState::InService;
            self.disconnected_timer = None;
            self.disconnected_since = None;
        } else {
            // Refused (not redirected): nothing better to do than to try
            // again later, as if disconnected.
            self.disconnect(now);
        }
        None
    }

    /// A command to the call agent (NTFY, DLCX…) got no response: the
    /// endpoint is disconnected.
    pub fn on_transaction_timeout(&mut self, now: Instant) {
        if !matches!(self.state, RestartState::Disconnected { .. }) {
            self.disconnect(now);
        }
    }

    fn disconnect(&mut self, now: Instant) {
        let timer = match self.disconnected_timer {
            Some(t) => (t * 2).min(self.config.disconnected_max),
            // At least a second: a zero timer would never grow.
            None => random_between(
                &mut self.rng,
                Duration::from_secs(1),
                self.config.disconnected_initial,
            ),
        };
        self.disconnected_timer = Some(timer);
        let since = *self.disconnected_since.get_or_insert(now);
        info!(?timer, "disconnected from the call agent");
        self.state = RestartState::Disconnected {
            since,
            timer,
            next: now + timer,
        };
    }

    /// A command came from the call agent: a disconnected endpoint
    /// announces itself at once.
    pub fn on_agent_command(&mut self, _now: Instant) -> Option<RestartMethod> {
        match self.state {
            RestartState::Disconnected { .. } => self.announce(RestartMethod::Disconnected),
            _ => None,
        }
    }

    /// Local activity (an off-hook): a disconnected endpoint announces
    /// itself once Tdmin has passed since it became disconnected.
    pub fn on_local_activity(&mut self, now: Instant) -> Option<RestartMethod> {
        match self.state {
            RestartState::Disconnected { since, .. }
                if now.saturating_duration_since(since) >= self.config.disconnected_min =>
            {
                self.announce(RestartMethod::Disconnected)
            }
            _ => None,
        }
    }

    /// Takes the endpoint out of service: `graceful` (after `delay`, calls
    /// go on meanwhile) or `forced` (now). Returns the RSIP to send; build
    /// it with [`graceful_command`](Self::graceful_command) for the delay.
    pub fn take_out_of_service(&mut self, graceful: bool) -> RestartMethod {
        let method = if graceful {
            RestartMethod::Graceful
        } else {
            RestartMethod::Forced
        };
        self.state = RestartState::Announcing {
            method: method.clone(),
        };
        method
    }

    /// The RSIP of a graceful restart with its delay (`RD:`, seconds).
    pub fn graceful_command(&self, endpoint: EndpointName, delay: Duration) -> Command {
        self.command(endpoint, RestartMethod::Graceful)
            .with(Parameter::RestartDelay(
                u32::try_from(delay.as_secs()).unwrap_or(u32::MAX),
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent() -> NotifiedEntity {
        "ca@[127.0.0.1]:2727".parse().unwrap()
    }

    fn ok() -> Response {
        Response::new(ReturnCode::OK, TransactionId::FIRST)
    }

    #[test]
    fn restart_delay_is_random_within_mwd() {
        let t0 = Instant::now();
        let config = RestartConfig {
            max_waiting_delay: Duration::from_secs(10),
            ..RestartConfig::default()
        };
        let delays: Vec<Duration> = (0..50)
            .map(|seed| {
                RestartProcedure::new(config.clone(), agent(), t0, seed)
                    .poll_timeout()
                    .unwrap()
                    - t0
            })
            .collect();
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(10)));
        assert!(delays.iter().any(|d| *d > Duration::from_secs(5)));
        assert!(delays.iter().any(|d| *d < Duration::from_secs(5)));
        let zero = RestartProcedure::new(RestartConfig::default(), agent(), t0, 1);
        assert_eq!(zero.poll_timeout(), Some(t0));
    }

    #[test]
    fn disconnected_timer_doubles_up_to_tdmax() {
        let t0 = Instant::now();
        let mut r = RestartProcedure::new(RestartConfig::default(), agent(), t0, 3);
        assert_eq!(r.handle_timeout(t0), Some(RestartMethod::Restart));
        assert_eq!(r.handle_timeout(t0), None); // in flight
        r.on_rsip_result(t0, None);
        let RestartState::Disconnected { timer, .. } = *r.state() else {
            panic!()
        };
        assert!(timer <= Duration::from_secs(15) && timer >= Duration::from_secs(1));
        let mut timers = vec![timer];
        for _ in 0..12 {
            let now = r.poll_timeout().unwrap();
            assert_eq!(r.handle_timeout(now), Some(RestartMethod::Disconnected));
            r.on_rsip_result(now, None);
            let RestartState::Disconnected { timer, since, .. } = *r.state() else {
                panic!()
            };
            assert_eq!(since, t0);
            timers.push(timer);
        }
        for w in timers.windows(2) {
            assert_eq!(w[1], (w[0] * 2).min(Duration::from_secs(600)));
        }
        assert_eq!(*timers.last().unwrap(), Duration::from_secs(600));
        // Back in service: the next disconnection starts small again.
        let now = r.poll_timeout().unwrap();
        r.handle_timeout(now);
        assert_eq!(r.on_rsip_result(now, Some(&ok())), None);
        assert_eq!(r.state(), &RestartState::InService);
        r.on_transaction_timeout(now);
        let RestartState::Disconnected { timer, .. } = *r.state() else {
            panic!()
        };
        assert!(timer <= Duration::from_secs(15));
    }

    #[test]
    fn agent_commands_and_local_activity_end_the_wait() {
        let t0 = Instant::now();
        let mut r = RestartProcedure::new(RestartConfig::default(), agent(), t0, 9);
        r.handle_timeout(t0);
        r.on_rsip_result(t0, None);
        assert_eq!(r.on_local_activity(t0 + Duration::from_secs(5)), None);
        assert_eq!(
            r.on_local_activity(t0 + Duration::from_secs(15)),
            Some(RestartMethod::Disconnected)
        );
        r.on_rsip_result(t0 + Duration::from_secs(15), None);
        assert_eq!(
            r.on_agent_command(t0 + Duration::from_secs(16)),
            Some(RestartMethod::Disconnected)
        );
        assert_eq!(r.on_agent_command(t0 + Duration::from_secs(16)), None);
    }

    #[test]
    fn redirection_moves_to_the_new_call_agent() {
        let t0 = Instant::now();
        let mut r = RestartProcedure::new(RestartConfig::default(), agent(), t0, 1);
        r.handle_timeout(t0);
        let other: NotifiedEntity = "ca2@[127.0.0.2]:2727".parse().unwrap();
        let redirect = Response::new(ReturnCode::REDIRECTED, TransactionId::FIRST)
            .with(Parameter::NotifiedEntity(other.clone()));
        assert_eq!(
            r.on_rsip_result(t0, Some(&redirect)),
            Some(RestartMethod::Restart)
        );
        assert_eq!(r.notified_entity(), &other);
        // A refusal without a new agent: retry later, as disconnected.
        let no = Response::new(ReturnCode::ENDPOINT_NOT_READY, TransactionId::FIRST);
        assert_eq!(r.on_rsip_result(t0, Some(&no)), None);
        assert!(matches!(r.state(), RestartState::Disconnected { .. }));
    }

    #[test]
    fn out_of_service_commands() {
        let t0 = Instant::now();
        let mut r = RestartProcedure::new(RestartConfig::default(), agent(), t0, 1);
        assert_eq!(r.take_out_of_service(true), RestartMethod::Graceful);
        let c = r.graceful_command("aaln/1@gw".parse().unwrap(), Duration::from_secs(300));
        assert_eq!(c.parameters.restart_delay(), Some(&300));
        assert_eq!(
            c.parameters.restart_method(),
            Some(&RestartMethod::Graceful)
        );
        assert_eq!(r.take_out_of_service(false), RestartMethod::Forced);
    }
}
