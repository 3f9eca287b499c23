//! [`Account`] and [`Subscription`] handles.

use std::time::Duration;

use super::Phone;
use crate::{
    AccountId, Address, Capability, Error, EventPackage, LineDevice, LineEvent, PresenceStatus,
    RegistrationState, StackCommand, SubscriptionId,
};

/// An account handle: registration, messages, subscriptions, presence.
///
/// ```no_run
/// # async fn demo(phone: openphone_sal::Phone) -> Result<(), openphone_sal::Error> {
/// use openphone_sal::{AccountConfig, BasicStatus, EventPackage, PresenceStatus};
/// let alice = phone.add_account(
///     AccountConfig::new("sip:alice@127.0.0.1:5060".parse()?).with_password("secret"),
/// )?;
/// let buddy = alice.subscribe("sip:bob@127.0.0.1:5060", EventPackage::Presence)?;
/// alice.publish(PresenceStatus::new(BasicStatus::Open))?;
/// println!("{} watches bob as {}", alice.id(), buddy.id());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Account {
    id: AccountId,
    phone: Phone,
}

impl Account {
    pub(super) fn new(id: AccountId, phone: Phone) -> Self {
        Account { id, phone }
    }

    /// Its id (as in [`PhoneEvent::Registration`](crate::PhoneEvent::Registration)).
    pub fn id(&self) -> AccountId {
        self.id
    }

    fn stack(&self) -> Result<usize, Error> {
        self.phone
            .inner
            .tables()
            .accounts
            .get(&self.id)
            .map(|a| a.stack)
            .ok_or(Error::UnknownAccount)
    }

    /// Current registration state.
    pub fn registration(&self) -> Result<RegistrationState, Error> {
        let t = self.phone.inner.tables();
        t.accounts
            .get(&self.id)
            .map(|a| a.state.clone())
            .ok_or(Error::UnknownAccount)
    }

    /// Unregisters and forgets the account.
    pub fn remove(&self) -> Result<(), Error> {
        let stack = {
            let mut t = self.phone.inner.tables();
            // Dropping the sender ends the line's task.
            t.lines.remove(&self.id);
            t.accounts
                .remove(&self.id)
                .ok_or(Error::UnknownAccount)?
                .stack
        };
        self.phone
            .inner
            .send(stack, StackCommand::RemoveAccount { account: self.id })
    }

    /// Sends an instant message from this account.
    pub fn send_message(&self, to: &str, content_type: &str, body: &[u8]) -> Result<(), Error> {
        self.stack()?;
        self.phone.message(Some(self.id), to, content_type, body)
    }

    /// Subscribes to `package` events of `uri` for an hour (refreshed by the
    /// stack). State and notifications arrive as events naming the
    /// returned subscription.
    pub fn subscribe(&self, uri: &str, package: EventPackage) -> Result<Subscription, Error> {
        let to: Address = uri.parse()?;
        let stack = self.stack()?;
        self.phone.subscribe_on(stack, Some(self.id), to, package)
    }

    /// Reports a line event (hook, flash, digit) of this account's line to
    /// its stack, for applications that drive the line themselves.
    pub fn line_event(&self, event: LineEvent) -> Result<(), Error> {
        let stack = self.stack()?;
        self.phone
            .inner
            .require(stack, Capability::Line, "line events")?;
        self.phone.inner.send(
            stack,
            StackCommand::LineEvent {
                account: self.id,
                event,
            },
        )
    }

    /// Attaches a line device to this account: its events go to the stack,
    /// the stack's signals (ringing, tones, caller-ID, lamp) to the device.
    /// A signal the device refuses arrives as
    /// [`PhoneEvent::CommandFailed`](crate::PhoneEvent::CommandFailed) with
    /// [`Operation::Line`](crate::Operation::Line). Replaces an earlier line.
    pub fn attach_line(&self, device: Box<dyn LineDevice>) -> Result<(), Error> {
        let stack = self.stack()?;
        self.phone
            .inner
            .require(stack, Capability::Line, "line events")?;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.phone.inner.tables().lines.insert(self.id, tx);
        super::line::spawn(
            std::sync::Arc::downgrade(&self.phone.inner),
            self.id,
            stack,
            device,
            rx,
        );
        Ok(())
    }

    /// Publishes our presence.
    pub fn publish(&self, status: PresenceStatus) -> Result<(), Error> {
        let stack = self.stack()?;
        self.phone
            .inner
            .require(stack, Capability::Publish, "presence publication")?;
        self.phone.inner.send(
            stack,
            StackCommand::Publish {
                account: self.id,
                status,
            },
        )
    }
}

impl Phone {
    /// Subscribes to `package` events of `uri` without an account (the
    /// stack of the URI's scheme, an anonymous From), as
    /// [`Account::subscribe`] does for an account.
    pub fn subscribe(&self, uri: &str, package: EventPackage) -> Result<Subscription, Error> {
        let to: Address = uri.parse()?;
        let stack = self.inner.stack_for_scheme(&to.scheme())?;
        self.subscribe_on(stack, None, to, package)
    }

    /// Publishes our presence on every account whose stack publishes;
    /// returns how many. Fails when no account can.
    pub fn publish(&self, status: PresenceStatus) -> Result<usize, Error> {
        let accounts: Vec<AccountId> = self.inner.tables().accounts.keys().copied().collect();
        let mut sent = 0;
        for id in accounts {
            if let Ok(acc) = self.account(id) {
                if acc.publish(status.clone()).is_ok() {
                    sent += 1;
                }
            }
        }
        if sent == 0 {
            return Err(Error::Config(
                "presence publication needs an account whose stack publishes".into(),
            ));
        }
        Ok(sent)
    }

    fn subscribe_on(
        &self,
        stack: usize,
        account: Option<AccountId>,
        to: Address,
        package: EventPackage,
    ) -> Result<Subscription, Error> {
        self.inner
            .require(stack, Capability::Subscribe, "subscriptions")?;
        let id = SubscriptionId::next();
        self.inner.tables().subscriptions.insert(id, stack);
        let sent = self.inner.send(
            stack,
            StackCommand::Subscribe {
                subscription: id,
                account,
                to,
                package,
                expires: Duration::from_secs(3600),
            },
        );
        if let Err(e) = sent {
            self.inner.tables().subscriptions.remove(&id);
            return Err(e);
        }
        Ok(Subscription {
            id,
            phone: self.clone(),
        })
    }
}

/// A subscription handle.
#[derive(Clone, Debug)]
pub struct Subscription {
    id: SubscriptionId,
    phone: Phone,
}

impl Subscription {
    /// Its id, as in events.
    pub fn id(&self) -> SubscriptionId {
        self.id
    }

    /// Ends the subscription; [`PhoneEvent::Subscription`](crate::PhoneEvent::Subscription)
    /// reports it terminated.
    pub fn cancel(&self) -> Result<(), Error> {
        let stack = self
            .phone
            .inner
            .tables()
            .subscriptions
            .get(&self.id)
            .copied()
            .ok_or(Error::UnknownSubscription)?;
        self.phone.inner.send(
            stack,
            StackCommand::Unsubscribe {
                subscription: self.id,
            },
        )
    }
}
