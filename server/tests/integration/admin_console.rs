//! The admin console: roles, and that a city admin can read or change nothing of another
//! city by any route (page, server function, form). On Postgres when `TEST_DATABASE_URL`
//! is set, else SQLite.

use crate::common;
use server::services::reports::registration::ReportSettings;

use common::TestApp;

const PASSWORD: &str = "admin password 1";

/// Creates an admin directly and signs in through the form; returns the admin cookie.
pub(crate) async fn admin_session(
    app: &TestApp,
    username: &str,
    platform: bool,
    cities: &[&str],
) -> String {
    let cities: Vec<String> = cities.iter().map(|c| (*c).to_owned()).collect();
    app.state
        .portal
        .admins
        .create(username, PASSWORD, platform, &cities, "test")
        .await
        .expect("admin created");
    let signed_in = app
        .post_form(
            "/admin/signin",
            &[("username", username), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(signed_in.location, "/admin");
    signed_in
        .cookie("__Host-portal_admin")
        .expect("admin cookie")
}

#[tokio::test]
async fn a_city_admin_cannot_read_or_change_another_city_by_any_route() {
    let app = TestApp::spawn().await;
    let gz = admin_session(&app, "gz-admin", false, &["guangzhou"]).await;

    // Pages.
    for page in [
        "/admin/c/shenzhen",
        "/admin/c/shenzhen/health",
        "/admin/c/shenzhen/audit",
        "/admin/admins",
    ] {
        let (status, body) = app.get(page, Some(&gz)).await;
        assert_eq!(status, 403, "{page}");
        assert!(
            !body.contains("futian") && !body.contains("Futian"),
            "{page} shows nothing of Shenzhen"
        );
    }
    let (status, home) = app.get("/admin", Some(&gz)).await;
    assert_eq!(status, 200);
    assert!(home.contains("/admin/c/guangzhou") && !home.contains("/admin/c/shenzhen"));
    assert_eq!(app.get("/admin/c/guangzhou", Some(&gz)).await.0, 200);

    // Server functions, called directly as an API.
    for endpoint in ["admin/city", "admin/health", "admin/audit"] {
        let response = app
            .client
            .post(app.url(&format!("/api/{endpoint}")))
            .header("origin", format!("http://{}", app.address))
            .header("cookie", &gz)
            .form(&[("city", "shenzhen")])
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        assert!(status >= 400, "{endpoint}: {status}");
        assert!(body.contains("Forbidden"), "{endpoint}: {body}");
        assert!(!body.contains("futian"), "{endpoint} leaks nothing");
    }

    // Forms: the switch is refused and nothing is written.
    let refused = app
        .post_form(
            "/admin/c/shenzhen/switch",
            &[("service", "air"), ("region", "futian"), ("set", "off")],
            Some(&gz),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(app
        .state
        .portal
        .storage
        .overrides_of("shenzhen")
        .await
        .expect("read")
        .is_empty());
    assert!(app
        .state
        .portal
        .storage
        .audit_log("shenzhen", 10)
        .await
        .expect("read")
        .is_empty());
    let refused = app
        .post_form(
            "/admin/admins",
            &[
                ("username", "sneaky"),
                ("password", PASSWORD),
                ("city", "shenzhen"),
            ],
            Some(&gz),
        )
        .await;
    assert_eq!(refused.status, 403, "only platform admins create admins");

    // A resident's session is no admin session, and the admin cookie alone is not one either
    // outside /admin.
    let resident = app
        .sign_up("resident@example.cn", "correct horse battery")
        .await;
    let (status, location) = app
        .get_response_with("/admin/c/guangzhou", Some(&resident))
        .await;
    assert!(common::is_redirect(status));
    assert_eq!(location, "/admin/signin");
}

#[tokio::test]
async fn a_switch_in_the_console_changes_the_menu_of_that_district_only_and_is_audited() {
    let app = TestApp::spawn().await;
    let gz = admin_session(&app, "gz-ops", false, &["guangzhou"]).await;
    let switched = app
        .post_form(
            "/admin/c/guangzhou/switch",
            &[("service", "air"), ("region", "tianhe"), ("set", "off")],
            Some(&gz),
        )
        .await;
    assert_eq!(switched.status, 303);
    assert!(switched
        .location
        .starts_with("/admin/c/guangzhou?notice=switched"));

    let (_, tianhe) = app
        .get("/c/guangzhou", Some("region=guangzhou/tianhe"))
        .await;
    assert!(!tianhe.contains("data-service=\"air\""), "off in Tianhe");
    let (_, yuexiu) = app
        .get("/c/guangzhou", Some("region=guangzhou/yuexiu"))
        .await;
    assert!(
        yuexiu.contains("data-service=\"air\""),
        "still on next door"
    );

    let audit = app
        .state
        .portal
        .storage
        .audit_log("guangzhou", 10)
        .await
        .expect("audit");
    let switches: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "set_service_override")
        .collect();
    assert_eq!(switches.len(), 1, "{audit:?}");
    assert_eq!(switches[0].actor, "admin:gz-ops");
    assert_eq!(switches[0].subject, "air/tianhe");
    assert_eq!(switches[0].before, None, "config decided before");
    assert_eq!(switches[0].after.as_deref(), Some("disabled"));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "create_admin" && e.subject == "gz-ops"),
        "the admin's creation is audited too"
    );
    // The log reads in words, in the admin's language, not in ids.
    let (_, page) = app.get("/admin/c/guangzhou/audit", Some(&gz)).await;
    assert!(page.contains("admin:gz-ops"), "{page}");
    assert!(page.contains("Air quality in Tianhe"), "{page}");
    assert!(!page.contains("set_service_override"), "{page}");
    assert!(page.contains("<td>Off<"), "{page}");
    assert!(page.contains("Admin account gz-ops created"), "{page}");

    let (_, console) = app.get("/admin/c/guangzhou", Some(&gz)).await;
    assert!(
        console.contains("id=\"map-tianhe\""),
        "the map draws the district"
    );
    assert!(console.contains("data-enabled=\"false\""));

    let reset = app
        .post_form(
            "/admin/c/guangzhou/switch",
            &[("service", "air"), ("region", "tianhe"), ("set", "reset")],
            Some(&gz),
        )
        .await;
    assert_eq!(reset.status, 303);
    let (_, tianhe) = app
        .get("/c/guangzhou", Some("region=guangzhou/tianhe"))
        .await;
    assert!(tianhe.contains("data-service=\"air\""), "back to config");
}

