//! Payments against the demo's WeChat Pay simulator over real HTTP, with real signatures and
//! encryption: one order and one charge whatever is repeated, the state only from asking,
//! notifications believed only as far as "ask now", expiry, refunds.

use server::services::payments::PaymentSettings;
use std::sync::{Arc, Mutex};

use model::{Locale, Money};
use server::services::payments::{
    self,
    simulator::{Behaviour, NoticeMode},
    store::{PaymentState, Purpose},
    worker, NewPayment, PaymentPurpose, StartError, Usable,
};
use server::simulators::faults::FaultMode;
use sqlx::Row;

use crate::common::TestApp;

use payments::{lifecycle::MovedBy, simulator::SimulatedWechatPay, Payments};

/// The demo's WeChat Pay: its ledger, its clock and its own knobs.
pub(crate) fn wechatpay(app: &TestApp) -> Arc<SimulatedWechatPay> {
    app.part("")
}

/// A service that takes money, as the tests need one: it records what it was told and
/// answers whether it can use a payment.
#[derive(Default)]
pub(crate) struct Recorder {
    refuse_with: Option<String>,
    told: Mutex<Vec<(String, String)>>,
}

impl Recorder {
    pub(crate) fn told(&self) -> Vec<(String, String)> {
        self.told.lock().expect("lock").clone()
    }
}

#[async_trait::async_trait]
impl PaymentPurpose for Recorder {
    fn kind(&self) -> &'static str {
        "test"
    }

    async fn paid(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &payments::store::PaymentRecord,
    ) -> Result<Usable, server::storage::StorageError> {
        self.told
            .lock()
            .expect("lock")
            .push(("paid".into(), payment.id.clone()));
        Ok(match &self.refuse_with {
            Some(reason) => Usable::No {
                reason: reason.clone(),
            },
            None => Usable::Yes,
        })
    }

    async fn unpaid(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &payments::store::PaymentRecord,
    ) -> Result<(), server::storage::StorageError> {
        self.told
            .lock()
            .expect("lock")
            .push(("unpaid".into(), payment.id.clone()));
        Ok(())
    }

    async fn refunded(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        _payment: &payments::store::PaymentRecord,
        part: &str,
    ) -> Result<(), server::storage::StorageError> {
        self.told
            .lock()
            .expect("lock")
            .push(("refunded".into(), part.to_owned()));
        Ok(())
    }
}

/// A portal with a signed-up resident and the recorder plugged in, without background
/// workers; notifications are dropped unless a test posts them itself.
pub(crate) async fn setup(refuse_with: Option<&str>) -> (TestApp, String, Arc<Recorder>) {
    // The tests run the jobs themselves, one round at a time.
    let app = TestApp::spawn_with(|settings| {
        settings.services.get_mut::<PaymentSettings>().worker = false;
    })
    .await;
    wechatpay(&app).set_behaviour(Behaviour {
        notices: NoticeMode::Drop,
        ..Behaviour::default()
    });
    app.sign_up("payer@example.com", "correct horse battery")
        .await;
    let resident: String = sqlx::query("SELECT id FROM residents LIMIT 1")
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("a resident")
        .try_get("id")
        .expect("id");
    let recorder = Arc::new(Recorder {
        refuse_with: refuse_with.map(str::to_owned),
        ..Recorder::default()
    });
    app.home::<Payments>().register(recorder.clone());
    (app, resident, recorder)
}

fn new_payment(resident: &str, what: &str, fen: i64) -> NewPayment {
    NewPayment {
        city_id: "shenzhen".into(),
        resident_id: resident.into(),
        purpose: Purpose {
            kind: "test".into(),
            reference: what.into(),
        },
        purpose_key: format!("test:{what}"),
        amount: Money::cny(fen),
        description: format!("Electricity {what}"),
        locale: Locale::En,
        payer_ip: "203.0.113.7".parse().expect("ip"),
        expires_by: None,
    }
}

pub(crate) async fn run_jobs(app: &TestApp, kind: &'static str) {
    let stopping = server::jobs::worker::Workers::default().stopping();
    worker::round(
        &app.home::<Payments>(),
        kind,
        "shenzhen-wechatpay",
        &server::jobs::RetryPolicy::default(),
        &stopping,
    )
    .await;
}

/// Makes a payment's waiting job due now.
pub(crate) async fn hurry(app: &TestApp, kind: &str, payment_id: &str) {
    sqlx::query("UPDATE jobs SET next_attempt_at = 0 WHERE kind = $1 AND subject = $2")
        .bind(kind)
        .bind(payment_id)
        .execute(app.state.portal.storage.pool())
        .await
        .expect("job updated");
}

async fn state_of(app: &TestApp, id: &str) -> PaymentState {
    app.home::<Payments>()
        .store
        .by_id(id)
        .await
        .expect("storage")
        .expect("payment")
        .state
}

