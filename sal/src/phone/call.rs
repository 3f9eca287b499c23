//! [`Call`]: a cheap handle whose methods act on the live call.

use std::time::Duration;

use super::{CallDirection, Inner, Phone, Tables};
use crate::{
    AccountId, Address, CallId, CallState, Capability, Cause, DtmfMode, EndReason, Error, Hold,
    MediaStats, NegotiatedMedia, Reason, SecurityState, StackCommand, StackMedia,
};

/// A call handle: cheap to clone; every method acts on the live call.
///
/// Methods check the call's state and the stack's capabilities first and
/// return an error at once when they can tell; a command the stack accepts
/// but later cannot carry out arrives as
/// [`PhoneEvent::CommandFailed`](crate::PhoneEvent::CommandFailed).
///
/// ```no_run
/// # async fn demo(phone: openphone_sal::Phone) -> Result<(), openphone_sal::Error> {
/// let call = phone.call("sip:bob@127.0.0.1:5062")?;
/// call.send_dtmf("123#")?;
/// println!("{} is {}", call.id(), call.state()?);
/// println!("{}", call.stats()?);
/// call.hangup()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Call {
    id: CallId,
    phone: Phone,
}

fn invalid(operation: &'static str, state: CallState) -> Error {
    Error::InvalidState { operation, state }
}

impl Call {
    pub(super) fn new(id: CallId, phone: Phone) -> Self {
        Call { id, phone }
    }

    /// The call's id, as in events.
    pub fn id(&self) -> CallId {
        self.id
    }

    fn inner(&self) -> &Inner {
        &self.phone.inner
    }

    fn with<R>(&self, f: impl FnOnce(&Inner, &mut Tables) -> Result<R, Error>) -> Result<R, Error> {
        let inner = self.inner();
        let mut t = inner.tables();
        f(inner, &mut t)
    }

    fn read<R>(&self, f: impl FnOnce(&super::CallEntry) -> R) -> Result<R, Error> {
        self.with(|_, t| t.calls.get(&self.id).map(f).ok_or(Error::UnknownCall))
    }

    /// Current state.
    pub fn state(&self) -> Result<CallState, Error> {
        self.read(|c| c.state)
    }

    /// Who holds the call, if anyone.
    pub fn hold_state(&self) -> Result<Option<Hold>, Error> {
        self.read(|c| Hold::combine(c.local_hold, c.remote_hold))
    }

    /// Which way it was set up.
    pub fn direction(&self) -> Result<CallDirection, Error> {
        self.read(|c| c.direction)
    }

    /// The other party.
    pub fn remote(&self) -> Result<Address, Error> {
        self.read(|c| c.remote.clone())
    }

    /// Our side's address.
    pub fn local(&self) -> Result<Address, Error> {
        self.read(|c| c.local.clone())
    }

    /// The account the call belongs to, if any.
    pub fn account(&self) -> Result<Option<AccountId>, Error> {
        self.read(|c| c.account)
    }

    /// Why it ended, once it has.
    pub fn end_reason(&self) -> Result<Option<EndReason>, Error> {
        self.read(|c| c.end_reason.clone())
    }

    /// What was agreed, once it has been.
    pub fn negotiated_media(&self) -> Result<Option<NegotiatedMedia>, Error> {
        self.read(|c| c.negotiated.clone())
    }

    /// Media statistics (live, or final once ended).
    pub fn stats(&self) -> Result<MediaStats, Error> {
        self.read(|_| ())?;
        Ok(self.inner().media.stats(self.id).unwrap_or_default())
    }

    /// The media security state.
    pub fn security(&self) -> Result<SecurityState, Error> {
        self.read(|_| ())?;
        Ok(self.inner().media.security(self.id))
    }

    /// Records that the user compared the short authentication string with
    /// the peer (ZRTP). Fails when the call has no SAS.
    pub fn set_sas_verified(&self, verified: bool) -> Result<(), Error> {
        self.read(|_| ())?;
        Ok(self.inner().media.set_sas_verified(self.id, verified)?)
    }

    fn incoming_stack(&self, operation: &'static str) -> Result<usize, Error> {
        self.read(|c| (c.stack, c.state))
            .and_then(|(stack, state)| match state {
                CallState::Incoming => Ok(stack),
                s => Err(invalid(operation, s)),
            })
    }

    /// Tells the caller we are ringing (SIP 180, Q.931 Alerting).
    pub fn ring(&self) -> Result<(), Error> {
        let stack = self.incoming_stack("ring")?;
        self.inner().send(
            stack,
            StackCommand::Alert {
                call: self.id,
                early_media: None,
            },
        )
    }

