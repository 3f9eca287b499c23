//! Running `softphone` processes in tests and talking to them through
//! their control sockets.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running softphone, killed when dropped.
pub struct Phone(pub Child);

impl Drop for Phone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `softphone ARGS` with stdin closed and stdout to `log`.
pub fn start(args: &[&str], log: &Path) -> Phone {
    let out = std::fs::File::create(log).expect("log file");
    let child = Command::new(super::example("softphone"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .expect("softphone starts");
    Phone(child)
}

/// `softphone cmd --control CONTROL WORDS…`: (exit code, output).
pub fn cmd(control: &Path, words: &str) -> (i32, String) {
    let mut args = vec!["cmd", "--control", control.to_str().expect("UTF-8 path")];
    args.extend(words.split(' '));
    let (out, status) = super::run_example("softphone", &args);
    (status.code().unwrap_or(-1), out)
}

/// Waits (10 s at most) until `path` has a line containing `needle`;
/// returns that line.
pub fn wait_line(path: &Path, needle: &str) -> String {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| l.contains(needle)) {
            return l.to_string();
        }
        assert!(
            Instant::now() < until,
            "{} never got {needle:?}:\n{text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
