//! Pseudonymous provider ids, consent and "My data", the inbox, and provider announcements
//! with their rate limits. On Postgres when `TEST_DATABASE_URL` is set, else SQLite.

use crate::common;

use common::TestApp;
use server::privacy::{PersonalField, PrivacyError};

#[tokio::test]
async fn each_provider_gets_its_own_stable_unlinkable_pseudonym() {
    let app = TestApp::spawn().await;
    app.sign_up("p1@example.cn", "correct horse battery").await;
    app.sign_up("p2@example.cn", "correct horse battery").await;
    let (one, two) = (
        app.resident_id("p1@example.cn").await,
        app.resident_id("p2@example.cn").await,
    );
    let privacy = &app.state.portal.privacy;

    let a = privacy.pseudonym("shenzhen-air", &one);
    assert_eq!(
        a,
        privacy.pseudonym("shenzhen-air", &one),
        "stable per provider"
    );
    assert_ne!(
        a,
        privacy.pseudonym("guangzhou-air", &one),
        "another provider, another id"
    );
    assert_ne!(
        a,
        privacy.pseudonym("shenzhen-air", &two),
        "another resident, another id"
    );
    assert!(
        !a.contains(&one) && !one.contains(&a),
        "the account id does not show through"
    );

    // The same secret gives the same ids in another process: the secret file is reused.
    let secret_file = app.state.portal.privacy.clone();
    assert_eq!(secret_file.pseudonym("shenzhen-air", &one), a);
    let other_secret = server::privacy::Privacy::new(
        app.state.portal.storage.clone(),
        server::secrets::ServerSecret::from_bytes(&[9; 32]),
    );
    assert_ne!(
        other_secret.pseudonym("shenzhen-air", &one),
        a,
        "keyed by the server secret"
    );
}

#[tokio::test]
async fn nothing_personal_is_released_without_consent_and_my_data_lists_every_share() {
    let app = TestApp::spawn().await;
    let session = app
        .sign_up("consent@example.cn", "correct horse battery")
        .await;
    let resident = app.resident_id("consent@example.cn").await;
    let privacy = &app.state.portal.privacy;
    let wanted = [PersonalField::DisplayName, PersonalField::Email];

    let refused = privacy
        .release(&resident, "shenzhen-air", "air", &wanted, "test")
        .await;
    assert!(
        matches!(refused, Err(PrivacyError::ConsentNeeded { ref missing }) if missing.len() == 2)
    );

    privacy
        .grant(
            &resident,
            "shenzhen-air",
            "air",
            &[PersonalField::DisplayName],
        )
        .await
        .expect("grant");
    let partly = privacy
        .release(&resident, "shenzhen-air", "air", &wanted, "test")
        .await;
    assert!(
        matches!(partly, Err(PrivacyError::ConsentNeeded { ref missing }) if missing == &[PersonalField::Email]),
        "consent covers only the fields agreed"
    );

    privacy
        .grant(&resident, "shenzhen-air", "air", &wanted)
        .await
        .expect("grant");
    let release = privacy
        .release(
            &resident,
            "shenzhen-air",
            "air",
            &wanted,
            "Report a broken street light",
        )
        .await
        .expect("released");
    assert_eq!(
        release.field(PersonalField::Email),
        Some("consent@example.cn")
    );
    assert_eq!(release.field(PersonalField::DisplayName), Some("Li Wei"));
    assert_eq!(
        release.pseudonym(),
        privacy.pseudonym("shenzhen-air", &resident)
    );
    // Consent is per provider: another provider still gets nothing.
    assert!(privacy
        .release(&resident, "guangzhou-air", "air", &wanted, "x")
        .await
        .is_err());

    let (_, page) = app.get("/me/data", Some(&session)).await;
    assert!(
        page.contains("Report a broken street light"),
        "the share is listed"
    );
    // The consent in one sentence: which fields, whose, to whom.
    assert!(
        page.contains("Shenzhen · Air quality is told your name and email address"),
        "{page}"
    );

    let withdrawn = app
        .post_form(
            "/me/data/withdraw",
            &[("provider", "shenzhen-air"), ("service", "air")],
            Some(&session),
        )
        .await;
    assert_eq!(withdrawn.location, "/me/data?notice=withdrawn");
    assert!(privacy
        .release(&resident, "shenzhen-air", "air", &wanted, "again")
        .await
        .is_err());
    let (_, page) = app.get("/me/data", Some(&session)).await;
    assert!(
        page.contains("Report a broken street light"),
        "past shares stay listed"
    );
    assert!(page.contains("Withdrawn"));
}

#[tokio::test]
async fn residents_pages_ask_to_sign_in_and_come_back() {
    let app = TestApp::spawn().await;
    for page in ["/me", "/me/data", "/inbox", "/c/shenzhen/consent/air"] {
        let (status, location) = app.get_response_with(page, None).await;
        assert!(common::is_redirect(status), "{page}: {status}");
        assert_eq!(location, format!("/signin?next={page}"), "{page}");
    }
}

