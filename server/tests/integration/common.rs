//! `TestApp::spawn()`: the real portal on an ephemeral port, with its own SQLite file, or a
//! Postgres database of its own when `TEST_DATABASE_URL` is set, and the built-in simulators.

use std::{collections::HashMap, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use server::{
    service::{DemoParts, ServiceSettings},
    services::payments::PaymentSettings,
    settings::Settings,
    simulators::faults::FaultKnobs,
    App,
};

pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    /// Every running simulator's fault knobs, by its name (see [`TestApp::knobs`]).
    pub simulators: HashMap<&'static str, Arc<FaultKnobs>>,
    /// The demo's parts: each simulated provider by its provider id (desks, billers,
    /// hospitals, camera jurisdictions), the demo's WeChat Pay and the carrier's register
    /// (see [`TestApp::part`]).
    pub demo: DemoParts,
    pub state: server::http::AppState,
    /// The database this app uses, so that a second process can share it.
    pub database_url: String,
    /// The portal's clock, which [`TestApp::advance`] moves on instead of a test sleeping.
    pub clock: server::clock::Clock,
    /// The portal's job workers.
    pub workers: Arc<server::jobs::worker::Workers>,
    _dir: tempfile::TempDir,
    _postgres: Option<PostgresTestDb>,
}

/// A Postgres database of one test's own, on the server `TEST_DATABASE_URL` names; dropped
/// (with its connections) when the value is.
pub struct PostgresTestDb {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PostgresTestDb {
    /// `None` when `TEST_DATABASE_URL` is not set: the caller falls back to SQLite.
    pub async fn create() -> Option<PostgresTestDb> {
        use sqlx::{Connection, Executor};
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let name = format!("city_portal_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("TEST_DATABASE_URL connects");
        // The name is ours (a UUID), not input: safe to splice into the statement.
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
        let mut url = url::Url::parse(&admin_url).expect("valid url");
        url.set_path(&name);
        Some(PostgresTestDb {
            admin_url,
            name,
            url: url.to_string(),
        })
    }
}

impl Drop for PostgresTestDb {
    fn drop(&mut self) {
        use sqlx::{Connection, Executor};
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

pub fn repo_config() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config")
}

/// The demo config with one change to Shenzhen's city file, in a directory of its own.
pub fn demo_config_with(find: &str, replace: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for part in ["cities", "regions", "places"] {
        std::fs::create_dir(dir.path().join(part)).expect("mkdir");
        for entry in std::fs::read_dir(repo_config().join(part)).expect("read") {
            let path = entry.expect("entry").path();
            if let (true, Some(name)) = (path.is_file(), path.file_name()) {
                std::fs::copy(&path, dir.path().join(part).join(name)).expect("copy");
            }
        }
    }
    let city = dir.path().join("cities/shenzhen.toml");
    let text = std::fs::read_to_string(&city).expect("read");
    assert!(text.contains(find), "{find} is in the demo config");
    std::fs::write(&city, text.replacen(find, replace, 1)).expect("write");
    dir
}

pub fn settings(dir: &tempfile::TempDir) -> Settings {
    Settings {
        bind: "127.0.0.1:0".parse().expect("valid address"),
        database_url: format!("sqlite://{}", dir.path().join("portal.db").display()),
        config_dir: repo_config(),
        site_root: dir.path().join("site").display().to_string(),
        // Tests change overrides behind the portal's back and look at once.
        override_cache: Duration::ZERO,
        public_url: url::Url::parse("http://localhost:3000/").expect("valid url"),
        secret: None,
        secret_file: dir.path().join("secret.key"),
        trusted_proxies: Vec::new(),
        // The tests drive the demo: its knobs and outbox.
        demo_mode: true,
        timeouts: server::http::serve::Timeouts::default(),
        breaker: server::providers::breaker::BreakerPolicy::default(),
        clock: server::clock::Clock::system(),
        ops_token: None,
        identity_check: server::settings::IdentityCheckSettings {
            url: server::settings::IDENTITY_CHECK_SIMULATOR.to_owned(),
            api_key: None,
        },
        tiles: server::settings::TileSettings {
            cache_dir: dir.path().join("tile-cache"),
            ..Default::default()
        },
        services: test_service_settings(),
        notify: server::settings::NotifySettings {
            url: server::settings::NOTIFY_SIMULATOR.to_owned(),
            api_key: None,
            sms_template: None,
            email_template: None,
        },
    }
}

/// Every service's defaults, but payments': the tests' WeChat Pay keys are made once for
/// every test (a key pair takes a moment to make), and the tests ask again at machine speed
/// (one test sets the pace back).
fn test_service_settings() -> ServiceSettings {
    let mut services = ServiceSettings::default();
    let payments = services.get_mut::<PaymentSettings>();
    payments.demo_keys_dir = std::env::temp_dir().join("city-portal-test-payment-keys");
    payments.page_asks_every = Duration::ZERO;
    services
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        // Quiet by default: the failure tests provoke warnings on purpose.
        if std::env::var_os("TEST_LOG").is_some() {
            server::telemetry::init_logging();
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = settings(&dir);
        let postgres = PostgresTestDb::create().await;
        if let Some(db) = &postgres {
            settings.database_url = db.url.clone();
        }
        settings.clock = server::clock::Clock::adjustable();
        adjust(&mut settings);
        let database_url = settings.database_url.clone();
        let app = App::build(&settings).await.expect("app builds");
        let workers = Arc::clone(&app.workers);
        let demo = app.demo.clone();
        let (address, state, simulators) = app.spawn();
        let simulators = simulators
            .iter()
            .map(|s| (s.name, Arc::clone(&s.knobs)))
            .collect();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        TestApp {
            address,
            client,
            simulators,
            demo,
            state,
            database_url,
            clock: settings.clock,
            workers,
            _dir: dir,
            _postgres: postgres,
        }
    }

    /// The fault knobs of the simulator config names `name` (`simulator:<name>`).
    pub fn knobs(&self, name: &str) -> Arc<FaultKnobs> {
        self.simulators
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("the demo config starts the {name} simulator"))
    }

