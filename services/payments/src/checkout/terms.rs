//! A service's rules for its reservations, as the checkout kit applies them: how long a hold
//! lets the resident pay, and what a cancellation gives back.

use model::Money;

/// How long a hold at the provider lets the resident pay.
#[derive(Clone, Debug)]
pub struct HoldTerms {
    /// The payment's order ends this long before the hold does, so that a payment taken at
    /// the last moment still finds what it paid for held.
    pub margin_seconds: i64,
    /// A hold never outlives the end of the day in this time zone (a fine's amount is due
    /// today, and tomorrow's may be higher).
    pub ends_with_day_in: Option<jiff::tz::TimeZone>,
}

impl HoldTerms {
    /// A hold that lasts as the provider says, paid for a minute before it ends.
    pub const fn as_the_provider_says() -> HoldTerms {
        HoldTerms {
            margin_seconds: 60,
            ends_with_day_in: None,
        }
    }

    /// A hold that ends at midnight in `zone` at the latest, paid for a minute before.
    pub fn until_midnight_in(zone: jiff::tz::TimeZone) -> HoldTerms {
        HoldTerms {
            ends_with_day_in: Some(zone),
            ..HoldTerms::as_the_provider_says()
        }
    }

    /// When a hold the provider says ends at `provider_says` ends for us (seconds).
    pub fn hold_ends(&self, provider_says: i64, now: i64) -> i64 {
        match &self.ends_with_day_in {
            Some(zone) => next_midnight(now, zone).map_or(provider_says, |m| m.min(provider_says)),
            None => provider_says,
        }
    }

    /// By when its payment must be taken: `None` when too little of the hold is left.
    pub fn pay_by(&self, hold_ends: i64, now: i64) -> Option<i64> {
        let by = self.hold_ends(hold_ends, now) - self.margin_seconds;
        (by > now).then_some(by)
    }
}

/// The first midnight after `now` in `zone` (seconds).
pub fn next_midnight(now: i64, zone: &jiff::tz::TimeZone) -> Option<i64> {
    let today = jiff::Timestamp::from_second(now)
        .ok()?
        .to_zoned_datetime(zone.clone())
        .date();
    let tomorrow = today.checked_add(jiff::Span::new().days(1)).ok()?;
    Some(
        tomorrow
            .at(0, 0, 0, 0)
            .to_zoned_datetime(zone.clone())
            .ok()?
            .timestamp()
            .as_second(),
    )
}

/// What a resident's cancellation gives back of what was paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelRefund {
    /// This share of it, in whole fen rounded down (a hospital's rule).
    Percent(u8),
    /// What the provider quotes when asked, before cancelling (an operator's refund offer).
    Quoted,
}

/// Why a provider's refund quote cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QuoteError {
    #[error("the provider quoted no amount")]
    NoQuote,
    #[error("the quote is in another currency than was paid")]
    OtherCurrency,
    #[error("the quote is more than was paid, or less than nothing")]
    OutOfBounds,
}

impl CancelRefund {
    /// The refund of a cancellation of what `paid` paid for; `quote` is the provider's, when
    /// the rule is [`CancelRefund::Quoted`]. Never more than was paid.
    pub fn amount(self, paid: Money, quote: Option<Money>) -> Result<Money, QuoteError> {
        match self {
            CancelRefund::Percent(percent) => Ok(Money::new(
                paid.minor * i64::from(percent.min(100)) / 100,
                paid.currency,
            )),
            CancelRefund::Quoted => {
                let quote = quote.ok_or(QuoteError::NoQuote)?;
                if quote.currency != paid.currency {
                    return Err(QuoteError::OtherCurrency);
                }
                if quote.minor < 0 || quote.minor > paid.minor {
                    return Err(QuoteError::OutOfBounds);
                }
                Ok(quote)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone")
    }

    fn at(civil: &str) -> i64 {
        civil
            .parse::<jiff::civil::DateTime>()
            .expect("time")
            .to_zoned_datetime(shanghai())
            .expect("zoned")
            .timestamp()
            .as_second()
    }

    #[test]
    fn a_fine_locked_late_in_the_evening_is_paid_by_a_minute_before_midnight_in_shanghai() {
        let terms = HoldTerms::until_midnight_in(shanghai());
        let now = at("2027-03-16T23:40:00");
        // The authority would hold the amount for an hour: not past the day it is due.
        let provider_says = now + 3600;
        assert_eq!(
            terms.hold_ends(provider_says, now),
            at("2027-03-17T00:00:00")
        );
        assert_eq!(
            terms.pay_by(provider_says, now),
            Some(at("2027-03-16T23:59:00"))
        );
        // At 23:59:30 there is no time left to pay today's amount.
        assert_eq!(terms.pay_by(provider_says, at("2027-03-16T23:59:30")), None);
        // Earlier in the day the provider's hold decides.
        let morning = at("2027-03-16T09:00:00");
        assert_eq!(terms.pay_by(morning + 900, morning), Some(morning + 840));
        // Midnight is the city's, not the server's: 00:00 in Shanghai is 16:00 UTC.
        assert_eq!(
            next_midnight(now, &shanghai()).map(|m| m % 86_400),
            Some(16 * 3600)
        );
    }

    #[test]
    fn a_hold_as_the_provider_says_is_paid_a_minute_before_it_ends() {
        let terms = HoldTerms::as_the_provider_says();
        assert_eq!(terms.pay_by(1_000 + 600, 1_000), Some(1_540));
        assert_eq!(terms.pay_by(1_000 + 60, 1_000), None);
    }

    #[test]
    fn a_cancellation_refunds_by_the_rule_and_never_more_than_was_paid() {
        let paid = Money::cny(1505);
        assert_eq!(
            CancelRefund::Percent(50).amount(paid, None),
            Ok(Money::cny(752))
        );
        assert_eq!(CancelRefund::Percent(200).amount(paid, None), Ok(paid));
        // A coach operator quotes its refund (the fee by time before departure) first.
        assert_eq!(
            CancelRefund::Quoted.amount(paid, Some(Money::cny(1204))),
            Ok(Money::cny(1204))
        );
        assert_eq!(
            CancelRefund::Quoted.amount(paid, Some(Money::cny(1506))),
            Err(QuoteError::OutOfBounds)
        );
        assert_eq!(
            CancelRefund::Quoted.amount(paid, None),
            Err(QuoteError::NoQuote)
        );
    }
}
