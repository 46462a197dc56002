//! Utility bills through the portal's forms and pages, against the demo's billers (the
//! Provider API for bills) and WeChat Pay simulators over real HTTP: saving accounts, paying
//! bills once whatever is repeated, every refusal a clear message with nothing charged, and
//! each biller told of each paid bill exactly once, even after being down.

use server::services::payments::PaymentSettings;
use server::{
    jobs::{worker::Workers, RetryPolicy},
    services::{
        bills::report,
        payments::{self, store::PaymentState, worker},
    },
    simulators::faults::FaultMode,
};
use sqlx::Row;

use crate::{
    common::{Posted, TestApp},
    payments::wechatpay,
};
use server::services::{
    bills::{simulator::SimulatedBiller, UtilityBills},
    payments::Payments,
};

const BILLER: &str = "shenzhen-electricity";
/// The demo's first electricity account: one bill of ¥123.45.
const ACCOUNT: &str = "1000000001";
const BILL: &str = "1000000001-202610";

struct Resident {
    cookie: String,
    id: String,
}

async fn setup() -> (TestApp, Resident) {
    let app = TestApp::spawn_with(|settings| {
        // The tests run the jobs themselves; a company back up is tried again within a second.
        settings.services.get_mut::<PaymentSettings>().worker = false;
        settings.breaker.cool_down = std::time::Duration::from_secs(1);
    })
    .await;
    let cookie = app
        .sign_up("payer@example.com", "correct horse battery")
        .await;
    let id: String = sqlx::query("SELECT id FROM residents LIMIT 1")
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("a resident")
        .try_get("id")
        .expect("id");
    (app, Resident { cookie, id })
}

/// Saves an account, proven with the amount of its first open bill as the company states it
/// (any amount for an account the company does not know).
async fn save_account(app: &TestApp, resident: &Resident, biller: &str, number: &str) -> Posted {
    let fen = app
        .part::<SimulatedBiller>(biller)
        .owed(number)
        .first()
        .copied()
        .unwrap_or(100);
    save_with(app, resident, biller, number, &yuan(fen)).await
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

async fn save_with(
    app: &TestApp,
    resident: &Resident,
    biller: &str,
    number: &str,
    amount: &str,
) -> Posted {
    app.post_form(
        "/c/shenzhen/bills/accounts",
        &[
            ("biller", biller),
            ("number", number),
            ("amount", amount),
            ("label", "Home"),
            ("consent", "yes"),
        ],
        Some(&resident.cookie),
    )
    .await
}

/// The pay form's value of a bill as the page shows it.
async fn shown_bill(app: &TestApp, resident: &Resident, bill: &str) -> String {
    let (status, html) = app.get("/c/shenzhen/bills", Some(&resident.cookie)).await;
    assert_eq!(status, 200, "{html}");
    let at = html
        .find(&format!("/{bill}/"))
        .expect("the bill is on the page");
    let start = html[..at].rfind("value=\"").expect("its value") + 7;
    let end = start + html[start..].find('"').expect("closed");
    html[start..end].to_owned()
}

async fn pay(app: &TestApp, resident: &Resident, bills: &[&str]) -> Posted {
    let form: Vec<(&str, &str)> = bills.iter().map(|b| ("bill", *b)).collect();
    app.post_form("/c/shenzhen/bills/pay", &form, Some(&resident.cookie))
        .await
}

fn error_of(posted: &Posted) -> String {
    url::Url::parse(&format!("http://x{}", posted.location))
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "error")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default()
}

async fn run(app: &TestApp) {
    let stopping = Workers::default().stopping();
    sqlx::query("UPDATE jobs SET next_attempt_at = 0 WHERE settled_at IS NULL AND recurring = 0")
        .execute(app.state.portal.storage.pool())
        .await
        .expect("jobs due");
    worker::round(
        &app.home::<Payments>(),
        payments::store::CONFIRM,
        "shenzhen-wechatpay",
        &RetryPolicy::default(),
        &stopping,
    )
    .await;
    report::round(
        &app.home::<UtilityBills>(),
        BILLER,
        &RetryPolicy::default(),
        &stopping,
    )
    .await;
}

