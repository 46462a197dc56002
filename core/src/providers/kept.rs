//! What a provider says that changes rarely (a hospital's doctors, a city's cameras) is kept
//! for a while: read again by one caller at a time while everyone else gets the last good
//! copy at once, and kept when reading it again fails.

use std::{
    future::Future,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

pub struct KeptCopy<T> {
    fresh_for: Duration,
    current: RwLock<Option<(Instant, Arc<T>)>>,
    /// When reading again last failed (cleared by a good reading): until [`RETRY_AFTER`]
    /// has passed, everyone gets the kept copy, marked stale, without a wait.
    failed_at: RwLock<Option<Instant>>,
    refreshing: tokio::sync::Mutex<()>,
}

/// After a failed reading, the provider is not asked again for this long.
pub const RETRY_AFTER: Duration = Duration::from_secs(30);

/// A kept copy and whether it is older than it should be (its last reading failed).
#[derive(Debug)]
pub struct Kept<T> {
    pub value: Arc<T>,
    pub stale: bool,
}

impl<T> KeptCopy<T> {
    pub fn new(fresh_for: Duration) -> KeptCopy<T> {
        KeptCopy {
            fresh_for,
            current: RwLock::new(None),
            failed_at: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    fn failed_at(&self) -> Option<Instant> {
        *self
            .failed_at
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set_failed_at(&self, at: Option<Instant>) {
        *self
            .failed_at
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }

    fn cached(&self) -> Option<(Instant, Arc<T>)> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The kept copy, however old, without reading.
    pub fn peek(&self) -> Option<Arc<T>> {
        self.cached().map(|(_, value)| value)
    }

    /// The kept copy while fresh; else `read` once more. Without a copy, the caller waits
    /// for whoever is reading and gets their result (or reads itself when that failed).
    pub async fn get<E, F>(&self, read: impl FnOnce() -> F) -> Result<Kept<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        match self.cached() {
            Some((at, value)) if at.elapsed() < self.fresh_for => Ok(Kept {
                value,
                stale: false,
            }),
            Some((_, old)) => {
                let failed = self.failed_at();
                let kept = Kept {
                    value: Arc::clone(&old),
                    stale: failed.is_some(),
                };
                // The last reading failed a moment ago, or someone is reading it again:
                // the last good copy, at once.
                if failed.is_some_and(|at| at.elapsed() < RETRY_AFTER) {
                    return Ok(kept);
                }
                let Ok(_refreshing) = self.refreshing.try_lock() else {
                    return Ok(kept);
                };
                Ok(match self.read(read).await {
                    Ok(value) => Kept {
                        value,
                        stale: false,
                    },
                    Err(_) => Kept {
                        value: old,
                        stale: true,
                    },
                })
            }
            None => {
                let _refreshing = self.refreshing.lock().await;
                if let Some((_, value)) = self.cached() {
                    return Ok(Kept {
                        value,
                        stale: false,
                    });
                }
                Ok(Kept {
                    value: self.read(read).await?,
                    stale: false,
                })
            }
        }
    }

    async fn read<E, F>(&self, read: impl FnOnce() -> F) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let value = match read().await {
            Ok(value) => Arc::new(value),
            Err(error) => {
                self.set_failed_at(Some(Instant::now()));
                return Err(error);
            }
        };
        self.set_failed_at(None);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((Instant::now(), Arc::clone(&value)));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_reading_keeps_the_last_copy_and_says_it_is_stale() {
        let kept: KeptCopy<u32> = KeptCopy::new(Duration::ZERO);
        let first = kept.get(|| async { Ok::<_, ()>(1) }).await.expect("read");
        assert_eq!((*first.value, first.stale), (1, false));
        let failed = kept
            .get(|| async { Err::<u32, _>(()) })
            .await
            .expect("kept");
        assert_eq!((*failed.value, failed.stale), (1, true));
        // Everyone after is told the same at once, without asking the provider again.
        let after = kept.get(|| async { Ok::<_, ()>(2) }).await.expect("kept");
        assert_eq!((*after.value, after.stale), (1, true));
    }

    #[tokio::test]
    async fn without_a_copy_a_failure_is_the_callers() {
        let kept: KeptCopy<u32> = KeptCopy::new(Duration::from_secs(60));
        assert_eq!(
            kept.get(|| async { Err::<u32, _>("down") }).await.err(),
            Some("down")
        );
        let read = kept.get(|| async { Ok::<_, &str>(7) }).await.expect("read");
        let cached = kept.get(|| async { Err::<u32, _>("not asked") }).await;
        assert_eq!((*read.value, *cached.expect("fresh").value), (7, 7));
    }
}
