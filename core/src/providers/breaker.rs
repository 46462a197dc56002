//! A circuit breaker per provider: after a run of failures the provider is left alone for a
//! cool-down, so a dead provider costs residents no waiting; then one trial call decides
//! whether it is back.

use std::{sync::Mutex, time::Duration};

use tokio::time::Instant;

use crate::clock::Clock;

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

/// When a breaker opens, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct BreakerPolicy {
    /// Provider failures in a row that open it.
    pub failure_threshold: u32,
    /// How long it stays open before one trial call may go.
    pub cool_down: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            failure_threshold: 3,
            cool_down: Duration::from_secs(30),
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
    clock: Clock,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    /// `clock` times the cool-down (the portal's, so a test can move past it).
    pub fn new(failure_threshold: u32, cool_down: Duration, clock: Clock) -> Self {
        CircuitBreaker {
            failure_threshold: failure_threshold.max(1),
            cool_down,
            clock,
            inner: Mutex::new(Inner::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves a valid state: keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// May a call go ahead now? In half-open state only one trial call may. The permit
    /// records the call's outcome. A permit dropped unfinished (the caller gave up, say a
    /// page render that no longer needed the answer) says nothing about the provider: it
    /// counts as neither success nor failure, and an abandoned trial frees the half-open
    /// slot for the next caller, so the breaker never waits forever for it.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut inner = self.lock();
        // `Some(trial)`: allowed, and whether this call is the half-open trial.
        let allowed = match *inner {
            Inner::Closed { .. } => Some(false),
            Inner::Open { until } if self.clock.instant() >= until => {
                *inner = Inner::HalfOpen {
                    trial_running: true,
                };
                Some(true)
            }
            Inner::Open { .. } => None,
            Inner::HalfOpen {
                ref mut trial_running,
            } => (!std::mem::replace(trial_running, true)).then_some(true),
        };
        drop(inner);
        allowed.map(|trial| Permit {
            breaker: self,
            trial,
            finished: false,
        })
    }

    fn record_success(&self) {
        *self.lock() = Inner::Closed { failures: 0 };
    }

    /// An unfinished trial leaves the half-open slot free; anything else is untouched.
    fn record_abandoned(&self) {
        let mut inner = self.lock();
        if let Inner::HalfOpen { trial_running } = &mut *inner {
            *trial_running = false;
        }
    }

    fn record_failure(&self) {
        let mut inner = self.lock();
        let open = Inner::Open {
            until: self.clock.instant() + self.cool_down,
        };
        *inner = match *inner {
            Inner::Closed { failures } if failures + 1 < self.failure_threshold => Inner::Closed {
                failures: failures + 1,
            },
            // Late failures of calls started before it opened do not extend the cool-down.
            Inner::Open { until } => Inner::Open { until },
            _ => open,
        };
    }

    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { until } if self.clock.instant() >= until => BreakerState::HalfOpen,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

/// Leave to make one call; see [`CircuitBreaker::try_acquire`].
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    /// The half-open trial: dropped unfinished, it frees the trial's slot. (A call begun
    /// while the breaker was closed does not, or two trials could run.)
    trial: bool,
    finished: bool,
}

impl Permit<'_> {
    pub fn finish(mut self, success: bool) {
        self.finished = true;
        if success {
            self.breaker.record_success();
        } else {
            self.breaker.record_failure();
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.finished && self.trial {
            self.breaker.record_abandoned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(breaker: &CircuitBreaker) {
        breaker.try_acquire().expect("allowed").finish(false);
    }

    #[test]
    fn opens_after_the_threshold_and_recovers_through_one_trial() {
        let clock = Clock::adjustable();
        let breaker = CircuitBreaker::new(3, Duration::from_secs(30), clock.clone());
        fail(&breaker);
        fail(&breaker);
        assert_eq!(breaker.state(), BreakerState::Closed);
        fail(&breaker);
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.try_acquire().is_none(), "open: calls are refused");

        clock.advance(Duration::from_secs(31));
        let trial = breaker
            .try_acquire()
            .expect("after the cool-down one trial may go");
        assert!(breaker.try_acquire().is_none(), "but only one");
        trial.finish(true);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.try_acquire().is_some());
    }

    #[test]
    fn a_failed_trial_opens_again() {
        let clock = Clock::adjustable();
        let breaker = CircuitBreaker::new(1, Duration::from_secs(10), clock.clone());
        fail(&breaker);
        clock.advance(Duration::from_secs(11));
        fail(&breaker);
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.try_acquire().is_none());
    }

    #[test]
    fn an_abandoned_trial_does_not_leave_the_breaker_stuck() {
        let clock = Clock::adjustable();
        let breaker = CircuitBreaker::new(1, Duration::from_secs(10), clock.clone());
        fail(&breaker);
        clock.advance(Duration::from_secs(11));
        drop(breaker.try_acquire().expect("trial"));
        assert_eq!(breaker.state(), BreakerState::HalfOpen, "still on trial");
        let trial = breaker
            .try_acquire()
            .expect("the abandoned trial freed its slot at once");
        trial.finish(true);
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    /// A page render drops the calls it no longer needs; that is no news of the provider.
    #[test]
    fn calls_dropped_unfinished_never_open_the_breaker() {
        let clock = Clock::adjustable();
        let breaker = CircuitBreaker::new(3, Duration::from_secs(10), clock.clone());
        for _ in 0..10 {
            drop(breaker.try_acquire().expect("allowed"));
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        fail(&breaker);
        fail(&breaker);
        drop(breaker.try_acquire().expect("allowed"));
        assert_eq!(
            breaker.state(),
            BreakerState::Closed,
            "two real failures and a dropped call stay under a threshold of three"
        );
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let clock = Clock::adjustable();
        let breaker = CircuitBreaker::new(2, Duration::from_secs(10), clock.clone());
        fail(&breaker);
        breaker.try_acquire().expect("allowed").finish(true);
        fail(&breaker);
        assert_eq!(breaker.state(), BreakerState::Closed);
    }
}
