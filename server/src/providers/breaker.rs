//! A circuit breaker per provider: after a run of failures the provider is left alone for a
//! cool-down, so a dead provider costs residents no waiting; then one trial call decides
//! whether it is back.

use std::{sync::Mutex, time::Duration};

use tokio::time::Instant;

/// The breaker's state, as shown in `/readyz` and `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn name(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }

    /// 0 closed, 1 half-open, 2 open: the gauge value in `/metrics`.
    pub fn gauge(self) -> i64 {
        match self {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        }
    }
}

#[derive(Debug)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_running: bool },
}

#[derive(Debug)]
pub struct CircuitBreaker {
    failure_threshold: u32,
    cool_down: Duration,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    pub fn new(failure_threshold: u32, cool_down: Duration) -> Self {
        CircuitBreaker {
            failure_threshold: failure_threshold.max(1),
            cool_down,
            inner: Mutex::new(Inner::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves a valid state: keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// May a call go ahead now? In half-open state only one trial call may.
    pub fn try_acquire(&self) -> bool {
        let mut inner = self.lock();
        match *inner {
            Inner::Closed { .. } => true,
            Inner::Open { until } if Instant::now() >= until => {
                *inner = Inner::HalfOpen {
                    trial_running: true,
                };
                true
            }
            Inner::Open { .. } => false,
            Inner::HalfOpen {
                ref mut trial_running,
            } => !std::mem::replace(trial_running, true),
        }
    }

    pub fn record_success(&self) {
        *self.lock() = Inner::Closed { failures: 0 };
    }

    pub fn record_failure(&self) {
        let mut inner = self.lock();
        let open = Inner::Open {
            until: Instant::now() + self.cool_down,
        };
        *inner = match *inner {
            Inner::Closed { failures } if failures + 1 < self.failure_threshold => Inner::Closed {
                failures: failures + 1,
            },
            _ => open,
        };
    }

    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { until } if Instant::now() >= until => BreakerState::HalfOpen,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn opens_after_the_threshold_and_recovers_through_one_trial() {
        let breaker = CircuitBreaker::new(3, Duration::from_secs(30));
        for _ in 0..2 {
            assert!(breaker.try_acquire());
            breaker.record_failure();
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.try_acquire());
        breaker.record_failure();
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(!breaker.try_acquire(), "open: calls are refused");

        tokio::time::advance(Duration::from_secs(31)).await;
        assert!(
            breaker.try_acquire(),
            "after the cool-down one trial may go"
        );
        assert!(!breaker.try_acquire(), "but only one");
        breaker.record_success();
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.try_acquire());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_trial_opens_again() {
        let breaker = CircuitBreaker::new(1, Duration::from_secs(10));
        breaker.record_failure();
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(breaker.try_acquire());
        breaker.record_failure();
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(!breaker.try_acquire());
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let breaker = CircuitBreaker::new(2, Duration::from_secs(10));
        breaker.record_failure();
        breaker.record_success();
        breaker.record_failure();
        assert_eq!(breaker.state(), BreakerState::Closed);
    }
}
