//! What the commands that act as residents share: the server process they run, and
//! residents signed up through the forms, as a phone would, each from an address of its own.

use std::{path::Path, sync::Mutex};

use anyhow::Context;

/// A server on `port` over `database_url`, its city files and secret under `dir`, the
/// demo's outbox on, trusting the loopback proxy (each resident is sent from an address
/// of its own) and `environment` besides (a payment provider's keys).
pub fn server(
    server: &Path,
    dir: &Path,
    port: u16,
    database_url: &str,
    environment: Vec<(&'static str, String)>,
) -> super::support::Portal {
    let (server, dir, database_url) = (server.to_owned(), dir.to_owned(), database_url.to_owned());
    super::support::Portal {
        command: Box::new(move || {
            std::process::Command::new(&server)
                .envs(environment.iter().map(|(k, v)| (*k, v.as_str())))
                .env("PORT", port.to_string())
                .env("DATABASE_URL", &database_url)
                .env("CONFIG_DIR", dir.join("config"))
                .env("PORTAL_SECRET_FILE", dir.join("secret.key"))
                .env("PUBLIC_URL", format!("http://localhost:{port}/"))
                .env("DEMO_MODE", "1")
                .env("TRUSTED_PROXIES", "127.0.0.1,::1")
                // A breaker that opened while a provider was down tries again soon.
                .env("BREAKER_COOL_DOWN_SECONDS", "2")
                .env("RUST_LOG", "error")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::inherit())
                .spawn()
        }),
        child: Mutex::new(None),
        base: format!("http://localhost:{port}"),
    }
}

/// A resident signed up through the forms: their session cookie.
pub async fn sign_up(http: &reqwest::Client, base: &str, n: usize) -> anyhow::Result<String> {
    let contact = format!("burst{n}@example.com");
    let address = address_of(n);
    let started = http
        .post(format!("{base}/signup"))
        .header("origin", base)
        .header("x-forwarded-for", &address)
        .form(&[
            ("contact", contact.as_str()),
            ("password", "a long enough burst password"),
            ("display_name", "Burst"),
        ])
        .send()
        .await?;
    let location = started
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let pending = url::Url::parse(&format!("http://x{location}"))?
        .query_pairs()
        .find(|(k, _)| k == "pending")
        .map(|(_, v)| v.into_owned())
        .with_context(|| format!("sign-up refused: {location}"))?;
    let code = code_sent_to(http, base, &contact).await?;
    let done = http
        .post(format!("{base}/signup/verify"))
        .header("origin", base)
        .header("x-forwarded-for", &address)
        .form(&[("pending", pending.as_str()), ("code", code.as_str())])
        .send()
        .await?;
    let cookie = done
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-portal_session="))
        .and_then(|c| c.split(';').next())
        .context("no session")?
        .to_owned();
    Ok(cookie)
}

/// Resident `n`'s client address. Each resident comes from an address of their own (through
/// the trusted proxy), as residents do: the per-address code limit is for one client, not
/// for a test.
pub fn address_of(n: usize) -> String {
    format!("10.0.{}.{}", n / 250, n % 250 + 1)
}

/// The newest code the demo's outbox shows for `to`.
pub async fn code_sent_to(http: &reqwest::Client, base: &str, to: &str) -> anyhow::Result<String> {
    let outbox = http
        .get(format!("{base}/_demo/outbox"))
        .send()
        .await?
        .text()
        .await?;
    let card = outbox
        .split("<li")
        .find(|item| item.contains(&format!("data-to=\"{to}\"")))
        .context("no code sent")?;
    Ok(card
        .split(|c: char| !c.is_ascii_digit())
        .find(|digits| digits.len() == 6)
        .context("no code in the message")?
        .to_owned())
}
