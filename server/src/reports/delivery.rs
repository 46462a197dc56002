//! Delivery of committed reports to their desk: one claimed report per step, with retries
//! and backoff while the desk is down or failing, and a final state when it refuses.
//!
//! **Exactly one request per report.** Open311 has no idempotency key, so the portal writes
//! the report's reference (`Ref: CP-…`) into the description it sends. Any attempt that may
//! have reached the desk without an answer (a timeout, a reset connection, a 5xx after the
//! desk stored it) marks the report "unsure". Before an unsure report is sent again, the
//! desk's recent requests of that category are searched for the reference; if the desk has
//! it, that request is the report's and nothing is sent. Only an attempt that certainly
//! never left (the breaker was open) is retried blind. The claim in `Reports::claim_due`
//! keeps two workers from holding one report at once.

use app::model::ServiceKind;

use crate::{
    backend::personal_fields,
    privacy::{PersonalField, Privacy},
    providers::{
        incidents::{Accepted, IncidentDesk, NewReport},
        ProviderError,
    },
    reports::{Claimed, ReportState, Reports},
    storage::StorageError,
};

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
    /// A worker's hold on a report; longer than any desk call may take.
    pub lease_seconds: i64,
    /// The first retry waits this long, doubling up to `max_retry_seconds`.
    pub first_retry_seconds: i64,
    pub max_retry_seconds: i64,
    /// How far before the unsure attempt to look among the desk's requests.
    pub lookback_seconds: i64,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            lease_seconds: 120,
            first_retry_seconds: 5,
            max_retry_seconds: 300,
            lookback_seconds: 300,
        }
    }
}

impl DeliveryPolicy {
    fn backoff(&self, attempts: i64) -> i64 {
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
        self.first_retry_seconds
            .saturating_mul(1_i64 << exponent)
            .min(self.max_retry_seconds)
    }
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The desk accepted it now.
    Delivered,
    /// An earlier, unanswered attempt had reached the desk: found there, not sent again.
    FoundAtDesk,
    /// The desk refused it; the resident is told why, and it is not retried.
    Refused,
    /// It will be tried again later.
    Retrying { unsure: bool },
}

/// The description as sent: the resident's words, then the reference.
pub fn with_reference(description: &str, reference: &str) -> String {
    format!("{}\n\nRef: {reference}", description.trim_end())
}

/// Delivers the most overdue report of `desk_id`, if any is due. `Ok(None)`: nothing due.
pub async fn deliver_next(
    reports: &Reports,
    desk_id: &str,
    desk: &dyn IncidentDesk,
    policy: &DeliveryPolicy,
    enrichment: &Enrichment<'_>,
) -> Result<Option<(String, Step)>, StorageError> {
    let Some(claimed) = reports.claim_due(desk_id, policy.lease_seconds).await? else {
        return Ok(None);
    };
    let step = deliver(reports, &claimed, desk, policy, enrichment).await?;
    match &step {
        Step::Retrying { unsure } => {
            tracing::warn!(report = %claimed.reference, attempts = claimed.attempts, unsure, "report delivery will be retried");
        }
        step => tracing::info!(report = %claimed.reference, ?step, "report delivery settled"),
    }
    Ok(Some((claimed.id, step)))
}

/// The report as the desk gets it: the reference in the description, photo URLs, and the
/// resident's pseudonym and contact details only through a consented `Release`.
async fn outgoing(claimed: &Claimed, enrichment: &Enrichment<'_>) -> NewReport {
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
                personal_fields(ServiceKind::IncidentReports),
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

async fn deliver(
    reports: &Reports,
    claimed: &Claimed,
    desk: &dyn IncidentDesk,
    policy: &DeliveryPolicy,
    enrichment: &Enrichment<'_>,
) -> Result<Step, StorageError> {
    let retry = policy.backoff(claimed.attempts);
    if let Some(since) = claimed.unsure_since {
        let from = jiff::Timestamp::from_second(since - policy.lookback_seconds)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        match desk.recent(&claimed.report.category, from).await {
            Ok(requests) => {
                if let Some((id, _)) = requests
                    .into_iter()
                    .find(|(_, description)| description.contains(&claimed.reference))
                {
                    reports
                        .settle(
                            &claimed.id,
                            &ReportState::Delivered {
                                request_id: Some(id),
                                token: None,
                            },
                        )
                        .await?;
                    return Ok(Step::FoundAtDesk);
                }
            }
            Err(_) => {
                // Cannot tell yet; sending now could make a second request.
                reports.retry_later(claimed, retry, None).await?;
                return Ok(Step::Retrying { unsure: true });
            }
        }
    }
    let report = outgoing(claimed, enrichment).await;
    let sent_at = jiff::Timestamp::now().as_second();
    match desk.submit(&report).await {
        Ok(Accepted::Request { id, .. }) => {
            reports
                .settle(
                    &claimed.id,
                    &ReportState::Delivered {
                        request_id: Some(id),
                        token: None,
                    },
                )
                .await?;
            Ok(Step::Delivered)
        }
        Ok(Accepted::Token(token)) => {
            reports
                .settle(
                    &claimed.id,
                    &ReportState::Delivered {
                        request_id: None,
                        token: Some(token),
                    },
                )
                .await?;
            Ok(Step::Delivered)
        }
        Err(ProviderError::Refused { message, .. }) => {
            reports
                .settle(&claimed.id, &ReportState::Refused { message })
                .await?;
            Ok(Step::Refused)
        }
        Err(ProviderError::CircuitOpen) => {
            reports.retry_later(claimed, retry, None).await?;
            Ok(Step::Retrying {
                unsure: claimed.unsure_since.is_some(),
            })
        }
        Err(_) => {
            reports.retry_later(claimed, retry, Some(sent_at)).await?;
            Ok(Step::Retrying { unsure: true })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = DeliveryPolicy::default();
        assert_eq!(policy.backoff(1), 5);
        assert_eq!(policy.backoff(2), 10);
        assert_eq!(policy.backoff(4), 40);
        assert_eq!(policy.backoff(30), 300);
    }
}