    /// Sends early media to the caller before answering (SIP 183 with SDP):
    /// the caller hears our audio source while the call rings.
    pub fn progress(&self) -> Result<(), Error> {
        let stack = self.incoming_stack("send early media on")?;
        self.inner()
            .require(stack, Capability::EarlyMedia, "early media")?;
        let media = self.inner().media.local_description(self.id)?;
        self.inner().send(
            stack,
            StackCommand::Alert {
                call: self.id,
                early_media: Some(media),
            },
        )
    }

    /// Answers an incoming call with our media.
    pub fn answer(&self) -> Result<(), Error> {
        let stack = self.incoming_stack("answer")?;
        let media = self.inner().media.local_description(self.id)?;
        self.with(|inner, t| {
            let state = t.calls.get(&self.id).ok_or(Error::UnknownCall)?.state;
            if state != CallState::Incoming {
                return Err(invalid("answer", state));
            }
            inner.send(
                stack,
                StackCommand::Answer {
                    call: self.id,
                    media,
                },
            )?;
            inner.set_state(t, self.id, CallState::Answering);
            Ok(())
        })
    }

    /// Call waiting: puts every other established call on hold, then answers this one.
    pub fn answer_holding_others(&self) -> Result<(), Error> {
        self.incoming_stack("answer")?;
        for other in self.phone.active_calls() {
            if other.id != self.id && other.state()? == CallState::Active {
                other.hold()?;
            }
        }
        self.answer()
    }

    /// Refuses an incoming call with a neutral cause (busy, declined…).
    pub fn reject(&self, cause: Cause) -> Result<(), Error> {
        self.reject_with(Reason::new(cause))
    }

    /// Refuses an incoming call with a full reason; a raw cause of the
    /// stack's own protocol (e.g. `RawCause::Sip(486)`) is sent as is.
    pub fn reject_with(&self, reason: Reason) -> Result<(), Error> {
        let stack = self.incoming_stack("reject")?;
        self.inner().send(
            stack,
            StackCommand::Reject {
                call: self.id,
                reason: reason.clone(),
            },
        )?;
        self.inner().finish_call(self.id, EndReason::local(reason));
        Ok(())
    }

    /// Ends the call in whatever state it is (cancel, decline or bye).
    pub fn hangup(&self) -> Result<(), Error> {
        let (stack, state, direction) = self.read(|c| (c.stack, c.state, c.direction))?;
        if state == CallState::Ended {
            return Ok(());
        }
        let reason = match (direction, state) {
            (CallDirection::Incoming, CallState::Incoming) => EndReason::local(Cause::Declined),
            (CallDirection::Outgoing, s) if s.is_early() => EndReason::local(Cause::Cancelled),
            _ => EndReason::local(Cause::NormalClearing),
        };
        self.inner()
            .send(stack, StackCommand::Hangup { call: self.id })?;
        self.inner().finish_call(self.id, reason);
        Ok(())
    }

    fn set_local_hold(&self, hold: bool) -> Result<(), Error> {
        let op = if hold { "hold" } else { "resume" };
        let stack = self.read(|c| c.stack)?;
        self.inner().require(stack, Capability::Hold, op)?;
        self.with(|inner, t| {
            let c = t.calls.get_mut(&self.id).ok_or(Error::UnknownCall)?;
            if !c.state.is_established() || c.local_hold == hold {
                return Err(invalid(op, c.state));
            }
            let cmd = if hold {
                StackCommand::Hold { call: self.id }
            } else {
                StackCommand::Resume { call: self.id }
            };
            inner.send(c.stack, cmd)?;
            c.local_hold = hold;
            let s = c.connected_state();
            inner.set_state(t, self.id, s);
            Ok(())
        })
    }

    /// Puts the peer on hold.
    pub fn hold(&self) -> Result<(), Error> {
        self.set_local_hold(true)
    }

    /// Takes the peer off hold.
    pub fn resume(&self) -> Result<(), Error> {
        self.set_local_hold(false)
    }

    fn established_stack(&self, operation: &'static str) -> Result<usize, Error> {
        let (stack, state) = self.read(|c| (c.stack, c.state))?;
        if state.is_established() {
            Ok(stack)
        } else {
            Err(invalid(operation, state))
        }
    }

    /// Blind-transfers the peer to `target`. Progress arrives as
    /// [`PhoneEvent::TransferProgress`](crate::PhoneEvent::TransferProgress).
    pub fn transfer(&self, target: &str) -> Result<(), Error> {
        let to: Address = target.parse()?;
        let stack = self.read(|c| c.stack)?;
        self.inner()
            .require(stack, Capability::Transfer, "transfer")?;
        let stack = self.established_stack("transfer")?;
        self.inner()
            .send(stack, StackCommand::Transfer { call: self.id, to })
    }