#[tokio::test]
async fn a_paid_charge_is_confirmed_by_asking_and_taken_by_its_purpose_once() {
    let (app, resident, recorder) = setup(None).await;
    let started = app
        .home::<Payments>()
        .start(&new_payment(&resident, "2026-10", 12_345))
        .await
        .expect("started");
    // The resident is sent to the provider's page, which sends them back to the portal.
    let back = started
        .pay_url
        .query_pairs()
        .find(|(name, _)| name == "redirect_url")
        .map(|(_, value)| value.into_owned())
        .expect("redirect_url");
    assert!(
        back.ends_with(&format!("/me/payments/{}", started.payment_id)),
        "{back}"
    );
    let (status, page) = {
        let response = app
            .client
            .get(started.pay_url.as_str())
            .send()
            .await
            .expect("page");
        (
            response.status().as_u16(),
            response.text().await.expect("text"),
        )
    };
    assert_eq!(status, 200);
    assert!(page.contains("¥123.45"), "{page}");

    // Not paid yet: coming back says nothing final.
    let payment = app
        .home::<Payments>()
        .confirm_now(&started.payment_id)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(payment.state, PaymentState::Open);

    let order_no = payment.order_no.clone();
    assert!(wechatpay(&app).pay(&order_no), "paid on the page");
    let confirmed = app
        .home::<Payments>()
        .confirm_now(&started.payment_id)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(confirmed.state, PaymentState::Paid);
    assert!(confirmed.transaction_id.is_some());
    // The confirmation job asks too, and changes nothing more.
    hurry(&app, payments::store::CONFIRM, &started.payment_id).await;
    run_jobs(&app, payments::store::CONFIRM).await;
    assert_eq!(
        recorder.told(),
        vec![("paid".to_owned(), started.payment_id.clone())]
    );

    // Paying the same thing again finds the paid payment; nothing new is charged.
    let again = app
        .home::<Payments>()
        .start(&new_payment(&resident, "2026-10", 12_345))
        .await;
    assert!(
        matches!(again, Err(StartError::AlreadyPaid { ref payment_id }) if *payment_id == started.payment_id),
        "{again:?}"
    );
    assert_eq!(wechatpay(&app).charges().len(), 1);
}

#[tokio::test]
async fn double_taps_and_resends_make_one_order_and_one_charge() {
    let (app, resident, _recorder) = setup(None).await;
    let payment = new_payment(&resident, "water-9", 8_800);
    let payments = app.home::<Payments>();
    let (first, second, third) = tokio::join!(
        payments.start(&payment),
        payments.start(&payment),
        payments.start(&payment),
    );
    let ids: Vec<String> = [first, second, third]
        .into_iter()
        .map(|started| started.expect("started").payment_id)
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let charges = wechatpay(&app).charges();
    assert_eq!(charges.len(), 1, "{charges:?}");

    // Nor can another amount, or another resident, start a second payment for it.
    let other_amount = app
        .home::<Payments>()
        .start(&NewPayment {
            amount: Money::cny(1),
            ..payment.clone()
        })
        .await;
    assert!(
        matches!(other_amount, Err(StartError::UnderWay)),
        "{other_amount:?}"
    );
    app.sign_up("neighbour@example.com", "correct horse battery")
        .await;
    let neighbour: String = sqlx::query("SELECT id FROM residents WHERE id <> $1")
        .bind(&resident)
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("a second resident")
        .try_get("id")
        .expect("id");
    let theirs = app
        .home::<Payments>()
        .start(&NewPayment {
            resident_id: neighbour,
            ..payment.clone()
        })
        .await;
    assert!(matches!(theirs, Err(StartError::UnderWay)), "{theirs:?}");
    assert_eq!(wechatpay(&app).charges().len(), 1);
}

#[tokio::test]
async fn an_answer_lost_after_the_provider_made_the_charge_finds_it_again() {
    let (app, resident, _recorder) = setup(None).await;
    // The provider takes the order, but answers after the portal stopped waiting (5 s).
    wechatpay(&app).set_behaviour(Behaviour {
        notices: NoticeMode::Drop,
        answer_after: std::time::Duration::from_millis(5_500),
        ..Behaviour::default()
    });
    let payment = new_payment(&resident, "gas-3", 4_200);
    let lost = app.home::<Payments>().start(&payment).await;
    assert!(matches!(lost, Err(StartError::ProviderDown(_))), "{lost:?}");
    assert_eq!(wechatpay(&app).charges().len(), 1);

    wechatpay(&app).set_behaviour(Behaviour {
        notices: NoticeMode::Drop,
        ..Behaviour::default()
    });
    let resent = app
        .home::<Payments>()
        .start(&payment)
        .await
        .expect("resent");
    let charges = wechatpay(&app).charges();
    assert_eq!(
        charges.len(),
        1,
        "the same charge, not a second: {charges:?}"
    );
    let stored = app
        .home::<Payments>()
        .store
        .by_id(&resent.payment_id)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(stored.order_no, charges[0].order_no);
}