async fn provider_token(app: &TestApp, provider: &str) -> String {
    app.state
        .portal
        .inbox
        .issue_provider_token(provider, "test")
        .await
        .expect("token")
}

async fn announce(app: &TestApp, token: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = app
        .client
        .post(app.url("/api/provider/v1/announcements"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_service_provider_may_announce_four_times_a_month() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("sz@example.cn", "correct horse battery").await;
    app.post_form(
        "/me",
        &[("display_name", "Li"), ("home", "shenzhen/futian")],
        Some(&session),
    )
    .await;
    let elsewhere = app.sign_up("gz@example.cn", "correct horse battery").await;
    app.post_form(
        "/me",
        &[("display_name", "Wang"), ("home", "guangzhou/tianhe")],
        Some(&elsewhere),
    )
    .await;
    let token = provider_token(&app, "shenzhen-air").await;

    for n in 1..=4 {
        let (status, body) = announce(&app, &token, serde_json::json!({ "title": format!("Notice {n}"), "body": "Ozone is high this afternoon." })).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["recipients"], 1, "only Shenzhen's residents");
        assert_eq!(body["remaining_in_period"], 4 - n);
    }
    let (status, body) = announce(
        &app,
        &token,
        serde_json::json!({ "title": "Fifth", "body": "x" }),
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "QUOTA_EXHAUSTED");

    let (_, page) = app.get("/inbox", Some(&session)).await;
    assert_eq!(page.matches("data-kind=\"announcement\"").count(), 4);
    assert!(
        page.contains("Welcome to City Services"),
        "and the portal's own welcome"
    );
    assert!(!page.contains("Fifth"));
    let (_, other) = app.get("/inbox", Some(&elsewhere)).await;
    assert_eq!(
        other.matches("data-kind=\"announcement\"").count(),
        0,
        "Guangzhou heard nothing"
    );
    let (_, home) = app.get("/c/shenzhen", Some(&session)).await;
    assert!(
        home.contains("data-unread=\"5\""),
        "the header counts 4 announcements and the welcome as unread"
    );
}

#[tokio::test]
async fn a_subscription_provider_may_announce_once_a_day_and_a_muted_one_is_not_heard() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("fs@example.cn", "correct horse battery").await;
    app.post_form(
        "/me",
        &[("display_name", "Chen"), ("home", "foshan")],
        Some(&session),
    )
    .await;
    let token = provider_token(&app, "foshan-air").await;

    let (status, _) = announce(
        &app,
        &token,
        serde_json::json!({ "title": "Today", "body": "Good air." }),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = announce(
        &app,
        &token,
        serde_json::json!({ "title": "Again", "body": "More." }),
    )
    .await;
    assert_eq!(status, 429, "one a day");

    // Mute from the message itself; then a new day's announcement does not arrive.
    let muted = app
        .post_form(
            "/inbox/mute",
            &[("provider", "foshan-air"), ("mute", "1")],
            Some(&session),
        )
        .await;
    assert_eq!(muted.location, "/inbox");
    let (_, page) = app.get("/inbox", Some(&session)).await;
    assert!(page.contains("Unmute"));
    let resident = app.resident_id("fs@example.cn").await;
    let city = app.state.portal.cities.get("foshan").expect("foshan");
    let inbox = &app.state.portal.inbox;
    let next_day = inbox
        .announce(
            "foshan-other",
            server::config::AccountType::Subscription,
            city,
            None,
            "Other",
            "From another provider",
        )
        .await
        .expect("another provider's allowance is its own");
    assert_eq!(next_day.recipients, 1);
    let messages = inbox.messages(&resident, 10).await.expect("messages");
    assert_eq!(
        messages.iter().filter(|m| m.kind == "announcement").count(),
        2,
        "the muted provider's first message stays; the other provider is heard"
    );

    let read = app.post_form("/inbox/read", &[], Some(&session)).await;
    assert_eq!(read.location, "/inbox");
    assert_eq!(inbox.unread_count(&resident).await.expect("count"), 0);
}

#[tokio::test]
async fn the_provider_api_refuses_bad_tokens_other_cities_and_bad_bodies() {
    let app = TestApp::spawn().await;
    let (status, _) = announce(
        &app,
        "cpp_not-a-token",
        serde_json::json!({ "title": "x", "body": "y" }),
    )
    .await;
    assert_eq!(status, 401);
    let token = provider_token(&app, "shenzhen-air").await;
    let (status, _) = announce(
        &app,
        &token,
        serde_json::json!({ "city": "guangzhou", "title": "x", "body": "y" }),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = announce(
        &app,
        &token,
        serde_json::json!({ "title": "", "body": "y" }),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = announce(
        &app,
        &token,
        serde_json::json!({ "region": "atlantis", "title": "x", "body": "y" }),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = announce(&app, &token, serde_json::json!({ "title": "x" })).await;
    assert_eq!(status, 400);
}