    /// The demo's part of type `T` under `key`: a simulated provider by its provider id,
    /// or `""` for the one of its kind (the demo's WeChat Pay, the carrier's register).
    pub fn part<T: std::any::Any + Send + Sync>(&self, key: &str) -> Arc<T> {
        self.demo
            .get::<T>(key)
            .unwrap_or_else(|| panic!("the demo has a {} for '{key}'", std::any::type_name::<T>()))
    }

    /// The home of the service of type `T`.
    pub fn home<T: std::any::Any + Send + Sync>(&self) -> Arc<T> {
        self.state.home::<T>()
    }

    /// Moves the portal's clock on by `by` and has every job worker do what that made due,
    /// as if the time had passed (the providers' simulators keep their own clocks).
    pub async fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.workers_caught_up().await;
    }

    /// Waits until every job worker has done a whole round from now: what was due has been
    /// tried, so a test can look at what was sent, or that nothing more was.
    pub async fn workers_caught_up(&self) {
        assert!(
            self.workers.caught_up(Duration::from_secs(30)).await,
            "the job workers did not come round within 30 s"
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// GET with an optional Cookie header and English pages; returns status and body.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> (u16, String) {
        let mut request = self
            .client
            .get(self.url(path))
            .header("accept-language", "en");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.expect("request succeeds");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get_response(path)
            .await
            .json()
            .await
            .expect("a JSON body")
    }

    /// POSTs a form as a browser on this site would (with `Origin`); returns the status,
    /// the `Location` and every `Set-Cookie` name=value.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Posted {
        let mut request = self
            .client
            .post(self.url(path))
            .header("origin", format!("http://{}", self.address))
            .header("accept-language", "en")
            .form(form);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        Posted::from(request.send().await.expect("request succeeds")).await
    }

    /// A multipart POST as the report form's script sends it (asking for JSON); returns the
    /// status and the JSON answer (`Null` when the body is not JSON).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
        cookie: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let response = self
            .multipart(path, fields, files, cookie)
            .header("accept", "application/json")
            .send()
            .await
            .expect("request succeeds");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// The same POST as a browser without the page's script sends it: the answer is a
    /// redirect; returns the status and the `Location`.
    pub async fn post_multipart_plain(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> (u16, String) {
        let response = self
            .multipart(path, fields, &[], cookie)
            .header("accept", "text/html")
            .send()
            .await
            .expect("request succeeds");
        (response.status().as_u16(), location_of(&response))
    }

    pub fn multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
        cookie: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let boundary = "----city-portal-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = self
            .client
            .post(self.url(path))
            .header("origin", format!("http://{}", self.address))
            .header("accept-language", "en")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request
    }

    /// Signs in through the form with a contact and password.
    pub async fn sign_in(&self, contact: &str, password: &str) -> Posted {
        self.post_form(
            "/signin",
            &[("contact", contact), ("password", password)],
            None,
        )
        .await
    }