fn order_of(app: &TestApp) -> String {
    wechatpay(app)
        .charges()
        .first()
        .expect("a charge")
        .order_no
        .clone()
}

#[tokio::test]
async fn an_account_is_saved_only_with_consent_and_only_when_its_company_knows_it() {
    let (app, resident) = setup().await;
    let unknown = save_account(&app, &resident, BILLER, "1999999999").await;
    assert_eq!(error_of(&unknown), "bills-error-not-proven");
    // Another company's account: the electricity company does not know a water account.
    let other = save_account(&app, &resident, BILLER, "2000000001").await;
    assert_eq!(error_of(&other), "bills-error-not-proven");
    let without = app
        .post_form(
            "/c/shenzhen/bills/accounts",
            &[
                ("biller", BILLER),
                ("number", ACCOUNT),
                ("amount", "123.45"),
            ],
            Some(&resident.cookie),
        )
        .await;
    assert_eq!(error_of(&without), "bills-error-consent");
    let bad = save_account(&app, &resident, BILLER, "10/00").await;
    assert_eq!(error_of(&bad), "bills-error-number");

    let saved = save_account(&app, &resident, BILLER, ACCOUNT).await;
    assert!(
        saved.location.contains("notice=bills-account-added"),
        "{}",
        saved.location
    );
    let (_, html) = app.get("/c/shenzhen/bills", Some(&resident.cookie)).await;
    assert!(html.contains("¥123.45"), "{html}");
    assert!(html.contains("王*明"), "the holder's hint shows");
    // The company learnt the account number and its own pseudonym of the resident, no more.
    let consents = app
        .state
        .portal
        .privacy
        .consents_of(&resident.id)
        .await
        .expect("consents");
    assert!(consents
        .iter()
        .any(|c| c.provider_id == BILLER && c.fields.is_empty()));
}

#[tokio::test]
async fn a_bill_is_paid_once_and_its_company_gives_a_receipt() {
    let (app, resident) = setup().await;
    save_account(&app, &resident, BILLER, ACCOUNT).await;
    let value = shown_bill(&app, &resident, BILL).await;

    let chosen = [value.as_str()];
    let (first, second) =
        tokio::join!(pay(&app, &resident, &chosen), pay(&app, &resident, &chosen));
    for posted in [&first, &second] {
        assert_eq!(posted.status, 303);
        assert!(
            posted.location.contains("checkmweb"),
            "to the provider: {}",
            posted.location
        );
    }
    assert_eq!(wechatpay(&app).charges().len(), 1, "one order, one charge");

    assert!(wechatpay(&app).pay(&order_of(&app)));
    let payment: String = sqlx::query("SELECT id FROM payments")
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("payment")
        .try_get("id")
        .expect("id");
    // The return page asks the provider; the company is not told yet.
    let (status, page) = app
        .get(&format!("/me/payments/{payment}"), Some(&resident.cookie))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("the company is being told"), "{page}");

    run(&app).await;
    let credited = app.part::<SimulatedBiller>(BILLER).credited();
    assert_eq!(credited.len(), 1, "{credited:?}");
    let receipt = credited[0].receipt_number.clone();
    let (_, page) = app
        .get(&format!("/me/payments/{payment}"), Some(&resident.cookie))
        .await;
    assert!(page.contains(&receipt), "{page}");
    let (_, inbox) = app.get("/inbox", Some(&resident.cookie)).await;
    assert!(inbox.contains(&receipt), "{inbox}");
    // Running the jobs again tells the company nothing more.
    run(&app).await;
    assert_eq!(app.part::<SimulatedBiller>(BILLER).credited().len(), 1);
    // And the bill is gone from the page.
    let (_, html) = app.get("/c/shenzhen/bills", Some(&resident.cookie)).await;
    assert!(!html.contains(&format!("/{BILL}/")), "paid: no longer open");
}

