//! Reports filed from this browser without an account, so that they are not lost when the
//! resident signs up or in: each one's id and claim token (derived from the id with the
//! server's secret: not its private link, which a resident may share) are kept in an
//! HttpOnly cookie of this browser, at most [`MAX_KEPT`], for a week. Signed in, "My
//! reports" offers to add them to the account (it is the resident's choice: they then get
//! its messages), or to forget them on this browser; signing out forgets them too. A report
//! another account already holds is never taken.

use std::sync::Arc;

use axum::{
    extract::{FromRef, State},
    http::{header, HeaderMap},
    response::Response,
    routing::post,
    Extension, Router,
};
use model::account::Viewer;
use portal_core::{
    storage::StorageError,
    web::{
        error::Failure,
        forms::{resident_of, see_other, see_other_with_cookies},
    },
};

use super::{IncidentReports, ReportRecord, Reports};

pub use model::reports::{FILED_HERE_COOKIE as COOKIE, MAX_FILED_HERE as MAX_KEPT};

/// Kept for a week: long enough to sign up after filing, not for ever on a shared phone.
const KEPT_SECONDS: u32 = 7 * 24 * 3600;

/// The entries in a request's `Cookie` headers (at most [`MAX_KEPT`], each well-formed).
pub fn tokens_in(headers: &HeaderMap) -> Vec<String> {
    let cookies: Vec<&str> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    model::reports::tokens_filed_here(Some(&cookies.join("; ")))
}

/// `Set-Cookie` keeping the report `id` (with its claim token) with those already kept
/// (newest first).
pub fn keeping(headers: &HeaderMap, id: &str, claim_token: &str) -> String {
    let entry = format!("{id}:{claim_token}");
    let mut kept = vec![entry.clone()];
    kept.extend(
        tokens_in(headers)
            .into_iter()
            .filter(|t| *t != entry)
            .take(MAX_KEPT - 1),
    );
    format!(
        "{COOKIE}={}; Path=/; Max-Age={KEPT_SECONDS}; HttpOnly; Secure; SameSite=Lax",
        kept.join(".")
    )
}

/// `Set-Cookie` forgetting them all.
pub fn forgetting() -> String {
    format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

impl Reports {
    /// The reports of these entries (`{id}:{claim token}`) whose token is right and that no
    /// account holds yet.
    pub async fn unclaimed(&self, entries: &[String]) -> Result<Vec<ReportRecord>, StorageError> {
        let mut found = Vec::new();
        for id in self.claimable_ids(entries) {
            if let Some(report) = self.by_id(id).await? {
                if report.filed.resident_id.is_none() {
                    found.push(report);
                }
            }
        }
        Ok(found)
    }

    /// Gives `resident` the reports of these entries that no account holds yet; how many.
    pub async fn claim(&self, resident: &str, entries: &[String]) -> Result<u64, StorageError> {
        let mut claimed = 0;
        for id in self.claimable_ids(entries) {
            claimed += sqlx::query(
                "UPDATE reports SET resident_id = $1 WHERE id = $2 AND resident_id IS NULL",
            )
            .bind(resident)
            .bind(id)
            .execute(self.storage.pool())
            .await?
            .rows_affected();
        }
        Ok(claimed)
    }

    /// The ids whose claim token is the one this server gave for them.
    fn claimable_ids<'a>(&self, entries: &'a [String]) -> Vec<&'a str> {
        entries
            .iter()
            .take(MAX_KEPT)
            .filter_map(|entry| entry.split_once(':'))
            .filter(|(id, token)| {
                let expected = self.claim_token(id);
                // Compared whole, in constant time: a token is a secret.
                expected.len() == token.len()
                    && expected
                        .bytes()
                        .zip(token.bytes())
                        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                        == 0
            })
            .map(|(id, _)| id)
            .collect()
    }
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<IncidentReports>: FromRef<S>,
{
    Router::new()
        .route("/me/reports/claim", post(claim))
        .route("/me/reports/forget-here", post(forget))
}

/// `POST /me/reports/claim`: the reports filed from this browser join the account.
async fn claim(
    State(reports): State<Arc<IncidentReports>>,
    viewer: Option<Extension<Viewer>>,
    headers: HeaderMap,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return see_other("/signin?next=%2Fme%2Freports");
    };
    match reports
        .store
        .claim(resident.as_str(), &tokens_in(&headers))
        .await
    {
        Ok(claimed) => {
            tracing::info!(claimed, "reports filed from this browser joined an account");
            see_other_with_cookies("/me/reports?notice=reports-claimed", &[forgetting()])
        }
        Err(error) => Failure::of(&error).back_to("/me/reports", ""),
    }
}

/// `POST /me/reports/forget-here`: this browser forgets the reports filed from it.
async fn forget() -> Response {
    see_other_with_cookies("/me/reports?notice=reports-forgotten", &[forgetting()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, cookie.parse().expect("a header"));
        headers
    }

    #[test]
    fn only_well_formed_tokens_are_read_and_no_more_than_ten_kept() {
        let headers =
            with_cookie("lang=en; filed_reports=ab-12:tok_-1.ab:bad!token..cd:def.nocolon; x=y");
        assert_eq!(tokens_in(&headers), ["ab-12:tok_-1", "cd:def"]);
        let many: Vec<String> = (0..15).map(|i| format!("a{i}:t{i}")).collect();
        let headers = with_cookie(&format!("filed_reports={}", many.join(".")));
        let kept = keeping(&headers, "ff", "new");
        let value = kept
            .split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .map(|(_, v)| v.to_owned())
            .expect("a value");
        let tokens: Vec<&str> = value.split('.').collect();
        assert_eq!(tokens.len(), MAX_KEPT);
        assert_eq!(tokens[0], "ff:new");
        assert!(!tokens.contains(&"a9:t9"), "the oldest fell off");
    }
}
