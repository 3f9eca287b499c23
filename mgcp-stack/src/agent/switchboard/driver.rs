//! The tokio driver: one task owning the UDP socket and the
//! [`Switchboard`], selecting over datagrams, the switchboard's timer and
//! the application's stop signal.

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tracing::{trace, warn};

use super::{SwitchEvent, Switchboard};

/// How long a stopping switchboard waits for the deletions of its calls'
/// connections to be answered.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Runs `board` on `socket` until `stop` completes: starts it (every line
/// is asked to report off-hook), feeds it datagrams and timers, sends what
/// it gives, and forwards every [`SwitchEvent`] to `events` (a closed
/// receiver only drops them). When `stop` completes it releases the calls
/// and waits at most [`SHUTDOWN_GRACE`] for their connections to be
/// deleted, then returns the switchboard. An error is one of the socket's
/// (a failed send is only logged: the retransmissions and, at last, a
/// `CommandFailed` event report it).
///
/// ```no_run
/// use openphone_mgcp::agent::switchboard::*;
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let board = Switchboard::new(SwitchboardConfig::new(vec![
///     "1001=aaln/1@[127.0.0.1],127.0.0.1:2427".parse()?,
///     "1002=aaln/2@[127.0.0.1],127.0.0.1:2428".parse()?,
/// ]))?;
/// let socket = tokio::net::UdpSocket::bind("127.0.0.1:2727").await?;
/// let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
/// tokio::spawn(async move {
///     while let Some(e) = events.recv().await {
///         println!("{e}");
///     }
/// });
/// run(board, socket, tx, tokio::time::sleep(std::time::Duration::from_secs(60))).await?;
/// # Ok(()) }
/// ```
pub async fn run(
    mut board: Switchboard,
    socket: UdpSocket,
    events: mpsc::UnboundedSender<SwitchEvent>,
    stop: impl Future<Output = ()>,
) -> io::Result<Switchboard> {
    let mut buf = vec![0u8; crate::message::MAX_DATAGRAM_BYTES];
    board.start(Instant::now());
    tokio::pin!(stop);
    let mut stopping: Option<Instant> = None;
    loop {
        flush(&mut board, &socket, &events).await;
        if let Some(until) = stopping {
            if board.is_quiet() || Instant::now() >= until {
                return Ok(board);
            }
        }
        let mut deadline = board.poll_timeout();
        if let Some(until) = stopping {
            deadline = Some(deadline.map_or(until, |d| d.min(until)));
        }
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = socket.recv_from(&mut buf) => match r {
                Ok((n, from)) => {
                    trace!(%from, bytes = n, "datagram");
                    board.handle_datagram(Instant::now(), from, &buf[..n]);
                }
                // An ICMP error of an earlier send shows up here on some
                // systems; the transaction layer retransmits anyway.
                Err(e) if is_transient(&e) => warn!(%e, "receive"),
                Err(e) => return Err(e),
            },
            () = sleep => board.handle_timeout(Instant::now()),
            () = &mut stop, if stopping.is_none() => {
                let now = Instant::now();
                board.release_all(now);
                stopping = Some(now + SHUTDOWN_GRACE);
            }
        }
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

async fn flush(
    board: &mut Switchboard,
    socket: &UdpSocket,
    events: &mpsc::UnboundedSender<SwitchEvent>,
) {
    while let Some(t) = board.poll_transmit() {
        if let Err(e) = socket.send_to(&t.bytes, t.to).await {
            warn!(to = %t.to, %e, "send failed");
        }
    }
    while let Some(e) = board.poll_event() {
        // A closed receiver: the application stopped listening.
        let _ = events.send(e);
    }
}
