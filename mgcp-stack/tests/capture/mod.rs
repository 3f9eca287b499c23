//! A tshark capture of one MGCP port for the integration tests: it waits
//! until a probe packet shows the capture running, and lets dumpcap drain
//! the kernel's buffer before it stops (a capture stopped right after the
//! traffic lost frames: osmo_mgw once saw 13 of 14).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A tshark capture of the agent's port, stopped when dropped.
pub struct Capture {
    child: Option<Child>,
    pcap: PathBuf,
    port: u16,
}

impl Capture {
    /// Starts capturing MGCP on `port` into `dir`, and returns once the
    /// capture demonstrably runs. tshark is required: a missing tool fails
    /// the test (scripts/install-deps.sh installs it).
    pub fn start(port: u16, dir: &Path) -> Capture {
        let installed = Command::new("tshark")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            installed,
            "tshark is not installed (apt-get install tshark): the MGCP decode cannot be checked"
        );
        std::fs::create_dir_all(dir).unwrap();
        let pcap = dir.join("mgcp.pcapng");
        // A probe port in the filter tells when the capture is running.
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let probe_port = probe.local_addr().unwrap().port();
        let filter = format!("udp port {port} or udp port {probe_port}");
        let child = Command::new("tshark")
            .args(["-i", "lo", "-f", &filter, "-q", "-w"])
            .arg(&pcap)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("tshark.log")).unwrap())
            .spawn()
            .expect("tshark starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert!(Instant::now() < deadline, "tshark did not start capturing");
            std::thread::sleep(Duration::from_millis(300));
            if !pcap.exists() {
                continue;
            }
            probe.send_to(b"probe", ("127.0.0.1", probe_port)).unwrap();
            std::thread::sleep(Duration::from_millis(100));
            if Self::count(&pcap, 0, &format!("udp.port=={probe_port}")) > 0 {
                break;
            }
        }
        Capture {
            child: Some(child),
            pcap,
            port,
        }
    }

    /// Stops the capture (idempotent).
    pub fn stop(&mut self) {
        if let Some(mut t) = self.child.take() {
            // dumpcap reads the kernel's buffer in batches: what it has not
            // read yet when stopped would be lost.
            std::thread::sleep(Duration::from_secs(1));
            // SIGINT lets tshark finish the capture file.
            let _ = Command::new("kill")
                .args(["-INT", &t.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = t.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = t.kill();
            let _ = t.wait();
        }
    }

    /// Frames of the capture matching a display filter, `port` decoded as MGCP.
    pub fn count(pcap: &Path, port: u16, filter: &str) -> usize {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(pcap)
            .args(["-d", &format!("udp.port=={port},mgcp"), "-Y", filter])
            .stderr(Stdio::null())
            .output()
            .expect("tshark runs");
        String::from_utf8_lossy(&out.stdout).lines().count()
    }

    /// Stops the capture and asserts at least `min_frames` MGCP frames,
    /// none malformed.
    pub fn check(mut self, min_frames: usize) {
        self.stop();
        let frames = Self::count(&self.pcap, self.port, "mgcp");
        let malformed = Self::count(
            &self.pcap,
            self.port,
            "_ws.malformed || _ws.expert.severity >= error",
        );
        eprintln!(
            "tshark: {frames} MGCP frames, {malformed} malformed, in {:?}",
            self.pcap
        );
        assert!(
            frames >= min_frames,
            "tshark saw {frames} MGCP frames, expected at least {min_frames}"
        );
        assert_eq!(
            malformed, 0,
            "tshark found malformed frames in {:?}",
            self.pcap
        );
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}