    /// The newest code the notification simulator was asked to send to `to` (a mobile
    /// number as typed, or an address).
    pub fn code_sent_to(&self, to: &str) -> String {
        let to = server::contact::Contact::parse(to)
            .map(|c| c.address().to_owned())
            .unwrap_or_else(|_| to.to_owned());
        self.state
            .portal
            .demo_outbox
            .as_ref()
            .expect("the demo's notification simulator runs")
            .latest_code_for(&to)
            .expect("a code was sent")
    }

    /// Adds a person to the resident's family through the forms and proves them with the
    /// code sent to their mobile (the carrier's register must know them); the person's id.
    pub async fn add_proven_person(
        &self,
        resident_id: &str,
        cookie: &str,
        person: &[(&str, &str)],
    ) -> String {
        let pending = self.add_person_unproven(cookie, person).await;
        let phone = form_value(person, "phone");
        let code = self.code_sent_to(phone);
        let proven = self
            .post_form(
                "/me/family/code",
                &[("pending", &pending), ("code", &code)],
                Some(cookie),
            )
            .await;
        assert!(
            proven.location.contains("notice=family-proven"),
            "{proven:?}"
        );
        self.person_with(resident_id, form_value(person, "id_number"))
            .await
    }

    /// Adds a person the carrier confirms, without typing the code: the code's handle.
    pub async fn add_person_unproven(&self, cookie: &str, person: &[(&str, &str)]) -> String {
        let added = self.post_form("/me/family", person, Some(cookie)).await;
        assert!(
            added.location.starts_with("/me/family/code?pending="),
            "{added:?}"
        );
        pending_of(&added.location)
    }

    /// The id of the resident's person with this document number.
    pub async fn person_with(&self, resident_id: &str, id_number: &str) -> String {
        self.state
            .portal
            .people
            .of(resident_id)
            .await
            .expect("people")
            .into_iter()
            .find(|p| p.id_number.eq_ignore_ascii_case(id_number))
            .expect("the person")
            .id
    }

    /// The id of the resident signed up with `contact`.
    pub async fn resident_id(&self, contact: &str) -> String {
        let contact = server::contact::Contact::parse(contact).expect("contact");
        self.state
            .portal
            .accounts
            .find_by_contact(&contact)
            .await
            .expect("lookup")
            .expect("exists")
    }

    /// Signs up through the real forms and returns the session cookie (`name=value`).
    pub async fn sign_up(&self, contact: &str, password: &str) -> String {
        let started = self
            .post_form(
                "/signup",
                &[
                    ("contact", contact),
                    ("password", password),
                    ("display_name", "Li Wei"),
                ],
                None,
            )
            .await;
        assert_eq!(started.status, 303, "sign-up accepted");
        let pending = pending_of(&started.location);
        let address = server::contact::Contact::parse(contact).expect("valid contact");
        let code = self.code_sent_to(address.address());
        let done = self
            .post_form(
                "/signup/verify",
                &[("pending", &pending), ("code", &code)],
                None,
            )
            .await;
        assert_eq!(done.status, 303, "code accepted");
        done.cookie("__Host-portal_session")
            .expect("a session cookie")
    }

    /// GET with a cookie; returns the status and the `Location`.
    pub async fn get_response_with(&self, path: &str, cookie: Option<&str>) -> (u16, String) {
        let mut request = self.client.get(self.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.expect("request succeeds");
        (response.status().as_u16(), location_of(&response))
    }

    pub async fn get_response(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request succeeds")
    }
}

/// How many `<li class="station"` a page holds.
pub fn station_count(html: &str) -> usize {
    html.matches("class=\"station\"").count()
}

/// A form's value by name.
pub fn form_value<'a>(form: &[(&str, &'a str)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| *v)
        .unwrap_or_default()
}

/// A response's `Location`, or "" without one.
pub fn location_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A form POST's answer.
#[derive(Debug)]
pub struct Posted {
    pub status: u16,
    pub location: String,
    pub cookies: Vec<String>,
}

impl Posted {
    async fn from(response: reqwest::Response) -> Posted {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .collect();
        Posted {
            status,
            location,
            cookies,
        }
    }

    /// `name=value` of the cookie set with this name (and a value).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
            .cloned()
    }
}

/// 302 or 303: a page that needs a session sends the visitor to sign in.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 302 | 303)
}

/// The `pending` handle in a redirect to a code page.
pub fn pending_of(location: &str) -> String {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "pending")
        .map(|(_, value)| value.into_owned())
        .expect("the redirect names a pending code")
}

/// Waits up to `seconds` for `check`, asking every 100 ms.
pub async fn eventually(seconds: u64, mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..seconds * 10 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
