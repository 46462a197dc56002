//! The tasks that work the queue, and their clean stop: on SIGTERM each finishes the round
//! in hand (whose provider calls are bounded by their timeouts) and returns, so no attempt
//! is cut off half-way and left to lease expiry.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use tokio::{sync::watch, task::JoinHandle};

/// Lets a round see that a stop was asked for, so it ends between two jobs.
#[derive(Clone)]
pub struct Stopping(watch::Receiver<bool>);

impl Stopping {
    pub fn asked(&self) -> bool {
        *self.0.borrow()
    }
}

/// A round works at most this many jobs, then lets the other workers run.
pub const JOBS_PER_ROUND: usize = 50;

/// One round of a worker: `next` works one job (`true`) or finds none due (`false`), up to
/// [`JOBS_PER_ROUND`] times, ending early when a stop is asked or storage fails (logged with
/// `what` and `provider`). `true` when it worked some: the worker goes again at once.
pub async fn work_round<Next, Fut>(
    stopping: &Stopping,
    what: &'static str,
    provider: &str,
    mut next: Next,
) -> bool
where
    Next: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, crate::storage::StorageError>>,
{
    let mut busy = false;
    for _ in 0..JOBS_PER_ROUND {
        if stopping.asked() {
            return false;
        }
        match next().await {
            Ok(true) => busy = true,
            Ok(false) => break,
            Err(error) => {
                tracing::error!(%error, what, provider, "a job round failed on storage");
                return false;
            }
        }
    }
    busy
}

/// Every worker task of the process.
pub struct Workers {
    stop: watch::Sender<bool>,
    /// Bumped to start every idle worker's next round at once.
    wake: watch::Sender<u64>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// How many rounds each worker has finished; `u64::MAX` once it has ended.
    rounds: Mutex<Vec<Arc<AtomicU64>>>,
}

impl Default for Workers {
    fn default() -> Self {
        Workers {
            stop: watch::Sender::new(false),
            wake: watch::Sender::new(0),
            tasks: Mutex::default(),
            rounds: Mutex::default(),
        }
    }
}

/// Marks its worker's rounds as ended when dropped.
struct Ended(Arc<AtomicU64>);

impl Drop for Ended {
    fn drop(&mut self) {
        self.0.store(u64::MAX, Ordering::SeqCst);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Workers {
    /// For rounds that take several jobs: check it between them.
    pub fn stopping(&self) -> Stopping {
        Stopping(self.stop.subscribe())
    }

    /// Asks every worker to stop after the job in hand, without waiting.
    pub fn ask_to_stop(&self) {
        self.stop.send_replace(true);
    }

    /// Runs `round` until stopped: again at once while it reports it was busy (more may be
    /// due), after `idle` when it was not (or when woken).
    pub fn spawn<Round, Fut>(&self, idle: Duration, mut round: Round)
    where
        Round: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = bool> + Send,
    {
        let mut stop = self.stop.subscribe();
        let mut wake = self.wake.subscribe();
        let rounds = Arc::new(AtomicU64::new(0));
        lock(&self.rounds).push(Arc::clone(&rounds));
        let task = tokio::spawn(async move {
            // However the task ends (stopped, or a round that panicked), it is counted as
            // caught up: no one waits for a worker that is gone.
            let _ended = Ended(Arc::clone(&rounds));
            while !*stop.borrow() {
                wake.mark_unchanged();
                let busy = round().await;
                rounds.fetch_add(1, Ordering::SeqCst);
                if !busy {
                    // A dropped `Workers` (a test's portal) disables the other branches.
                    tokio::select! {
                        () = tokio::time::sleep(idle) => {}
                        Ok(()) = stop.changed() => {}
                        Ok(()) = wake.changed() => {}
                    }
                }
            }
        });
        lock(&self.tasks).push(task);
    }

    /// Starts every idle worker's next round now: what the portal's clock made due (a test
    /// moved it on) is done without waiting for the workers' idle time.
    pub fn wake(&self) {
        self.wake
            .send_modify(|times| *times = times.wrapping_add(1));
    }

    /// Returns once every worker has finished a whole round begun after this call, so that
    /// whatever was due at the call has been tried (or found not due) by every worker (a
    /// round takes what it can; a job one worker makes for another may need another call).
    /// `false` when they had not within `limit`.
    pub async fn caught_up(&self, limit: Duration) -> bool {
        let rounds = lock(&self.rounds).clone();
        // The round in hand at the call may have begun before it: two more are needed.
        let wanted: Vec<u64> = rounds
            .iter()
            .map(|r| r.load(Ordering::SeqCst).saturating_add(2))
            .collect();
        let caught_up = async {
            loop {
                let behind = rounds
                    .iter()
                    .zip(&wanted)
                    .any(|(done, wanted)| done.load(Ordering::SeqCst) < *wanted);
                if !behind {
                    return;
                }
                self.wake();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(limit, caught_up).await.is_ok()
    }

    /// Asks every worker to stop after its current round and waits up to `grace` for them;
    /// a worker still busy then is dropped, and its job's lease runs out (so it is looked up
    /// before it is sent again).
    pub async fn stop(&self, grace: Duration) {
        self.ask_to_stop();
        let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *lock(&self.tasks));
        let count = tasks.len();
        let all = futures::future::join_all(tasks);
        match tokio::time::timeout(grace, all).await {
            Ok(_) => tracing::info!(workers = count, "job workers stopped"),
            Err(_) => tracing::warn!(workers = count, "job workers still busy at shutdown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    use super::*;

    #[tokio::test]
    async fn a_woken_worker_does_not_wait_out_its_idle_time() {
        let workers = Workers::default();
        let rounds = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&rounds);
        workers.spawn(Duration::from_secs(3600), move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { false }
        });
        assert!(
            workers.caught_up(Duration::from_secs(10)).await,
            "woken, not left idle for an hour"
        );
        assert!(rounds.load(Ordering::SeqCst) >= 2);
    }

    #[tokio::test]
    async fn a_stopped_worker_is_not_waited_for() {
        let workers = Workers::default();
        workers.spawn(Duration::from_secs(3600), || async { false });
        workers.stop(Duration::from_secs(5)).await;
        assert!(workers.caught_up(Duration::from_secs(5)).await);
    }

    #[tokio::test]
    async fn stop_lets_the_round_in_hand_finish_and_starts_no_other() {
        let workers = Workers::default();
        let (started, finished) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (s, f) = (Arc::clone(&started), Arc::clone(&finished));
        workers.spawn(Duration::from_millis(1), move || {
            let (s, f) = (Arc::clone(&s), Arc::clone(&f));
            async move {
                s.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                f.fetch_add(1, Ordering::SeqCst);
                true
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        workers.stop(Duration::from_secs(5)).await;
        let at_stop = started.load(Ordering::SeqCst);
        assert_eq!(at_stop, finished.load(Ordering::SeqCst), "no round cut off");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            started.load(Ordering::SeqCst),
            at_stop,
            "no round after the stop"
        );
    }
}