#[tokio::test]
async fn a_provider_down_when_paying_charges_nothing_and_leaves_a_whole_order() {
    let (app, resident, recorder) = setup(None).await;
    app.knobs("wechatpay").set(FaultMode::Down);
    let payment = new_payment(&resident, "power-1", 1_000);
    let down = app.home::<Payments>().start(&payment).await;
    assert!(matches!(down, Err(StartError::ProviderDown(_))), "{down:?}");
    assert!(wechatpay(&app).charges().is_empty());
    // The order is whole: committed with its confirmation job, which settles it.
    let row = sqlx::query(
        "SELECT p.id, p.state, p.amount_minor, (SELECT COUNT(*) FROM jobs j \
           WHERE j.subject = p.id AND j.kind = 'payment.confirm') AS jobs FROM payments p",
    )
    .fetch_one(app.state.portal.storage.pool())
    .await
    .expect("one payment");
    let id: String = row.try_get("id").expect("id");
    assert_eq!(row.try_get::<String, _>("state").expect("state"), "open");
    assert_eq!(
        row.try_get::<i64, _>("amount_minor").expect("amount"),
        1_000
    );
    assert_eq!(row.try_get::<i64, _>("jobs").expect("jobs"), 1);

    // Once it expired, the job finds the provider never had it: failed, and the purpose is
    // free to be paid again.
    app.knobs("wechatpay").set(FaultMode::Ok);
    sqlx::query("UPDATE payments SET expires_at = 0 WHERE id = $1")
        .bind(&id)
        .execute(app.state.portal.storage.pool())
        .await
        .expect("expired");
    hurry(&app, payments::store::CONFIRM, &id).await;
    run_jobs(&app, payments::store::CONFIRM).await;
    assert_eq!(state_of(&app, &id).await, PaymentState::Failed);
    assert_eq!(recorder.told(), vec![("unpaid".to_owned(), id.clone())]);
    let again = app
        .home::<Payments>()
        .start(&payment)
        .await
        .expect("a new payment");
    assert_ne!(again.payment_id, id);

    // Once sent, an order is never failed for a provider the breaker keeps us from: it may be
    // being paid on the provider's page. Three failures open the breaker.
    app.knobs("wechatpay").set(FaultMode::Down);
    // (The page it was given is older than 4 minutes: the provider is asked again.)
    sqlx::query("UPDATE payments SET pay_url_at = 0")
        .execute(app.state.portal.storage.pool())
        .await
        .expect("an old page");
    for _ in 0..3 {
        let _ = app.home::<Payments>().start(&payment).await;
    }
    let shut = app.home::<Payments>().start(&payment).await;
    assert!(
        matches!(
            shut,
            Err(StartError::ProviderDown(
                server::providers::ProviderError::CircuitOpen
            ))
        ),
        "{shut:?}"
    );
    assert_eq!(state_of(&app, &again.payment_id).await, PaymentState::Open);
}

#[tokio::test]
async fn an_order_left_unpaid_is_closed_at_the_provider_when_it_expires() {
    let (app, resident, recorder) = setup(None).await;
    let started = app
        .home::<Payments>()
        .start(&new_payment(&resident, "power-2", 2_000))
        .await
        .expect("started");
    // Not expired yet: the job only asks, and asks again later.
    hurry(&app, payments::store::CONFIRM, &started.payment_id).await;
    run_jobs(&app, payments::store::CONFIRM).await;
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Open
    );

    sqlx::query("UPDATE payments SET expires_at = 0 WHERE id = $1")
        .bind(&started.payment_id)
        .execute(app.state.portal.storage.pool())
        .await
        .expect("expired");
    hurry(&app, payments::store::CONFIRM, &started.payment_id).await;
    run_jobs(&app, payments::store::CONFIRM).await;
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Failed
    );
    assert_eq!(wechatpay(&app).charges()[0].state, "CLOSED");
    assert_eq!(
        recorder.told(),
        vec![("unpaid".to_owned(), started.payment_id.clone())]
    );
    // A closed order cannot be paid on the provider's page any more.
    let order_no = wechatpay(&app).charges()[0].order_no.clone();
    assert!(!wechatpay(&app).pay(&order_no));
}

