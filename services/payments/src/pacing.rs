//! At most one question to the provider about a payment every few seconds from one process,
//! however fast its resident reloads the payment's page: a reload storm must not push the
//! city's breaker open for everyone else. The confirmation job is not paced (it has its own
//! schedule), nor is "continue paying", which must open a fresh page at the provider.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// How often one payment's page may ask the provider, unless set otherwise.
pub const ASK_EVERY: Duration = Duration::from_secs(2);

/// Past this many payments asked about within [`ASK_EVERY`], older entries are dropped.
const TRACKED: usize = 10_000;

#[derive(Debug)]
pub struct Pacer {
    every: Duration,
    asked: Mutex<HashMap<String, Instant>>,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer::new(ASK_EVERY)
    }
}

impl Pacer {
    pub fn new(every: Duration) -> Pacer {
        Pacer {
            every,
            asked: Mutex::default(),
        }
    }

    /// `true` when the provider may be asked about `payment_id` now; the question is then
    /// counted as asked.
    pub fn may_ask(&self, payment_id: &str) -> bool {
        let now = Instant::now();
        let mut asked = self
            .asked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if asked
            .get(payment_id)
            .is_some_and(|at| now.duration_since(*at) < self.every)
        {
            return false;
        }
        if asked.len() >= TRACKED {
            asked.retain(|_, at| now.duration_since(*at) < self.every);
        }
        asked.insert(payment_id.to_owned(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_payment_is_asked_about_once_in_a_while_others_are_not_held_back() {
        let pacer = Pacer::default();
        assert!(pacer.may_ask("a"));
        assert!(!pacer.may_ask("a"));
        assert!(pacer.may_ask("b"));
    }

    #[test]
    fn payments_asked_about_longer_ago_than_the_pace_are_forgotten() {
        let pacer = Pacer::new(Duration::ZERO);
        for n in 0..TRACKED + 10 {
            assert!(pacer.may_ask(&n.to_string()));
        }
        let remembered = pacer.asked.lock().expect("lock").len();
        assert!(remembered <= TRACKED, "{remembered}");
    }
}
