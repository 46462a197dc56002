//! `book_race`: 200 residents race for the last 50 free times of a hospital through a real
//! server process, each booking for a family member it added through the forms and paying
//! the registration fee on WeChat Pay's page (one in ten declines there), while the hospital
//! answers slowly (and for a while after the portal gave up) and the server is killed once
//! with SIGKILL. Then it reconciles the hospital's book, ours and the payment provider's and
//! prints them. A command that prints figures, not a test.
//!
//! The hospital (a FHIR R4 server) and WeChat Pay are simulated in this process, so their
//! books outlive the server's death; the server reaches them as it would real ones.
//!
//! Usage: `book_race --server PATH [--residents 200] [--slots 50] [--concurrency 32]
//!         [--database-url URL]`

#[path = "support/payments.rs"]
mod payments;
#[path = "support/residents.rs"]
mod residents;
#[path = "support/process.rs"]
mod support;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use model::{Locale, Money};
use server::{
    people::{with_check_digit, IdType},
    services::{
        appointments::simulator::{self as fhir, SimulatedHospital},
        payments::simulator::Behaviour,
    },
    simulators::{
        self,
        faults::{FaultKnobs, FaultMode},
        three_factor::{Register, Registered},
    },
};
use sqlx::{Connection, Row};
use support::WorkDir;

const HOSPITAL: &str = "race-hospital";

struct Options {
    server: PathBuf,
    residents: usize,
    slots: usize,
    concurrency: usize,
    database_url: Option<String>,
}

fn options() -> anyhow::Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        server: PathBuf::new(),
        residents: 200,
        slots: 50,
        concurrency: 32,
        database_url: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => options.server = PathBuf::from(value()?),
            "--residents" => options.residents = value()?.parse::<usize>()?.clamp(1, 999),
            "--slots" => options.slots = value()?.parse::<usize>()?.max(1),
            "--concurrency" => options.concurrency = value()?.parse::<usize>()?.max(1),
            "--database-url" => options.database_url = Some(value()?),
            other => bail!("unknown option {other}"),
        }
    }
    if options.server.as_os_str().is_empty() {
        bail!("--server PATH (the built server binary) is required");
    }
    Ok(options)
}

fn write_config(dir: &Path, payments: &str, hospital_url: &str) -> anyhow::Result<()> {
    let regions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config/regions/shenzhen.geojson");
    std::fs::create_dir_all(dir.join("cities"))?;
    std::fs::write(
        dir.join("cities/shenzhen.toml"),
        format!(
            "id = \"shenzhen\"\ntime_zone = \"Asia/Shanghai\"\nregions_file = {regions:?}\n\
             [name]\nzh = \"深圳\"\nen = \"Shenzhen\"\n\
             [[services]]\nservice = \"doctors\"\nprovider = \"{HOSPITAL}\"\n\
             adapter = \"fhir-r4\"\nbase_url = \"{hospital_url}\"\nregions = [\"*\"]\n\
             timeout_ms = 3000\n\
             [services.options]\nname_zh = \"压测医院\"\nname_en = \"Race Hospital\"\n\
             {payments}",
            regions = regions.display().to_string()
        ),
    )?;
    Ok(())
}

