//! One durable job queue for every hand-off to a provider: a report to its desk today;
//! bookings, payments and settlements next. A service commits its job in the same
//! transaction as its own row, then plugs in a [`Handoff`] (look up, deliver, settle); the
//! queue does the rest:
//!
//! - **claim**: one conditional UPDATE picks and leases the most overdue job, so any number
//!   of processes may work one database and never hold the same job;
//! - **backoff**: a failed attempt waits, doubling up to a cap;
//! - **lease expiry**: a lease that ran out means its worker died mid-attempt, so the
//!   attempt may have arrived; the job is marked unsure;
//! - **unsure**: an unsure job is looked up at the provider before it is sent again, and
//!   only an attempt that certainly never left is retried blind;
//! - **settle**: a final outcome is recorded by the service, then the job is closed;
//! - **recurring** jobs (status polls) run again after their interval;
//! - **shutdown**: workers finish the attempt in hand and stop (see [`worker`]).

pub mod worker;

use std::time::Duration;

use sqlx::Row;

use crate::storage::{Storage, StorageError};

/// How many settled jobs one purge forgets at most: a full batch means more are waiting.
pub const PURGE_BATCH: i64 = 1000;

/// A job to commit, usually inside the transaction that stores its subject.
#[derive(Clone, Debug)]
pub struct NewJob<'a> {
    /// What kind of hand-off (`report.deliver`); one handler serves one kind.
    pub kind: &'a str,
    /// What it is about (a report's id).
    pub subject: &'a str,
    /// Whose queue: the provider the hand-off goes to.
    pub provider: &'a str,
    /// One job per key: committing the same key twice keeps the first.
    pub idempotency_key: &'a str,
    /// When it is first due (seconds since the epoch).
    pub due_at: i64,
    /// Runs again after each round (a status poll) instead of settling.
    pub recurring: bool,
}

/// A claimed job, leased to the worker holding it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub provider: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub created_at: i64,
    /// Set when an earlier attempt may have reached the provider: since when.
    pub unsure_since: Option<i64>,
    /// This claim's lease; releasing the job checks it is still ours.
    pub lease_until: i64,
}

/// How attempts are paced.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// A worker's hold on a job; longer than any provider call may take.
    pub lease_seconds: i64,
    /// The first retry waits this long, doubling up to `max_retry_seconds`.
    pub first_retry_seconds: i64,
    pub max_retry_seconds: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            lease_seconds: 120,
            first_retry_seconds: 5,
            max_retry_seconds: 300,
        }
    }
}

impl RetryPolicy {
    fn backoff(&self, attempts: i64) -> i64 {
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
        self.first_retry_seconds
            .saturating_mul(1_i64 << exponent)
            .min(self.max_retry_seconds)
    }
}

/// Before an unsure job is sent again: did an earlier attempt arrive?
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookUp<Receipt> {
    /// It did; this is the provider's receipt for it. Nothing is sent again.
    Arrived(Receipt),
    /// It did not; sending it is safe.
    NotThere,
    /// The provider cannot say now; sending could make a second one, so wait.
    CannotTell,
}

/// What one attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt<Receipt> {
    Accepted(Receipt),
    /// Refused for good, in the provider's words; not retried.
    Refused(String),
    /// Certainly never left (the breaker was open): retried blind.
    NotSent,
    /// May have arrived (a timeout, a reset, a 5xx): unsure from `sent_at`.
    Unanswered {
        sent_at: i64,
    },
    /// A recurring job did its round; it runs again after this long.
    Again(Duration),
    /// Nothing is left to hand off (its subject was settled elsewhere, or deleted).
    Gone,
}

/// A job's final outcome, for the service's own records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled<Receipt> {
    Accepted(Receipt),
    Refused(String),
}

/// What a service plugs into the queue for one kind of job.
#[async_trait::async_trait]
pub trait Handoff: Send + Sync {
    /// What the provider gives back for an accepted hand-off.
    type Receipt: Send + Sync;

    /// The kind of job this handles.
    fn kind(&self) -> &'static str;

    /// Asked before an unsure job is sent again.
    async fn look_up(&self, job: &Job) -> LookUp<Self::Receipt>;

    /// One attempt at the hand-off.
    async fn deliver(&self, job: &Job) -> Attempt<Self::Receipt>;

    /// Records a final outcome in the service's own tables, in the transaction that
    /// closes the job, so the two happen together or not at all. Must be idempotent: a
    /// lease that ran out mid-attempt lets another worker settle the same subject.
    async fn settle(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        job: &Job,
        outcome: Settled<Self::Receipt>,
    ) -> Result<(), StorageError>;
}