#[tokio::test]
async fn notpay_for_a_while_after_paying_is_confirmed_when_the_provider_catches_up() {
    let (app, resident, recorder) = setup(None).await;
    wechatpay(&app).set_behaviour(Behaviour {
        notices: NoticeMode::Drop,
        notpay_for: std::time::Duration::from_secs(120),
        ..Behaviour::default()
    });
    let started = app
        .home::<Payments>()
        .start(&new_payment(&resident, "power-3", 3_000))
        .await
        .expect("started");
    let order_no = wechatpay(&app).charges()[0].order_no.clone();
    assert!(wechatpay(&app).pay(&order_no));
    // Expired meanwhile by our clock, but closing is refused (it is paid): still open.
    sqlx::query("UPDATE payments SET expires_at = 0 WHERE id = $1")
        .bind(&started.payment_id)
        .execute(app.state.portal.storage.pool())
        .await
        .expect("expired");
    let payment = app
        .home::<Payments>()
        .confirm_now(&started.payment_id)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(payment.state, PaymentState::Open, "being confirmed");
    hurry(&app, payments::store::CONFIRM, &started.payment_id).await;
    run_jobs(&app, payments::store::CONFIRM).await;
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Open
    );

    wechatpay(&app).advance(std::time::Duration::from_secs(121));
    hurry(&app, payments::store::CONFIRM, &started.payment_id).await;
    run_jobs(&app, payments::store::CONFIRM).await;
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Paid
    );
    assert_eq!(recorder.told().len(), 1);
}

#[tokio::test]
async fn a_payment_its_purpose_cannot_use_is_refunded_and_the_resident_told() {
    let (app, resident, recorder) = setup(Some("The bill was paid meanwhile.")).await;
    let started = app
        .home::<Payments>()
        .start(&new_payment(&resident, "power-4", 5_000))
        .await
        .expect("started");
    let order_no = wechatpay(&app).charges()[0].order_no.clone();
    assert!(wechatpay(&app).pay(&order_no));
    let payment = app
        .home::<Payments>()
        .confirm_now(&started.payment_id)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(payment.state, PaymentState::Refunding);
    // Asked for: the provider is processing it.
    run_jobs(&app, payments::store::REFUND).await;
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Refunding
    );
    // Asked again: it is done.
    let refunds = app
        .home::<Payments>()
        .refunds
        .of_payment(&payment)
        .await
        .expect("refunds");
    hurry(&app, payments::store::REFUND, &refunds[0].refund_no).await;
    run_jobs(&app, payments::store::REFUND).await;
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Refunded
    );
    let charge = &wechatpay(&app).charges()[0];
    assert_eq!((charge.state.as_str(), charge.refunded), ("REFUND", 5_000));
    let told: Vec<String> = recorder.told().into_iter().map(|(what, _)| what).collect();
    assert_eq!(told, ["paid", "refunded"]);
    let inbox = app
        .state
        .portal
        .inbox
        .messages(&resident, 50)
        .await
        .expect("inbox");
    let titles: Vec<&str> = inbox.iter().map(|m| m.title.as_str()).collect();
    assert!(
        titles.contains(&"Your payment of ¥50.00 is being refunded"),
        "{titles:?}"
    );
    assert!(titles.contains(&"¥50.00 refunded"), "{titles:?}");
    assert!(
        inbox
            .iter()
            .any(|m| m.body.contains("The bill was paid meanwhile.")),
        "{inbox:?}"
    );
}

#[tokio::test]
async fn forged_replayed_or_tampered_notifications_change_nothing() {
    let (app, resident, _recorder) = setup(None).await;
    let started = app
        .home::<Payments>()
        .start(&new_payment(&resident, "power-5", 6_000))
        .await
        .expect("started");
    let order_no = wechatpay(&app).charges()[0].order_no.clone();
    let platform = &wechatpay(&app);
    let path = "/api/payments/v1/notify/shenzhen-wechatpay";
    let post = |body: String, headers: Vec<(String, String)>| {
        let mut request = app.client.post(app.url(path)).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move { request.send().await.expect("posted").status().as_u16() }
    };
    let due = || async {
        let row = sqlx::query(
            "SELECT next_attempt_at FROM jobs WHERE kind = 'payment.confirm' AND subject = $1",
        )
        .bind(&started.payment_id)
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("job");
        row.try_get::<i64, _>("next_attempt_at").expect("due")
    };
    let later = |app: &TestApp| {
        let pool = app.state.portal.storage.pool().clone();
        let id = started.payment_id.clone();
        async move {
            sqlx::query("UPDATE jobs SET next_attempt_at = 4000000000 WHERE subject = $1")
                .bind(id)
                .execute(&pool)
                .await
                .expect("moved");
        }
    };
    let now = jiff::Timestamp::now().as_second();
    later(&app).await;

    // Tampered: the body changed after it was signed.
    let body = platform.notification("TRANSACTION.SUCCESS", "transaction", &order_no);
    let headers = platform.signed_headers(&body, now);
    assert_eq!(
        post(body.replace("AEAD", "aead"), headers.clone()).await,
        401
    );
    // Forged: a signature that is not the platform's.
    let forged: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| match name.as_str() {
            // Another first character: the same length, another signature.
            "wechatpay-signature" => {
                let other = if value.starts_with('A') { 'B' } else { 'A' };
                (name.clone(), format!("{other}{}", &value[1..]))
            }
            _ => (name.clone(), value.clone()),
        })
        .collect();
    assert_eq!(post(body.clone(), forged).await, 401);
    // Replayed from long ago: the signature is genuine, the time is not now.
    let old = platform.signed_headers(&body, now - 3600);
    assert_eq!(post(body.clone(), old).await, 401);
    assert_eq!(due().await, 4_000_000_000, "nothing was hurried");
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Open
    );

    // Genuine: the job is asked to look now; the notification itself decides nothing.
    assert_eq!(post(body.clone(), headers.clone()).await, 204);
    assert!(due().await <= jiff::Timestamp::now().as_second());
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Open
    );
    // The same notification again is acknowledged and changes nothing.
    later(&app).await;
    let again = platform.signed_headers(&body, jiff::Timestamp::now().as_second());
    assert_eq!(post(body, again).await, 204);
    assert_eq!(due().await, 4_000_000_000);

    // Ids are kept a day (a notification signed longer ago than five minutes is refused
    // anyway), then forgotten.
    let store = &app.home::<Payments>().store;
    assert_eq!(store.forget_old_notices().await.expect("purged"), 0);
    sqlx::query("UPDATE payment_notifications SET received_at = received_at - 90000")
        .execute(app.state.portal.storage.pool())
        .await
        .expect("aged");
    assert_eq!(store.forget_old_notices().await.expect("purged"), 1);
}

