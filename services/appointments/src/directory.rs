//! A hospital's departments and doctors change rarely: they are kept for a while, refreshed
//! by one caller at a time while everyone else gets the last good copy at once, and kept
//! when a refresh fails.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use crate::port::{Directory, Hospital, HospitalError};

/// How long a directory is used before it is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(600);

pub struct DirectoryCache {
    adapter: Arc<dyn Hospital>,
    current: RwLock<Option<(Instant, Arc<Directory>)>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl DirectoryCache {
    pub fn new(adapter: Arc<dyn Hospital>) -> DirectoryCache {
        DirectoryCache {
            adapter,
            current: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self) -> Option<(Instant, Arc<Directory>)> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The hospital's directory: cached, or read now.
    pub async fn get(&self) -> Result<Arc<Directory>, HospitalError> {
        match self.cached() {
            Some((at, directory)) if at.elapsed() < FRESH_FOR => Ok(directory),
            Some((_, stale)) => {
                // Someone is refreshing it: the last good copy, at once.
                let Ok(_refreshing) = self.refreshing.try_lock() else {
                    return Ok(stale);
                };
                Ok(self.refresh().await.unwrap_or(stale))
            }
            None => {
                let _refreshing = self.refreshing.lock().await;
                if let Some((_, directory)) = self.cached() {
                    return Ok(directory);
                }
                self.refresh().await
            }
        }
    }

    async fn refresh(&self) -> Result<Arc<Directory>, HospitalError> {
        let directory = Arc::new(self.adapter.directory().await?);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((Instant::now(), Arc::clone(&directory)));
        Ok(directory)
    }
}