/// What one step of a worker did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The provider accepted it now.
    Delivered,
    /// An earlier, unanswered attempt had arrived: found there, not sent again.
    FoundAtProvider,
    /// Refused for good.
    Refused,
    /// It will be tried again later.
    Retrying { unsure: bool },
    /// A recurring job did its round.
    Rescheduled,
    /// Its subject needed nothing more; the job is closed.
    Gone,
    /// The attempt outlived its lease and another worker holds the job now; what this one
    /// learnt is dropped (the other looks the job up before sending it again).
    LeaseLost,
}

/// How deep one kind's queue is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Depth {
    pub kind: String,
    /// Jobs not yet settled.
    pub waiting: i64,
    /// The age of the oldest of them, in seconds.
    pub oldest_seconds: Option<i64>,
}

/// One provider's jobs of a kind, as the console shows them: what is due (late, if it
/// stays) apart from what is scheduled for later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backlog {
    pub due: i64,
    pub scheduled: i64,
    /// How long the job due longest has been due.
    pub due_for_seconds: Option<i64>,
}

#[derive(Clone)]
pub struct Jobs {
    storage: Storage,
}

impl Jobs {
    pub fn new(storage: Storage) -> Jobs {
        Jobs { storage }
    }

    /// Commits a job outside any other transaction (a recurring job at start-up). `false`
    /// when a job with its key already exists.
    pub async fn enqueue(&self, job: &NewJob<'_>) -> Result<bool, StorageError> {
        let mut tx = self.storage.begin().await?;
        let added = enqueue(&mut tx, job).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Claims the most overdue job of `kind` for `provider`, leasing it for
    /// `lease_seconds`.
    ///
    /// A read finds the due job, so an idle queue costs no write (on SQLite every write
    /// takes the one write lock). Then one conditional UPDATE leases it only if its lease is
    /// still free: on Postgres a second worker that raced for the same row waits for the
    /// first's commit, re-checks the condition and finds the lease taken; SQLite runs one
    /// writer at a time. So two processes never hold the same job, and no engine-specific
    /// `SKIP LOCKED` is needed. The loser of a race looks again.
    ///
    /// Every attempt clears its lease when it ends, so a lease found still set has run out:
    /// its worker died mid-attempt, and the claim marks the job unsure.
    pub async fn claim(
        &self,
        kind: &str,
        provider: &str,
        lease_seconds: i64,
    ) -> Result<Option<Job>, StorageError> {
        const RACES: usize = 8;
        for _ in 0..RACES {
            let now = self.storage.clock().seconds();
            let due = sqlx::query(
                "SELECT id FROM jobs \
                 WHERE kind = $1 AND provider = $2 AND settled_at IS NULL \
                   AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3) \
                 ORDER BY next_attempt_at, id LIMIT 1",
            )
            .bind(kind)
            .bind(provider)
            .bind(now)
            .fetch_optional(self.storage.pool())
            .await?;
            let Some(due) = due else { return Ok(None) };
            let id: String = due.try_get("id")?;
            let row = sqlx::query(
                "UPDATE jobs SET claimed_until = $1, attempts = attempts + 1, \
                   unsure_since = CASE WHEN claimed_until IS NOT NULL \
                     THEN COALESCE(unsure_since, created_at) ELSE unsure_since END \
                 WHERE id = $2 AND settled_at IS NULL AND next_attempt_at <= $3 \
                   AND (claimed_until IS NULL OR claimed_until < $3) \
                 RETURNING id, kind, subject, provider, attempts, created_at, unsure_since",
            )
            .bind(now + lease_seconds)
            .bind(&id)
            .bind(now)
            .fetch_optional(self.storage.pool())
            .await?;
            if let Some(row) = row {
                return Ok(Some(Job {
                    id: row.try_get("id")?,
                    kind: row.try_get("kind")?,
                    subject: row.try_get("subject")?,
                    provider: row.try_get("provider")?,
                    attempts: row.try_get("attempts")?,
                    created_at: row.try_get("created_at")?,
                    unsure_since: row.try_get("unsure_since")?,
                    lease_until: now + lease_seconds,
                }));
            }
        }
        Ok(None)
    }

    /// Records a final outcome (none for `None`) and closes the job, in one transaction, if
    /// the lease is still ours. `false`: it was not, and nothing was written.
    async fn settle<H: Handoff + ?Sized>(
        &self,
        handoff: &H,
        job: &Job,
        outcome: Option<Settled<H::Receipt>>,
    ) -> Result<bool, StorageError> {
        let mut tx = self.storage.begin().await?;
        let closed = sqlx::query(
            "UPDATE jobs SET settled_at = $1, claimed_until = NULL \
             WHERE id = $2 AND claimed_until = $3",
        )
        .bind(self.storage.clock().seconds())
        .bind(&job.id)
        .bind(job.lease_until)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if closed == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(outcome) = outcome {
            handoff.settle(&mut tx, job, outcome).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Puts a job back for later, if the lease is still ours; `unsure_since` when this
    /// attempt may have arrived.
    async fn retry_later(
        &self,
        job: &Job,
        delay_seconds: i64,
        unsure_since: Option<i64>,
    ) -> Result<bool, StorageError> {
        let released = sqlx::query(
            "UPDATE jobs SET next_attempt_at = $1, claimed_until = NULL, \
               unsure_since = COALESCE(unsure_since, $2) WHERE id = $3 AND claimed_until = $4",
        )
        .bind(self.storage.clock().seconds() + delay_seconds)
        .bind(unsure_since)
        .bind(&job.id)
        .bind(job.lease_until)
        .execute(self.storage.pool())
        .await?
        .rows_affected();
        Ok(released == 1)
    }

    /// Schedules a recurring job's next round, as if new, if the lease is still ours.
    async fn run_again(&self, job: &Job, after: Duration) -> Result<bool, StorageError> {
        let after = i64::try_from(after.as_secs()).unwrap_or(i64::MAX / 2);
        let released = sqlx::query(
            "UPDATE jobs SET next_attempt_at = $1, claimed_until = NULL, attempts = 0, \
               unsure_since = NULL WHERE id = $2 AND claimed_until = $3",
        )
        .bind(self.storage.clock().seconds().saturating_add(after))
        .bind(&job.id)
        .bind(job.lease_until)
        .execute(self.storage.pool())
        .await?
        .rows_affected();
        Ok(released == 1)
    }

    /// Claims the next due job of `handoff`'s kind for `provider` and takes one step with
    /// it. `Ok(None)`: nothing was due.
    pub async fn step<H: Handoff + ?Sized>(
        &self,
        handoff: &H,
        provider: &str,
        policy: &RetryPolicy,
    ) -> Result<Option<(Job, Step)>, StorageError> {
        let Some(job) = self
            .claim(handoff.kind(), provider, policy.lease_seconds)
            .await?
        else {
            return Ok(None);
        };
        let step = self.attempt(handoff, &job, policy).await?;
        match &step {
            Step::Retrying { unsure } => {
                tracing::warn!(kind = %job.kind, subject = %job.subject, attempts = job.attempts, unsure, "job will be retried");
            }
            Step::Rescheduled => {}
            Step::LeaseLost => {
                tracing::warn!(kind = %job.kind, subject = %job.subject, "job outlived its lease; the worker holding it now finishes it");
            }
            step => {
                tracing::info!(kind = %job.kind, subject = %job.subject, ?step, "job settled");
            }
        }
        Ok(Some((job, step)))
    }

    async fn attempt<H: Handoff + ?Sized>(
        &self,
        handoff: &H,
        job: &Job,
        policy: &RetryPolicy,
    ) -> Result<Step, StorageError> {
        let retry = policy.backoff(job.attempts);
        // Each outcome is written only while the lease is ours.
        let kept = |kept_lease: bool, step: Step| {
            if kept_lease {
                step
            } else {
                Step::LeaseLost
            }
        };
        if job.unsure_since.is_some() {
            match handoff.look_up(job).await {
                LookUp::Arrived(receipt) => {
                    let kept_lease = self
                        .settle(handoff, job, Some(Settled::Accepted(receipt)))
                        .await?;
                    return Ok(kept(kept_lease, Step::FoundAtProvider));
                }
                LookUp::NotThere => {}
                LookUp::CannotTell => {
                    let kept_lease = self.retry_later(job, retry, None).await?;
                    return Ok(kept(kept_lease, Step::Retrying { unsure: true }));
                }
            }
        }
        Ok(match handoff.deliver(job).await {
            Attempt::Accepted(receipt) => kept(
                self.settle(handoff, job, Some(Settled::Accepted(receipt)))
                    .await?,
                Step::Delivered,
            ),
            Attempt::Refused(message) => kept(
                self.settle(handoff, job, Some(Settled::Refused(message)))
                    .await?,
                Step::Refused,
            ),
            Attempt::NotSent => kept(
                self.retry_later(job, retry, None).await?,
                Step::Retrying {
                    unsure: job.unsure_since.is_some(),
                },
            ),
            Attempt::Unanswered { sent_at } => kept(
                self.retry_later(job, retry, Some(sent_at)).await?,
                Step::Retrying { unsure: true },
            ),
            Attempt::Again(after) => kept(self.run_again(job, after).await?, Step::Rescheduled),
            Attempt::Gone => kept(self.settle(handoff, job, None).await?, Step::Gone),
        })
    }

    /// Makes the waiting job of `kind` about `subject` due now (a provider's notification
    /// says there is news: the job asks). `false` when no such job waits.
    pub async fn hurry(&self, kind: &str, subject: &str) -> Result<bool, StorageError> {
        let now = self.storage.clock().seconds();
        let hurried = sqlx::query(
            "UPDATE jobs SET next_attempt_at = $1 \
             WHERE kind = $2 AND subject = $3 AND settled_at IS NULL AND next_attempt_at > $1",
        )
        .bind(now)
        .bind(kind)
        .bind(subject)
        .execute(self.storage.pool())
        .await?
        .rows_affected();
        Ok(hurried > 0)
    }

    /// Forgets one-off jobs settled more than `keep_seconds` ago; returns how many. What a
    /// job handed off is recorded by its service; the job itself only guards the hand-off,
    /// and a settled one guards nothing. Its idempotency key is free again once it is
    /// forgotten: a repeat is refused by the service's own record (a report's, an order's),
    /// never by an old job. A batch at a time, so a large backlog never holds the
    /// database's write lock for long.
    pub async fn purge_settled(&self, keep_seconds: i64) -> Result<u64, StorageError> {
        let before = self.storage.clock().seconds() - keep_seconds;
        let deleted = sqlx::query(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE recurring = 0 \
               AND settled_at IS NOT NULL AND settled_at < $1 ORDER BY settled_at LIMIT $2)",
        )
        .bind(before)
        .bind(PURGE_BATCH)
        .execute(self.storage.pool())
        .await?;
        Ok(deleted.rows_affected())
    }

    /// Waiting jobs of one kind for one provider, and the age of the oldest (recurring
    /// jobs not counted).
    pub async fn depth_of(&self, kind: &str, provider: &str) -> Result<Backlog, StorageError> {
        // Due is what a worker should have taken by now (on the portal's clock, as `due_at`
        // is), and what failed and waits to be tried again; the rest waits for its first
        // time (a reminder, a follow-up).
        let now = self.storage.clock().seconds();
        let row = sqlx::query(
            "SELECT SUM(CASE WHEN next_attempt_at <= $3 OR attempts > 0 THEN 1 ELSE 0 END) AS due, \
               SUM(CASE WHEN next_attempt_at > $3 AND attempts = 0 THEN 1 ELSE 0 END) AS scheduled, \
               MIN(CASE WHEN next_attempt_at <= $3 THEN next_attempt_at END) AS first_due \
             FROM jobs \
             WHERE kind = $1 AND provider = $2 AND settled_at IS NULL AND recurring = 0",
        )
        .bind(kind)
        .bind(provider)
        .bind(now)
        .fetch_one(self.storage.pool())
        .await?;
        Ok(Backlog {
            due: row.try_get::<Option<i64>, _>("due")?.unwrap_or(0),
            scheduled: row.try_get::<Option<i64>, _>("scheduled")?.unwrap_or(0),
            due_for_seconds: row
                .try_get::<Option<i64>, _>("first_due")?
                .map(|first| (now - first).max(0)),
        })
    }

    /// Every kind's waiting jobs and the age of the oldest, for `/metrics`. Recurring jobs
    /// never settle, so they are not counted.
    pub async fn depths(&self) -> Result<Vec<Depth>, StorageError> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS waiting, MIN(created_at) AS oldest FROM jobs \
             WHERE settled_at IS NULL AND recurring = 0 GROUP BY kind ORDER BY kind",
        )
        .fetch_all(self.storage.pool())
        .await?;
        // `created_at` is the world's time (see `enqueue`).
        let now = jiff::Timestamp::now().as_second();
        rows.iter()
            .map(|row| {
                Ok(Depth {
                    kind: row.try_get("kind")?,
                    waiting: row.try_get("waiting")?,
                    oldest_seconds: row
                        .try_get::<Option<i64>, _>("oldest")?
                        .map(|oldest| (now - oldest).max(0)),
                })
            })
            .collect()
    }
}

/// Commits a job inside the caller's transaction, so the job exists exactly when its
/// subject does. `false` when a job with its key already exists.
pub async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &NewJob<'_>,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO jobs (id, kind, subject, provider, idempotency_key, recurring, attempts, \
           next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(job.kind)
    .bind(job.subject)
    .bind(job.provider)
    .bind(job.idempotency_key)
    .bind(i64::from(job.recurring))
    .bind(job.due_at)
    // A record of when it was queued, on the system's clock (inside any caller's
    // transaction): what is due goes by `due_at`, which the caller takes from the portal's.
    .bind(jiff::Timestamp::now().as_second())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(added == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1), 5);
        assert_eq!(policy.backoff(2), 10);
        assert_eq!(policy.backoff(4), 40);
        assert_eq!(policy.backoff(30), 300);
    }
}