#[tokio::test]
async fn part_of_a_payment_is_refunded_once_and_never_more_than_was_paid() {
    let (app, resident, recorder) = setup(None).await;
    let started = app
        .home::<Payments>()
        .start(&new_payment(&resident, "basket-1", 9_000))
        .await
        .expect("started");
    let order_no = wechatpay(&app).charges()[0].order_no.clone();
    assert!(wechatpay(&app).pay(&order_no));
    let paid = app
        .home::<Payments>()
        .confirm_now(&started.payment_id)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(paid.state, PaymentState::Paid);

    // One bill of three could not be used: its 3,000 fen go back, once however often asked.
    let payments = &app.home::<Payments>();
    let refund = |part: &'static str, fen: i64| {
        let paid = paid.clone();
        async move {
            let mut tx = payments.store.storage().begin().await.expect("tx");
            let started = payments
                .refund_in(
                    &mut tx,
                    &paid,
                    part,
                    Money::cny(fen),
                    "Bill E-2 was paid meanwhile.",
                    MovedBy::Service,
                )
                .await
                .expect("storage");
            tx.commit().await.expect("commit");
            started
        }
    };
    assert!(refund("bill:E-2", 3_000).await);
    assert!(!refund("bill:E-2", 3_000).await, "the same part once");
    assert!(!refund("bill:E-3", 6_001).await, "never more than was paid");
    run_jobs(&app, payments::store::REFUND).await;
    let refunds = app
        .home::<Payments>()
        .refunds
        .of_payment(&paid)
        .await
        .expect("refunds");
    assert_eq!(refunds.len(), 1);
    hurry(&app, payments::store::REFUND, &refunds[0].refund_no).await;
    run_jobs(&app, payments::store::REFUND).await;
    // Partly refunded, the payment stays paid.
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Paid
    );
    assert_eq!(wechatpay(&app).charges()[0].refunded, 3_000);
    assert_eq!(
        recorder.told().last(),
        Some(&("refunded".to_owned(), "bill:E-2".to_owned()))
    );

    // The rest goes back too: then it is refunded whole.
    assert!(refund("bill:E-1+E-3", 6_000).await);
    run_jobs(&app, payments::store::REFUND).await;
    for refund in app
        .home::<Payments>()
        .refunds
        .of_payment(&paid)
        .await
        .expect("refunds")
    {
        hurry(&app, payments::store::REFUND, &refund.refund_no).await;
    }
    run_jobs(&app, payments::store::REFUND).await;
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Refunded
    );
    assert_eq!(wechatpay(&app).charges()[0].refunded, 9_000);
}

/// Starts a payment of `fen` for `what`: its id and its order number at the provider.
async fn open_payment(app: &TestApp, resident: &str, what: &str, fen: i64) -> (String, String) {
    let started = app
        .home::<Payments>()
        .start(&new_payment(resident, what, fen))
        .await
        .expect("started");
    let order_no = wechatpay(app).charges()[0].order_no.clone();
    (started.payment_id, order_no)
}

/// Posts a notification as the provider would; the portal's status.
async fn post_notice(app: &TestApp, body: &str) -> u16 {
    let headers = wechatpay(app).signed_headers(body, jiff::Timestamp::now().as_second());
    let mut request = app
        .client
        .post(app.url("/api/payments/v1/notify/shenzhen-wechatpay"))
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await.expect("posted").status().as_u16()
}

