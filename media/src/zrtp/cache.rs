//! Retained secrets (RFC 6189 §4.3, §4.6.1): per peer ZID, the last two
//! rs values and whether the users verified the SAS, so a later call can
//! prove continuity with the earlier one.
//!
//! [`SecretCache`] is what the state machine uses; [`MemoryCache`] keeps
//! entries in memory and [`FileCache`] in a small text file:
//!
//! ```text
//! zrtp-cache 1
//! zid <our ZID, 24 hex>
//! peer <ZID hex> <rs1 hex or -> <rs2 hex or -> <verified 0|1>
//! ```
//!
//! The file is rewritten whole through a temporary file and a rename, so a
//! crash leaves the old or the new version. Anything that does not parse is
//! an error ([`CacheError::Corrupt`]), never a panic and never silently an
//! empty cache (that would hide a man in the middle as a first call).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::crypto::random32;
use super::message::Zid;

/// What the cache holds for one peer.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CachedSecrets {
    /// The newest retained secret.
    pub rs1: Option<[u8; 32]>,
    /// The one before.
    pub rs2: Option<[u8; 32]>,
    /// The users compared the SAS and said it matched (the V flag).
    pub verified: bool,
}

impl std::fmt::Debug for CachedSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedSecrets")
            .field("rs1", &self.rs1.is_some())
            .field("rs2", &self.rs2.is_some())
            .field("verified", &self.verified)
            .finish()
    }
}

/// Why the cache could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The file could not be read or written.
    #[error("ZRTP cache I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The file is not a cache we wrote.
    #[error("ZRTP cache corrupt at line {line}: {reason}")]
    Corrupt {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
    },
}

/// Storage of retained secrets by peer ZID.
pub trait SecretCache {
    /// The secrets for `peer`, if any.
    fn load(&mut self, peer: &Zid) -> Result<Option<CachedSecrets>, CacheError>;
    /// Replaces the secrets for `peer`.
    fn store(&mut self, peer: &Zid, secrets: &CachedSecrets) -> Result<(), CacheError>;
}

/// One cache shared by concurrent calls (a [`FileCache`] rewrites its whole
/// file on each store, so two calls must not each hold their own copy).
/// A poisoned lock (a panic elsewhere while storing) is reported as an
/// I/O error rather than propagated.
impl<C: SecretCache> SecretCache for std::sync::Arc<std::sync::Mutex<C>> {
    fn load(&mut self, peer: &Zid) -> Result<Option<CachedSecrets>, CacheError> {
        self.lock().map_err(|_| poisoned())?.load(peer)
    }

    fn store(&mut self, peer: &Zid, secrets: &CachedSecrets) -> Result<(), CacheError> {
        self.lock().map_err(|_| poisoned())?.store(peer, secrets)
    }
}

fn poisoned() -> CacheError {
    CacheError::Io(std::io::Error::other("ZRTP cache lock poisoned"))
}

