//! The tasks that work the queue, and their clean stop: on SIGTERM each finishes the round
//! in hand (whose provider calls are bounded by their timeouts) and returns, so no attempt
//! is cut off half-way and left to lease expiry.

use std::{future::Future, sync::Mutex, time::Duration};

use tokio::{sync::watch, task::JoinHandle};

/// Lets a round see that a stop was asked for, so it ends between two jobs.
#[derive(Clone)]
pub struct Stopping(watch::Receiver<bool>);

impl Stopping {
    pub fn asked(&self) -> bool {
        *self.0.borrow()
    }
}

/// Every worker task of the process.
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Default for Workers {
    fn default() -> Self {
        Workers {
            stop: watch::Sender::new(false),
            tasks: Mutex::default(),
        }
    }
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
    /// due), after `idle` when it was not.
    pub fn spawn<Round, Fut>(&self, idle: Duration, mut round: Round)
    where
        Round: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = bool> + Send,
    {
        let mut stop = self.stop.subscribe();
        let task = tokio::spawn(async move {
            while !*stop.borrow() {
                let busy = round().await;
                if !busy {
                    // A dropped `Workers` (a test's portal) disables the stop branch.
                    tokio::select! {
                        () = tokio::time::sleep(idle) => {}
                        Ok(()) = stop.changed() => {}
                    }
                }
            }
        });
        self.tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(task);
    }

    /// Asks every worker to stop after its current round and waits up to `grace` for them;
    /// a worker still busy then is dropped, and its job's lease runs out (so it is looked up
    /// before it is sent again).
    pub async fn stop(&self, grace: Duration) {
        self.ask_to_stop();
        let tasks: Vec<JoinHandle<()>> = std::mem::take(
            &mut *self
                .tasks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
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