#[tokio::test]
async fn a_declined_payment_is_closed_at_the_provider_before_it_counts_as_failed() {
    let (app, resident, recorder) = setup(None).await;
    let (payment, order_no) = open_payment(&app, &resident, "power-9", 3_000).await;
    assert!(wechatpay(&app).decline(&order_no));

    // The resident comes back: a declined order could still be paid on the provider's page,
    // so it is not failed yet; the confirmation job is asked to close it now.
    let seen = app
        .home::<Payments>()
        .confirm_now(&payment)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(seen.state, PaymentState::Open);
    assert!(recorder.told().is_empty());
    run_jobs(&app, payments::store::CONFIRM).await;
    assert_eq!(state_of(&app, &payment).await, PaymentState::Failed);
    assert_eq!(wechatpay(&app).charges()[0].state, "CLOSED");
    assert_eq!(
        recorder.told(),
        vec![("unpaid".to_owned(), payment.clone())]
    );
    // Paying it with another card is refused: the resident pays under a new order, once.
    assert!(!wechatpay(&app).pay(&order_no));
}

#[tokio::test]
async fn money_taken_after_a_payment_failed_is_refunded_though_the_first_notice_met_a_provider_down(
) {
    let (app, resident, _recorder) = setup(None).await;
    let (payment, order_no) = open_payment(&app, &resident, "power-10", 3_000).await;
    // The portal holds the payment failed, yet the provider took the money.
    assert!(wechatpay(&app).pay(&order_no));
    sqlx::query("UPDATE payments SET state = 'failed', open_purpose = NULL WHERE id = $1")
        .bind(&payment)
        .execute(app.state.portal.storage.pool())
        .await
        .expect("failed");
    let body = wechatpay(&app).notification("TRANSACTION.SUCCESS", "transaction", &order_no);

    // The provider cannot be asked now: the notification is refused, so that it comes again.
    app.knobs("wechatpay").set(FaultMode::Http500);
    assert_eq!(post_notice(&app, &body).await, 500);
    assert_eq!(
        remembered_notices(&app).await,
        0,
        "not acted on: not remembered"
    );
    assert_eq!(state_of(&app, &payment).await, PaymentState::Failed);
    // It comes again, and is not taken for a replay: the money is found and given back.
    app.knobs("wechatpay").set(FaultMode::Ok);
    assert_eq!(post_notice(&app, &body).await, 204);
    assert_eq!(state_of(&app, &payment).await, PaymentState::Refunding);
    assert_eq!(remembered_notices(&app).await, 1);
    run_jobs(&app, payments::store::REFUND).await;
    assert_eq!(wechatpay(&app).charges()[0].refunded, 3_000);
}

async fn remembered_notices(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM payment_notifications")
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("count")
        .try_get("n")
        .expect("n")
}

#[tokio::test]
async fn a_payment_page_reloaded_fast_asks_the_provider_once_in_a_while() {
    let app = TestApp::spawn_with(|settings| {
        settings.services.get_mut::<PaymentSettings>().worker = false;
        settings
            .services
            .get_mut::<PaymentSettings>()
            .page_asks_every = std::time::Duration::from_secs(60);
    })
    .await;
    app.sign_up("reloader@example.com", "correct horse battery")
        .await;
    let resident: String = sqlx::query("SELECT id FROM residents LIMIT 1")
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("a resident")
        .try_get("id")
        .expect("id");
    let (payment, _) = open_payment(&app, &resident, "power-11", 1_000).await;
    let before = app.knobs("wechatpay").requests();
    for _ in 0..20 {
        let seen = app
            .home::<Payments>()
            .confirm_now(&payment)
            .await
            .expect("storage")
            .expect("payment");
        assert_eq!(seen.state, PaymentState::Open);
    }
    assert_eq!(
        app.knobs("wechatpay").requests() - before,
        1,
        "twenty reloads, one question to WeChat Pay"
    );
}

#[tokio::test]
async fn a_declined_order_the_provider_will_not_close_ends_when_it_expires() {
    let (app, resident, recorder) = setup(None).await;
    let (payment, order_no) = open_payment(&app, &resident, "power-12", 3_000).await;
    assert!(wechatpay(&app).decline(&order_no));
    wechatpay(&app).set_behaviour(Behaviour {
        notices: NoticeMode::Drop,
        closes_refused: true,
        ..Behaviour::default()
    });
    // While the order may still be paid, the close is asked again.
    hurry(&app, payments::store::CONFIRM, &payment).await;
    run_jobs(&app, payments::store::CONFIRM).await;
    assert_eq!(state_of(&app, &payment).await, PaymentState::Open);
    assert!(recorder.told().is_empty());
    // Once the provider may take no money for it, it has ended, closed or not.
    sqlx::query("UPDATE payments SET expires_at = 0 WHERE id = $1")
        .bind(&payment)
        .execute(app.state.portal.storage.pool())
        .await
        .expect("expired");
    hurry(&app, payments::store::CONFIRM, &payment).await;
    run_jobs(&app, payments::store::CONFIRM).await;
    assert_eq!(state_of(&app, &payment).await, PaymentState::Failed);
    assert_eq!(
        recorder.told(),
        vec![("unpaid".to_owned(), payment.clone())]
    );
}