#[tokio::test]
async fn refusals_before_paying_are_clear_and_charge_nothing() {
    let (app, resident) = setup().await;
    save_account(&app, &resident, BILLER, ACCOUNT).await;
    let value = shown_bill(&app, &resident, BILL).await;

    // The amount changed between the look-up and the payment.
    app.part::<SimulatedBiller>(BILLER).set_owed(BILL, 13_000);
    let changed = pay(&app, &resident, &[&value]).await;
    assert_eq!(error_of(&changed), "bills-error-amount-changed");

    // Paid meanwhile (elsewhere): no longer open.
    app.part::<SimulatedBiller>(BILLER).set_owed(BILL, 0);
    let gone = pay(&app, &resident, &[&value]).await;
    assert_eq!(error_of(&gone), "bills-error-bill-gone");

    // Not one of this resident's accounts.
    let foreign = pay(&app, &resident, &["someone-else/1000000001-202610/12345"]).await;
    assert_eq!(error_of(&foreign), "bills-error-unknown-account");
    let nothing = pay(&app, &resident, &[]).await;
    assert_eq!(error_of(&nothing), "bills-error-nothing-chosen");

    // The payment provider down: a clear message, and nothing charged.
    app.part::<SimulatedBiller>(BILLER).set_owed(BILL, 12_345);
    let value = shown_bill(&app, &resident, BILL).await;
    app.knobs("wechatpay").set(FaultMode::Down);
    let down = pay(&app, &resident, &[&value]).await;
    assert_eq!(error_of(&down), "payment-error-provider-down");
    assert!(wechatpay(&app).charges().is_empty());
    assert!(app.part::<SimulatedBiller>(BILLER).credited().is_empty());
}

#[tokio::test]
async fn a_company_down_after_the_payment_is_told_once_when_it_is_back() {
    let (app, resident) = setup().await;
    save_account(&app, &resident, BILLER, ACCOUNT).await;
    let value = shown_bill(&app, &resident, BILL).await;
    pay(&app, &resident, &[&value]).await;
    assert!(wechatpay(&app).pay(&order_of(&app)));
    app.knobs("bills").set(FaultMode::Down);
    for _ in 0..3 {
        run(&app).await;
    }
    assert!(app.part::<SimulatedBiller>(BILLER).credited().is_empty());
    let state: String = sqlx::query("SELECT state FROM bill_items")
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("item")
        .try_get("state")
        .expect("state");
    assert_eq!(
        state, "paid",
        "the payment is kept, the company still to be told"
    );

    app.knobs("bills").set(FaultMode::Ok);
    // The breaker opened while the company was down: its cool-down (30 s) passes first.
    app.clock.advance(std::time::Duration::from_secs(31));
    run(&app).await;
    assert_eq!(app.part::<SimulatedBiller>(BILLER).credited().len(), 1);
    // And only once, however often the worker comes round.
    app.clock.advance(std::time::Duration::from_secs(3600));
    run(&app).await;
    assert_eq!(app.part::<SimulatedBiller>(BILLER).credited().len(), 1);
}

#[tokio::test]
async fn a_bill_its_company_no_longer_takes_is_refunded_alone() {
    let (app, resident) = setup().await;
    save_account(&app, &resident, BILLER, ACCOUNT).await;
    save_account(&app, &resident, BILLER, "1000000002").await;
    let first = shown_bill(&app, &resident, BILL).await;
    let second = shown_bill(&app, &resident, "1000000002-202610").await;
    let posted = pay(&app, &resident, &[&first, &second]).await;
    assert_eq!(posted.status, 303, "{}", posted.location);
    assert!(wechatpay(&app).pay(&order_of(&app)));
    // Before the company hears of it, the first bill changes and its lock runs out.
    app.part::<SimulatedBiller>(BILLER).set_owed(BILL, 20_000);
    app.part::<SimulatedBiller>(BILLER)
        .advance(std::time::Duration::from_secs(3600));
    run(&app).await;
    let credited = app.part::<SimulatedBiller>(BILLER).credited();
    assert_eq!(credited.len(), 1, "{credited:?}");
    assert_eq!(credited[0].bill_number, "1000000002-202610");
    // The refused bill's share goes back: a refund of ¥123.45 of the payment.
    sqlx::query("UPDATE jobs SET next_attempt_at = 0 WHERE kind = 'payment.refund'")
        .execute(app.state.portal.storage.pool())
        .await
        .expect("due");
    let stopping = Workers::default().stopping();
    for _ in 0..2 {
        worker::round(
            &app.home::<Payments>(),
            payments::store::REFUND,
            "shenzhen-wechatpay",
            &RetryPolicy::default(),
            &stopping,
        )
        .await;
        sqlx::query("UPDATE jobs SET next_attempt_at = 0 WHERE kind = 'payment.refund'")
            .execute(app.state.portal.storage.pool())
            .await
            .expect("due");
    }
    let charge = &wechatpay(&app).charges()[0];
    assert_eq!(charge.refunded, 12_345);
    let payment = app
        .home::<Payments>()
        .store
        .all()
        .await
        .expect("payments")
        .remove(0);
    assert_eq!(
        payment.state,
        PaymentState::Paid,
        "partly refunded, still paid"
    );
    let (_, inbox) = app.get("/inbox", Some(&resident.cookie)).await;
    assert!(inbox.contains("¥123.45 refunded"), "{inbox}");
}

