//! `report_burst`: sends a burst of reports to a real server process while killing it with
//! SIGKILL and starting it again, then counts what residents were told, what the database
//! holds and what the desk received. A check of "nothing lost, nothing twice" under crashes;
//! a command that prints figures, not a test.
//!
//! The desk (an Open311 simulator) runs in this process, so it outlives the server's deaths.
//!
//! Usage: `report_burst --server PATH [--reports 1000] [--kills 2] [--concurrency 16]
//!         [--database-url URL] [--desk-delay-ms 20]`

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use server::{
    services::reports::simulator::{self as open311, SimulatedDesk},
    simulators::{self, faults::FaultKnobs},
};
use sqlx::{Connection, Row};
use support::{Portal, WorkDir};

#[path = "support/process.rs"]
mod support;

const DESK: &str = "burst-desk";
/// Futian, Shenzhen.
const PIN: (f64, f64) = (22.5431, 114.0579);

struct Options {
    server: PathBuf,
    reports: usize,
    kills: usize,
    concurrency: usize,
    database_url: Option<String>,
    /// The desk stores each request, then waits this long to answer: the server is then
    /// often killed between the desk accepting a report and the server recording it.
    desk_delay_ms: u64,
}

fn options() -> anyhow::Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        server: PathBuf::new(),
        reports: 1000,
        kills: 2,
        concurrency: 16,
        database_url: None,
        desk_delay_ms: 20,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => options.server = PathBuf::from(value()?),
            "--reports" => options.reports = value()?.parse()?,
            "--kills" => options.kills = value()?.parse()?,
            "--concurrency" => options.concurrency = value()?.parse::<usize>()?.max(1),
            "--database-url" => options.database_url = Some(value()?),
            "--desk-delay-ms" => options.desk_delay_ms = value()?.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    if options.server.as_os_str().is_empty() {
        bail!("--server PATH (the built server binary) is required");
    }
    Ok(options)
}

/// Reports not yet delivered (or refused).
async fn queued(db: &mut sqlx::AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM reports WHERE state = 'queued'")
        .fetch_one(db)
        .await?
        .try_get("n")
}

fn write_config(dir: &Path, desk_url: &str) -> anyhow::Result<()> {
    let regions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config/regions/shenzhen.geojson");
    std::fs::create_dir_all(dir.join("cities"))?;
    std::fs::write(
        dir.join("cities/shenzhen.toml"),
        format!(
            "id = \"shenzhen\"\ntime_zone = \"Asia/Shanghai\"\nregions_file = {regions:?}\n\
             [name]\nzh = \"深圳\"\nen = \"Shenzhen\"\n\
             [[services]]\nservice = \"report\"\nprovider = \"{DESK}\"\nadapter = \"open311-v2\"\n\
             base_url = \"{desk_url}\"\nregions = [\"*\"]\n[services.options]\ncategories = [\"streetlight\"]\n",
            regions = regions.display().to_string()
        ),
    )?;
    Ok(())
}