#[tokio::test]
async fn continuing_to_pay_is_a_form_that_gives_a_young_page_again_and_is_limited() {
    let (app, resident, _) = setup(None).await;
    let cookie = app
        .sign_in("payer@example.com", "correct horse battery")
        .await
        .cookie("__Host-portal_session")
        .expect("a session");
    // Started from the address the test's client has (its form posts come from there).
    let mut payment = new_payment(&resident, "2026-10", 12_345);
    payment.payer_ip = "127.0.0.1".parse().expect("ip");
    let started = app
        .home::<Payments>()
        .start(&payment)
        .await
        .expect("started");
    let path = format!("/me/payments/{}/pay", started.payment_id);
    // A link a prefetch or a crawler could follow calls no provider.
    let (status, _) = app.get_response_with(&path, Some(&cookie)).await;
    assert_eq!(status, 405);
    let asked = wechatpay(&app).page_requests();

    // The page given a moment ago is given again, without asking WeChat Pay.
    let again = app.post_form(&path, &[], Some(&cookie)).await;
    assert_eq!(again.location, started.pay_url.as_str());
    assert_eq!(wechatpay(&app).page_requests(), asked);
    // Four minutes on (it lives five), a fresh one is asked for.
    app.advance(std::time::Duration::from_secs(241)).await;
    let fresh = app.post_form(&path, &[], Some(&cookie)).await;
    assert!(fresh.location.contains("checkmweb"), "{fresh:?}");
    assert_eq!(wechatpay(&app).page_requests(), asked + 1);

    // Twenty in ten minutes, whatever they end in; then a plain message, and no call.
    for _ in 0..18 {
        let taken = app.post_form(&path, &[], Some(&cookie)).await;
        assert!(taken.location.contains("checkmweb"), "{taken:?}");
    }
    let refused = app.post_form(&path, &[], Some(&cookie)).await;
    assert!(
        refused
            .location
            .contains("error=account-error-rate-limited"),
        "{refused:?}"
    );
    assert_eq!(wechatpay(&app).page_requests(), asked + 1);

    // From another address (Wi-Fi to mobile data), the page made for the first would not
    // open: a new one is asked for.
    let elsewhere = app
        .home::<Payments>()
        .resume(
            &resident,
            &started.payment_id,
            "198.51.100.9".parse().expect("ip"),
        )
        .await
        .expect("resumed");
    assert!(elsewhere.is_some());
    assert_eq!(wechatpay(&app).page_requests(), asked + 2);
}

/// Coming back from WeChat Pay's page cannot tell a cancellation there from a payment under
/// way: the payment's page offers to cancel it. Its order is closed and asked about first;
/// the page then says which it is, and only a closed one frees what it held.
#[tokio::test]
async fn a_resident_cancels_an_open_payment_and_the_provider_confirms_it_first() {
    let (app, resident, recorder) = setup(None).await;
    let cookie = app
        .sign_in("payer@example.com", "correct horse battery")
        .await
        .cookie("__Host-portal_session")
        .expect("a session");
    let started = app
        .home::<Payments>()
        .start(&new_payment(&resident, "2026-10", 12_345))
        .await
        .expect("started");
    let (_, page) = app
        .get(
            &format!("/me/payments/{}", started.payment_id),
            Some(&cookie),
        )
        .await;
    assert!(page.contains("Cancel this payment"), "offered while open");

    // Someone else cannot.
    let stranger = app
        .sign_up("stranger@example.com", "correct horse battery")
        .await;
    let refused = app
        .post_form(
            &format!("/me/payments/{}/cancel", started.payment_id),
            &[],
            Some(&stranger),
        )
        .await;
    assert_eq!(refused.location, "/me/payments");
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Open
    );

    let cancelled = app
        .post_form(
            &format!("/me/payments/{}/cancel", started.payment_id),
            &[],
            Some(&cookie),
        )
        .await;
    assert!(
        cancelled.location.ends_with("?notice=payment-cancelled"),
        "{cancelled:?}"
    );
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Failed
    );
    let charge = wechatpay(&app).charges()[0].clone();
    assert_eq!(charge.state, "CLOSED", "closed at WeChat Pay first");
    assert_eq!(
        recorder.told(),
        vec![("unpaid".to_owned(), started.payment_id.clone())],
        "what it held is freed"
    );

    // Paid meanwhile on WeChat Pay's page: it is paid, not cancelled.
    let again = app
        .home::<Payments>()
        .start(&new_payment(&resident, "2026-11", 2_000))
        .await
        .expect("started");
    let order = app
        .home::<Payments>()
        .store
        .by_id(&again.payment_id)
        .await
        .expect("store")
        .expect("payment")
        .order_no;
    assert!(wechatpay(&app).pay(&order));
    let late = app
        .post_form(
            &format!("/me/payments/{}/cancel", again.payment_id),
            &[],
            Some(&cookie),
        )
        .await;
    assert!(
        late.location.ends_with("?notice=payment-paid-meanwhile"),
        "{late:?}"
    );
    assert_eq!(state_of(&app, &again.payment_id).await, PaymentState::Paid);
}