/// A cache in memory (tests, or calls that must leave no trace).
#[derive(Debug, Default, Clone)]
pub struct MemoryCache {
    entries: HashMap<Zid, CachedSecrets>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretCache for MemoryCache {
    fn load(&mut self, peer: &Zid) -> Result<Option<CachedSecrets>, CacheError> {
        Ok(self.entries.get(peer).cloned())
    }

    fn store(&mut self, peer: &Zid, secrets: &CachedSecrets) -> Result<(), CacheError> {
        self.entries.insert(*peer, secrets.clone());
        Ok(())
    }
}

/// A cache in a text file, which also keeps our own ZID (a ZID belongs with
/// its cache: peers key their secrets for us by it).
#[derive(Debug)]
pub struct FileCache {
    path: PathBuf,
    zid: Zid,
    entries: HashMap<Zid, CachedSecrets>,
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl FileCache {
    /// Opens the cache at `path`, creating it (with a fresh random ZID) if
    /// the file does not exist.
    pub fn open(path: impl AsRef<Path>) -> Result<FileCache, CacheError> {
        let path = path.as_ref().to_path_buf();
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut zid = [0u8; 12];
                zid.copy_from_slice(&random32()[..12]);
                let cache = FileCache {
                    path,
                    zid,
                    entries: HashMap::new(),
                };
                cache.save()?;
                Ok(cache)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Our ZID, to put in [`super::ZrtpConfig::zid`].
    pub fn zid(&self) -> Zid {
        self.zid
    }

    fn parse(path: PathBuf, text: &str) -> Result<FileCache, CacheError> {
        let bad = |line: usize, reason: &str| CacheError::Corrupt {
            line,
            reason: reason.to_string(),
        };
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, "zrtp-cache 1")) => {}
            _ => return Err(bad(1, "not a ZRTP cache (header)")),
        }
        let mut zid = None;
        let mut entries = HashMap::new();
        for (n, line) in lines {
            let f: Vec<&str> = line.split_ascii_whitespace().collect();
            match f.as_slice() {
                [] => {}
                ["zid", z] if zid.is_none() => {
                    zid = Some(unhex::<12>(z).ok_or_else(|| bad(n, "bad own ZID"))?);
                }
                ["peer", z, rs1, rs2, v] => {
                    let peer = unhex::<12>(z).ok_or_else(|| bad(n, "bad peer ZID"))?;
                    let secret = |s: &str| match s {
                        "-" => Ok(None),
                        s => unhex::<32>(s).map(Some).ok_or_else(|| bad(n, "bad secret")),
                    };
                    let verified = match *v {
                        "0" => false,
                        "1" => true,
                        _ => return Err(bad(n, "bad verified flag")),
                    };
                    let entry = CachedSecrets {
                        rs1: secret(rs1)?,
                        rs2: secret(rs2)?,
                        verified,
                    };
                    if entries.insert(peer, entry).is_some() {
                        return Err(bad(n, "peer listed twice"));
                    }
                }
                _ => return Err(bad(n, "unknown line")),
            }
        }
        let zid = zid.ok_or_else(|| bad(1, "no own ZID"))?;
        Ok(FileCache { path, zid, entries })
    }

    fn save(&self) -> Result<(), CacheError> {
        let mut text = format!("zrtp-cache 1\nzid {}\n", hex(&self.zid));
        let mut peers: Vec<_> = self.entries.iter().collect();
        peers.sort_by_key(|(z, _)| **z);
        let opt = |s: &Option<[u8; 32]>| s.as_ref().map_or("-".to_string(), |s| hex(s));
        for (z, e) in peers {
            let _ = writeln!(
                text,
                "peer {} {} {} {}",
                hex(z),
                opt(&e.rs1),
                opt(&e.rs2),
                u8::from(e.verified)
            );
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)?;
        Ok(())
    }
}

impl SecretCache for FileCache {
    fn load(&mut self, peer: &Zid) -> Result<Option<CachedSecrets>, CacheError> {
        Ok(self.entries.get(peer).cloned())
    }

    fn store(&mut self, peer: &Zid, secrets: &CachedSecrets) -> Result<(), CacheError> {
        self.entries.insert(*peer, secrets.clone());
        self.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_round_trip_and_corruption() {
        let dir = std::env::temp_dir().join(format!("op-zrtp-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cache.txt");
        let _ = std::fs::remove_file(&path);
        let mut c = FileCache::open(&path).unwrap();
        let zid = c.zid();
        let s = CachedSecrets {
            rs1: Some([7; 32]),
            rs2: None,
            verified: true,
        };
        c.store(&[1; 12], &s).unwrap();
        let mut again = FileCache::open(&path).unwrap();
        assert_eq!(again.zid(), zid);
        assert_eq!(again.load(&[1; 12]).unwrap(), Some(s));
        assert_eq!(again.load(&[2; 12]).unwrap(), None);
        let text = std::fs::read_to_string(&path).unwrap();
        for bad in [
            text.replace("zrtp-cache 1", "zrtp-cache 2"),
            text.replace(" 1\n", " x\n"),
            text.replacen("07", "0g", 1),
            format!("{text}peer zz\n"),
            text[..text.len() - 5].to_string(),
        ] {
            std::fs::write(&path, bad).unwrap();
            assert!(matches!(
                FileCache::open(&path),
                Err(CacheError::Corrupt { .. })
            ));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
