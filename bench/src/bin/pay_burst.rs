//! `pay_burst`: residents pay 500 utility bills through a real server process, some forms
//! sent twice at once, while the server is killed with SIGKILL twice, the payment provider
//! answers late for a while and the biller is down for part of the run. Then it reconciles
//! three ledgers (ours, the payment provider's, the biller's) and prints what each holds and
//! any money unaccounted for. A command that prints figures, not a test.
//!
//! WeChat Pay and the biller (the Provider API for bills) are simulated in this process, so
//! their ledgers outlive the server's deaths; the server reaches them as it would real ones
//! (its merchant keys from the environment, their URLs from the city's file).
//!
//! Usage: `pay_burst --server PATH [--payments 500] [--kills 2] [--concurrency 16]
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
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use model::{Locale, Money};
use server::{
    services::{
        bills::simulator::{self as billing, SimulatedBiller},
        payments::simulator::Behaviour,
    },
    simulators::{
        self,
        faults::{FaultKnobs, FaultMode},
    },
};
use sqlx::{Connection, Row};
use support::WorkDir;

const BILLER: &str = "burst-power";
/// Residents, each with one account; every account has `payments / RESIDENTS` bills. As
/// many as a resident pays in a busy hour (two), so that the burst meets the portal's
/// per-resident limits (3 open payments, 20 pay forms in 10 minutes) no more than residents
/// do.
const RESIDENTS: usize = 250;

struct Options {
    server: PathBuf,
    payments: usize,
    kills: usize,
    concurrency: usize,
    database_url: Option<String>,
}

fn options() -> anyhow::Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        server: PathBuf::new(),
        payments: 500,
        kills: 2,
        concurrency: 16,
        database_url: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => options.server = PathBuf::from(value()?),
            "--payments" => options.payments = value()?.parse()?,
            "--kills" => options.kills = value()?.parse()?,
            "--concurrency" => options.concurrency = value()?.parse::<usize>()?.max(1),
            "--database-url" => options.database_url = Some(value()?),
            other => bail!("unknown option {other}"),
        }
    }
    if options.server.as_os_str().is_empty() {
        bail!("--server PATH (the built server binary) is required");
    }
    if options.payments.div_ceil(RESIDENTS) > 24 {
        bail!(
            "at most {} payments (24 open bills per account)",
            RESIDENTS * 24
        );
    }
    Ok(options)
}

/// The variable the config names for the biller's key.
const BILLER_KEY_ENV: &str = "BURST_BILLER_API_KEY";

fn write_config(dir: &Path, payments: &str, biller_url: &str) -> anyhow::Result<()> {
    let regions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config/regions/shenzhen.geojson");
    std::fs::create_dir_all(dir.join("cities"))?;
    std::fs::write(
        dir.join("cities/shenzhen.toml"),
        format!(
            "id = \"shenzhen\"\ntime_zone = \"Asia/Shanghai\"\nregions_file = {regions:?}\n\
             [name]\nzh = \"深圳\"\nen = \"Shenzhen\"\n\
             [[services]]\nservice = \"bills\"\nprovider = \"{BILLER}\"\n\
             adapter = \"provider-api-bills-v1\"\nbase_url = \"{biller_url}\"\n\
             api_key_env = \"{BILLER_KEY_ENV}\"\nregions = [\"*\"]\n\
             [services.options]\nutility = \"electricity\"\nname_zh = \"压测供电\"\nname_en = \"Burst Power\"\n\
             {payments}",
            regions = regions.display().to_string()
        ),
    )?;
    Ok(())
}

/// What is still to happen: payments being refunded, paid bills their biller was not told
/// of, refunds not made (open orders are counted apart).
async fn unsettled(db: &mut sqlx::AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "SELECT (SELECT COUNT(*) FROM payments WHERE state = 'refunding') \
           + (SELECT COUNT(*) FROM bill_items WHERE state = 'paid') \
           + (SELECT COUNT(*) FROM payment_refunds WHERE state = 'requested') AS n",
    )
    .fetch_one(db)
    .await?
    .try_get("n")
}

/// What one payment attempt came to, as the resident saw it.
#[derive(Default)]
struct Tally {
    paid_on_page: AtomicUsize,
    declined_on_page: AtomicUsize,
    doubled_forms: AtomicUsize,
    lost_answers: AtomicUsize,
    refused: AtomicUsize,
    /// Why forms were answered without a pay page, by message key.
    refusals: Mutex<HashMap<String, usize>>,
    /// Bills paid elsewhere after they were locked here (their payment must be refunded).
    paid_elsewhere: AtomicUsize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options()?;
    let work = WorkDir::new("pay-burst")?;

