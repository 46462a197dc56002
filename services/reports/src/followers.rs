//! What a report's followers are told, written in the transaction that records what it
//! tells of: a process stopped right after the commit still leaves the message, and anyone
//! who sees the report's new state finds the message beside it.

use model::i18n::{t_args, Locale};
use portal_core::{inbox::Inbox, storage::StorageError};
use sqlx::Row;

use super::port::DeskStatus;

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The report a message is about, read from its row.
pub(crate) struct About {
    pub report_id: String,
    pub reference: String,
    pub city_id: String,
    pub desk_id: String,
    /// The language the report was filed in, which its messages are written in.
    pub locale: Locale,
}

impl About {
    /// From a row with the report's `reference`, `city_id`, `desk_id` and `locale`.
    pub(crate) fn from_row(report_id: &str, row: &sqlx::any::AnyRow) -> Result<About, sqlx::Error> {
        let locale: String = row.try_get("locale")?;
        Ok(About {
            report_id: report_id.to_owned(),
            reference: row.try_get("reference")?,
            city_id: row.try_get("city_id")?,
            desk_id: row.try_get("desk_id")?,
            locale: Locale::from_tag(&locale).unwrap_or_default(),
        })
    }
}

/// Tells the report's resident and everyone who said "me too" of the desk's new status.
pub(crate) async fn tell_status_in(
    tx: &mut Tx,
    about: &About,
    status: DeskStatus,
    notes: Option<&str>,
) -> Result<(), StorageError> {
    let key = match status {
        DeskStatus::Open => "report-message-open",
        DeskStatus::Closed => "report-message-closed",
    };
    let title = t_args(
        about.locale,
        &format!("{key}-title"),
        &[("reference", about.reference.clone().into())],
    );
    let body = t_args(
        about.locale,
        &format!("{key}-body"),
        &[
            ("reference", about.reference.clone().into()),
            ("notes", notes.unwrap_or_default().to_owned().into()),
        ],
    );
    for resident in followers_in(tx, &about.report_id).await? {
        deliver_in(tx, &resident, about, &title, &body).await?;
    }
    Ok(())
}

/// Tells the report's own resident (a refused report is never public, so it has no other
/// followers) that the desk did not accept it, and why.
pub(crate) async fn tell_refused_in(
    tx: &mut Tx,
    about: &About,
    resident: &str,
    message: &str,
) -> Result<(), StorageError> {
    let title = t_args(
        about.locale,
        "report-message-refused-title",
        &[("reference", about.reference.clone().into())],
    );
    let body = t_args(
        about.locale,
        "report-message-refused-body",
        &[
            ("reference", about.reference.clone().into()),
            ("message", message.to_owned().into()),
        ],
    );
    deliver_in(tx, resident, about, &title, &body).await
}

async fn deliver_in(
    tx: &mut Tx,
    resident: &str,
    about: &About,
    title: &str,
    body: &str,
) -> Result<(), StorageError> {
    let (desk, city) = (Some(about.desk_id.as_str()), Some(about.city_id.as_str()));
    Inbox::deliver_in(tx, resident, desk, city, title, body).await?;
    Ok(())
}

/// The report's own resident and those who said "me too".
async fn followers_in(tx: &mut Tx, report_id: &str) -> Result<Vec<String>, StorageError> {
    let rows = sqlx::query(
        "SELECT resident_id FROM reports WHERE id = $1 AND resident_id IS NOT NULL \
         UNION SELECT resident_id FROM report_supporters \
           WHERE report_id = $1 AND resident_id IS NOT NULL",
    )
    .bind(report_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("resident_id"))
        .collect::<Result<_, _>>()?)
}
