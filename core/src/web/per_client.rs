//! A limit on how often one client address may do something cheap but shared (ask for map
//! tiles, search for a place), counted in memory: a fixed window per address. Bounded: past
//! [`MAX_CLIENTS`] addresses, the ones whose window has ended are dropped (and, should all
//! be current, all are: a moment's leniency rather than unbounded memory).

use std::{collections::HashMap, sync::Mutex, time::Duration};

use tokio::time::Instant;

const MAX_CLIENTS: usize = 50_000;

pub struct PerClient {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<String, (Instant, u32)>>,
}

impl PerClient {
    /// At most `limit` times in each `window` per client address.
    pub fn new(limit: u32, window: Duration) -> PerClient {
        PerClient {
            limit,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one more for `client`; `false` when it is over its limit.
    pub fn allow(&self, client: &str) -> bool {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_CLIENTS && !seen.contains_key(client) {
            seen.retain(|_, (started, _)| now.duration_since(*started) < self.window);
            if seen.len() >= MAX_CLIENTS {
                seen.clear();
            }
        }
        let (started, count) = seen.entry(client.to_owned()).or_insert((now, 0));
        if now.duration_since(*started) >= self.window {
            (*started, *count) = (now, 0);
        }
        *count += 1;
        *count <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_client_over_its_limit_waits_for_the_next_window_and_others_are_not_held() {
        let limit = PerClient::new(3, Duration::from_secs(60));
        assert!((0..3).all(|_| limit.allow("10.0.0.1")));
        assert!(!limit.allow("10.0.0.1"));
        assert!(limit.allow("10.0.0.2"));
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(limit.allow("10.0.0.1"));
    }
}