fn multipart(description: &str, submission: &str) -> (String, Vec<u8>) {
    let boundary = "----report-burst";
    let mut body = String::new();
    for (name, value) in [
        ("category", "streetlight".to_owned()),
        ("lat", PIN.0.to_string()),
        ("lon", PIN.1.to_string()),
        ("description", description.to_owned()),
        ("attribute[light_state]", "off".to_owned()),
        ("submission", submission.to_owned()),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options()?;
    let work = WorkDir::new("report-burst")?;

    // The desk, in this process: it keeps counting across the server's deaths.
    let desk = SimulatedDesk::offering(
        None,
        None,
        Duration::from_secs(3600),
        Some(vec!["streetlight".into()]),
    );
    desk.set_behaviour(open311::DeskBehaviour {
        answer_delay_ms: options.desk_delay_ms,
        ..Default::default()
    });
    let desks = HashMap::from([(DESK.to_owned(), Arc::clone(&desk))]);
    let knobs = FaultKnobs::new();
    let simulator = simulators::serve(
        "open311",
        open311::directory_router(&desks, Arc::clone(&knobs)),
        knobs,
    )
    .await?;
    let desk_url = simulator.base_url.join(&format!("{DESK}/"))?;
    write_config(&work.path().join("config"), desk_url.as_str())?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let database_url = options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", work.path().join("portal.db").display()));
    let base = format!("http://localhost:{port}");
    let portal = Arc::new(Portal {
        command: {
            let (server, dir, database_url) = (
                options.server.clone(),
                work.path().to_owned(),
                database_url.clone(),
            );
            Box::new(move || {
                Command::new(&server)
                    .env("PORT", port.to_string())
                    .env("DATABASE_URL", &database_url)
                    .env("CONFIG_DIR", dir.join("config"))
                    .env("PORTAL_SECRET_FILE", dir.join("secret.key"))
                    .env("PUBLIC_URL", format!("http://localhost:{port}/"))
                    // A report held by a killed process is taken up again after this long.
                    .env("REPORT_LEASE_SECONDS", "10")
                    // One client sends all of them: the per-sender hourly limit is off.
                    .env("REPORT_LIMIT_PER_HOUR", "0")
                    .env("RUST_LOG", "error")
                    .stdout(Stdio::null())
                    // Errors only: a server that cannot start says why.
                    .stderr(Stdio::inherit())
                    .spawn()
            })
        },
        child: Mutex::new(None),
        base: base.clone(),
    });
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    portal.start()?;
    portal.wait_ready(&http).await?;

    println!(
        "==> {} reports, {} concurrent, {} SIGKILL(s) of the server, desk answers after {} ms, database {}",
        options.reports,
        options.concurrency,
        options.kills,
        options.desk_delay_ms,
        if database_url.starts_with("postgres") {
            "Postgres"
        } else {
            "SQLite"
        }
    );
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let refused = Arc::new(AtomicUsize::new(0));
    let lost_connection = Arc::new(AtomicUsize::new(0));
    let resent = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for _ in 0..options.concurrency {
        let (next, acknowledged, refused, lost_connection, resent, http, base) = (
            Arc::clone(&next),
            Arc::clone(&acknowledged),
            Arc::clone(&refused),
            Arc::clone(&lost_connection),
            Arc::clone(&resent),
            http.clone(),
            base.clone(),
        );
        let total = options.reports;
        senders.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= total {
                    break;
                }
                // Like the page's script, a report whose answer was lost is sent again, as
                // the same form (the same submission id), until it is acknowledged.
                let submission = uuid::Uuid::new_v4().to_string();
                let (content_type, body) = multipart(&format!("Burst report {n}"), &submission);
                for attempt in 1..=50 {
                    let answer = http
                        .post(format!("{base}/c/shenzhen/report"))
                        .header("origin", &base)
                        .header("accept", "application/json")
                        .header("content-type", &content_type)
                        .body(body.clone())
                        .send()
                        .await;
                    match answer {
                        Ok(response) if response.status().as_u16() == 201 => {
                            let json: serde_json::Value = response.json().await.unwrap_or_default();
                            if let Some(reference) = json["reference"].as_str() {
                                acknowledged
                                    .lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .push(reference.to_owned());
                                if attempt > 1 {
                                    resent.fetch_add(1, Ordering::SeqCst);
                                }
                                break;
                            }
                            lost_connection.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(_) => {
                            refused.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        // The server died under this request, or was not up yet.
                        Err(_) => {
                            lost_connection.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
            }
        }));
    }

    // Kill the server at even points through the burst, and start it again at once.
    for kill in 1..=options.kills {
        let at = options.reports * kill / (options.kills + 1);
        while next.load(Ordering::SeqCst) < at {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        portal.kill();
        println!("    SIGKILL #{kill} after {at} reports were sent; restarting");
        portal.start()?;
        portal.wait_ready(&http).await?;
    }
    for sender in senders {
        sender.await?;
    }
    let burst_time = started.elapsed();

    // One more kill while the worker is delivering the backlog: the report in flight has
    // reached the desk (or not) with no record of the answer.
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&database_url).await?;
    let backlog = queued(&mut db).await?;
    while queued(&mut db).await? > backlog / 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    portal.kill();
    println!(
        "    SIGKILL during delivery, with {} of {backlog} reports still queued; restarting",
        backlog / 2
    );
    portal.start()?;
    portal.wait_ready(&http).await?;

    // Let the worker finish: every stored report delivered (or refused), and then a little
    // longer for any attempt still in flight.
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if queued(&mut db).await? == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled_time = started.elapsed();

    let stored: HashSet<String> = sqlx::query("SELECT reference FROM reports")
        .fetch_all(&mut db)
        .await?
        .iter()
        .map(|r| r.try_get("reference"))
        .collect::<Result<_, _>>()?;
    let still_queued = queued(&mut db).await?;
    let interrupted: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'report.deliver' \
               AND unsure_since IS NOT NULL",
    )
    .fetch_one(&mut db)
    .await?
    .try_get("n")?;
    let acknowledged = acknowledged
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let missing = acknowledged.iter().filter(|r| !stored.contains(*r)).count();
    let distinct_acknowledged: HashSet<&String> = acknowledged.iter().collect();
    let requests = desk.requests();
    let mut at_desk: HashMap<String, usize> = HashMap::new();
    for request in &requests {
        if let Some(reference) = request.description.split("Ref: ").nth(1) {
            *at_desk.entry(reference.trim().to_owned()).or_default() += 1;
        }
    }
    let duplicated = at_desk.values().filter(|n| **n > 1).count();
    let not_at_desk = stored.iter().filter(|r| !at_desk.contains_key(*r)).count();
    portal.kill();

    println!(
        "    burst sent in {:.1} s; all settled after {:.1} s",
        burst_time.as_secs_f64(),
        settled_time.as_secs_f64()
    );
    println!("reports sent                     {}", options.reports);
    println!(
        "acknowledged (201 + reference)   {} ({} distinct)",
        acknowledged.len(),
        distinct_acknowledged.len()
    );
    println!(
        "answers lost to a kill (resent)  {}",
        lost_connection.load(Ordering::SeqCst)
    );
    println!(
        "acknowledged only on a resend    {}",
        resent.load(Ordering::SeqCst)
    );
    println!(
        "refused (other status)           {}",
        refused.load(Ordering::SeqCst)
    );
    println!("stored in the database           {}", stored.len());
    println!("acknowledged but not stored      {missing}");
    println!("requests at the desk             {}", requests.len());
    println!("distinct reports at the desk     {}", at_desk.len());
    println!("reports at the desk twice        {duplicated}");
    println!(
        "deliveries cut short by a kill   {interrupted} (looked up at the desk before any resend)"
    );
    println!("stored but not at the desk       {not_at_desk} (still queued: {still_queued})");
    if missing > 0
        || duplicated > 0
        || not_at_desk > 0
        || stored.len() != distinct_acknowledged.len()
    {
        bail!("a report was lost or delivered twice");
    }
    println!("==> nothing acknowledged is missing; nothing was delivered twice");
    Ok(())
}