#[tokio::test]
async fn a_platform_admin_runs_every_city_and_creates_city_admins() {
    let app = TestApp::spawn().await;
    let platform = admin_session(&app, "root-ops", true, &[]).await;
    for city in ["shenzhen", "guangzhou", "foshan"] {
        assert_eq!(
            app.get(&format!("/admin/c/{city}"), Some(&platform))
                .await
                .0,
            200,
            "{city}"
        );
    }
    let (status, health) = app.get("/admin/c/shenzhen/health", Some(&platform)).await;
    assert_eq!(status, 200);
    assert!(health.contains("shenzhen-air"));

    let created = app
        .post_form(
            "/admin/admins",
            &[
                ("username", "fs-admin"),
                ("password", PASSWORD),
                ("city", "foshan"),
                ("city", "guangzhou"),
            ],
            Some(&platform),
        )
        .await;
    assert!(
        created.location.starts_with("/admin/admins?notice=created"),
        "{}",
        created.location
    );
    let fs = app
        .post_form(
            "/admin/signin",
            &[("username", "fs-admin"), ("password", PASSWORD)],
            None,
        )
        .await
        .cookie("__Host-portal_admin")
        .expect("signed in");
    assert_eq!(app.get("/admin/c/foshan", Some(&fs)).await.0, 200);
    assert_eq!(app.get("/admin/c/guangzhou", Some(&fs)).await.0, 200);
    assert_eq!(app.get("/admin/c/shenzhen", Some(&fs)).await.0, 403);
    let audit = app
        .state
        .portal
        .storage
        .audit_log("foshan", 10)
        .await
        .expect("audit");
    assert!(audit.iter().any(|e| e.action == "create_admin"
        && e.subject == "fs-admin"
        && e.actor == "admin:root-ops"));

    let duplicate = app
        .post_form(
            "/admin/admins",
            &[
                ("username", "fs-admin"),
                ("password", PASSWORD),
                ("city", "foshan"),
            ],
            Some(&platform),
        )
        .await;
    assert!(duplicate
        .location
        .contains("error=admin-error-username-taken"));
    let no_city = app
        .post_form(
            "/admin/admins",
            &[("username", "nocity"), ("password", PASSWORD)],
            Some(&platform),
        )
        .await;
    assert!(no_city.location.contains("error=admin-error-no-cities"));
}

