//! Delivery of committed reports to their desk, as jobs of the shared queue (`jobs`): the
//! queue claims, retries with backoff and asks for a look-up when unsure; this file says how
//! a report is sent, looked up and settled.
//!
//! **Exactly one request per report.** Open311 has no idempotency key, so the portal writes
//! the report's reference (`Ref: CP-…`) into the description it sends. Any attempt that may
//! have reached the desk without an answer (a timeout, a reset connection, a 5xx after the
//! desk stored it) leaves the job "unsure". Before an unsure report is sent again, the
//! desk's recent requests of that category are searched for the reference; if the desk has
//! it, that request is the report's and nothing is sent. Only an attempt that certainly
//! never left (the breaker was open) is retried blind.

use model::ServiceKind;

use super::{
    port::{Accepted, IncidentDesk, NewReport},
    ReportState, Reports, Undelivered, SERVICE,
};
use portal_core::{
    jobs::{Attempt, Handoff, Job, Jobs, LookUp, RetryPolicy, Settled, Step},
    privacy::{PersonalField, Privacy},
    providers::ProviderError,
    storage::StorageError,
};

/// The job kind of a report's delivery to its desk.
pub const DELIVER: &str = "report.deliver";

/// What a delivery adds to the stored report: photo URLs, and contact details where the
/// resident agreed.
pub struct Enrichment<'a> {
    /// Where the portal is reachable, for the photos' URLs.
    pub public_url: &'a url::Url,
    pub privacy: &'a Privacy,
}

/// The public URL of a report photo (an unguessable id: a desk can fetch it, nobody can
/// list them).
pub fn photo_url(public_url: &url::Url, photo_id: &str) -> String {
    public_url
        .join(&format!("media/reports/{photo_id}.jpg"))
        .map_or_else(|_| String::new(), |u| u.to_string())
}

/// How deliveries are paced.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryPolicy {
    pub retry: RetryPolicy,
    /// How far before the unsure attempt to look among the desk's requests.
    pub lookback_seconds: i64,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            retry: RetryPolicy::default(),
            lookback_seconds: 300,
        }
    }
}

/// The description as sent: the resident's words, then the reference.
pub fn with_reference(description: &str, reference: &str) -> String {
    format!("{}\n\nRef: {reference}", description.trim_end())
}

/// Delivers the most overdue report of `desk_id`, if any is due: the report's id and what
/// the step did. `Ok(None)`: nothing due.
pub async fn deliver_next(
    jobs: &Jobs,
    reports: &Reports,
    desk_id: &str,
    desk: &dyn IncidentDesk,
    policy: &DeliveryPolicy,
    enrichment: &Enrichment<'_>,
) -> Result<Option<(String, Step)>, StorageError> {
    let delivery = ReportDelivery {
        reports,
        desk,
        lookback_seconds: policy.lookback_seconds,
        enrichment,
    };
    Ok(jobs
        .step(&delivery, desk_id, &policy.retry)
        .await?
        .map(|(job, step)| (job.subject, step)))
}

/// One desk's deliveries, as the queue's hand-off.
struct ReportDelivery<'a> {
    reports: &'a Reports,
    desk: &'a dyn IncidentDesk,
    lookback_seconds: i64,
    enrichment: &'a Enrichment<'a>,
}

/// What a desk answers for a report it took.
type DeskReceipt = ReportState;

#[async_trait::async_trait]
impl Handoff for ReportDelivery<'_> {
    type Receipt = DeskReceipt;

    fn kind(&self) -> &'static str {
        DELIVER
    }

    async fn look_up(&self, job: &Job) -> LookUp<DeskReceipt> {
        let report = match self.reports.undelivered(&job.subject).await {
            Ok(Some(report)) => report,
            // Settled meanwhile: `deliver` finds nothing to send and closes the job.
            Ok(None) => return LookUp::NotThere,
            Err(_) => return LookUp::CannotTell,
        };
        let since = job.unsure_since.unwrap_or(job.created_at);
        let from = jiff::Timestamp::from_second(since - self.lookback_seconds)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        match self.desk.recent(&report.report.category, from).await {
            Ok(requests) => match requests
                .into_iter()
                .find(|(_, description)| description.contains(&report.reference))
            {
                Some((id, _)) => LookUp::Arrived(ReportState::Delivered {
                    request_id: Some(id),
                    token: None,
                }),
                None => LookUp::NotThere,
            },
            Err(_) => LookUp::CannotTell,
        }
    }

    async fn deliver(&self, job: &Job) -> Attempt<DeskReceipt> {
        let report = match self.reports.undelivered(&job.subject).await {
            Ok(Some(report)) => outgoing(&report, self.enrichment).await,
            // Settled meanwhile, or deleted with its resident: nothing to send.
            Ok(None) => return Attempt::Gone,
            Err(error) => {
                tracing::error!(%error, report = %job.subject, "undelivered report unreadable");
                return Attempt::NotSent;
            }
        };
        // When the request left, in the world's time, as the provider's look-ups go by.
        let sent_at = jiff::Timestamp::now().as_second();
        match self.desk.submit(&report).await {
            Ok(Accepted::Request { id, .. }) => Attempt::Accepted(ReportState::Delivered {
                request_id: Some(id),
                token: None,
            }),
            Ok(Accepted::Token(token)) => Attempt::Accepted(ReportState::Delivered {
                request_id: None,
                token: Some(token),
            }),
            Err(ProviderError::Refused { message, .. }) => Attempt::Refused(message),
            Err(ProviderError::CircuitOpen) => Attempt::NotSent,
            Err(_) => Attempt::Unanswered { sent_at },
        }
    }

    async fn settle(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        job: &Job,
        outcome: Settled<DeskReceipt>,
    ) -> Result<(), StorageError> {
        let state = match outcome {
            Settled::Accepted(state) => state,
            Settled::Refused(message) => ReportState::Refused { message },
        };
        // Only a queued report changes: a second settle of the same report is a no-op.
        self.reports.settle_in(tx, &job.subject, &state).await
    }
}

/// The report as the desk gets it: the reference in the description, photo URLs, and the
/// resident's pseudonym and contact details only through a consented `Release`.
async fn outgoing(claimed: &Undelivered, enrichment: &Enrichment<'_>) -> NewReport {
    let mut report = claimed.report.clone();
    report.description = with_reference(&report.description, &claimed.reference);
    report.media_urls = claimed
        .photo_ids
        .iter()
        .map(|id| photo_url(enrichment.public_url, id))
        .collect();
    if let (true, Some(resident)) = (claimed.share_contact, &claimed.resident_id) {
        let purpose = format!("report {}", claimed.reference);
        match enrichment
            .privacy
            .release(
                resident,
                &claimed.desk_id,
                ServiceKind::IncidentReports.id(),
                SERVICE.personal_fields,
                &purpose,
            )
            .await
        {
            Ok(release) => {
                report.account_id = Some(release.pseudonym().to_owned());
                report.name = release.field(PersonalField::DisplayName).map(str::to_owned);
                report.phone = release.field(PersonalField::Phone).map(str::to_owned);
                report.email = release.field(PersonalField::Email).map(str::to_owned);
            }
            // Consent withdrawn since filing: the report goes, the contact does not.
            Err(error) => {
                tracing::info!(%error, report = %claimed.reference, "report sent without contact details");
            }
        }
    }
    report
}
