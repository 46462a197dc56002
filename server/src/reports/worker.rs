//! The background work on reports: one task per desk delivers what is due, resolves
//! tokens and polls statuses, then tells the reports' followers what changed. Every step
//! takes its rows with a conditional UPDATE, so any number of processes may run it on one
//! database.

use std::{sync::Arc, time::Duration};

use app::i18n::{t_args, Locale};

use crate::{
    backend::Portal,
    reports::{
        delivery::{deliver_next, DeliveryPolicy, Enrichment, Step},
        status::StatusChange,
    },
};

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

/// Starts one task per desk; they run until the runtime stops.
pub fn spawn(portal: Arc<Portal>, public_url: url::Url, settings: WorkerSettings) {
    let desks: Vec<String> = portal
        .providers
        .desks()
        .map(|(_, desk)| desk.provider_id.clone())
        .collect();
    for desk_id in desks {
        let (portal, public_url, settings) =
            (Arc::clone(&portal), public_url.clone(), settings.clone());
        tokio::spawn(async move {
            loop {
                let busy = round(&portal, &public_url, &settings, &desk_id).await;
                if !busy {
                    tokio::time::sleep(settings.idle).await;
                }
            }
        });
    }
}

/// One round for one desk; `true` when it delivered something (more may be due).
pub async fn round(
    portal: &Portal,
    public_url: &url::Url,
    settings: &WorkerSettings,
    desk_id: &str,
) -> bool {
    let Some((_, desk)) = portal
        .providers
        .desks()
        .find(|(_, d)| d.provider_id == desk_id)
    else {
        return false;
    };
    let enrichment = Enrichment {
        public_url,
        privacy: &portal.privacy,
    };
    // Keeps the desk's categories fresh in the cache, so the form has them when it fails.
    for locale in [Locale::ZhCn, Locale::En] {
        portal
            .reports_catalogue
            .desk_categories(desk, locale.tag())
            .await;
    }
    let mut busy = false;
    // A batch at a time, so tokens and statuses get their turn during a backlog.
    for _ in 0..50 {
        match deliver_next(
            &portal.reports,
            desk_id,
            desk.adapter.as_ref(),
            &settings.policy,
            &enrichment,
        )
        .await
        {
            Ok(Some((report_id, step))) => {
                busy = true;
                if step == Step::Refused {
                    tell_refused(portal, &report_id).await;
                }
            }
            Ok(None) => break,
            Err(error) => {
                tracing::error!(%error, desk = desk_id, "report delivery failed on storage");
                return false;
            }
        }
    }
    if let Err(error) = portal
        .reports
        .resolve_tokens(desk_id, desk.adapter.as_ref())
        .await
    {
        tracing::error!(%error, desk = desk_id, "token resolution failed on storage");
    }
    let every = i64::try_from(settings.poll_every.as_secs()).unwrap_or(i64::MAX);
    match portal
        .reports
        .poll_statuses(desk_id, desk.adapter.as_ref(), every)
        .await
    {
        Ok(changes) => {
            for change in changes {
                tell_status(portal, &change).await;
            }
        }
        Err(error) => tracing::error!(%error, desk = desk_id, "status polling failed on storage"),
    }
    busy
}

async fn tell_followers(
    portal: &Portal,
    report_id: &str,
    desk_id: &str,
    city_id: &str,
    title: &str,
    body: &str,
) {
    let followers = match portal.reports.followers(report_id).await {
        Ok(followers) => followers,
        Err(error) => {
            tracing::error!(%error, "report followers unreadable");
            return;
        }
    };
    for resident in followers {
        if let Err(error) = portal
            .inbox
            .deliver(&resident, Some(desk_id), Some(city_id), title, body)
            .await
        {
            tracing::error!(%error, "report message not stored");
        }
    }
}

async fn tell_status(portal: &Portal, change: &StatusChange) {
    let locale = Locale::from_tag(&change.locale).unwrap_or_default();
    let key = match change.status {
        crate::providers::incidents::DeskStatus::Open => "report-message-open",
        crate::providers::incidents::DeskStatus::Closed => "report-message-closed",
    };
    let args = [("reference", change.reference.clone().into())];
    let title = t_args(locale, &format!("{key}-title"), &args);
    let notes = change.notes.clone().unwrap_or_default();
    let body = t_args(
        locale,
        &format!("{key}-body"),
        &[
            ("reference", change.reference.clone().into()),
            ("notes", notes.into()),
        ],
    );
    tell_followers(
        portal,
        &change.report_id,
        &change.desk_id,
        &change.city_id,
        &title,
        &body,
    )
    .await;
}

async fn tell_refused(portal: &Portal, report_id: &str) {
    let record = match portal.reports.by_id(report_id).await {
        Ok(Some(record)) => record,
        Ok(None) => return,
        Err(error) => {
            tracing::error!(%error, "refused report unreadable");
            return;
        }
    };
    let Some(resident) = &record.filed.resident_id else {
        return;
    };
    let locale = Locale::from_tag(&record.filed.locale).unwrap_or_default();
    let message = match &record.state {
        crate::reports::ReportState::Refused { message } => message.clone(),
        _ => String::new(),
    };
    let title = t_args(
        locale,
        "report-message-refused-title",
        &[("reference", record.reference.clone().into())],
    );
    let body = t_args(
        locale,
        "report-message-refused-body",
        &[
            ("reference", record.reference.clone().into()),
            ("message", message.into()),
        ],
    );
    if let Err(error) = portal
        .inbox
        .deliver(
            resident,
            Some(&record.filed.desk_id),
            Some(&record.filed.city_id),
            &title,
            &body,
        )
        .await
    {
        tracing::error!(%error, "report message not stored");
    }
}
