//! The portal's clock: what "now" is for due jobs, holds, payment orders, codes, sessions and
//! circuit breakers. In a running portal it is the system's clock. A test makes an
//! adjustable one and moves it forward instead of sleeping through a cool-down or an
//! expiry; time still flows under it, so whatever runs in the background keeps working.
//!
//! Timings that are not the portal's business (a request's latency, how long a cached answer
//! is kept in memory) stay on the system's clock.

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::Duration,
};

/// A cheap handle; clones of an adjustable clock move together.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Microseconds ahead of the system's clock; `None` for the system's clock itself.
    ahead: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock { ahead: None }
    }

    /// Starts at the system's time and runs with it, and [`Clock::advance`] moves it on.
    pub fn adjustable() -> Clock {
        Clock {
            ahead: Some(Arc::new(AtomicI64::new(0))),
        }
    }

    fn ahead_micros(&self) -> i64 {
        self.ahead
            .as_ref()
            .map_or(0, |ahead| ahead.load(Ordering::Relaxed))
    }

    /// The current time.
    pub fn now(&self) -> jiff::Timestamp {
        let now = jiff::Timestamp::now();
        match self.ahead_micros() {
            0 => now,
            ahead => now
                .checked_add(jiff::SignedDuration::from_micros(ahead))
                .unwrap_or(now),
        }
    }

    /// The current time in whole seconds since the Unix epoch, as the database keeps times.
    pub fn seconds(&self) -> i64 {
        self.now().as_second()
    }

    /// A point on a monotonic clock, for measuring how long something lasts (a breaker's
    /// cool-down): unaffected by the system's clock being set, and moved by `advance`.
    pub fn instant(&self) -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        let ahead = Duration::from_micros(self.ahead_micros().unsigned_abs());
        now.checked_add(ahead).unwrap_or(now)
    }

    /// Moves an adjustable clock forward by `by`. The system's clock cannot be moved: on it
    /// this does nothing and says so.
    pub fn advance(&self, by: Duration) {
        let Some(ahead) = &self.ahead else {
            tracing::warn!("the system's clock cannot be moved");
            return;
        };
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        ahead
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |current| {
                Some(current.saturating_add(micros))
            })
            .ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjustable_clock_moves_forward_with_every_clone_of_it() {
        let clock = Clock::adjustable();
        let other = clock.clone();
        let (before, instant) = (clock.seconds(), clock.instant());
        other.advance(Duration::from_secs(3600));
        assert!(clock.seconds() >= before + 3600);
        assert!(clock.instant() >= instant + Duration::from_secs(3600));
    }

    #[test]
    fn the_system_clock_stays_the_system_clock() {
        let clock = Clock::system();
        clock.advance(Duration::from_secs(3600));
        let difference = clock.seconds() - jiff::Timestamp::now().as_second();
        assert!(difference.abs() <= 1, "{difference}");
    }
}
