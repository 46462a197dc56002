//! Residents' accounts over HTTP: sign-up with a code from the notification simulator,
//! sessions, sign-out (here and everywhere), rate limits, origin checks and headers. On
//! Postgres when `TEST_DATABASE_URL` is set, else SQLite.

use crate::common;

use common::TestApp;

#[tokio::test]
async fn sign_up_sign_out_and_sign_in_again() {
    let app = TestApp::spawn().await;
    let session = app
        .sign_up("liwei@example.cn", "correct horse battery")
        .await;

    let (status, page) = app.get("/me", Some(&session)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("liwei@example.cn"),
        "the verified email is on the profile"
    );
    assert!(
        !page.contains("$argon2"),
        "no password hash reaches the browser"
    );

    let out = app.post_form("/signout", &[], Some(&session)).await;
    assert_eq!(out.status, 303);
    assert!(
        out.cookies.iter().any(|c| c == "__Host-portal_session="),
        "the cookie is cleared"
    );
    let after = app.get_response_with("/me", Some(&session)).await;
    assert!(common::is_redirect(after.0), "the old session is gone");
    assert!(
        after.1 == "/signin?next=/me",
        "sent to sign in, then back: {}",
        after.1
    );

    let wrong = app.sign_in("LiWei@Example.cn", "wrong horse battery").await;
    assert_eq!(wrong.status, 303);
    assert!(wrong.location.contains("error=account-error-credentials"));
    assert!(wrong.cookie("__Host-portal_session").is_none());
    assert!(
        wrong.cookie("kept_contact").is_some(),
        "what was typed is kept"
    );

    let right = app
        .post_form(
            "/signin",
            &[
                ("contact", " LiWei@Example.cn "),
                ("password", "correct horse battery"),
                ("next", "/inbox"),
            ],
            None,
        )
        .await;
    assert_eq!(right.status, 303);
    assert_eq!(
        right.location, "/inbox",
        "back where the resident was going"
    );
    let session = right.cookie("__Host-portal_session").expect("signed in");
    assert_eq!(app.get("/inbox", Some(&session)).await.0, 200);
}

