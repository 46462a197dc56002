//! A simulator of the Provider API for bills, one biller per demo provider under its provider
//! id (`/{provider}/v1/…`), with seeded accounts and bills, idempotency keys honoured as the
//! API says, locks that expire on a clock the tests can move, and knobs to change a bill or
//! have it paid elsewhere; the shared fault knobs sit in front of all of it.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use sha2::{Digest, Sha256};

use crate::provider_api::{
    wire::{self, codes},
    IDEMPOTENCY_HEADER,
};
use portal_core::{
    clock::Clock,
    simulators::faults::{apply_faults, FaultKnobs},
};

/// How long a lock holds by default.
const LOCK_MINUTES: i64 = 20;

#[derive(Clone, Debug)]
struct SimBill {
    number: String,
    period: String,
    /// What is still owed, in fen.
    owed: i64,
    due: jiff::civil::Date,
    part_minimum: Option<i64>,
}

#[derive(Clone, Debug)]
struct SimAccount {
    holder_hint: String,
    bills: Vec<SimBill>,
}

#[derive(Clone, Debug)]
struct SimLock {
    bill_number: String,
    account_number: String,
    amount: i64,
    expires_at: i64,
}

/// A payment the biller recorded (for the tests' and the burst's reckoning).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credited {
    pub key: String,
    pub bill_number: String,
    pub amount: i64,
    pub receipt_number: String,
    pub payment_reference: String,
}

#[derive(Default)]
struct Books {
    accounts: HashMap<String, SimAccount>,
    locks: HashMap<String, SimLock>,
    /// Idempotency key → (digest of the body, status, answer).
    answered: HashMap<String, (Vec<u8>, StatusCode, String)>,
    receipts: HashMap<String, wire::Receipt>,
    credited: Vec<Credited>,
}