    // The payment provider and the biller, in this process.
    let wechatpay = payments::BurstWechatPay::start(
        &work.path().join("keys"),
        Behaviour {
            notpay_for: Duration::from_secs(2),
            ..Behaviour::default()
        },
    )
    .await?;
    let platform = Arc::clone(&wechatpay.platform);
    let biller = SimulatedBiller::seeded("electricity");
    let per_account = options.payments.div_ceil(RESIDENTS);
    let mut bills_of = Vec::new();
    for n in 0..RESIDENTS {
        let account = format!("19{n:08}");
        let bills: Vec<String> = (0..per_account)
            .map(|m| {
                biller.add_bill(
                    &account,
                    &format!("2025-{:02}", m + 1),
                    1_000 + (n * 37 + m * 11) as i64,
                )
            })
            .collect();
        bills_of.push((account, bills));
    }
    let biller_knobs = FaultKnobs::new();
    // The key the biller issued the portal, handed over as config says: in a variable.
    let biller_key = uuid::Uuid::new_v4().simple().to_string();
    let biller_sim = simulators::serve(
        "bills",
        billing::directory_router(
            &HashMap::from([(BILLER.to_owned(), Arc::clone(&biller))]),
            &biller_key,
            Arc::clone(&biller_knobs),
        ),
        Arc::clone(&biller_knobs),
    )
    .await?;
    write_config(
        &work.path().join("config"),
        &wechatpay.config(),
        biller_sim.base_url.join(&format!("{BILLER}/v1/"))?.as_str(),
    )?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let database_url = options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", work.path().join("portal.db").display()));
    let base = format!("http://localhost:{port}");
    let mut environment = wechatpay.environment.clone();
    environment.push((BILLER_KEY_ENV, biller_key));
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