#[tokio::test]
async fn session_cookies_are_http_only_secure_and_same_site() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/signup"))
        .header("origin", format!("http://{}", app.address))
        .form(&[
            ("contact", "13800138000"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .expect("request");
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let pending = common::pending_of(&location);
    let code = app.code_sent_to("+8613800138000");
    let response = app
        .client
        .post(app.url("/signup/verify"))
        .header("origin", format!("http://{}", app.address))
        .form(&[("pending", pending.as_str()), ("code", code.as_str())])
        .send()
        .await
        .expect("request");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-portal_session="))
        .expect("session cookie")
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
}

#[tokio::test]
async fn wrong_and_reused_codes_are_refused_and_a_contact_is_taken_once() {
    let app = TestApp::spawn().await;
    let started = app
        .post_form(
            "/signup",
            &[("contact", "a@example.cn"), ("password", "long enough pw")],
            None,
        )
        .await;
    let pending = common::pending_of(&started.location);
    let code = app.code_sent_to("a@example.cn");
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let wrong = app
        .post_form(
            "/signup/verify",
            &[("pending", &pending), ("code", wrong_code)],
            None,
        )
        .await;
    assert!(
        wrong.location.contains("error=account-error-code-wrong"),
        "{}",
        wrong.location
    );
    let right = app
        .post_form(
            "/signup/verify",
            &[("pending", &pending), ("code", &code)],
            None,
        )
        .await;
    assert!(right.cookie("__Host-portal_session").is_some());
    let again = app
        .post_form(
            "/signup/verify",
            &[("pending", &pending), ("code", &code)],
            None,
        )
        .await;
    assert!(
        again.location.contains("error=account-error-code-expired"),
        "a code works once"
    );

    let taken = app
        .post_form(
            "/signup",
            &[("contact", "A@example.cn"), ("password", "another long pw")],
            None,
        )
        .await;
    assert!(
        taken.location.contains("error=account-error-taken"),
        "{}",
        taken.location
    );

    let short = app
        .post_form(
            "/signup",
            &[("contact", "b@example.cn"), ("password", "short")],
            None,
        )
        .await;
    assert!(short
        .location
        .contains("error=account-error-password-short"));
    let bad = app
        .post_form(
            "/signup",
            &[("contact", "not a contact"), ("password", "long enough pw")],
            None,
        )
        .await;
    assert!(bad.location.contains("error=account-error-contact"));
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    let first = app
        .sign_up("everywhere@example.cn", "correct horse battery")
        .await;
    let second = app
        .sign_in("everywhere@example.cn", "correct horse battery")
        .await
        .cookie("__Host-portal_session")
        .expect("second session");
    assert_ne!(first, second);
    let (_, profile) = app.get("/me", Some(&second)).await;
    assert!(profile.contains("2 devices"), "both sessions are counted");

    let out = app
        .post_form("/signout/everywhere", &[], Some(&first))
        .await;
    assert_eq!(out.location, "/signin?notice=signed-out-everywhere");
    assert!(common::is_redirect(
        app.get_response_with("/me", Some(&first)).await.0
    ));
    assert!(common::is_redirect(
        app.get_response_with("/me", Some(&second)).await.0
    ));
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account_with_a_clear_message() {
    let app = TestApp::spawn().await;
    app.sign_up("limited@example.cn", "correct horse battery")
        .await;
    for _ in 0..5 {
        let wrong = app.sign_in("limited@example.cn", "guess guess guess").await;
        assert!(wrong.location.contains("error=account-error-credentials"));
    }
    let limited = app
        .sign_in("limited@example.cn", "correct horse battery")
        .await;
    assert!(
        limited
            .location
            .contains("error=account-error-rate-limited"),
        "{}",
        limited.location
    );
    assert!(
        limited.location.contains("retry=15"),
        "says how long: {}",
        limited.location
    );
    assert!(
        limited.cookie("__Host-portal_session").is_none(),
        "even the right password waits"
    );
    let (_, page) = app.get(&limited.location, None).await;
    assert!(page.contains("Too many attempts. Please try again in 15 minutes."));

    // Another account from the same address is not locked by the first one's limit.
    app.sign_up("other@example.cn", "correct horse battery")
        .await;
    let other = app
        .sign_in("other@example.cn", "correct horse battery")
        .await;
    assert!(other.cookie("__Host-portal_session").is_some());
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    let app = TestApp::spawn().await;
    for n in 0..20 {
        let contact = format!("nobody{n}@example.cn");
        app.sign_in(&contact, "guess guess guess").await;
    }
    let limited = app.sign_in("fresh@example.cn", "guess guess guess").await;
    assert!(
        limited
            .location
            .contains("error=account-error-rate-limited"),
        "{}",
        limited.location
    );
}

#[tokio::test]
async fn state_changing_requests_from_other_origins_are_refused() {
    let app = TestApp::spawn().await;
    let form = [("contact", "x@example.cn"), ("password", "long enough pw")];
    let cross = app
        .client
        .post(app.url("/signup"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(cross.status().as_u16(), 403);
    let none = app
        .client
        .post(app.url("/signup"))
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(none.status().as_u16(), 403, "no Origin and no Referer");
    let referer = app
        .client
        .post(app.url("/signup"))
        .header("referer", format!("http://{}/signup", app.address))
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(
        referer.status().as_u16(),
        303,
        "a same-site Referer stands in for Origin"
    );
    assert!(
        app.state
            .portal
            .demo_outbox
            .as_ref()
            .expect("outbox")
            .all()
            .len()
            == 1,
        "only the same-site request sent a code"
    );
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_whose_nonce_matches_their_scripts() {
    let app = TestApp::spawn().await;
    let response = app.get_response("/").await;
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let html = response.text().await.expect("body");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(nonce.len() >= 16);
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the inline bootstrap carries it"
    );
    assert!(policy.contains("frame-ancestors 'none'"));
    let again = app.get_response("/").await;
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .contains(nonce),
        "fresh per response"
    );

    let health = app.get_response("/healthz").await;
    assert!(health.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .starts_with("default-src 'none'"));
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn the_demo_outbox_shows_the_code() {
    let app = TestApp::spawn().await;
    app.post_form(
        "/signup",
        &[
            ("contact", "demo@example.cn"),
            ("password", "long enough pw"),
        ],
        None,
    )
    .await;
    let code = app.code_sent_to("demo@example.cn");
    let (status, page) = app.get("/_demo/outbox", None).await;
    assert_eq!(status, 200);
    assert!(page.contains(&code));
    assert!(page.contains("demo@example.cn"));
}

#[tokio::test]
async fn profile_home_and_a_second_contact_are_saved() {
    let app = TestApp::spawn().await;
    let session = app
        .sign_up("home@example.cn", "correct horse battery")
        .await;
    let saved = app
        .post_form(
            "/me",
            &[("display_name", "小李"), ("home", "shenzhen/futian")],
            Some(&session),
        )
        .await;
    assert_eq!(saved.location, "/me?notice=saved");
    let bad = app
        .post_form(
            "/me",
            &[("display_name", "x"), ("home", "shenzhen/atlantis")],
            Some(&session),
        )
        .await;
    assert!(bad.location.contains("error=account-error-place"));

    let started = app
        .post_form(
            "/me/contact/add",
            &[("contact", "139 0000 0000")],
            Some(&session),
        )
        .await;
    let pending = common::pending_of(&started.location);
    let code = app.code_sent_to("+8613900000000");
    let done = app
        .post_form(
            "/me/contact",
            &[("pending", &pending), ("code", &code)],
            Some(&session),
        )
        .await;
    assert_eq!(done.location, "/me?notice=contact-added");
    let (_, page) = app.get("/me", Some(&session)).await;
    assert!(page.contains("+8613900000000"));
    assert!(page.contains("小李"));
    // The new number signs in too.
    let by_phone = app.sign_in("13900000000", "correct horse battery").await;
    assert!(by_phone.cookie("__Host-portal_session").is_some());
}

#[tokio::test]
async fn parallel_guesses_are_counted_as_they_arrive() {
    let app = TestApp::spawn().await;
    app.sign_up("burst@example.cn", "correct horse battery")
        .await;
    let guesses = (0..15).map(|n| {
        let password = format!("guess number {n}");
        let app = &app;
        async move { app.sign_in("burst@example.cn", &password).await.location }
    });
    let answers = futures::future::join_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|l| l.contains("account-error-credentials"))
        .count();
    let limited = answers
        .iter()
        .filter(|l| l.contains("account-error-rate-limited"))
        .count();
    assert!(checked <= 5, "at most 5 passwords were tried: {checked}");
    assert_eq!(checked + limited, 15);
}

#[tokio::test]
async fn a_code_cannot_be_guessed_in_parallel() {
    let app = TestApp::spawn().await;
    let started = app
        .post_form(
            "/signup",
            &[
                ("contact", "codes@example.cn"),
                ("password", "long enough pw"),
            ],
            None,
        )
        .await;
    let pending = common::pending_of(&started.location);
    let right = app.code_sent_to("codes@example.cn");
    let wrong: Vec<String> = (0..12)
        .map(|n| {
            format!(
                "{:06}",
                (right.parse::<u32>().expect("digits") + 1 + n) % 1_000_000
            )
        })
        .collect();
    let tries = wrong.iter().map(|code| {
        let (app, pending) = (&app, pending.clone());
        async move {
            app.post_form(
                "/signup/verify",
                &[("pending", &pending), ("code", code)],
                None,
            )
            .await
            .location
        }
    });
    let answers = futures::future::join_all(tries).await;
    let judged = answers
        .iter()
        .filter(|l| l.contains("account-error-code-wrong"))
        .count();
    assert!(
        judged <= 5,
        "a code gets 5 tries, however fast they come: {judged}"
    );
    let late = app
        .post_form(
            "/signup/verify",
            &[("pending", &pending), ("code", &right)],
            None,
        )
        .await;
    assert!(
        late.location.contains("account-error-code-expired"),
        "used up: {}",
        late.location
    );
}

#[tokio::test]
async fn asking_about_a_registered_contact_counts_against_the_code_limits() {
    let app = TestApp::spawn().await;
    app.sign_up("known@example.cn", "correct horse battery")
        .await;
    let form = [
        ("contact", "known@example.cn"),
        ("password", "another long pw"),
    ];
    for _ in 0..2 {
        let taken = app.post_form("/signup", &form, None).await;
        assert!(
            taken.location.contains("error=account-error-taken"),
            "{}",
            taken.location
        );
    }
    let limited = app.post_form("/signup", &form, None).await;
    assert!(
        limited
            .location
            .contains("error=account-error-too-many-codes"),
        "3 requests per contact in 15 minutes, registered or not: {}",
        limited.location
    );
}

#[tokio::test]
async fn a_new_password_signs_out_the_other_devices() {
    let app = TestApp::spawn().await;
    let here = app
        .sign_up("change@example.cn", "correct horse battery")
        .await;
    let elsewhere = app
        .sign_in("change@example.cn", "correct horse battery")
        .await
        .cookie("__Host-portal_session")
        .expect("second session");
    let wrong = app
        .post_form(
            "/me/password",
            &[("current", "not it at all"), ("new", "a brand new secret")],
            Some(&here),
        )
        .await;
    assert!(
        wrong
            .location
            .contains("error=account-error-current-password"),
        "{}",
        wrong.location
    );
    let changed = app
        .post_form(
            "/me/password",
            &[
                ("current", "correct horse battery"),
                ("new", "a brand new secret"),
            ],
            Some(&here),
        )
        .await;
    assert_eq!(changed.location, "/me?notice=password-changed");
    let renewed = changed
        .cookie("__Host-portal_session")
        .expect("a fresh session here");
    assert_eq!(app.get("/me", Some(&renewed)).await.0, 200);
    assert!(common::is_redirect(
        app.get_response_with("/me", Some(&elsewhere)).await.0
    ));
    assert!(app
        .sign_in("change@example.cn", "correct horse battery")
        .await
        .cookie("__Host-portal_session")
        .is_none());
    assert!(app
        .sign_in("change@example.cn", "a brand new secret")
        .await
        .cookie("__Host-portal_session")
        .is_some());
    let (_, inbox) = app.get("/inbox", Some(&renewed)).await;
    assert!(inbox.contains("Welcome to City Services"));
}
