//! The identity documents a person may be booked under, and the checks each number's own
//! structure allows. All three carry 18 characters with the check digit of GB 11643 (ISO
//! 7064 MOD 11-2) and the holder's date of birth; they differ in their first digits:
//! - the mainland resident ID card: the holder's region, whose first digit is 1 to 6;
//! - the residence permit for Hong Kong, Macau and Taiwan residents (港澳台居民居住证, since
//!   2018): 810000, 820000 or 830000;
//! - the foreigner's permanent residence ID card (外国人永久居留身份证, 2023 edition): a 9.
//!
//! The 17th digit is odd for men and even for women on the first two; the permanent residence
//! card's sequence is not documented to carry the sex, so it is not checked there.

use super::{PersonError, Sex};

/// The kind of identity document a number belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdType {
    ResidentCard,
    HmtResidencePermit,
    ForeignPermanentResidence,
}

impl IdType {
    pub const ALL: [IdType; 3] = [
        IdType::ResidentCard,
        IdType::HmtResidencePermit,
        IdType::ForeignPermanentResidence,
    ];

    pub fn id(self) -> &'static str {
        match self {
            IdType::ResidentCard => "resident_card",
            IdType::HmtResidencePermit => "hmt_residence_permit",
            IdType::ForeignPermanentResidence => "foreign_permanent_residence",
        }
    }

    pub fn from_id(id: &str) -> Option<IdType> {
        IdType::ALL.into_iter().find(|t| t.id() == id)
    }

    fn fits(self, number: &[u8]) -> bool {
        match self {
            IdType::ResidentCard => (b'1'..=b'6').contains(&number[0]),
            IdType::HmtResidencePermit => {
                matches!(&number[..6], b"810000" | b"820000" | b"830000")
            }
            IdType::ForeignPermanentResidence => number[0] == b'9',
        }
    }

    fn carries_sex(self) -> bool {
        self != IdType::ForeignPermanentResidence
    }
}

/// The check digit of the first 17 digits (GB 11643-1999, ISO 7064 MOD 11-2).
pub(super) fn check_digit(digits: &[u8]) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

/// What a well-formed number of this kind holds: the date of birth, and the sex where the
/// kind carries it. `None` when the number is not one (its shape, check digit or date).
pub fn holds(id_type: IdType, id_number: &str) -> Option<(jiff::civil::Date, Option<Sex>)> {
    let id_number = id_number.trim().to_ascii_uppercase();
    let bytes = id_number.as_bytes();
    let shaped = bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
    if !shaped || check_digit(&bytes[..17]) != bytes[17] as char || !id_type.fits(bytes) {
        return None;
    }
    let birth = jiff::civil::Date::strptime("%Y%m%d", &id_number[6..14]).ok()?;
    let sex = id_type.carries_sex().then(|| {
        if (bytes[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    });
    Some((birth, sex))
}

/// Checks a document number against itself, its kind, and the person's date of birth and
/// sex; the number as stored (upper case, trimmed).
pub fn check_id_number(
    id_type: IdType,
    id_number: &str,
    birth_date: jiff::civil::Date,
    sex: Sex,
) -> Result<String, PersonError> {
    let id_number = id_number.trim().to_ascii_uppercase();
    let bytes = id_number.as_bytes();
    let shaped = bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
    if !shaped {
        return Err(PersonError::IdNumberShape);
    }
    if check_digit(&bytes[..17]) != bytes[17] as char {
        return Err(PersonError::IdNumberCheck);
    }
    if !id_type.fits(bytes) {
        return Err(PersonError::IdNumberKind);
    }
    if id_number[6..14] != birth_date.strftime("%Y%m%d").to_string() {
        return Err(PersonError::IdNumberBirthDate);
    }
    let male = (bytes[16] - b'0') % 2 == 1;
    if id_type.carries_sex() && male != (sex == Sex::Male) {
        return Err(PersonError::IdNumberSex);
    }
    Ok(id_number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(first17: &str) -> String {
        format!("{first17}{}", check_digit(first17.as_bytes()))
    }

    #[test]
    fn each_kind_of_document_takes_its_own_numbers_only() {
        let born = jiff::civil::date(1990, 3, 7);
        let card = whole("44030419900307001");
        let permit = whole("81000019900307002");
        let residence = whole("93644019900307003");
        assert!(check_id_number(IdType::ResidentCard, &card, born, Sex::Male).is_ok());
        assert!(check_id_number(IdType::HmtResidencePermit, &permit, born, Sex::Female).is_ok());
        // The permanent residence card's sequence says nothing of sex.
        for sex in [Sex::Female, Sex::Male] {
            assert!(
                check_id_number(IdType::ForeignPermanentResidence, &residence, born, sex).is_ok()
            );
        }
        for (kind, number) in [
            (IdType::ResidentCard, &permit),
            (IdType::ResidentCard, &residence),
            (IdType::HmtResidencePermit, &card),
            (IdType::ForeignPermanentResidence, &card),
        ] {
            assert_eq!(
                check_id_number(kind, number, born, Sex::Female),
                Err(PersonError::IdNumberKind),
                "{kind:?} {number}"
            );
        }
        assert_eq!(
            check_id_number(IdType::HmtResidencePermit, &permit, born, Sex::Male),
            Err(PersonError::IdNumberSex)
        );
    }

    #[test]
    fn a_number_tells_its_birth_date_and_where_it_carries_it_its_sex() {
        let card = whole("44030419900307001");
        assert_eq!(
            holds(IdType::ResidentCard, &card),
            Some((jiff::civil::date(1990, 3, 7), Some(Sex::Male)))
        );
        let residence = whole("93644019900307003");
        assert_eq!(
            holds(IdType::ForeignPermanentResidence, &residence),
            Some((jiff::civil::date(1990, 3, 7), None))
        );
        assert_eq!(holds(IdType::ResidentCard, "44030419900307001X"), None);
    }

    #[test]
    fn kinds_round_trip_by_id() {
        for kind in IdType::ALL {
            assert_eq!(IdType::from_id(kind.id()), Some(kind));
        }
        assert_eq!(IdType::from_id("passport"), None);
    }
}