#[tokio::test]
async fn admin_sign_in_is_rate_limited_and_there_is_no_default_admin() {
    let app = TestApp::spawn().await;
    assert!(!app
        .state
        .portal
        .admins
        .exists_platform_admin()
        .await
        .expect("query"));
    let wrong = app
        .post_form(
            "/admin/signin",
            &[("username", "admin"), ("password", "admin")],
            None,
        )
        .await;
    assert!(
        wrong.location.contains("error=admin-error-credentials"),
        "no default admin"
    );
    for _ in 0..4 {
        app.post_form(
            "/admin/signin",
            &[("username", "admin"), ("password", "admin")],
            None,
        )
        .await;
    }
    let limited = app
        .post_form(
            "/admin/signin",
            &[("username", "admin"), ("password", "admin")],
            None,
        )
        .await;
    assert!(
        limited
            .location
            .contains("error=account-error-rate-limited"),
        "{}",
        limited.location
    );
}

#[tokio::test]
async fn a_console_change_reaches_residents_served_by_another_process() {
    let console = TestApp::spawn().await;
    let shared = console.database_url.clone();
    let other = TestApp::spawn_with(|settings| settings.database_url = shared).await;
    let (_, before) = other
        .get("/c/shenzhen", Some("region=shenzhen/nanshan"))
        .await;
    assert!(before.contains("data-service=\"air\""));

    let admin = admin_session(&console, "sz-ops", false, &["shenzhen"]).await;
    let switched = console
        .post_form(
            "/admin/c/shenzhen/switch",
            &[("service", "air"), ("region", "nanshan"), ("set", "off")],
            Some(&admin),
        )
        .await;
    assert_eq!(switched.status, 303);

    let (_, after) = other
        .get("/c/shenzhen", Some("region=shenzhen/nanshan"))
        .await;
    assert!(
        !after.contains("data-service=\"air\""),
        "the other process reads the change on its next page"
    );
    // And the admin's session works on the other process too: sessions live in the database.
    assert_eq!(other.get("/admin/c/shenzhen", Some(&admin)).await.0, 200);
}

/// The switch table has one column per service however many providers serve it (Shenzhen
/// has four report desks and three billers), and says what switching payments off breaks.
#[tokio::test]
async fn the_switch_table_has_a_column_per_service_and_warns_of_what_depends_on_payments() {
    let app = TestApp::spawn().await;
    let platform = admin_session(&app, "columns-ops", true, &[]).await;
    let (status, page) = app
        .get("/admin/c/shenzhen", Some(&format!("{platform}; lang=en")))
        .await;
    assert_eq!(status, 200);
    let table = page.split("<thead>").nth(1).expect("a table head");
    let head = table.split("</thead>").next().expect("its end");
    let columns: Vec<&str> = head
        .split("<th scope=\"col\">")
        .skip(1)
        .map(|th| th.split('<').next().unwrap_or_default())
        .collect();
    assert_eq!(
        columns,
        [
            "District",
            "Book a doctor",
            "Pay bills",
            "Traffic cameras",
            "Air quality",
            "Report a problem",
            "Payments"
        ]
    );
    assert!(page.contains(r#"id="needs-payments""#));
    assert!(page.contains("Book a doctor and Pay bills take their money through it"));
    assert!(page.contains(r#"aria-describedby="needs-payments""#));
}

/// The health page tells a job that is late from one scheduled for later (a reminder, a
/// retry's back-off): neither is "waiting to be sent".
#[tokio::test]
async fn the_health_page_shows_late_hand_offs_apart_from_scheduled_ones() {
    let app = TestApp::spawn_with(|settings| {
        settings.services.get_mut::<ReportSettings>().worker = false;
    })
    .await;
    let platform = admin_session(&app, "queue-ops", true, &[]).await;
    let now = app.clock.seconds();
    let mut tx = app.state.portal.storage.pool().begin().await.expect("tx");
    for (key, due_at) in [("late", now - 600), ("later", now + 7 * 24 * 3600)] {
        let job = server::jobs::NewJob {
            kind: "report.deliver",
            subject: key,
            provider: "shenzhen-urban-west",
            idempotency_key: key,
            due_at,
            recurring: false,
        };
        assert!(server::jobs::enqueue(&mut tx, &job).await.expect("queued"));
    }
    tx.commit().await.expect("committed");
    let (status, health) = app
        .get(
            "/admin/c/shenzhen/health",
            Some(&format!("{platform}; lang=en")),
        )
        .await;
    assert_eq!(status, 200);
    let row = health
        .split("data-provider=\"shenzhen-urban-west\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the desk's row");
    assert!(row.contains("1 due now, late by up to 10 min"), "{row}");
    assert!(row.contains("1 scheduled for later"), "{row}");
}
