//! The checkout kit (`services/payments/src/checkout`) covers what the next services need
//! before they are written: an amount held only until midnight in the city (a fine), a
//! ticket issued after the operator confirms the paid booking (a coach seat), and a refund
//! the provider quotes before cancelling (an operator's refund offer). Each runs against
//! the demo's WeChat Pay simulator over real HTTP, on the real database.

use std::{net::IpAddr, time::Duration};

use model::{CityId, Locale, Money, ResidentId};
use server::services::payments::{
    self,
    checkout::{
        move_reservation,
        moves::{self, ReservationEvent as Event, ReservationState as State},
        record_made,
        terms::next_midnight,
        CancelRefund, HoldPayment, HoldTerms, QuoteError, ReservationTable,
    },
    lifecycle::MovedBy,
    store::{PaymentRecord, PaymentState},
    PaymentPurpose, Payments, StartError, Usable,
};
use server::storage::StorageError;

use crate::common::TestApp;
use crate::payments::{hurry, run_jobs, setup, wechatpay};

fn shanghai() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone")
}

fn shenzhen() -> CityId {
    CityId::new("shenzhen")
}

fn payer() -> IpAddr {
    "203.0.113.7".parse().expect("ip")
}

/// A hold of `fen` for `what`, to be paid by the test purpose the payments tests register.
fn hold<'a>(
    city: &'a CityId,
    resident: &'a ResidentId,
    what: &'a str,
    fen: i64,
    ends: i64,
    terms: &'a HoldTerms,
) -> HoldPayment<'a> {
    HoldPayment {
        kind: "test",
        reference: what,
        city,
        resident,
        amount: Money::cny(fen),
        description: "Traffic fine 440300000012345",
        locale: Locale::En,
        payer_ip: payer(),
        hold_ends: ends,
        terms,
    }
}

/// Pays a started payment at the simulator and has the portal confirm it.
async fn paid(app: &TestApp, payment_id: &str) -> PaymentRecord {
    let payments = app.home::<Payments>();
    let order_no = payments
        .store
        .by_id(payment_id)
        .await
        .expect("storage")
        .expect("payment")
        .order_no;
    assert!(wechatpay(app).pay(&order_no), "paid on the page");
    let confirmed = payments
        .confirm_now(payment_id)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(confirmed.state, PaymentState::Paid);
    confirmed
}

