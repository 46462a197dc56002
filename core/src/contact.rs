//! A phone number or an email address, as a resident types it, normalised so that the same
//! person always finds the same account.

use std::fmt;

/// The longest contact there is: an email address has at most 254 characters.
pub const MAX_ADDRESS: usize = 254;

/// Where one-time codes go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contact {
    /// Lower-cased.
    Email(String),
    /// E.164, e.g. +8613800138000.
    Phone(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a phone number or email address")]
pub struct NotAContact;

impl Contact {
    /// Accepts an email address, an international number (+44 7700 900123), or a mainland
    /// China mobile number without its country code (13800138000).
    pub fn parse(input: &str) -> Result<Contact, NotAContact> {
        let input = input.trim();
        if input.contains('@') {
            return parse_email(input).map(Contact::Email);
        }
        parse_phone(input).map(Contact::Phone)
    }

    pub fn channel(&self) -> &'static str {
        match self {
            Contact::Email(_) => "email",
            Contact::Phone(_) => "sms",
        }
    }

    /// The residents column that holds this kind of contact.
    pub(crate) fn column(&self) -> &'static str {
        match self {
            Contact::Email(_) => "email",
            Contact::Phone(_) => "phone",
        }
    }

    pub fn address(&self) -> &str {
        match self {
            Contact::Email(address) | Contact::Phone(address) => address,
        }
    }

    pub fn from_stored(channel: &str, address: String) -> Contact {
        if channel == "email" {
            Contact::Email(address)
        } else {
            Contact::Phone(address)
        }
    }

    /// For logs and messages: enough to recognise, not enough to harvest.
    pub fn masked(&self) -> String {
        match self {
            Contact::Email(address) => {
                let (local, domain) = address.split_once('@').unwrap_or((address, ""));
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            Contact::Phone(number) => {
                let tail: String = number
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!("***{tail}")
            }
        }
    }
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

fn parse_email(input: &str) -> Result<String, NotAContact> {
    let address = input.to_lowercase();
    let (local, domain) = address.split_once('@').ok_or(NotAContact)?;
    let plausible = !local.is_empty()
        && local.len() <= 64
        && address.len() <= MAX_ADDRESS
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control());
    if plausible {
        Ok(address)
    } else {
        Err(NotAContact)
    }
}

fn parse_phone(input: &str) -> Result<String, NotAContact> {
    let international = input.starts_with('+');
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '+'))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(NotAContact);
    }
    if international {
        // E.164: country code and number, at most 15 digits, never starting with 0.
        if (8..=15).contains(&digits.len()) && !digits.starts_with('0') {
            return Ok(format!("+{digits}"));
        }
        return Err(NotAContact);
    }
    if digits.len() == 11 && digits.starts_with('1') {
        return Ok(format!("+86{digits}"));
    }
    Err(NotAContact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            Contact::parse("  Li.Wei@Example.CN "),
            Ok(Contact::Email("li.wei@example.cn".into()))
        );
        for bad in [
            "@example.cn",
            "li@",
            "li@cn",
            "li wei@example.cn",
            "a@b@c.cn",
        ] {
            assert_eq!(Contact::parse(bad), Err(NotAContact), "{bad}");
        }
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            Contact::parse("138 0013 8000"),
            Ok(Contact::Phone("+8613800138000".into()))
        );
        assert_eq!(
            Contact::parse("+44 7700-900123"),
            Ok(Contact::Phone("+447700900123".into()))
        );
        for bad in ["12345", "+0123456789", "23800138000", "+86 138 0013 800x"] {
            assert_eq!(Contact::parse(bad), Err(NotAContact), "{bad}");
        }
    }

    #[test]
    fn masks_hide_most_of_the_contact() {
        assert_eq!(
            Contact::Email("liwei@example.cn".into()).masked(),
            "l***@example.cn"
        );
        assert_eq!(Contact::Phone("+8613800138000".into()).masked(), "***8000");
    }
}
