//! The engine's ZRTP retained-secret cache: one per engine, shared by its
//! calls (a [`FileCache`] rewrites its whole file on each store, so calls
//! must not each hold a copy), with the engine's ZID.

use std::path::Path;
use std::sync::{Arc, Mutex};

use openphone_sal::MediaError;

use crate::zrtp::{CacheError, CachedSecrets, FileCache, MemoryCache, SecretCache, Zid};

/// The cache and our ZID; clones share the same store.
#[derive(Clone)]
pub(crate) struct ZrtpCache {
    zid: Zid,
    store: Arc<Mutex<Box<dyn SecretCache + Send>>>,
}

impl std::fmt::Debug for ZrtpCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZrtpCache").finish_non_exhaustive()
    }
}

impl ZrtpCache {
    /// In memory, with a fresh random ZID: continuity holds between the
    /// calls of this engine only.
    pub fn memory() -> Self {
        ZrtpCache {
            zid: rand::random(),
            store: Arc::new(Mutex::new(Box::new(MemoryCache::new()))),
        }
    }

    /// The file at `path`, created with a fresh ZID when missing.
    pub fn file(path: &Path) -> Result<Self, MediaError> {
        let cache = FileCache::open(path)
            .map_err(|e| MediaError::Security(format!("ZRTP cache {}: {e}", path.display())))?;
        Ok(ZrtpCache {
            zid: cache.zid(),
            store: Arc::new(Mutex::new(Box::new(cache))),
        })
    }

    pub fn zid(&self) -> Zid {
        self.zid
    }
}

fn poisoned() -> CacheError {
    CacheError::Io(std::io::Error::other("ZRTP cache lock poisoned"))
}

impl SecretCache for ZrtpCache {
    fn load(&mut self, peer: &Zid) -> Result<Option<CachedSecrets>, CacheError> {
        self.store.lock().map_err(|_| poisoned())?.load(peer)
    }

    fn store(&mut self, peer: &Zid, secrets: &CachedSecrets) -> Result<(), CacheError> {
        self.store
            .lock()
            .map_err(|_| poisoned())?
            .store(peer, secrets)
    }
}