    // Residents and their accounts, through the forms.
    let mut residents = Vec::new();
    for (n, (account, _)) in bills_of.iter().enumerate() {
        let cookie = residents::sign_up(&http, &base, n).await?;
        // The amount of its first bill, as printed on it: the proof the account is theirs.
        let first = biller.owed(account).first().copied().unwrap_or_default();
        let amount = format!("{}.{:02}", first / 100, first % 100);
        let saved = http
            .post(format!("{base}/c/shenzhen/bills/accounts"))
            .header("origin", &base)
            .header("x-forwarded-for", residents::address_of(n))
            .header("cookie", &cookie)
            .form(&[
                ("biller", BILLER),
                ("number", account.as_str()),
                ("amount", amount.as_str()),
                ("label", "Home"),
                ("consent", "yes"),
            ])
            .send()
            .await?;
        let location = saved
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !location.contains("bills-account-added") {
            bail!("account {account} not saved: {location}");
        }
        residents.push(cookie);
    }
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&database_url).await?;
    let mut work_list = Vec::new();
    for (n, (account, bills)) in bills_of.iter().enumerate() {
        let id: String = sqlx::query("SELECT id FROM bill_accounts WHERE account_number = $1")
            .bind(account)
            .fetch_one(&mut db)
            .await?
            .try_get("id")?;
        for bill in bills {
            let fen: i64 =
                1_000 + (n * 37 + bills.iter().position(|b| b == bill).unwrap_or(0) * 11) as i64;
            work_list.push((residents[n].clone(), format!("{id}/{bill}/{fen}")));
        }
    }
    work_list.truncate(options.payments);

    println!(
        "==> {} payments by {RESIDENTS} residents, {} concurrent, every 5th form sent twice at once, \
         {} SIGKILL(s) of the server, WeChat Pay late for 10 s and NOTPAY for 2 s \
         after paying, the biller down for a fifth, database {}",
        work_list.len(),
        options.concurrency,
        options.kills,
        if database_url.starts_with("postgres") { "Postgres" } else { "SQLite" }
    );
    let started = Instant::now();
    let total = work_list.len();
    let work_list = Arc::new(work_list);
    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Tally::default());
    let mut senders = Vec::new();
    for _ in 0..options.concurrency {
        let (work_list, next, tally, http, base, biller) = (
            Arc::clone(&work_list),
            Arc::clone(&next),
            Arc::clone(&tally),
            http.clone(),
            base.clone(),
            Arc::clone(&biller),
        );
        senders.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some((cookie, bill)) = work_list.get(n) else {
                    break;
                };
                let send = || {
                    http.post(format!("{base}/c/shenzhen/bills/pay"))
                        .header("origin", &base)
                        .header("cookie", cookie)
                        .form(&[("bill", bill.as_str())])
                        .send()
                };
                // Until the form leads to the provider's page (a resident sends it again
                // after a lost answer or a refusal).
                let mut pay_page = None;
                for _ in 0..40 {
                    let answers = if n % 5 == 0 {
                        tally.doubled_forms.fetch_add(1, Ordering::SeqCst);
                        let (a, b) = tokio::join!(send(), send());
                        vec![a, b]
                    } else {
                        vec![send().await]
                    };
                    for answer in answers {
                        match answer {
                            Ok(response) => {
                                let location = response
                                    .headers()
                                    .get("location")
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or_default()
                                    .to_owned();
                                if location.contains("prepay_id=") {
                                    pay_page = Some(location);
                                } else {
                                    tally.refused.fetch_add(1, Ordering::SeqCst);
                                    let key = location
                                        .split("error=")
                                        .nth(1)
                                        .and_then(|rest| rest.split('&').next())
                                        .unwrap_or("no error key")
                                        .to_owned();
                                    *tally
                                        .refusals
                                        .lock()
                                        .unwrap_or_else(|e| e.into_inner())
                                        .entry(key)
                                        .or_default() += 1;
                                }
                            }
                            Err(_) => {
                                tally.lost_answers.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                    if pay_page.is_some() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                let Some(page) = pay_page else { continue };
                let Some(prepay) = url::Url::parse(&page).ok().and_then(|u| {
                    u.query_pairs()
                        .find(|(k, _)| k == "prepay_id")
                        .map(|(_, v)| v.into_owned())
                }) else {
                    continue;
                };
                // One bill in fifty is paid elsewhere (at a bank) while the resident is on
                // the provider's page: its company refuses the portal's payment, refunded.
                if n % 50 == 7 {
                    if let Some(number) = bill.split('/').nth(1) {
                        biller.set_owed(number, 0);
                        tally.paid_elsewhere.fetch_add(1, Ordering::SeqCst);
                    }
                }
                // One in ten residents declines on the provider's page; the rest pay.
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
                        &tally.paid_on_page
                    } else {
                        &tally.declined_on_page
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }

    // The events of the run, at fractions of it: kills, a slow provider, a biller down.
    let at = |fraction: f64| (total as f64 * fraction) as usize;
    let wait_for = |mark: usize| {
        let next = Arc::clone(&next);
        async move {
            while next.load(Ordering::SeqCst) < mark {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    let kill_marks: Vec<usize> = (1..=options.kills)
        .map(|k| total * k / (options.kills + 1))
        .collect();
    let mut events: Vec<(usize, &str)> = kill_marks.iter().map(|m| (*m, "kill")).collect();
    events.extend([
        (at(0.2), "provider late"),
        (at(0.5), "biller down"),
        (at(0.7), "biller up"),
    ]);
    events.sort_by_key(|(mark, _)| *mark);
    for (mark, event) in events {
        wait_for(mark).await;
        match event {
            "kill" => {
                portal.kill();
                println!("    SIGKILL after {mark} payments were started; restarting");
                portal.start()?;
                portal.wait_ready(&http).await?;
            }
            // Late for ten seconds of the run (a window counted in payments would stretch
            // while every sender waits on the late provider).
            "provider late" => {
                platform.set_behaviour(Behaviour {
                    notpay_for: Duration::from_secs(2),
                    answer_after: Duration::from_millis(3_500),
                    ..Behaviour::default()
                });
                let platform = Arc::clone(&platform);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    platform.set_behaviour(Behaviour {
                        notpay_for: Duration::from_secs(2),
                        ..Behaviour::default()
                    });
                });
            }
            "biller down" => biller_knobs.set(FaultMode::Down),
            _ => biller_knobs.set(FaultMode::Ok),
        }
        println!("    {event} at payment {mark}");
    }
    for sender in senders {
        sender.await?;
    }
    let burst_time = started.elapsed();
    biller_knobs.set(FaultMode::Ok);

    // Let the jobs finish: every payment final, every paid bill told, every refund made.
    // An order whose page never reached its resident (the provider was late, the resident
    // gave up) stays open, charging nothing, until it expires and its job closes it: it is
    // counted, not waited for. Everything else must settle.
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
    let left = unsettled(&mut db).await?;
    let (still_open, open_and_taken) = payments::open_orders(&mut db, &platform).await?;

    // Our ledger.
    let ours: Vec<(String, String, i64)> =
        sqlx::query("SELECT out_trade_no, state, amount_minor FROM payments")
            .fetch_all(&mut db)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("out_trade_no")?,
                    r.try_get("state")?,
                    r.try_get("amount_minor")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()?;
    let items: Vec<(String, String)> = sqlx::query("SELECT bill_number, state FROM bill_items")
        .fetch_all(&mut db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("bill_number")?, r.try_get("state")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    portal.kill();

    // The provider's and the biller's.
    let charges = platform.charges();
    let charged: HashMap<&str, (&str, i64, i64)> = charges
        .iter()
        .map(|c| (c.order_no.as_str(), (c.state.as_str(), c.total, c.refunded)))
        .collect();
    let credited = biller.credited();
    let mut credits_per_bill: HashMap<&str, usize> = HashMap::new();
    for credit in &credited {
        *credits_per_bill
            .entry(credit.bill_number.as_str())
            .or_default() += 1;
    }

    let took_money = |state: &str| matches!(state, "SUCCESS" | "REFUND");
    let charges_taken = charges.iter().filter(|c| took_money(&c.state)).count();
    let mut paid_orders_without_one_charge = 0;
    let mut unpaid_orders_with_a_charge = 0;
    for (order, state, _) in &ours {
        let charge = charged.get(order.as_str());
        let taken = charge.is_some_and(|(s, _, _)| took_money(s));
        match state.as_str() {
            "paid" | "refunding" | "refunded" | "stuck" if !taken => {
                paid_orders_without_one_charge += 1;
            }
            "failed" | "open" if taken => unpaid_orders_with_a_charge += 1,
            _ => {}
        }
    }
    let orders_unknown_to_us = charges
        .iter()
        .filter(|c| !ours.iter().any(|(o, _, _)| *o == c.order_no))
        .count();
    let money_taken: i64 = charges
        .iter()
        .filter(|c| took_money(&c.state))
        .map(|c| c.total)
        .sum();
    let money_refunded: i64 = charges.iter().map(|c| c.refunded).sum();
    let money_credited: i64 = credited.iter().map(|c| c.amount).sum();
    let unaccounted = money_taken - money_refunded - money_credited;
    let bills_credited_twice = credits_per_bill.values().filter(|n| **n > 1).count();
    let refunds = charges.iter().filter(|c| c.refunded > 0).count();
    let count = |state: &str| ours.iter().filter(|(_, s, _)| s == state).count();
    let items_credited = items.iter().filter(|(_, s)| s == "credited").count();
    let items_held = items.iter().filter(|(_, s)| s == "held").count();

    println!(
        "    burst sent in {:.1} s; all settled after {:.1} s (unsettled left: {left})",
        burst_time.as_secs_f64(),
        settled_time.as_secs_f64()
    );
    println!("payments started by residents       {total}");
    println!(
        "  forms sent twice at once          {}",
        tally.doubled_forms.load(Ordering::SeqCst)
    );
    println!(
        "  answers lost (server killed)      {}",
        tally.lost_answers.load(Ordering::SeqCst)
    );
    println!(
        "  forms answered without a pay page {}",
        tally.refused.load(Ordering::SeqCst)
    );
    let mut refusals: Vec<(String, usize)> = tally
        .refusals
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .into_iter()
        .collect();
    refusals.sort_by_key(|(_, times)| std::cmp::Reverse(*times));
    for (key, times) in refusals {
        println!("    {key:<31} {times}");
    }
    println!(
        "  bills paid elsewhere meanwhile    {}",
        tally.paid_elsewhere.load(Ordering::SeqCst)
    );
    println!(
        "  paid on the provider's page       {}",
        tally.paid_on_page.load(Ordering::SeqCst)
    );
    println!(
        "  declined on the provider's page   {}",
        tally.declined_on_page.load(Ordering::SeqCst)
    );
    println!("orders (ours)                       {}", ours.len());
    println!(
        "  paid {} · failed {} · refunded {} · refunding {} · stuck {} · open {}",
        count("paid"),
        count("failed"),
        count("refunded"),
        count("refunding"),
        count("stuck"),
        count("open")
    );
    println!(
        "  still open, nothing charged       {still_open} (closed by their job once they expire)"
    );
    println!(
        "charges at the provider             {} ({} took money)",
        charges.len(),
        charges_taken
    );
    println!("charges per paid order              1 for all but {paid_orders_without_one_charge} (must be 0)");
    println!("charges per unpaid order            0 for all but {unpaid_orders_with_a_charge} (must be 0)");
    println!("charges the portal has no order for {orders_unknown_to_us} (must be 0)");
    println!(
        "bills credited at the biller        {} ({} items credited in our ledger)",
        credited.len(),
        items_credited
    );
    println!("bills credited twice                {bills_credited_twice} (must be 0)");
    println!(
        "bills held without a final payment  {items_held} (released by the sweep once their lock runs out)"
    );
    let yuan = |fen: i64| Money::cny(fen).display(Locale::En);
    println!(
        "refunds                             {refunds} ({})",
        yuan(money_refunded)
    );
    println!(
        "money: taken {} = credited {} + refunded {} + unaccounted {} (must be 0)",
        yuan(money_taken),
        yuan(money_credited),
        yuan(money_refunded),
        yuan(unaccounted)
    );
    if paid_orders_without_one_charge > 0
        || unpaid_orders_with_a_charge > 0
        || orders_unknown_to_us > 0
        || bills_credited_twice > 0
        || items_credited != credited.len()
        || unaccounted != 0
        || left > 0
        || open_and_taken > 0
    {
        bail!("the ledgers do not reconcile");
    }
    println!("==> the three ledgers reconcile: one charge per paid order, each bill credited once, nothing unaccounted for");
    Ok(())
}
