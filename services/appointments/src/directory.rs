//! A hospital's departments and doctors change rarely: they are kept for a while
//! (`portal_core::providers::kept`), read again by one caller at a time, and kept when
//! reading them again fails.

use std::{sync::Arc, time::Duration};

use portal_core::providers::kept::KeptCopy;

use crate::port::{Directory, Hospital, HospitalError};

/// How long a directory is used before it is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(600);

pub struct DirectoryCache {
    adapter: Arc<dyn Hospital>,
    kept: KeptCopy<Directory>,
}

impl DirectoryCache {
    pub fn new(adapter: Arc<dyn Hospital>) -> DirectoryCache {
        DirectoryCache {
            adapter,
            kept: KeptCopy::new(FRESH_FOR),
        }
    }

    /// The hospital's directory: kept, or read now.
    pub async fn get(&self) -> Result<Arc<Directory>, HospitalError> {
        let kept = self.kept.get(|| self.adapter.directory()).await?;
        Ok(kept.value)
    }
}
