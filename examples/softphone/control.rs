//! The control socket: a running softphone takes the stdin commands over a
//! Unix socket too, one command per connection, and answers with the
//! command's lines; `softphone cmd …` and `softphone sip:URL` are its
//! client.
//!
//! The socket is a file only its owner can use (made mode 0600 as soon as
//! it is bound, in the user's runtime directory or named after the user id
//! in /tmp), so it carries no authentication of its own.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

/// Longest command line taken from a client.
const MAX_COMMAND: usize = 4096;

/// How long a client waits for the phone's answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A command from a client, with where its answer goes.
pub struct Request {
    pub line: String,
    pub answer: oneshot::Sender<Vec<String>>,
}

/// Where the socket is unless `--control` says otherwise.
pub fn default_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR") {
        return Path::new(&dir).join("openphone-softphone.sock");
    }
    let uid = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap_or(0);
    PathBuf::from(format!("/tmp/openphone-softphone-{uid}.sock"))
}

/// Listens at `path` and hands each client's command to the returned
/// channel. A socket file left by a phone that is gone is replaced; one a
/// live phone answers on is left alone (`Err`: this phone runs without).
pub async fn serve(path: &Path) -> Result<mpsc::Receiver<Request>, String> {
    if path.exists() {
        if UnixStream::connect(path).await.is_ok() {
            return Err(format!(
                "{} is another running phone's control socket",
                path.display()
            ));
        }
        std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let listener = UnixListener::bind(path).map_err(|e| format!("{}: {e}", path.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        let owner_only = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(path, owner_only)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                if let Err(e) = client(stream, tx).await {
                    tracing::debug!(error = %e, "control client");
                }
            });
        }
    });
    Ok(rx)
}

/// One client: reads a line, waits for the answer, writes it back.
async fn client(stream: UnixStream, tx: mpsc::Sender<Request>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(read.take(MAX_COMMAND as u64));
    tokio::time::timeout(CLIENT_TIMEOUT, reader.read_line(&mut line))
        .await
        .map_err(|_| std::io::Error::other("no command in time"))??;
    let (answer, answered) = oneshot::channel();
    let lines = if tx
        .send(Request {
            line: line.trim().to_string(),
            answer,
        })
        .await
        .is_ok()
    {
        answered
            .await
            .unwrap_or_else(|_| vec!["error: the phone stopped".into()])
    } else {
        vec!["error: the phone stopped".into()]
    };
    for l in lines {
        write.write_all(l.as_bytes()).await?;
        write.write_all(b"\n").await?;
    }
    write.shutdown().await
}

/// Sends `command` to the phone at `path`, prints its answer and returns
/// the exit code: 0 done, 1 the command failed, 2 no phone answered.
pub async fn send(path: &Path, command: &str) -> u8 {
    match exchange(path, command).await {
        Ok(lines) => {
            let mut failed = false;
            for l in &lines {
                println!("{l}");
                failed |= l.starts_with("error:");
            }
            u8::from(failed)
        }
        Err(e) => {
            eprintln!(
                "softphone: no running phone at {}: {e} (start one, or give its --control path)",
                path.display()
            );
            2
        }
    }
}

async fn exchange(path: &Path, command: &str) -> std::io::Result<Vec<String>> {
    if command.contains('\n') || command.len() >= MAX_COMMAND {
        return Err(std::io::Error::other("one command line, under 4 KiB"));
    }
    let talk = async {
        let mut stream = UnixStream::connect(path).await?;
        stream.write_all(command.as_bytes()).await?;
        stream.write_all(b"\n").await?;
        let mut text = String::new();
        stream.read_to_string(&mut text).await?;
        Ok::<_, std::io::Error>(text.lines().map(str::to_string).collect())
    };
    tokio::time::timeout(CLIENT_TIMEOUT, talk)
        .await
        .map_err(|_| std::io::Error::other("no answer in time"))?
}
