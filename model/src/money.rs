//! Money as the portal keeps it: whole minor units (fen) and a currency, never a float, and
//! shown in the resident's language (`¥1,234.50`, `1,234.50 元`).

use serde::{Deserialize, Serialize};

use crate::i18n::Locale;

/// An ISO 4217 currency the portal takes payments in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    /// Renminbi; minor unit the fen (1/100 yuan).
    Cny,
}

impl Currency {
    pub const ALL: [Currency; 1] = [Currency::Cny];

    /// The ISO 4217 code, as stored and as payment providers name it.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
        }
    }

    pub fn from_code(code: &str) -> Option<Currency> {
        Currency::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Digits after the decimal point (2: fen).
    pub fn minor_digits(self) -> u32 {
        match self {
            Currency::Cny => 2,
        }
    }
}

/// An amount: `minor` units of `currency` (fen for CNY).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn cny(fen: i64) -> Money {
        Money::new(fen, Currency::Cny)
    }

    /// The sum of `amounts` when they share one currency and do not overflow.
    pub fn sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        let mut amounts = amounts.into_iter();
        let first = amounts.next()?;
        amounts.try_fold(first, |total, next| {
            (next.currency == total.currency)
                .then(|| total.minor.checked_add(next.minor))
                .flatten()
                .map(|minor| Money::new(minor, total.currency))
        })
    }

    /// The amount's digits with grouped thousands: `1,234.50`, `-0.05`.
    pub fn digits(self) -> String {
        let scale = 10_u64.pow(self.currency.minor_digits());
        let magnitude = self.minor.unsigned_abs();
        let (whole, fraction) = (magnitude / scale, magnitude % scale);
        let whole = whole.to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        match self.currency.minor_digits() {
            0 => format!("{sign}{grouped}"),
            digits => format!(
                "{sign}{grouped}.{fraction:0width$}",
                width = digits as usize
            ),
        }
    }

    /// As a resident reads it: `¥1,234.50` in English, `1,234.50 元` in Chinese.
    pub fn display(self, locale: Locale) -> String {
        match (self.currency, locale) {
            (Currency::Cny, Locale::En) => format!("¥{}", self.digits()),
            (Currency::Cny, Locale::ZhCn) => format!("{} 元", self.digits()),
        }
    }

    /// Reads an amount typed or sent as decimal text (`12`, `12.5`, `1,234.50`) exactly,
    /// without passing through a float; `None` for anything else or more decimals than the
    /// currency has.
    pub fn parse(text: &str, currency: Currency) -> Option<Money> {
        let text = text.trim().replace(',', "");
        if text.is_empty() || text.len() > 20 {
            return None;
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let digits = currency.minor_digits() as usize;
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > digits
        {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let fraction: i64 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<digits$}").parse().ok()?
        };
        let scale = 10_i64.pow(u32::try_from(digits).ok()?);
        let minor = whole.checked_mul(scale)?.checked_add(fraction)?;
        Some(Money::new(minor, currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_residents_expect() {
        assert_eq!(Money::cny(123_450).display(Locale::En), "¥1,234.50");
        assert_eq!(Money::cny(123_450).display(Locale::ZhCn), "1,234.50 元");
        assert_eq!(Money::cny(5).digits(), "0.05");
        assert_eq!(Money::cny(-105).digits(), "-1.05");
        assert_eq!(Money::cny(100_000_000).digits(), "1,000,000.00");
        assert_eq!(Money::cny(99_900).digits(), "999.00");
    }

    #[test]
    fn text_is_read_exactly_or_not_at_all() {
        let cny = Currency::Cny;
        assert_eq!(Money::parse("12", cny), Some(Money::cny(1200)));
        assert_eq!(Money::parse("12.5", cny), Some(Money::cny(1250)));
        assert_eq!(Money::parse("1,234.05", cny), Some(Money::cny(123_405)));
        assert_eq!(Money::parse("0.1", cny), Some(Money::cny(10)));
        for bad in [
            "",
            "1.234",
            "-1",
            "1e3",
            "abc",
            ".5",
            "99999999999999999999",
        ] {
            assert_eq!(Money::parse(bad, cny), None, "{bad:?}");
        }
    }

    #[test]
    fn sums_refuse_mixed_currencies_and_overflow() {
        assert_eq!(
            Money::sum([Money::cny(1), Money::cny(2)]),
            Some(Money::cny(3))
        );
        assert_eq!(Money::sum([Money::cny(i64::MAX), Money::cny(1)]), None);
        assert_eq!(Money::sum([]), None);
    }
}
