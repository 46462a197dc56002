//! Reports filed from this browser without an account, so that they are not lost when the
//! resident signs up or in: each one's private link (its tracking token) is kept in an
//! HttpOnly cookie of this browser, at most [`MAX_KEPT`]. Signed in, "My reports" offers to
//! add them to the account (it is the resident's choice: they then get its messages), or to
//! forget them on this browser. A token is the report's private link itself, so the cookie
//! gives no one more than the link did; a report another account already holds is never
//! taken.

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
    secrets::token_hash,
    storage::StorageError,
    web::{
        error::Failure,
        forms::{resident_of, see_other, see_other_with_cookies},
    },
};

use super::{IncidentReports, ReportRecord, Reports};

pub use model::reports::{FILED_HERE_COOKIE as COOKIE, MAX_FILED_HERE as MAX_KEPT};

/// Kept for 90 days: long enough to sign up after filing, not for ever on a shared phone.
const KEPT_SECONDS: u32 = 90 * 24 * 3600;

/// The tokens in a request's `Cookie` headers (at most [`MAX_KEPT`], each well-formed).
pub fn tokens_in(headers: &HeaderMap) -> Vec<String> {
    let cookies: Vec<&str> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    model::reports::tokens_filed_here(Some(&cookies.join("; ")))
}

/// `Set-Cookie` keeping `token` with those already kept (newest first).
pub fn keeping(headers: &HeaderMap, token: &str) -> String {
    let mut kept = vec![token.to_owned()];
    kept.extend(
        tokens_in(headers)
            .into_iter()
            .filter(|t| t != token)
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
    /// The reports these tokens open that no account holds yet.
    pub async fn unclaimed(&self, tokens: &[String]) -> Result<Vec<ReportRecord>, StorageError> {
        let mut found = Vec::new();
        for token in tokens.iter().take(MAX_KEPT) {
            if let Some(report) = self.by_tracking_token(token).await? {
                if report.filed.resident_id.is_none() {
                    found.push(report);
                }
            }
        }
        Ok(found)
    }

    /// Gives `resident` the reports these tokens open that no account holds yet; how many.
    pub async fn claim(&self, resident: &str, tokens: &[String]) -> Result<u64, StorageError> {
        let mut claimed = 0;
        for token in tokens.iter().take(MAX_KEPT) {
            claimed += sqlx::query(
                "UPDATE reports SET resident_id = $1 \
                 WHERE tracking_hash = $2 AND resident_id IS NULL",
            )
            .bind(resident)
            .bind(token_hash(token))
            .execute(self.storage.pool())
            .await?
            .rows_affected();
        }
        Ok(claimed)
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
        let headers = with_cookie("lang=en; filed_reports=abc_-1.bad!token..def; other=x");
        assert_eq!(tokens_in(&headers), ["abc_-1", "def"]);
        let many: Vec<String> = (0..15).map(|i| format!("t{i}")).collect();
        let headers = with_cookie(&format!("filed_reports={}", many.join(".")));
        let kept = keeping(&headers, "new");
        let value = kept
            .split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .map(|(_, v)| v.to_owned())
            .expect("a value");
        let tokens: Vec<&str> = value.split('.').collect();
        assert_eq!(tokens.len(), MAX_KEPT);
        assert_eq!(tokens[0], "new");
        assert!(!tokens.contains(&"t9"), "the oldest fell off");
    }
}
