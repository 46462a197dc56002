//! The background work on reports, as jobs of the shared queue: per desk, one worker
//! delivers what is due (`delivery`), and one runs the desk's recurring poll job, which
//! resolves tokens and asks for statuses. Followers are told in the transactions that
//! record a refusal or a status (`followers`). Every job is claimed with a conditional
//! UPDATE, so any number of processes may run them on one database.

use std::{sync::Arc, time::Duration};

use model::i18n::Locale;

use super::{
    delivery::{deliver_next, DeliveryPolicy, Enrichment},
    desks::Desk,
    IncidentReports,
};
use portal_core::{
    jobs::{
        worker::{work_round, Stopping, Workers},
        Attempt, Handoff, Job, LookUp, NewJob, Settled,
    },
    storage::StorageError,
};

/// The job kind of a desk's recurring round of token resolution and status polling.
pub const POLL: &str = "report.poll";

#[derive(Clone, Debug)]
pub struct WorkerSettings {
    pub policy: DeliveryPolicy,
    /// How often an open request's status is asked.
    pub poll_every: Duration,
    /// The pause between rounds when nothing is due.
    pub idle: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            policy: DeliveryPolicy::default(),
            poll_every: Duration::from_secs(60),
            idle: Duration::from_secs(1),
        }
    }
}

/// Commits each desk's poll job (once, whatever the number of processes) and starts two
/// workers per desk: deliveries and polls. They run until `workers` is stopped.
pub async fn spawn(
    reports: Arc<IncidentReports>,
    public_url: url::Url,
    settings: WorkerSettings,
    workers: &Workers,
) -> Result<(), StorageError> {
    let desks: Vec<String> = reports
        .desks
        .all()
        .map(|(_, desk)| desk.provider_id.clone())
        .collect();
    for desk_id in desks {
        reports
            .portal
            .jobs
            .enqueue(&NewJob {
                kind: POLL,
                subject: &desk_id,
                provider: &desk_id,
                idempotency_key: &format!("{POLL}:{desk_id}"),
                due_at: reports.portal.clock().seconds(),
                recurring: true,
            })
            .await?;
        let (deliveries, url, policy) = (Arc::clone(&reports), public_url.clone(), settings.policy);
        let (desk, stopping) = (desk_id.clone(), workers.stopping());
        workers.spawn(settings.idle, move || {
            let (reports, url, desk, stopping) = (
                Arc::clone(&deliveries),
                url.clone(),
                desk.clone(),
                stopping.clone(),
            );
            async move { deliver_round(&reports, &url, &policy, &desk, &stopping).await }
        });
        let (polls, settings) = (Arc::clone(&reports), settings.clone());
        workers.spawn(settings.idle, move || {
            let (reports, settings, desk) = (Arc::clone(&polls), settings.clone(), desk_id.clone());
            async move { poll_round(&reports, &settings, &desk).await }
        });
    }
    Ok(())
}

/// Delivers a batch of `desk_id`'s due reports; `true` when it delivered something (more
/// may be due). A batch at a time, so one desk's backlog does not hold its worker forever.
pub async fn deliver_round(
    reports: &IncidentReports,
    public_url: &url::Url,
    policy: &DeliveryPolicy,
    desk_id: &str,
    stopping: &Stopping,
) -> bool {
    let Some(desk) = reports.desks.get(desk_id) else {
        return false;
    };
    let enrichment = Enrichment {
        public_url,
        privacy: &reports.portal.privacy,
    };
    let (jobs, store, adapter) = (&reports.portal.jobs, &reports.store, desk.adapter.as_ref());
    let enrichment = &enrichment;
    work_round(stopping, "report delivery", desk_id, || async move {
        Ok(
            deliver_next(jobs, store, desk_id, adapter, policy, enrichment)
                .await?
                .is_some(),
        )
    })
    .await
}

/// Runs `desk_id`'s poll job when it is due; `false` (nothing more to do now) either way.
pub async fn poll_round(
    reports: &IncidentReports,
    settings: &WorkerSettings,
    desk_id: &str,
) -> bool {
    let Some(desk) = reports.desks.get(desk_id) else {
        return false;
    };
    let polling = DeskPolling {
        reports,
        desk,
        settings,
    };
    if let Err(error) = reports
        .portal
        .jobs
        .step(&polling, desk_id, &settings.policy.retry)
        .await
    {
        tracing::error!(%error, desk = desk_id, "report polling failed on storage");
    }
    false
}

/// A desk's recurring round: its categories kept fresh in the cache (so the form has them
/// when the desk fails), its tokens resolved, its open requests' statuses asked.
struct DeskPolling<'a> {
    reports: &'a IncidentReports,
    desk: &'a Desk,
    settings: &'a WorkerSettings,
}

#[async_trait::async_trait]
impl Handoff for DeskPolling<'_> {
    type Receipt = ();

    fn kind(&self) -> &'static str {
        POLL
    }

    /// A poll only reads from the desk: running it twice is harmless.
    async fn look_up(&self, _job: &Job) -> LookUp<()> {
        LookUp::NotThere
    }

    async fn deliver(&self, _job: &Job) -> Attempt<()> {
        let (reports, desk) = (self.reports, self.desk);
        let desk_id = desk.provider_id.as_str();
        for locale in [Locale::ZhCn, Locale::En] {
            reports.catalogue.desk_categories(desk, locale.tag()).await;
        }
        if let Err(error) = reports
            .store
            .resolve_tokens(desk_id, desk.adapter.as_ref())
            .await
        {
            tracing::error!(%error, desk = desk_id, "token resolution failed on storage");
        }
        let every = i64::try_from(self.settings.poll_every.as_secs()).unwrap_or(i64::MAX);
        match reports
            .store
            .poll_statuses(desk_id, desk.adapter.as_ref(), every)
            .await
        {
            Ok(changes) => {
                for change in changes {
                    tracing::info!(report = %change.reference, status = change.status.id(), "desk status recorded");
                }
            }
            Err(error) => {
                tracing::error!(%error, desk = desk_id, "status polling failed on storage");
            }
        }
        Attempt::Again(self.settings.idle)
    }

    async fn settle(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        _job: &Job,
        _outcome: Settled<()>,
    ) -> Result<(), StorageError> {
        Ok(())
    }
}