#[tokio::test]
async fn the_provider_api_for_bills_is_published() {
    let app = TestApp::spawn().await;
    let document = app.get_json("/api/provider/v1/bills/openapi.json").await;
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/payments"]["post"].is_object());
}

#[tokio::test]
async fn a_write_sent_again_with_its_key_finds_the_first_and_another_body_is_refused() {
    use model::Money;
    use server::services::bills::port::{BillerError, Customer};
    let (app, _) = setup().await;
    let bills = app.home::<UtilityBills>();
    let biller = bills.billers.get(BILLER).expect("the demo biller");
    let customer = Customer("pseudonym");
    let lock = |fen: i64| {
        biller
            .adapter
            .lock(ACCOUNT, BILL, Money::cny(fen), "key-1", &customer)
    };
    let first = lock(12_345).await.expect("locked");
    let again = lock(12_345).await.expect("the same lock");
    assert_eq!(first.token, again.token);
    match lock(5_000).await {
        Err(BillerError::Refused(words)) => {
            assert!(words.starts_with("IDEMPOTENCY_KEY_REUSED"), "{words}");
        }
        other => panic!("another body under the same key: {other:?}"),
    }
    // An amount the bill does not owe is the company's AMOUNT_CHANGED, with what it owes.
    match biller
        .adapter
        .lock(ACCOUNT, BILL, Money::cny(1), "key-2", &customer)
        .await
    {
        Err(BillerError::AmountChanged(Some(owed))) => assert_eq!(owed, Money::cny(12_345)),
        other => panic!("a wrong amount: {other:?}"),
    }
}

#[tokio::test]
async fn a_bill_named_twice_in_one_form_is_paid_once() {
    let (app, resident) = setup().await;
    save_account(&app, &resident, BILLER, ACCOUNT).await;
    let value = shown_bill(&app, &resident, BILL).await;
    let posted = pay(&app, &resident, &[value.as_str(), value.as_str()]).await;
    assert_eq!(posted.status, 303);
    assert!(
        posted.location.contains("checkmweb"),
        "to the provider: {}",
        posted.location
    );
    let charges = wechatpay(&app).charges();
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0].total, 12_345, "the bill's amount, once");
}

/// Another resident, signed up through the forms.
async fn another(app: &TestApp, contact: &str) -> Resident {
    let cookie = app.sign_up(contact, "correct horse battery").await;
    let id = app.resident_id(contact).await;
    Resident { cookie, id }
}