    /// Attended transfer: connects this call's peer with `consultation`'s
    /// peer (which is replaced), then both of our calls end.
    pub fn transfer_to(&self, consultation: &Call) -> Result<(), Error> {
        let stack = self.read(|c| c.stack)?;
        self.inner()
            .require(stack, Capability::AttendedTransfer, "attended transfer")?;
        let stack = self.established_stack("transfer")?;
        let other = consultation.established_stack("transfer to")?;
        if other != stack {
            return Err(Error::Config(
                "attended transfer needs both calls on the same protocol".into(),
            ));
        }
        self.inner().send(
            stack,
            StackCommand::AttendedTransfer {
                call: self.id,
                target: consultation.id,
            },
        )
    }

    /// Redirects an incoming call to other addresses.
    pub fn redirect(&self, targets: &[&str]) -> Result<(), Error> {
        let targets = targets
            .iter()
            .map(|t| t.parse())
            .collect::<Result<Vec<Address>, _>>()?;
        if targets.is_empty() {
            return Err(Error::InvalidAddress("no redirect target".into()));
        }
        let stack = self.read(|c| c.stack)?;
        self.inner()
            .require(stack, Capability::Redirect, "redirect")?;
        let stack = self.incoming_stack("redirect")?;
        self.inner().send(
            stack,
            StackCommand::Redirect {
                call: self.id,
                targets,
            },
        )?;
        self.inner()
            .finish_call(self.id, EndReason::local(Cause::Redirected));
        Ok(())
    }

    /// Takes the call out of a local conference.
    pub fn split(&self) -> Result<(), Error> {
        self.established_stack("split")?;
        Ok(self.inner().media.engine()?.split(self.id)?)
    }

    /// How loud the local user hears this call, in dB (0 = as received;
    /// the engine bounds the range). Works for a call on its own device and
    /// in a conference alike.
    pub fn set_volume(&self, db: f32) -> Result<(), Error> {
        self.read(|_| ())?;
        Ok(self.inner().media.engine()?.set_call_volume(self.id, db)?)
    }

    /// Mutes this call towards the local user and the other parties of a
    /// conference (nobody hears it), or unmutes it. To stop sending our
    /// audio instead, mute the microphone ([`Phone::set_microphone_muted`](crate::Phone::set_microphone_muted))
    /// or hold the call.
    pub fn set_muted(&self, muted: bool) -> Result<(), Error> {
        self.read(|_| ())?;
        Ok(self
            .inner()
            .media
            .engine()?
            .set_call_muted(self.id, muted)?)
    }

    /// Sends DTMF digits as the account's [`DtmfMode`] says: RFC 4733 in
    /// RTP when the peer agreed to telephone-event, else out of band if the
    /// stack can (with [`DtmfMode::Auto`]).
    pub fn send_dtmf(&self, digits: &str) -> Result<(), Error> {
        if digits.is_empty() {
            return Err(Error::InvalidAddress("no DTMF digits".into()));
        }
        for d in digits.chars() {
            if !matches!(d, '0'..='9' | '*' | '#' | 'A'..='D' | 'a'..='d') {
                return Err(Error::InvalidAddress(format!("{d:?} is not a DTMF digit")));
            }
        }
        let (stack, state, in_band, account) = self.read(|c| {
            let te = c
                .negotiated
                .as_ref()
                .and_then(|n| n.audio())
                .and_then(|s| s.send.as_ref())
                .is_some_and(|s| s.telephone_event.is_some());
            (c.stack, c.state, te, c.account)
        })?;
        if !matches!(
            state,
            CallState::Active | CallState::Held(_) | CallState::EarlyMedia
        ) {
            return Err(invalid("send DTMF on", state));
        }
        let mode = account
            .and_then(|a| {
                self.inner()
                    .tables()
                    .accounts
                    .get(&a)
                    .map(|a| a.config.dtmf)
            })
            .unwrap_or_default();
        let use_rtp = match mode {
            DtmfMode::Rfc4733 if !in_band => {
                return Err(Error::Unsupported {
                    operation: "RFC 4733 DTMF (the peer did not accept telephone-event)",
                    stack: self.inner().stacks[stack].name,
                })
            }
            DtmfMode::OutOfBand => false,
            _ => in_band,
        };
        if use_rtp {
            for d in digits.chars() {
                self.inner().media.send_dtmf(
                    self.id,
                    d.to_ascii_uppercase(),
                    Duration::from_millis(100),
                )?;
            }
            return Ok(());
        }
        self.inner().require(
            stack,
            Capability::DtmfOutOfBand,
            "DTMF without telephone-event",
        )?;
        self.inner().send(
            stack,
            StackCommand::SendDtmf {
                call: self.id,
                digits: digits.to_string(),
            },
        )
    }
}
