//! Trigger points: a user script runs when a call arrives, is answered or
//! ends, and when an account's registration changes, with the details in
//! `OPENPHONE_*` environment variables. The incoming-call script decides
//! what happens to the call by printing `key=value` lines:
//!
//! | line | effect |
//! |---|---|
//! | `action=continue` (or nothing) | the phone goes on as configured (auto-answer or ring) |
//! | `action=answer` | answered at once |
//! | `action=reject` [`cause=busy\|declined\|unavailable\|notfound\|forbidden\|CODE`] | rejected (default busy) |
//! | `action=redirect` and one or more `contact=URI` | redirected there (SIP 302) |
//! | `ring=NAME` (with continue) | the ringer rings in pattern NAME: `normal`, `dr1`-`dr4` (distinctive ringing, see `ringtone.rs`; it wins over the call's Alert-Info, given to the script as `OPENPHONE_ALERT_INFO`) |
//!
//! A script that fails (non-zero exit, no start, more than
//! [`SCRIPT_TIMEOUT`]) leaves the call to the phone, and the phone says so;
//! it never blocks the phone: scripts run beside it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use openphone::CallId;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

/// How long a script may run before it is killed and ignored.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Most output read from a script.
const MAX_OUTPUT: u64 = 64 * 1024;

/// The scripts configured, by trigger point.
#[derive(Debug, Clone, Default)]
pub struct Triggers {
    pub incoming: Option<PathBuf>,
    pub answered: Option<PathBuf>,
    pub released: Option<PathBuf>,
    pub registration: Option<PathBuf>,
}

/// What the incoming-call script decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Continue,
    Answer,
    /// With the `reject` command's cause argument.
    Reject(String),
    Redirect(Vec<String>),
}

/// An incoming-call script's outcome, for the phone's loop.
#[derive(Debug)]
pub struct Verdict {
    pub call: CallId,
    pub decision: Decision,
    /// Why the script's wish was not taken, if it was not.
    pub trouble: Option<String>,
    /// The ring pattern the script chose (`ring=NAME`).
    pub ring: Option<String>,
}

/// Reads a script's `key=value` lines; unknown keys are an error, so a
/// typo does not silently let a call through.
pub fn parse_decision(out: &str) -> Result<(Decision, Option<String>), String> {
    let mut action = None;
    let mut ring = None;
    let mut cause = String::new();
    let mut contacts = Vec::new();
    for line in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("not key=value: {line:?}"))?;
        match (k.trim(), v.trim()) {
            ("action", a) => action = Some(a.to_string()),
            ("cause", c) => cause = c.to_string(),
            ("ring", r) => {
                crate::ringtone::pattern(r, openphone::hal::line::Country::Us)?;
                ring = Some(r.to_string());
            }
            ("contact", c) if c.contains(':') => contacts.push(c.to_string()),
            ("contact", c) => return Err(format!("contact is not a URI: {c:?}")),
            (other, _) => return Err(format!("unknown key {other:?}")),
        }
    }
    let decision = match action.as_deref() {
        None | Some("continue") => Ok(Decision::Continue),
        Some("answer") => Ok(Decision::Answer),
        Some("reject") => Ok(Decision::Reject(cause)),
        Some("redirect") if contacts.is_empty() => {
            Err("action=redirect needs at least one contact=URI".into())
        }
        Some("redirect") => Ok(Decision::Redirect(contacts)),
        Some(a) => Err(format!("unknown action {a:?}")),
    }?;
    Ok((decision, ring))
}

/// Runs `script` with `env`; its stdout if it exited 0.
async fn run_script(script: &Path, env: &[(&str, String)]) -> Result<String, String> {
    let mut child = tokio::process::Command::new(script)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{} not started: {e}", script.display()))?;
    let mut stdout = child.stdout.take().ok_or_else(|| "no stdout".to_string())?;
    let work = async {
        let mut out = String::new();
        (&mut stdout)
            .take(MAX_OUTPUT)
            .read_to_string(&mut out)
            .await
            .map_err(|e| format!("output: {e}"))?;
        let status = child.wait().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((status, out))
    };
    let (status, out) = tokio::time::timeout(SCRIPT_TIMEOUT, work)
        .await
        .map_err(|_| format!("{} ran over {SCRIPT_TIMEOUT:?}: killed", script.display()))??;
    if !status.success() {
        return Err(format!("{} exited with {status}", script.display()));
    }
    Ok(out)
}

/// Runs the incoming-call script beside the phone; its verdict comes back
/// on `tx`.
pub fn incoming(
    script: PathBuf,
    call: CallId,
    env: Vec<(&'static str, String)>,
    tx: mpsc::UnboundedSender<Verdict>,
) {
    tokio::spawn(async move {
        let ((decision, ring), trouble) = match run_script(&script, &env).await {
            Ok(out) => match parse_decision(&out) {
                Ok(d) => (d, None),
                Err(e) => (
                    (Decision::Continue, None),
                    Some(format!("{}: {e}", script.display())),
                ),
            },
            Err(e) => ((Decision::Continue, None), Some(e)),
        };
        let _ = tx.send(Verdict {
            call,
            decision,
            trouble,
            ring,
        });
    });
}

/// Runs a notification script beside the phone; says how it went.
pub fn notify(script: PathBuf, env: Vec<(&'static str, String)>) {
    tokio::spawn(async move {
        let event = env
            .iter()
            .find(|(k, _)| *k == "OPENPHONE_EVENT")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        match run_script(&script, &env).await {
            Ok(_) => println!("trigger: {event}: {} done", script.display()),
            Err(e) => println!("trigger: {event}: {e}"),
        }
    });
}