/// A session's POST of a form; the answer's `Location`, or `None` when it was lost.
async fn post(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> Option<String> {
    let response = http
        .post(format!("{base}{path}"))
        .header("origin", base)
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .ok()?;
    Some(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Resident `n`'s child, as the carrier's register knows them: born 2015-06-01, the 17th
/// digit (the last of `n`) odd for boys, even for girls, a mobile number of their own.
fn child(n: usize) -> anyhow::Result<Registered> {
    Ok(Registered {
        name: "压测儿童".to_owned(),
        id_type: IdType::ResidentCard,
        id_number: with_check_digit(&format!("44030420150601{n:03}"))
            .context("seventeen digits")?,
        mobile: format!("139{n:08}"),
    })
}

/// The person a resident books for: their child, added through the forms and proven with
/// the code sent to the child's mobile.
async fn add_family_member(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    n: usize,
) -> anyhow::Result<()> {
    let child = child(n)?;
    let sex = if n.is_multiple_of(2) {
        "female"
    } else {
        "male"
    };
    let address = residents::address_of(n);
    let send = |path: &str, form: &[(&str, &str)]| {
        http.post(format!("{base}{path}"))
            .header("origin", base)
            .header("cookie", cookie)
            .header("x-forwarded-for", &address)
            .form(form)
            .send()
    };
    let location = |response: reqwest::Response| {
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let added = location(
        send(
            "/me/family",
            &[
                ("relation", "child"),
                ("name", &child.name),
                ("sex", sex),
                ("birth_date", "2015-06-01"),
                ("phone", &child.mobile),
                ("id_number", &child.id_number),
            ],
        )
        .await?,
    );
    let pending = url::Url::parse(&format!("http://x{added}"))?
        .query_pairs()
        .find(|(k, _)| k == "pending")
        .map(|(_, v)| v.into_owned())
        .with_context(|| format!("family member not added: {added}"))?;
    let code = residents::code_sent_to(http, base, &format!("+86{}", child.mobile)).await?;
    let proven =
        location(send("/me/family/code", &[("pending", &pending), ("code", &code)]).await?);
    if !proven.contains("family-proven") {
        bail!("family member not proven: {proven}");
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    booked_and_paid: AtomicUsize,
    declined: AtomicUsize,
    just_taken: AtomicUsize,
    late_answers: AtomicUsize,
    /// Refusals other than "just taken", by message key.
    other_refusals: std::sync::Mutex<HashMap<String, usize>>,
    lost_answers: AtomicUsize,
    gave_up: AtomicUsize,
}

/// What is still to happen in our books: bookings being made, confirmed, given back, and
/// payments being confirmed or refunded.
async fn unsettled(db: &mut sqlx::AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "SELECT (SELECT COUNT(*) FROM appointments WHERE state IN \
             ('requested', 'paid', 'releasing', 'cancelling')) \
           + (SELECT COUNT(*) FROM payments WHERE state = 'refunding') \
           + (SELECT COUNT(*) FROM payment_refunds WHERE state = 'requested') AS n",
    )
    .fetch_one(db)
    .await?
    .try_get("n")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options()?;
    let work = WorkDir::new("book-race")?;
    let wechatpay = payments::BurstWechatPay::start(
        &work.path().join("keys"),
        Behaviour {
            notpay_for: Duration::from_secs(1),
            ..Behaviour::default()
        },
    )
    .await?;
    let platform = Arc::clone(&wechatpay.platform);
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai")?;
    let hospital = SimulatedHospital::seeded(0, &shanghai, true, 15);
    // Only the last free times, from tomorrow on (none is too close to book).
    let tomorrow = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .context("time")?;
    let slots = hospital.leave_free(options.slots, tomorrow);
    let hospital_knobs = FaultKnobs::new();
    let hospital_sim = simulators::serve(
        "fhir",
        fhir::directory_router(
            &HashMap::from([(HOSPITAL.to_owned(), Arc::clone(&hospital))]),
            Arc::clone(&hospital_knobs),
        ),
        Arc::clone(&hospital_knobs),
    )
    .await?;
    // The carrier's register knows every resident's child.
    let register = Register::new(&[IdType::ResidentCard]);
    for n in 0..options.residents {
        register.enrol(child(n)?);
    }
    let identity_key = uuid::Uuid::new_v4().to_string();
    let carrier = simulators::start_three_factor(&identity_key, register).await?;
    let mut environment = wechatpay.environment.clone();
    environment.push(("IDENTITY_CHECK_URL", carrier.base_url.to_string()));
    environment.push(("IDENTITY_CHECK_API_KEY", identity_key));
    write_config(
        &work.path().join("config"),
        &wechatpay.config(),
        hospital_sim
            .base_url
            .join(&format!("{HOSPITAL}/"))?
            .as_str(),
    )?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let database_url = options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", work.path().join("portal.db").display()));
    let base = format!("http://localhost:{port}");
    let portal = Arc::new(residents::server(
        &options.server,
        work.path(),
        port,
        &database_url,
        environment,
    ));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    portal.start()?;
    portal.wait_ready(&http).await?;

    println!(
        "==> {} residents sign up and add a family member through the forms",
        options.residents
    );
    let mut cookies = Vec::new();
    for n in 0..options.residents {
        let cookie = residents::sign_up(&http, &base, n).await?;
        add_family_member(&http, &base, &cookie, n).await?;
        cookies.push(cookie);
    }
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&database_url).await?;
    let people: Vec<String> = sqlx::query(
        "SELECT p.id FROM people p JOIN residents r ON r.id = p.resident_id ORDER BY r.email",
    )
    .fetch_all(&mut db)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    let emails: Vec<String> = sqlx::query(
        "SELECT r.email FROM people p JOIN residents r ON r.id = p.resident_id ORDER BY r.email",
    )
    .fetch_all(&mut db)
    .await?
    .iter()
    .map(|r| r.try_get("email"))
    .collect::<Result<_, _>>()?;
    let person_of: HashMap<String, String> = emails.into_iter().zip(people).collect();

    println!(
        "==> they race for {} slots, {} at once; the hospital answers 0.4 s late, for 4 s after \
         the portal's timeout, and the server is killed once; database {}",
        slots.len(),
        options.concurrency,
        if database_url.starts_with("postgres") {
            "Postgres"
        } else {
            "SQLite"
        }
    );
    hospital_knobs.set(FaultMode::Slow { delay_ms: 400 });
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Tally::default());
    let slots = Arc::new(slots);
    let cookies = Arc::new(cookies);
    let person_of = Arc::new(person_of);
    let mut racers = Vec::new();
    for _ in 0..options.concurrency {
        let (next, tally, slots, cookies, person_of, http, base) = (
            Arc::clone(&next),
            Arc::clone(&tally),
            Arc::clone(&slots),
            Arc::clone(&cookies),
            Arc::clone(&person_of),
            http.clone(),
            base.clone(),
        );
        racers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(cookie) = cookies.get(n) else { break };
                let Some(person) = person_of.get(&format!("burst{n}@example.com")) else {
                    continue;
                };
                // Each resident tries the times from a place of its own, as people pick, and
                // the same time again after an answer that did not come (lost, or late).
                let mut pay_page = None;
                let mut pick = n * 7;
                for _ in 0..16 {
                    let slot = &slots[pick % slots.len()];
                    let form = [
                        ("hospital", HOSPITAL),
                        ("slot", slot.as_str()),
                        ("person", person.as_str()),
                        ("consent", "yes"),
                    ];
                    match post(&http, &base, cookie, "/c/shenzhen/doctors/book", &form).await {
                        Some(location) if location.contains("prepay_id=") => {
                            pay_page = Some(location);
                            break;
                        }
                        Some(location) if location.contains("appointments-error-taken") => {
                            tally.just_taken.fetch_add(1, Ordering::SeqCst);
                            pick += 1;
                        }
                        Some(location) if location.contains("appointments-error-unsure") => {
                            tally.late_answers.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(300)).await;
                        }
                        Some(location) => {
                            let key = location
                                .split("error=")
                                .nth(1)
                                .and_then(|rest| rest.split('&').next())
                                .unwrap_or("no error key")
                                .to_owned();
                            *tally
                                .other_refusals
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .entry(key)
                                .or_default() += 1;
                            pick += 1;
                            tokio::time::sleep(Duration::from_millis(300)).await;
                        }
                        None => {
                            tally.lost_answers.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(300)).await;
                        }
                    }
                }
                let Some(page) = pay_page else {
                    tally.gave_up.fetch_add(1, Ordering::SeqCst);
                    continue;
                };
                let Some(prepay) = url::Url::parse(&page).ok().and_then(|u| {
                    u.query_pairs()
                        .find(|(k, _)| k == "prepay_id")
                        .map(|(_, v)| v.into_owned())
                }) else {
                    continue;
                };
                let action = if n % 10 == 3 { "decline" } else { "pay" };
                let done = http
                    .post(page.split('?').next().unwrap_or_default())
                    .form(&[
                        ("prepay_id", prepay.as_str()),
                        ("redirect_url", ""),
                        ("action", action),
                    ])
                    .send()
                    .await;
                if done.is_ok_and(|r| r.status().is_success()) {
                    let counter = if action == "pay" {
                        &tally.booked_and_paid
                    } else {
                        &tally.declined
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    // Early in the race, while times are still free, the hospital answers after the portal
    // gave up, for four seconds; three quarters in, the server is killed.
    let total = options.residents;
    let wait_for = |mark: usize| {
        let next = Arc::clone(&next);
        async move {
            while next.load(Ordering::SeqCst) < mark {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    wait_for(total / 25).await;
    hospital.answer_bookings_after(Some(Duration::from_millis(3_500)));
    println!("    the hospital answers late from resident {}", total / 25);
    let late = Arc::clone(&hospital);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(4)).await;
        late.answer_bookings_after(None);
    });
    wait_for(total * 3 / 4).await;
    portal.kill();
    println!("    SIGKILL at resident {}; restarting", total * 3 / 4);
    portal.start()?;
    portal.wait_ready(&http).await?;
    for racer in racers {
        racer.await?;
    }
    let race_time = started.elapsed();
    hospital.answer_bookings_after(None);
    hospital_knobs.set(FaultMode::Ok);

    // Let the jobs finish: every booking made or given back, every fee WeChat Pay took
    // confirmed here, every refund made. An order whose page never reached its resident
    // stays open, charging nothing, until it expires: counted, not waited for.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let left = unsettled(&mut db).await?;
        let (_, taken) = payments::open_orders(&mut db, &platform).await?;
        if (left == 0 && taken == 0) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let settled_time = started.elapsed();
    let (_, open_and_taken) = payments::open_orders(&mut db, &platform).await?;
    let left = unsettled(&mut db).await? + i64::try_from(open_and_taken).unwrap_or(i64::MAX);

    // Our books.
    let ours: Vec<(String, String)> = sqlx::query("SELECT id, state FROM appointments")
        .fetch_all(&mut db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("state")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let orders: HashMap<String, String> = sqlx::query(
        "SELECT out_trade_no, purpose_ref FROM payments WHERE purpose_kind = 'appointment'",
    )
    .fetch_all(&mut db)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("out_trade_no")?, r.try_get("purpose_ref")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    portal.kill();

    // The hospital's and the payment provider's.
    let at_hospital = hospital.bookings();
    let live: Vec<_> = at_hospital
        .iter()
        .filter(|b| b.status != "cancelled")
        .collect();
    let mut per_slot: HashMap<&str, usize> = HashMap::new();
    for booking in &live {
        *per_slot.entry(booking.slot_id.as_str()).or_default() += 1;
    }
    let booked_twice = per_slot.values().filter(|n| **n > 1).count();
    let booked_at_hospital: Vec<&str> = live
        .iter()
        .filter(|b| b.status == "booked")
        .filter_map(|b| b.booking_id.as_deref())
        .collect();
    let charges = platform.charges();
    let took_money = |state: &str| matches!(state, "SUCCESS" | "REFUND");
    let taken: Vec<_> = charges.iter().filter(|c| took_money(&c.state)).collect();
    let fees_charged: i64 = taken.iter().map(|c| c.total).sum();
    let fees_refunded: i64 = charges.iter().map(|c| c.refunded).sum();
    // A fee kept for an appointment the hospital does not hold as booked is a fee for
    // nothing: every one must have gone back.
    let mut kept_for_nothing = 0;
    let mut charges_without_order = 0;
    for charge in &taken {
        let Some(appointment) = orders.get(&charge.order_no) else {
            charges_without_order += 1;
            continue;
        };
        if !booked_at_hospital.contains(&appointment.as_str()) {
            kept_for_nothing += charge.total - charge.refunded;
        }
    }
    let ours_booked: Vec<&str> = ours
        .iter()
        .filter(|(_, s)| s == "booked")
        .map(|(id, _)| id.as_str())
        .collect();
    // Appointments the hospital holds (booked or held) that our books do not: orphans.
    let orphans = live
        .iter()
        .filter(|b| {
            b.booking_id.as_deref().is_none_or(|id| {
                !ours
                    .iter()
                    .any(|(ours, state)| ours == id && matches!(state.as_str(), "booked" | "held"))
            })
        })
        .count();
    let mut booked_here = ours_booked.clone();
    let mut booked_there = booked_at_hospital.clone();
    booked_here.sort_unstable();
    booked_there.sort_unstable();
    let same_bookings = booked_here == booked_there;
    let count = |state: &str| ours.iter().filter(|(_, s)| s == state).count();
    let yuan = |fen: i64| Money::cny(fen).display(Locale::En);

    println!(
        "    race run in {:.1} s; all settled after {:.1} s (unsettled left: {left})",
        race_time.as_secs_f64(),
        settled_time.as_secs_f64()
    );
    println!("residents                            {total}");
    println!(
        "  paid on WeChat Pay's page          {}",
        tally.booked_and_paid.load(Ordering::SeqCst)
    );
    println!(
        "  declined on WeChat Pay's page      {}",
        tally.declined.load(Ordering::SeqCst)
    );
    println!(
        "  told \"just taken\"                  {}",
        tally.just_taken.load(Ordering::SeqCst)
    );
    println!(
        "  answered late (asked again)        {}",
        tally.late_answers.load(Ordering::SeqCst)
    );
    let mut refusals: Vec<(String, usize)> = tally
        .other_refusals
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .into_iter()
        .collect();
    refusals.sort_by_key(|(_, times)| std::cmp::Reverse(*times));
    for (key, times) in refusals {
        println!("  refused: {key:<26} {times}");
    }
    println!(
        "  answers lost (server killed)       {}",
        tally.lost_answers.load(Ordering::SeqCst)
    );
    println!(
        "  gave up without a time             {}",
        tally.gave_up.load(Ordering::SeqCst)
    );
    println!("slots                                {}", slots.len());
    println!(
        "appointments booked                  {} at the hospital, {} in our books ({})",
        booked_at_hospital.len(),
        ours_booked.len(),
        if same_bookings {
            "the same ones"
        } else {
            "NOT the same ones"
        }
    );
    println!("appointments at the hospital not ours {orphans} (must be 0)");
    println!(
        "  ours: booked {} · released {} · failed {} · held {} · other {}",
        count("booked"),
        count("released"),
        count("failed"),
        count("held"),
        ours.len() - count("booked") - count("released") - count("failed") - count("held")
    );
    println!("slots booked twice                   {booked_twice} (must be 0)");
    println!(
        "fees charged                         {} ({})",
        taken.len(),
        yuan(fees_charged)
    );
    println!(
        "fees refunded                        {}",
        yuan(fees_refunded)
    );
    println!("charges the portal has no order for  {charges_without_order} (must be 0)");
    println!(
        "fees for appointments that do not exist {} (must be 0)",
        yuan(kept_for_nothing)
    );
    if booked_twice > 0
        || kept_for_nothing != 0
        || charges_without_order > 0
        || left > 0
        || !same_bookings
        || orphans > 0
    {
        bail!("the books do not reconcile");
    }
    println!("==> one slot, one appointment, one fee: the three books reconcile");
    Ok(())
}