/// The steps of a payment's history, as its page lists them: (event, what moved it).
fn history_on(page: &str) -> Vec<(String, String)> {
    let html = scraper::Html::parse_document(page);
    let steps = scraper::Selector::parse(".payment-history li").expect("selector");
    html.select(&steps)
        .map(|step| {
            let event = step.value().attr("data-event").unwrap_or("").to_owned();
            let text = step.text().collect::<String>();
            (event, text)
        })
        .collect()
}

/// Every move of a payment is in its history, with what moved it, written with the move:
/// the resident started it, the resident's page found it paid, the purpose refused it, so
/// it went back whole and the refund job returned the money.
#[tokio::test]
async fn a_payments_page_shows_what_moved_it_step_by_step() {
    let (app, resident, _recorder) = setup(Some("Bill E-1 was paid meanwhile.")).await;
    let cookie = app
        .sign_in("payer@example.com", "correct horse battery")
        .await
        .cookie("__Host-portal_session")
        .expect("a session");
    let started = app
        .home::<Payments>()
        .start(&new_payment(&resident, "2026-10", 12_345))
        .await
        .expect("started");
    let order = wechatpay(&app).charges()[0].order_no.clone();
    assert!(wechatpay(&app).pay(&order));
    let path = format!("/me/payments/{}", started.payment_id);
    let (_, page) = app.get(&path, Some(&cookie)).await;
    let steps = history_on(&page);
    let events: Vec<&str> = steps.iter().map(|(event, _)| event.as_str()).collect();
    assert_eq!(events, ["opened", "paid", "refund-requested"], "{page}");
    assert!(steps[0].1.contains("by the resident"), "{steps:?}");
    assert!(steps[1].1.contains("Paid"), "{steps:?}");

    // Asked for (the provider is processing it), then asked again: it is done.
    for _ in 0..2 {
        sqlx::query("UPDATE jobs SET next_attempt_at = 0 WHERE kind = $1")
            .bind(payments::store::REFUND)
            .execute(app.state.portal.storage.pool())
            .await
            .expect("due");
        run_jobs(&app, payments::store::REFUND).await;
    }
    let (_, page) = app.get(&path, Some(&cookie)).await;
    let steps = history_on(&page);
    assert_eq!(
        steps
            .last()
            .map(|(event, text)| (event.as_str(), text.contains("the portal's own check"))),
        Some(("refunds-returned", true)),
        "{steps:?}"
    );
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Refunded
    );

    // The city's admins see the same steps on the console's payments page.
    let admin =
        crate::admin_console::admin_session(&app, "history-admin", false, &["shenzhen"]).await;
    let (status, console) = app.get("/admin/c/shenzhen/payments", Some(&admin)).await;
    assert_eq!(status, 200);
    let events: Vec<String> = history_on(&console).into_iter().map(|(e, _)| e).collect();
    assert!(
        events.iter().any(|e| e == "refunds-returned") && events.iter().any(|e| e == "opened"),
        "{events:?}"
    );
}

/// A move the table does not have is refused and never written: a paid payment cannot be
/// "closed unpaid", whatever a caller asks.
#[tokio::test]
async fn a_move_not_in_the_table_is_refused_and_leaves_no_trace() {
    use payments::lifecycle::{move_payment, MovedBy, PaymentEvent};
    let (app, resident, _recorder) = setup(None).await;
    let started = app
        .home::<Payments>()
        .start(&new_payment(&resident, "2026-11", 5_000))
        .await
        .expect("started");
    let storage = app.state.portal.storage.clone();
    let steps = |id: String| {
        let storage = storage.clone();
        async move {
            payments::lifecycle::history(storage.pool(), &id)
                .await
                .expect("history")
                .len()
        }
    };
    let before = steps(started.payment_id.clone()).await;
    let mut tx = storage.begin().await.expect("tx");
    let moved = move_payment(
        &mut tx,
        &started.payment_id,
        PaymentState::Open,
        PaymentEvent::RefundsReturned,
        MovedBy::Admin,
        &[],
        0,
    )
    .await
    .expect("storage");
    tx.commit().await.expect("commit");
    assert!(!moved, "open → refunded is not a move");
    assert_eq!(
        state_of(&app, &started.payment_id).await,
        PaymentState::Open
    );
    assert_eq!(
        steps(started.payment_id.clone()).await,
        before,
        "nothing recorded"
    );

    // The move the table has, from the wrong state, loses its guard: nothing either.
    let mut tx = storage.begin().await.expect("tx");
    let moved = move_payment(
        &mut tx,
        &started.payment_id,
        PaymentState::Paid,
        PaymentEvent::RefundRequested,
        MovedBy::Admin,
        &[],
        0,
    )
    .await
    .expect("storage");
    tx.commit().await.expect("commit");
    assert!(!moved);
    assert_eq!(steps(started.payment_id).await, before);
}