#[tokio::test]
async fn a_fine_held_until_midnight_in_shanghai_is_paid_by_a_minute_before_it_or_not_at_all() {
    let (app, resident, _) = setup(None).await;
    // The portal's clock at 23:50 in Shanghai (today's, or tomorrow's when that has passed).
    let now = app.clock.seconds();
    let midnight = next_midnight(now, &shanghai()).expect("midnight");
    let at_2350 = if midnight - 10 * 60 > now {
        midnight - 10 * 60
    } else {
        midnight + 86_400 - 10 * 60
    };
    app.clock.advance(Duration::from_secs(
        u64::try_from(at_2350 - now).expect("ahead"),
    ));
    let now = app.clock.seconds();
    let midnight = next_midnight(now, &shanghai()).expect("midnight");
    assert_eq!(midnight - now, 10 * 60, "the clock stands at 23:50");

    // The authority would hold today's amount for an hour, and an order lasts 15 minutes;
    // today ends first.
    let terms = HoldTerms::until_midnight_in(shanghai());
    let payments = app.home::<Payments>();
    let started = payments
        .pay_for_hold(&hold(
            &shenzhen(),
            &ResidentId::new(resident.as_str()),
            "fine-1",
            20_600,
            now + 3600,
            &terms,
        ))
        .await
        .expect("started");
    let payment = payments
        .store
        .by_id(&started.payment_id)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(payment.expires_at, midnight - 60, "the order ends at 23:59");

    // Thirty seconds before midnight, no order for today's amount is opened at all.
    app.clock.advance(Duration::from_secs(9 * 60 + 30));
    let late = payments
        .pay_for_hold(&hold(
            &shenzhen(),
            &ResidentId::new(resident.as_str()),
            "fine-2",
            20_600,
            now + 3600,
            &terms,
        ))
        .await;
    assert!(matches!(late, Err(StartError::HoldEnded)), "{late:?}");
    assert_eq!(wechatpay(&app).charges().len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn a_refund_the_provider_quotes_before_cancelling_is_what_goes_back() {
    let (app, resident, recorder) = setup(None).await;
    let terms = HoldTerms::as_the_provider_says();
    let payments = app.home::<Payments>();
    let now = app.clock.seconds();
    let started = payments
        .pay_for_hold(&hold(
            &shenzhen(),
            &ResidentId::new(resident.as_str()),
            "ticket-1",
            8_500,
            now + 900,
            &terms,
        ))
        .await
        .expect("started");
    let payment = paid(&app, &started.payment_id).await;

    // The operator quotes ¥68.00 back (a fee for cancelling close to departure); a quote of
    // more than was paid is not believed.
    let quote = CancelRefund::Quoted.amount(payment.amount, Some(Money::cny(6_800)));
    assert_eq!(quote, Ok(Money::cny(6_800)));
    assert_eq!(
        CancelRefund::Quoted.amount(payment.amount, Some(Money::cny(8_501))),
        Err(QuoteError::OutOfBounds)
    );
    let refund = |what: &'static str, amount: Money| {
        let payments = payments.clone();
        async move {
            let mut tx = payments.store.storage().begin().await.expect("tx");
            let started = payments
                .refund_reservation(
                    &mut tx,
                    "test",
                    what,
                    "cancelled",
                    amount,
                    "Cancelled 2 hours before departure.",
                    MovedBy::Resident,
                )
                .await
                .expect("storage");
            tx.commit().await.expect("commit");
            started
        }
    };
    assert!(refund("ticket-1", Money::cny(6_800)).await);
    assert!(!refund("ticket-1", Money::cny(6_800)).await, "once");
    assert!(
        !refund("ticket-2", Money::cny(100)).await,
        "nothing goes back for what was never paid"
    );
    run_jobs(&app, payments::store::REFUND).await;
    for refund in payments
        .refunds
        .of_payment(&payment)
        .await
        .expect("refunds")
    {
        hurry(&app, payments::store::REFUND, &refund.refund_no).await;
    }
    run_jobs(&app, payments::store::REFUND).await;
    assert_eq!(wechatpay(&app).charges()[0].refunded, 6_800);
    assert_eq!(
        recorder.told().last(),
        Some(&("refunded".to_owned(), "cancelled".to_owned()))
    );
    // Partly refunded, the payment stays paid: the fee was the operator's to keep.
    let now = payments
        .store
        .by_id(&payment.id)
        .await
        .expect("storage")
        .expect("payment");
    assert_eq!(now.state, PaymentState::Paid);
}

/// A coach operator's tickets, as a service on the kit would keep them.
const TICKETS: ReservationTable = ReservationTable {
    kind: "trial-tickets",
    table: "trial_tickets",
    stored_as: &[],
    stamped: Some("updated_at"),
};

/// What tickets tell payments: a paid ticket's booking moves to paid while its seat is
/// held; a payment that never happened gives the seat back.
struct TicketPurpose;

#[async_trait::async_trait]
impl PaymentPurpose for TicketPurpose {
    fn kind(&self) -> &'static str {
        "trial-tickets"
    }

    async fn paid(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
    ) -> Result<Usable, StorageError> {
        let now = jiff::Timestamp::now().as_second();
        let reference = &payment.purpose.reference;
        let by = MovedBy::Payment;
        if move_reservation(
            tx,
            &TICKETS,
            reference,
            &[State::Held],
            Event::Paid,
            by,
            &[],
            now,
        )
        .await?
        {
            return Ok(Usable::Yes);
        }
        Ok(Usable::No {
            reason: "The seat was given back before the payment arrived.".into(),
        })
    }

    async fn unpaid(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
    ) -> Result<(), StorageError> {
        let now = jiff::Timestamp::now().as_second();
        let by = MovedBy::Payment;
        move_reservation(
            tx,
            &TICKETS,
            &payment.purpose.reference,
            &[State::Held],
            Event::Unpaid,
            by,
            &[],
            now,
        )
        .await?;
        Ok(())
    }

    async fn refunded(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        _payment: &PaymentRecord,
        _part: &str,
    ) -> Result<(), StorageError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_ticket_is_issued_only_after_the_operator_confirms_its_paid_booking() {
    let (app, resident, _) = setup(None).await;
    let storage = app.state.portal.storage.clone();
    sqlx::query(
        "CREATE TABLE trial_tickets (id TEXT NOT NULL PRIMARY KEY, state TEXT NOT NULL, \
           updated_at BIGINT NOT NULL)",
    )
    .execute(storage.pool())
    .await
    .expect("table");
    let payments = app.home::<Payments>();
    payments.register(std::sync::Arc::new(TicketPurpose));

    // The operator holds a seat (its booking ON_HOLD until its confirmation time limit).
    let now = app.clock.seconds();
    let mut tx = storage.begin().await.expect("tx");
    sqlx::query("INSERT INTO trial_tickets (id, state, updated_at) VALUES ('t-1', 'held', $1)")
        .bind(now)
        .execute(&mut *tx)
        .await
        .expect("held");
    record_made(
        &mut tx,
        &TICKETS,
        "t-1",
        State::Held,
        Event::Held,
        MovedBy::Resident,
        now,
    )
    .await
    .expect("recorded");
    tx.commit().await.expect("commit");

    let terms = HoldTerms::as_the_provider_says();
    let started = payments
        .pay_for_hold(&HoldPayment {
            kind: "trial-tickets",
            reference: "t-1",
            city: &shenzhen(),
            resident: &ResidentId::new(resident.as_str()),
            amount: Money::cny(5_500),
            description: "Shenzhen Futian → Guangzhou Tianhe, 09:30",
            locale: Locale::En,
            payer_ip: payer(),
            hold_ends: now + 20 * 60,
            terms: &terms,
        })
        .await
        .expect("started");
    paid(&app, &started.payment_id).await;

    let step = |from: State, event: Event| {
        let storage = storage.clone();
        async move {
            let mut tx = storage.begin().await.expect("tx");
            let moved = move_reservation(
                &mut tx,
                &TICKETS,
                "t-1",
                &[from],
                event,
                MovedBy::Job,
                &[],
                jiff::Timestamp::now().as_second(),
            )
            .await
            .expect("storage");
            tx.commit().await.expect("commit");
            moved
        }
    };
    // Paid is not yet issued: the table has no such move, and nothing is written.
    assert!(!step(State::Paid, Event::Fulfilled).await);
    // The operator confirms the booking, then the ticket is issued; a second issue (a
    // retried job) changes nothing.
    assert!(step(State::Paid, Event::Booked).await);
    assert!(step(State::Booked, Event::Fulfilled).await);
    assert!(!step(State::Booked, Event::Fulfilled).await);

    let history = moves::history(storage.pool(), &TICKETS, "t-1")
        .await
        .expect("history");
    let steps: Vec<(Option<&str>, &str, &str, &str)> = history
        .iter()
        .map(|s| {
            (
                s.from.as_deref(),
                s.to.as_str(),
                s.event.as_str(),
                s.by.as_str(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (None, "held", "held", "resident"),
            (Some("held"), "paid", "paid", "payment"),
            (Some("paid"), "booked", "booked", "job"),
            (Some("booked"), "fulfilled", "fulfilled", "job"),
        ]
    );
    let state: String = sqlx::query_scalar("SELECT state FROM trial_tickets WHERE id = 't-1'")
        .fetch_one(storage.pool())
        .await
        .expect("state");
    assert_eq!(state, "fulfilled");
}