/// One simulated biller.
pub struct SimulatedBiller {
    /// `1` electricity, `2` water, `3` gas: the first digit of its account numbers.
    prefix: char,
    books: Mutex<Books>,
    clock: Clock,
    receipts_made: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SimulatedBiller {
    /// A biller of `utility` with its demo accounts: `{digit}000000001` to `…5`, the digit 1
    /// for electricity, 2 for water, 3 for gas.
    pub fn seeded(utility: &str) -> Arc<SimulatedBiller> {
        let prefix = match utility {
            "water" => '2',
            "gas" => '3',
            _ => '1',
        };
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        let days = |n: i64| {
            today
                .checked_add(jiff::Span::new().days(n))
                .unwrap_or(today)
        };
        let bill = |account: &str, period: &str, owed: i64, due, part_minimum| SimBill {
            number: format!("{account}-{}", period.replace('-', "")),
            period: period.to_owned(),
            owed,
            due,
            part_minimum,
        };
        let scale = match prefix {
            '2' => 3,
            '3' => 2,
            _ => 10,
        };
        let mut accounts = HashMap::new();
        let holders = ["王*明", "李*", "张*华", "陈*", "刘*芳"];
        for (n, holder) in (1..=5).zip(holders) {
            let number = format!("{prefix}00000000{n}");
            let bills = match n {
                1 => vec![bill(
                    &number,
                    "2026-10",
                    12_345 * scale / 10,
                    days(10),
                    None,
                )],
                2 => vec![
                    bill(&number, "2026-09", 8_800 * scale / 10, days(-5), None),
                    bill(&number, "2026-10", 9_650 * scale / 10, days(10), None),
                ],
                3 => Vec::new(),
                4 => vec![bill(
                    &number,
                    "2026-10",
                    30_000 * scale / 10,
                    days(10),
                    Some(5_000),
                )],
                _ => vec![bill(
                    &number,
                    "2026-10",
                    123_450 * scale / 10,
                    days(15),
                    None,
                )],
            };
            accounts.insert(
                number,
                SimAccount {
                    holder_hint: (*holder).to_owned(),
                    bills,
                },
            );
        }
        Arc::new(SimulatedBiller {
            prefix,
            books: Mutex::new(Books {
                accounts,
                ..Books::default()
            }),
            clock: Clock::adjustable(),
            receipts_made: AtomicU64::new(0),
        })
    }

    /// An account number of this biller's demo (`n` from 1 to 5).
    pub fn demo_account(&self, n: u8) -> String {
        format!("{}00000000{n}", self.prefix)
    }

    fn now(&self) -> i64 {
        self.clock.seconds()
    }

    /// Moves the biller's clock forward (locks expire).
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Changes what a bill owes (a correction, a late fee).
    pub fn set_owed(&self, bill_number: &str, fen: i64) {
        let mut books = lock(&self.books);
        for account in books.accounts.values_mut() {
            for bill in &mut account.bills {
                if bill.number == bill_number {
                    bill.owed = fen;
                }
            }
        }
    }

    /// What the account's open bills owe, in fen (what its holder reads on them).
    pub fn owed(&self, account_number: &str) -> Vec<i64> {
        lock(&self.books)
            .accounts
            .get(account_number)
            .map(|a| {
                a.bills
                    .iter()
                    .filter(|b| b.owed > 0)
                    .map(|b| b.owed)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every payment credited so far.
    pub fn credited(&self) -> Vec<Credited> {
        lock(&self.books).credited.clone()
    }

    /// Adds a bill (for a burst of payments).
    pub fn add_bill(&self, account_number: &str, period: &str, fen: i64) -> String {
        let number = format!("{account_number}-{}", period.replace('-', ""));
        let due = jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        let mut books = lock(&self.books);
        let account = books
            .accounts
            .entry(account_number.to_owned())
            .or_insert_with(|| SimAccount {
                holder_hint: "测*".into(),
                bills: Vec::new(),
            });
        account.bills.push(SimBill {
            number: number.clone(),
            period: period.to_owned(),
            owed: fen,
            due,
            part_minimum: None,
        });
        number
    }

    /// The bill of `number` and its account number.
    fn find<'a>(books: &'a mut Books, number: &str) -> Option<(&'a str, &'a mut SimBill)> {
        books.accounts.iter_mut().find_map(|(account, a)| {
            a.bills
                .iter_mut()
                .find(|b| b.number == number)
                .map(|bill| (account.as_str(), bill))
        })
    }
}

fn problem(status: StatusCode, code: &str, message: &str) -> (StatusCode, String) {
    let body = serde_json::to_string(&wire::Problem {
        code: code.into(),
        message: message.into(),
        current_amount: None,
    })
    .unwrap_or_default();
    (status, body)
}

/// The published document's `X-Portal-Customer`: required, at most 64 characters; a request
/// without it is an `INVALID_REQUEST`.
async fn require_customer(request: axum::extract::Request, next: middleware::Next) -> Response {
    let customer = request
        .headers()
        .get(crate::provider_api::CUSTOMER_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if customer.is_empty() || customer.chars().count() > 64 {
        return respond(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_REQUEST,
            "X-Portal-Customer: 1 to 64 characters",
        ));
    }
    next.run(request).await
}

fn respond((status, body): (StatusCode, String)) -> Response {
    (status, [("content-type", "application/json")], body).into_response()
}

fn cny(value: i64) -> wire::Amount {
    wire::Amount {
        value,
        currency: wire::Currency::Cny,
    }
}

/// Every demo biller under its provider id, behind one set of fault knobs, answering only
/// requests with `Authorization: Bearer {api_key}` (the published document's `bearer`
/// security scheme, required of every operation).
pub fn directory_router(
    billers: &HashMap<String, Arc<SimulatedBiller>>,
    api_key: &str,
    knobs: Arc<FaultKnobs>,
) -> Router {
    let mut router = Router::new();
    for (provider, biller) in billers {
        router = router.nest(
            &format!("/{provider}/v1"),
            biller_router(Arc::clone(biller)),
        );
    }
    router
        .layer(middleware::from_fn_with_state(
            Arc::<str>::from(api_key),
            require_key,
        ))
        .layer(middleware::from_fn_with_state(knobs, apply_faults))
}

/// 401 with the document's problem body unless the request carries the key.
async fn require_key(
    State(api_key): State<Arc<str>>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> Response {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if token != Some(&*api_key) {
        let mut response = respond(problem(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "Authorization: Bearer <the key the biller issued>",
        ));
        response.headers_mut().insert(
            "www-authenticate",
            axum::http::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    next.run(request).await
}

fn biller_router(biller: Arc<SimulatedBiller>) -> Router {
    // The two operations whose published document requires `X-Portal-Customer`.
    let for_a_customer = Router::new()
        .route("/accounts/{account}/bills", get(open_bills))
        .route("/bills/{bill}/locks", post(lock_bill))
        .layer(middleware::from_fn(require_customer));
    for_a_customer
        .route("/payments", post(record_payment))
        .route("/receipts/{receipt}", get(read_receipt))
        .with_state(biller)
}

type Sim = State<Arc<SimulatedBiller>>;

async fn open_bills(State(sim): Sim, Path(account): Path<String>) -> Response {
    let books = lock(&sim.books);
    let Some(found) = books.accounts.get(&account) else {
        return respond(problem(
            StatusCode::NOT_FOUND,
            codes::ACCOUNT_NOT_FOUND,
            "no such account",
        ));
    };
    let answer = wire::AccountBills {
        account_number: account.clone(),
        holder_hint: Some(found.holder_hint.clone()),
        bills: found
            .bills
            .iter()
            .filter(|b| b.owed > 0)
            .map(|b| wire::Bill {
                bill_number: b.number.clone(),
                period: b.period.clone(),
                amount: cny(b.owed),
                due_date: b.due.to_string(),
                part_payment: wire::PartPayment {
                    allowed: b.part_minimum.is_some(),
                    minimum: b.part_minimum.map(cny),
                },
            })
            .collect(),
    };
    (StatusCode::OK, Json(answer)).into_response()
}

/// Answers a write once per idempotency key: the same key and body again gets the first
/// answer; the same key with another body, a 422.
fn once(
    sim: &SimulatedBiller,
    headers: &HeaderMap,
    scope: &str,
    body: &[u8],
    act: impl FnOnce(&mut Books) -> (StatusCode, String),
) -> Response {
    let Some(key) = headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 128)
    else {
        return respond(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_REQUEST,
            "Idempotency-Key is required",
        ));
    };
    let key = format!("{scope}:{key}");
    let digest = Sha256::digest(body).to_vec();
    let mut books = lock(&sim.books);
    if let Some((seen, status, answer)) = books.answered.get(&key) {
        return if *seen == digest {
            respond((*status, answer.clone()))
        } else {
            respond(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::IDEMPOTENCY_KEY_REUSED,
                "this key was used with another body",
            ))
        };
    }
    let (status, answer) = act(&mut books);
    // Only what changed something is remembered; a refusal may be asked again.
    if status.is_success() {
        books.answered.insert(key, (digest, status, answer.clone()));
    }
    respond((status, answer))
}

async fn lock_bill(
    State(sim): Sim,
    Path(bill_number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(request) = serde_json::from_slice::<wire::LockRequest>(&body) else {
        return respond(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_REQUEST,
            "not a lock request",
        ));
    };
    let now = sim.now();
    once(&sim, &headers, "lock", &body, |books| {
        let Some((account, bill)) = SimulatedBiller::find(books, &bill_number) else {
            return problem(StatusCode::NOT_FOUND, codes::BILL_NOT_FOUND, "no such bill");
        };
        if account != request.account_number {
            return problem(
                StatusCode::NOT_FOUND,
                codes::BILL_NOT_FOUND,
                "not a bill of this account",
            );
        }
        if bill.owed == 0 {
            return problem(
                StatusCode::CONFLICT,
                codes::BILL_ALREADY_PAID,
                "the bill is paid",
            );
        }
        let amount = request.amount.value;
        let acceptable = amount == bill.owed
            || bill
                .part_minimum
                .is_some_and(|minimum| amount >= minimum && amount < bill.owed);
        if !acceptable {
            let body = serde_json::to_string(&wire::Problem {
                code: codes::AMOUNT_CHANGED.into(),
                message: "the bill owes another amount".into(),
                current_amount: Some(cny(bill.owed)),
            })
            .unwrap_or_default();
            return (StatusCode::CONFLICT, body);
        }
        let token = uuid::Uuid::new_v4().simple().to_string();
        let expires_at = now + LOCK_MINUTES * 60;
        let answer = wire::Lock {
            lock_token: token.clone(),
            bill_number: bill_number.clone(),
            amount: cny(amount),
            expires_at: jiff::Timestamp::from_second(expires_at)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        };
        let account = account.to_owned();
        books.locks.insert(
            token,
            SimLock {
                bill_number: bill_number.clone(),
                account_number: account,
                amount,
                expires_at,
            },
        );
        (
            StatusCode::CREATED,
            serde_json::to_string(&answer).unwrap_or_default(),
        )
    })
}

async fn record_payment(State(sim): Sim, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<wire::PaymentRequest>(&body) else {
        return respond(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_REQUEST,
            "not a payment",
        ));
    };
    let key = headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let now = sim.now();
    let receipt_number = format!(
        "RC{}{:08}",
        sim.prefix,
        sim.receipts_made.fetch_add(1, Ordering::Relaxed) + 1
    );
    once(&sim, &headers, "payment", &body, |books| {
        let Some(held) = books.locks.get(&request.lock_token).cloned() else {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::INVALID_REQUEST,
                "unknown lock_token",
            );
        };
        if held.bill_number != request.bill_number
            || held.account_number != request.account_number
            || held.amount != request.amount.value
        {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::INVALID_REQUEST,
                "the payment is not the lock's",
            );
        }
        let Some((_, bill)) = SimulatedBiller::find(books, &request.bill_number) else {
            return problem(StatusCode::NOT_FOUND, codes::BILL_NOT_FOUND, "no such bill");
        };
        if bill.owed == 0 {
            return problem(
                StatusCode::CONFLICT,
                codes::BILL_ALREADY_PAID,
                "the bill is paid",
            );
        }
        // An expired lock still pays an unchanged bill; a changed one, no longer.
        let still_owed = held.amount == bill.owed
            || bill
                .part_minimum
                .is_some_and(|minimum| held.amount >= minimum && held.amount < bill.owed);
        if now > held.expires_at && !still_owed {
            return problem(
                StatusCode::GONE,
                codes::LOCK_EXPIRED,
                "the lock expired and the bill changed",
            );
        }
        if held.amount > bill.owed {
            return problem(
                StatusCode::GONE,
                codes::LOCK_EXPIRED,
                "the bill owes less than the lock held",
            );
        }
        bill.owed -= held.amount;
        let receipt = wire::Receipt {
            receipt_number: receipt_number.clone(),
            bill_number: request.bill_number.clone(),
            amount: cny(held.amount),
            recorded_at: jiff::Timestamp::from_second(now)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        };
        books.locks.remove(&request.lock_token);
        books
            .receipts
            .insert(receipt_number.clone(), receipt.clone());
        books.credited.push(Credited {
            key,
            bill_number: request.bill_number.clone(),
            amount: held.amount,
            receipt_number,
            payment_reference: request.payment_reference.clone(),
        });
        (
            StatusCode::CREATED,
            serde_json::to_string(&receipt).unwrap_or_default(),
        )
    })
}

async fn read_receipt(State(sim): Sim, Path(receipt): Path<String>) -> Response {
    match lock(&sim.books).receipts.get(&receipt) {
        Some(found) => (StatusCode::OK, Json(found.clone())).into_response(),
        None => respond(problem(
            StatusCode::NOT_FOUND,
            codes::INVALID_REQUEST,
            "no such receipt",
        )),
    }
}
