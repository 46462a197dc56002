//! Admin overrides, read through a short-lived per-city cache. Every menu render needs them;
//! a database round trip per page would cost as much as the rendering. A change, made by any
//! process sharing the database (the console or the admin command), shows within the cache's lifetime
//! (`OVERRIDE_CACHE_MS`, default one second).

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use crate::storage::{ServiceOverride, Storage, StorageError};

/// A city's overrides and when they were read.
type Entry = (Instant, Arc<Vec<ServiceOverride>>);

pub struct OverrideCache {
    lifetime: Duration,
    entries: RwLock<HashMap<String, Entry>>,
}

impl OverrideCache {
    pub fn new(lifetime: Duration) -> Self {
        OverrideCache {
            lifetime,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The city's overrides, at most `lifetime` old.
    pub async fn of(
        &self,
        storage: &Storage,
        city: &str,
    ) -> Result<Arc<Vec<ServiceOverride>>, StorageError> {
        if let Some((read_at, overrides)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(city)
        {
            if read_at.elapsed() < self.lifetime {
                return Ok(Arc::clone(overrides));
            }
        }
        let overrides = Arc::new(storage.overrides_of(city).await?);
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(city.to_owned(), (Instant::now(), Arc::clone(&overrides)));
        Ok(overrides)
    }

    /// Forgets a city's entry: this process reads the change it just made at once.
    pub fn invalidate(&self, city: &str) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(city);
    }
}