#[tokio::test]
async fn an_account_number_is_not_a_key_looking_up_is_limited_and_proven_by_the_bill() {
    let (app, resident) = setup().await;
    // The number alone, or with an amount that is none of its bills: nothing is saved, and
    // nothing about the account is told (the same words as for a number no one has).
    let guessed = save_with(&app, &resident, BILLER, ACCOUNT, "100.00").await;
    assert_eq!(error_of(&guessed), "bills-error-not-proven");
    for n in 2..=5 {
        let number = format!("199999999{n}");
        let unknown = save_account(&app, &resident, BILLER, &number).await;
        assert_eq!(error_of(&unknown), "bills-error-not-proven");
    }
    // Five failed look-ups an hour: the sixth is not even asked, right or wrong.
    let limited = save_account(&app, &resident, BILLER, ACCOUNT).await;
    assert_eq!(error_of(&limited), "account-error-rate-limited");
    let (_, page) = app.get("/c/shenzhen/bills", Some(&resident.cookie)).await;
    assert!(!page.contains("王*明"), "no holder shown");
    app.advance(std::time::Duration::from_secs(3601)).await;

    // The amount printed on its bill proves it: holder and bill are shown.
    let saved = save_with(&app, &resident, BILLER, ACCOUNT, "123.45").await;
    assert!(
        saved.location.contains("notice=bills-account-added"),
        "{saved:?}"
    );
    let (_, page) = app.get("/c/shenzhen/bills", Some(&resident.cookie)).await;
    assert!(page.contains("王*明"), "the holder, once proven");
    assert!(page.contains(&format!("/{BILL}/")), "the bill, once proven");

    // At most ten accounts.
    for n in 1..=9 {
        let number = format!("18000000{n:02}");
        let bill = app
            .part::<SimulatedBiller>(BILLER)
            .add_bill(&number, "2026-10", 1_000 + n);
        assert!(!bill.is_empty());
        let saved = save_account(&app, &resident, BILLER, &number).await;
        assert!(
            saved.location.contains("notice=bills-account-added"),
            "{saved:?}"
        );
    }
    app.part::<SimulatedBiller>(BILLER)
        .add_bill("1800000099", "2026-10", 5_000);
    let eleventh = save_account(&app, &resident, BILLER, "1800000099").await;
    assert_eq!(error_of(&eleventh), "bills-error-too-many-accounts");
    // Saving one kept already only relabels it.
    let again = save_account(&app, &resident, BILLER, ACCOUNT).await;
    assert!(
        again.location.contains("notice=bills-account-added"),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_bill_held_by_a_strangers_unpaid_payment_is_paid_by_its_holder_and_never_twice() {
    let (app, stranger) = setup().await;
    wechatpay(&app).set_behaviour(server::services::payments::simulator::Behaviour {
        notices: server::services::payments::simulator::NoticeMode::Drop,
        ..Default::default()
    });
    // A stranger who knew the number and the amount holds the bill in a payment, unpaid.
    save_account(&app, &stranger, BILLER, ACCOUNT).await;
    let value = shown_bill(&app, &stranger, BILL).await;
    let held = pay(&app, &stranger, &[&value]).await;
    assert!(held.location.contains("checkmweb"), "{held:?}");
    let strangers_order = order_of(&app);

    // The holder sees the bill, never a link to the stranger's payment, and pays it: the
    // stranger's order is closed at WeChat Pay first.
    let holder = another(&app, "holder@example.com").await;
    save_account(&app, &holder, BILLER, ACCOUNT).await;
    let (_, page) = app.get("/c/shenzhen/bills", Some(&holder.cookie)).await;
    assert!(!page.contains("/me/payments/"), "no one else's payment");
    let value = shown_bill(&app, &holder, BILL).await;
    let paying = pay(&app, &holder, &[&value]).await;
    assert!(paying.location.contains("checkmweb"), "{paying:?}");
    let charges = wechatpay(&app).charges();
    assert_eq!(charges.len(), 2, "{charges:?}");
    let strangers = app
        .home::<Payments>()
        .store
        .all()
        .await
        .expect("payments")
        .into_iter()
        .find(|p| p.order_no == strangers_order)
        .expect("the stranger's payment");
    assert_eq!(strangers.state, PaymentState::Failed, "{strangers:?}");
    assert!(
        !wechatpay(&app).pay(&strangers_order),
        "a closed order cannot be paid"
    );

    // Had the stranger paid meanwhile, the bill is paid, and the holder is charged nothing.
    let third = another(&app, "third@example.com").await;
    save_account(&app, &third, BILLER, "1000000002").await;
    let bills: Vec<String> = ["1000000002-202609"]
        .iter()
        .map(|b| b.to_string())
        .collect();
    let value = shown_bill(&app, &third, &bills[0]).await;
    let third_paying = pay(&app, &third, &[&value]).await;
    assert!(
        third_paying.location.contains("checkmweb"),
        "{third_paying:?}"
    );
    let thirds_order = app
        .home::<Payments>()
        .store
        .of_resident(&third.id)
        .await
        .expect("payments")
        .first()
        .expect("the third's payment")
        .order_no
        .clone();
    assert!(wechatpay(&app).pay(&thirds_order), "paid at WeChat Pay");
    save_account(&app, &holder, BILLER, "1000000002").await;
    let value = shown_bill(&app, &holder, &bills[0]).await;
    let before = wechatpay(&app).charges().len();
    let too_late = pay(&app, &holder, &[&value]).await;
    assert_eq!(error_of(&too_late), "bills-error-already-paid");
    assert_eq!(
        wechatpay(&app).charges().len(),
        before,
        "nothing more charged"
    );
}

#[tokio::test]
async fn a_resident_has_at_most_three_payments_open_however_fast_they_tap() {
    let (app, resident) = setup().await;
    wechatpay(&app).set_behaviour(server::services::payments::simulator::Behaviour {
        notices: server::services::payments::simulator::NoticeMode::Drop,
        ..Default::default()
    });
    let mut values = Vec::new();
    for n in 1..=4 {
        let number = format!("17000000{n:02}");
        app.part::<SimulatedBiller>(BILLER)
            .add_bill(&number, "2026-10", 2_000 + n);
        save_account(&app, &resident, BILLER, &number).await;
        values.push(shown_bill(&app, &resident, &format!("{number}-202610")).await);
    }
    // Four at once: three payments, and the fourth refused with its bill free again.
    let forms: Vec<[&str; 1]> = values.iter().map(|v| [v.as_str()]).collect();
    let posted =
        futures::future::join_all(forms.iter().map(|form| pay(&app, &resident, form))).await;
    let started = posted
        .iter()
        .filter(|p| p.location.contains("checkmweb"))
        .count();
    let refused: Vec<_> = posted
        .iter()
        .filter(|p| error_of(p) == "payment-error-too-many-open")
        .collect();
    assert_eq!((started, refused.len()), (3, 1), "{posted:?}");
    assert_eq!(wechatpay(&app).charges().len(), 3);
    let mut held = 0;
    for n in 1..=4 {
        let bill = format!("17000000{n:02}-202610");
        if app
            .home::<UtilityBills>()
            .store
            .holding(BILLER, &bill)
            .await
            .expect("store")
            .is_some()
        {
            held += 1;
        }
    }
    assert_eq!(held, 3, "the refused one's bill is no one's");
}

#[tokio::test]
async fn a_bill_of_an_account_one_did_not_prove_is_none_of_ones_business() {
    let (app, holder) = setup().await;
    wechatpay(&app).set_behaviour(server::services::payments::simulator::Behaviour {
        notices: server::services::payments::simulator::NoticeMode::Drop,
        ..Default::default()
    });
    save_account(&app, &holder, BILLER, ACCOUNT).await;
    let value = shown_bill(&app, &holder, BILL).await;
    let paying = pay(&app, &holder, &[&value]).await;
    assert!(paying.location.contains("checkmweb"), "{paying:?}");

    // Another resident proves an account of their own, then names the holder's bill with it:
    // refused as a bill that is not there, and the holder's payment stays as it was.
    let other = another(&app, "other@example.com").await;
    save_account(&app, &other, BILLER, "1000000002").await;
    let own = app
        .home::<UtilityBills>()
        .store
        .accounts(&other.id, "shenzhen")
        .await
        .expect("accounts")[0]
        .id
        .clone();
    let forged = format!("{own}/{BILL}/12345");
    let refused = pay(&app, &other, &[&forged]).await;
    assert_eq!(error_of(&refused), "bills-error-bill-gone");
    let payments = app
        .home::<Payments>()
        .store
        .of_resident(&holder.id)
        .await
        .expect("payments");
    assert_eq!(payments[0].state, PaymentState::Open, "untouched");
}

/// An account saved without a label is titled by its company's name and the number's last
/// digits, in the reader's language, never by an internal id ("electricity").
#[tokio::test]
async fn an_account_without_a_label_is_named_by_its_company_and_last_digits() {
    let (app, resident) = setup().await;
    let saved = app
        .post_form(
            "/c/shenzhen/bills/accounts",
            &[
                ("biller", BILLER),
                ("number", ACCOUNT),
                ("amount", "123.45"),
                ("label", ""),
                ("consent", "yes"),
            ],
            Some(&resident.cookie),
        )
        .await;
    assert!(
        saved.location.contains("notice=bills-account-added"),
        "{saved:?}"
    );
    let (_, page) = app.get("/c/shenzhen/bills", Some(&resident.cookie)).await;
    assert!(page.contains("Shenzhen Power Supply ···0001"), "{page}");
    assert!(!page.contains(">electricity<"), "no internal id as a title");
    let chinese = app
        .client
        .get(app.url("/c/shenzhen/bills"))
        .header("cookie", &resident.cookie)
        .header("accept-language", "zh-CN")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(chinese.contains("深圳供电局 尾号0001"), "{chinese}");
}

/// Paid, with the company's receipt still on its way: the payment's page says so, with a way
/// to look again (no timed refresh a resident cannot stop), and shows the receipt once in.
#[tokio::test]
async fn a_paid_payment_page_says_the_companys_receipt_is_on_its_way_until_it_is_in() {
    let (app, resident) = setup().await;
    wechatpay(&app).set_behaviour(server::services::payments::simulator::Behaviour {
        notices: server::services::payments::simulator::NoticeMode::Drop,
        ..Default::default()
    });
    save_account(&app, &resident, BILLER, ACCOUNT).await;
    let value = shown_bill(&app, &resident, BILL).await;
    let paying = pay(&app, &resident, &[&value]).await;
    assert!(paying.location.contains("checkmweb"), "{paying:?}");
    let payment = app
        .home::<Payments>()
        .store
        .of_resident(&resident.id)
        .await
        .expect("payments")
        .remove(0);
    assert!(wechatpay(&app).pay(&payment.order_no));
    let path = format!("/me/payments/{}", payment.id);
    // Coming back: paid (asked of WeChat Pay), the company not told yet.
    let (_, page) = app.get(&path, Some(&resident.cookie)).await;
    assert!(page.contains("data-status=\"paid\""), "{page}");
    assert!(page.contains("The receipt is on its way"), "{page}");
    assert!(page.contains(">Look again<"), "a way to look again");
    run(&app).await;
    let (_, page) = app.get(&path, Some(&resident.cookie)).await;
    assert!(page.contains("receipt RC1"), "{page}");
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "and stops once it is in"
    );
}

#[tokio::test]
async fn each_bill_keeps_the_history_of_its_moves_on_the_checkout_kit() {
    let (app, resident) = setup().await;
    save_account(&app, &resident, BILLER, ACCOUNT).await;
    let value = shown_bill(&app, &resident, BILL).await;
    let posted = pay(&app, &resident, &[value.as_str()]).await;
    assert!(posted.location.contains("checkmweb"), "{posted:?}");
    assert!(wechatpay(&app).pay(&order_of(&app)));
    run(&app).await;
    let bills = app.home::<UtilityBills>();
    let items = bills.store.all_items().await.expect("items");
    assert_eq!(items.len(), 1);
    let history = payments::checkout::moves::history(
        app.state.portal.storage.pool(),
        &server::services::bills::store::TABLE,
        &items[0].id,
    )
    .await
    .expect("history");
    let steps: Vec<(&str, &str)> = history
        .iter()
        .map(|step| (step.event.as_str(), step.by.as_str()))
        .collect();
    // Locked for the resident, paid by their payment, credited on the company's word.
    assert_eq!(
        steps,
        [("held", "resident"), ("paid", "payment"), ("booked", "job")]
    );
    let stored: String = sqlx::query("SELECT state FROM bill_items")
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("item")
        .try_get("state")
        .expect("state");
    assert_eq!(stored, "credited", "stored as bills always stored it");
}
