//! The `--config FILE` (TOML): everything the command line sets, plus
//! several accounts each with its own credentials, proxy, DTMF mode and
//! encryption policy. Command-line options override the file; an
//! `--account` on the command line replaces the file's accounts. Unknown
//! keys are errors, so a typo is never silently ignored. See
//! `examples/softphone.toml`.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use openphone::{AccountConfig, DtmfMode, MediaEncryption, SecurityPolicy};
use serde::Deserialize;

/// Largest config file read.
const MAX_FILE: u64 = 1024 * 1024;

/// The file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub rtp_ip: Option<IpAddr>,
    /// `LO-HI`.
    pub rtp_ports: Option<String>,
    #[serde(default)]
    pub codecs: Vec<String>,
    pub no_tcp: Option<bool>,
    /// A client certificate chain (PEM) for TLS servers that ask for one.
    pub tls_client_cert: Option<PathBuf>,
    /// Its private key (PEM).
    pub tls_client_key: Option<PathBuf>,
    pub auto_answer: Option<bool>,
    pub dnd: Option<bool>,
    pub play: Option<String>,
    pub tone: Option<f32>,
    pub record: Option<String>,
    /// `alsa:NAME`, instead of `play`/`tone`.
    pub capture: Option<String>,
    /// `alsa:NAME`, instead of `record`.
    pub playback: Option<String>,
    /// `alsa:NAME` or `wav:FILE.wav`.
    pub ringer: Option<String>,
    /// The ringer's sound, a WAV file (instead of the country's ringing).
    pub ringtone: Option<PathBuf>,
    /// `us`, `uk`, `de`, `fr` or `jp`: tones and ringing.
    pub country: Option<String>,
    #[serde(default)]
    pub address_books: Vec<PathBuf>,
    pub status_every: Option<u64>,
    pub control: Option<PathBuf>,
    pub history: Option<PathBuf>,
    #[serde(default)]
    pub forward: Forward,
    #[serde(default)]
    pub triggers: Triggers,
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountFile>,
}

/// `[forward]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forward {
    pub always: Option<String>,
    pub busy: Option<String>,
    pub no_answer: Option<String>,
    pub no_answer_secs: Option<u64>,
}

/// `[triggers]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    pub incoming: Option<PathBuf>,
    pub answer: Option<PathBuf>,
    pub release: Option<PathBuf>,
    pub registration: Option<PathBuf>,
}

/// One `[[account]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountFile {
    pub aor: String,
    pub password: Option<String>,
    pub username: Option<String>,
    pub proxy: Option<String>,
    pub registrar: Option<String>,
    pub register: Option<bool>,
    /// `auto`, `rfc4733` or `out-of-band`.
    pub dtmf: Option<String>,
    /// `none`, `sdes` or `zrtp`.
    pub encryption: Option<String>,
    /// End calls that cannot be secured instead of falling back to clear.
    pub encryption_required: Option<bool>,
    /// This account's codecs, by RTP encoding name (`PCMU`, `GSM`,
    /// `opus`…), in preference order; within the phone's own (`codecs`).
    pub codecs: Option<Vec<String>>,
}

impl FileConfig {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<FileConfig, String> {
        let name = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| format!("{name}: {e}"))?
            .len();
        if size > MAX_FILE {
            return Err(format!("{name}: over {MAX_FILE} bytes"));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        let config: FileConfig = toml::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
        for a in &config.accounts {
            a.to_account()
                .map_err(|e| format!("{name}: account {}: {e}", a.aor))?;
        }
        Ok(config)
    }
}

impl AccountFile {
    /// The SAL's account configuration.
    pub fn to_account(&self) -> Result<AccountConfig, String> {
        let aor = self.aor.parse().map_err(|e| format!("aor: {e}"))?;
        let mut a = AccountConfig::new(aor).with_register(self.register.unwrap_or(true));
        if let Some(codecs) = &self.codecs {
            if codecs.is_empty() || codecs.iter().any(|c| c.trim().is_empty()) {
                return Err("codecs: a list of encoding names, e.g. [\"PCMA\", \"GSM\"]".into());
            }
            a = a.with_codecs(codecs.iter().map(|c| c.trim()));
        }
        if let Some(p) = &self.password {
            a = a.with_password(p);
        }
        if let Some(u) = &self.username {
            a = a.with_username(u);
        }
        if let Some(p) = &self.proxy {
            a = a.with_outbound_proxy(p);
        }
        if let Some(r) = &self.registrar {
            a = a.with_registrar(r);
        }
        if let Some(d) = &self.dtmf {
            a = a.with_dtmf(match d.as_str() {
                "auto" => DtmfMode::Auto,
                "rfc4733" => DtmfMode::Rfc4733,
                "out-of-band" => DtmfMode::OutOfBand,
                other => {
                    return Err(format!(
                        "dtmf is auto, rfc4733 or out-of-band, not {other:?}"
                    ))
                }
            });
        }
        let method = match self.encryption.as_deref() {
            None | Some("none") => MediaEncryption::None,
            Some("sdes") => MediaEncryption::Sdes,
            Some("zrtp") => MediaEncryption::Zrtp,
            Some(other) => return Err(format!("encryption is none, sdes or zrtp, not {other:?}")),
        };
        let required = self.encryption_required.unwrap_or(false);
        if required && method == MediaEncryption::None {
            return Err("encryption_required needs an encryption method".into());
        }
        if method != MediaEncryption::None || required {
            a = a.with_security(SecurityPolicy::new(method, required));
        }
        Ok(a)
    }
}

/// Checks a TLS client certificate and key (from the command line or the
/// file) before the phone starts: both or neither, each a readable PEM file
/// of the right kind, so a typo is an error now rather than a failed
/// handshake at the first registration.
pub fn check_tls_client_cert(cert: Option<&Path>, key: Option<&Path>) -> Result<(), String> {
    let (cert, key) = match (cert, key) {
        (None, None) => return Ok(()),
        (Some(c), Some(k)) => (c, k),
        _ => return Err("tls_client_cert and tls_client_key go together".into()),
    };
    for (path, what, marker) in [
        (
            cert,
            "TLS client certificate",
            "-----BEGIN CERTIFICATE-----",
        ),
        (key, "TLS client key", "PRIVATE KEY-----"),
    ] {
        let name = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| format!("{what} {name}: {e}"))?
            .len();
        if size > MAX_FILE {
            return Err(format!("{what} {name}: over {MAX_FILE} bytes"));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{what} {name}: {e}"))?;
        if !text.contains(marker) {
            return Err(format!("{what} {name}: no PEM {marker:?} in it"));
        }
    }
    Ok(())
}
