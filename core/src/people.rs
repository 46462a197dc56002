//! The people a resident acts for: themselves and the family members they keep in their
//! profile (a child, a parent), each with what a hospital or a coach company asks for by real
//! name: name, sex, date of birth, mobile number and identity document. Each field is
//! checked before it is stored. Nothing is booked in a person's name until they are proven
//! ([`proof`]): a carrier confirms that name, document and mobile number belong together, and
//! the resident types the code sent to that mobile. What leaves the portal leaves through
//! [`crate::privacy::Privacy::release_person`], by field, with consent, for a proven person.

pub mod documents;
pub mod proof;
pub mod three_factor;

use sqlx::Row;

pub use documents::{check_id_number, IdType};

use crate::storage::{Storage, StorageError};

/// A resident keeps at most this many people (themselves included).
pub const MAX_PEOPLE: usize = 10;
/// Names are at most this many characters.
pub const MAX_NAME: usize = 30;

/// Who the person is to the resident.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// The resident themselves; one at most.
    Myself,
    Spouse,
    Child,
    Parent,
    Other,
}

impl Relation {
    pub const ALL: [Relation; 5] = [
        Relation::Myself,
        Relation::Spouse,
        Relation::Child,
        Relation::Parent,
        Relation::Other,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Relation::Myself => "self",
            Relation::Spouse => "spouse",
            Relation::Child => "child",
            Relation::Parent => "parent",
            Relation::Other => "other",
        }
    }

    pub fn from_id(id: &str) -> Option<Relation> {
        Relation::ALL.into_iter().find(|r| r.id() == id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub fn id(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }

    pub fn from_id(id: &str) -> Option<Sex> {
        match id {
            "female" => Some(Sex::Female),
            "male" => Some(Sex::Male),
            _ => None,
        }
    }
}

/// A person as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub resident_id: String,
    pub relation: Relation,
    pub name: String,
    pub sex: Sex,
    pub birth_date: jiff::civil::Date,
    /// A mainland mobile number, 11 digits.
    pub phone: String,
    pub id_type: IdType,
    /// The document's 18-character number, checked as its kind allows.
    pub id_number: String,
    /// When the person was proven (Unix seconds); `None` until then.
    pub proven_at: Option<i64>,
}

/// A person whose name, document and mobile number a carrier confirmed belong together and
/// whose mobile received the code the resident typed back. Only [`Person::proven`] makes
/// one: what books in a person's name, or tells a provider about them, takes this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenPerson(Person);

impl std::ops::Deref for ProvenPerson {
    type Target = Person;

    fn deref(&self) -> &Person {
        &self.0
    }
}

/// A proof lasts a year: a mobile number may change hands and a family change, so the
/// resident proves the person again (a code to their mobile) to go on booking for them and
/// seeing their bookings.
pub const PROOF_LASTS_SECONDS: i64 = 365 * 24 * 3600;

impl Person {
    /// Is the person proven at `now` (Unix seconds)?
    pub fn is_proven(&self, now: i64) -> bool {
        self.proven_at
            .is_some_and(|at| at <= now && now < at + PROOF_LASTS_SECONDS)
    }

    /// The person, as proven at `now`; `None` when they are not (yet, or any more).
    pub fn proven(self, now: i64) -> Option<ProvenPerson> {
        self.is_proven(now).then_some(ProvenPerson(self))
    }

    /// The person as pages show them at `now`.
    pub fn row(self, now: i64) -> model::appointments::PersonRow {
        model::appointments::PersonRow {
            masked_phone: self.masked_phone(),
            masked_id_number: self.masked_id_number(),
            relation: self.relation.id().to_owned(),
            sex: self.sex.id().to_owned(),
            birth_date: self.birth_date.to_string(),
            id_type: self.id_type.id().to_owned(),
            proven: self.is_proven(now),
            name: self.name,
            id: self.id,
        }
    }

    /// The ID-card number with all but its first 3 and last 2 characters hidden.
    pub fn masked_id_number(&self) -> String {
        mask(&self.id_number, 3, 2)
    }

    pub fn masked_phone(&self) -> String {
        mask(&self.phone, 3, 4)
    }
}

fn mask(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - head - tail;
    chars[..head]
        .iter()
        .chain(std::iter::repeat_n(&'*', hidden))
        .chain(&chars[chars.len() - tail..])
        .collect()
}

/// A person as a form gives them, before they are checked.
#[derive(Clone, Debug, Default)]
pub struct PersonForm<'a> {
    pub relation: &'a str,
    pub name: &'a str,
    pub sex: &'a str,
    pub birth_date: &'a str,
    pub phone: &'a str,
    /// An [`IdType`] id; empty for the resident ID card.
    pub id_type: &'a str,
    pub id_number: &'a str,
}

/// What is wrong with a person's details; each names the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    #[error("choose who the person is to you")]
    Relation,
    #[error("a name is 1 to {MAX_NAME} characters")]
    Name,
    #[error("choose female or male")]
    Sex,
    #[error("a date of birth is YYYY-MM-DD, not in the future")]
    BirthDate,
    #[error("a mainland mobile number is 11 digits starting with 1")]
    Phone,
    #[error("choose the kind of identity document")]
    IdType,
    #[error("a document number is 17 digits and a check digit (0-9 or X)")]
    IdNumberShape,
    #[error("the ID-card number's check digit is wrong")]
    IdNumberCheck,
    #[error("the number is not one of this kind of document")]
    IdNumberKind,
    #[error("the ID-card number holds another date of birth")]
    IdNumberBirthDate,
    #[error("the ID-card number is of the other sex")]
    IdNumberSex,
    #[error("you are already in the list")]
    SecondSelf,
    #[error("at most {MAX_PEOPLE} people")]
    TooMany,
    #[error("this person is already in the list")]
    Duplicate,
}

impl PersonError {
    /// The form field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            PersonError::Relation | PersonError::SecondSelf | PersonError::TooMany => "relation",
            PersonError::Name => "name",
            PersonError::Sex => "sex",
            PersonError::BirthDate => "birth_date",
            PersonError::Phone => "phone",
            PersonError::IdType => "id_type",
            PersonError::IdNumberShape
            | PersonError::IdNumberKind
            | PersonError::IdNumberCheck
            | PersonError::IdNumberBirthDate
            | PersonError::IdNumberSex
            | PersonError::Duplicate => "id_number",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    #[error(transparent)]
    Invalid(#[from] PersonError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for PeopleError {
    fn from(error: sqlx::Error) -> Self {
        PeopleError::Storage(error.into())
    }
}

/// A whole ID-card number from its first 17 digits (for demo data and tools).
pub fn with_check_digit(first17: &str) -> Option<String> {
    let shaped = first17.len() == 17 && first17.bytes().all(|b| b.is_ascii_digit());
    shaped.then(|| format!("{first17}{}", documents::check_digit(first17.as_bytes())))
}

/// A checked person, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedPerson {
    pub relation: Relation,
    pub name: String,
    pub sex: Sex,
    pub birth_date: jiff::civil::Date,
    pub phone: String,
    pub id_type: IdType,
    pub id_number: String,
}

/// Checks a form's person; `today` is the city's date.
pub fn check(
    form: &PersonForm<'_>,
    today: jiff::civil::Date,
) -> Result<CheckedPerson, PersonError> {
    let relation = Relation::from_id(form.relation).ok_or(PersonError::Relation)?;
    let name = form.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME
        || crate::plain_text::has_hidden_controls(name)
        || name.contains(['\n', '\r', '\t'])
    {
        return Err(PersonError::Name);
    }
    let id_type = match form.id_type.trim() {
        "" => IdType::ResidentCard,
        id => IdType::from_id(id).ok_or(PersonError::IdType)?,
    };
    // Left empty, the date of birth and sex are read from the document's number (where it
    // carries them); given, they are checked against it below.
    let held = documents::holds(id_type, form.id_number);
    let sex = match form.sex.trim() {
        "" => held.and_then(|(_, sex)| sex).ok_or(PersonError::Sex)?,
        sex => Sex::from_id(sex).ok_or(PersonError::Sex)?,
    };
    let birth_date: jiff::civil::Date = match form.birth_date.trim() {
        "" => held.map(|(date, _)| date).ok_or(PersonError::BirthDate)?,
        date => date.parse().map_err(|_| PersonError::BirthDate)?,
    };
    if birth_date > today || birth_date.year() < 1900 {
        return Err(PersonError::BirthDate);
    }
    let phone: String = form
        .phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let phone = phone.strip_prefix("+86").unwrap_or(&phone).to_owned();
    let mobile =
        phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit());
    if !mobile {
        return Err(PersonError::Phone);
    }
    let id_number = check_id_number(id_type, form.id_number, birth_date, sex)?;
    Ok(CheckedPerson {
        relation,
        name: name.to_owned(),
        sex,
        birth_date,
        phone,
        id_type,
        id_number,
    })
}

const COLUMNS: &str =
    "id, resident_id, relation, name, sex, birth_date, phone, id_type, id_number, proven_at";

fn person(row: &sqlx::any::AnyRow) -> Result<Person, StorageError> {
    let text = |column: &str| -> Result<String, StorageError> { Ok(row.try_get(column)?) };
    let broken =
        |what: &str| StorageError::from(sqlx::Error::Decode(format!("a person's {what}").into()));
    Ok(Person {
        id: text("id")?,
        resident_id: text("resident_id")?,
        relation: Relation::from_id(&text("relation")?).ok_or_else(|| broken("relation"))?,
        name: text("name")?,
        sex: Sex::from_id(&text("sex")?).ok_or_else(|| broken("sex"))?,
        birth_date: text("birth_date")?
            .parse()
            .map_err(|_| broken("date of birth"))?,
        phone: text("phone")?,
        id_type: IdType::from_id(&text("id_type")?).ok_or_else(|| broken("document kind"))?,
        id_number: text("id_number")?,
        proven_at: row.try_get("proven_at")?,
    })
}

/// The people residents keep.
#[derive(Clone)]
pub struct People {
    storage: Storage,
}

impl People {
    pub fn new(storage: Storage) -> People {
        People { storage }
    }

    /// The resident's people, themselves first, then in the order they were added.
    pub async fn of(&self, resident_id: &str) -> Result<Vec<Person>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM people WHERE resident_id = $1 \
             ORDER BY CASE relation WHEN 'self' THEN 0 ELSE 1 END, created_at, id LIMIT 50"
        )))
        .bind(resident_id)
        .fetch_all(self.storage.pool())
        .await?;
        rows.iter().map(person).collect()
    }

    /// One of the resident's people.
    pub async fn get(
        &self,
        resident_id: &str,
        person_id: &str,
    ) -> Result<Option<Person>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM people WHERE resident_id = $1 AND id = $2"
        )))
        .bind(resident_id)
        .bind(person_id)
        .fetch_optional(self.storage.pool())
        .await?;
        row.as_ref().map(person).transpose()
    }

    /// Adds a checked person; the id of the new one.
    pub async fn add(
        &self,
        resident_id: &str,
        checked: &CheckedPerson,
    ) -> Result<String, PeopleError> {
        let mut tx = self.storage.begin().await.map_err(StorageError::from)?;
        Storage::hold_resident(&mut tx, resident_id)
            .await
            .map_err(StorageError::from)?;
        let kept = self.of(resident_id).await?;
        if kept.len() >= MAX_PEOPLE {
            return Err(PersonError::TooMany.into());
        }
        if checked.relation == Relation::Myself
            && kept.iter().any(|p| p.relation == Relation::Myself)
        {
            return Err(PersonError::SecondSelf.into());
        }
        if kept.iter().any(|p| p.id_number == checked.id_number) {
            return Err(PersonError::Duplicate.into());
        }
        let id = uuid::Uuid::new_v4().to_string();
        let added = sqlx::query(
            "INSERT INTO people (id, resident_id, relation, name, sex, birth_date, phone, id_type, \
               id_number, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (resident_id, id_number) DO NOTHING",
        )
        .bind(&id)
        .bind(resident_id)
        .bind(checked.relation.id())
        .bind(&checked.name)
        .bind(checked.sex.id())
        .bind(checked.birth_date.to_string())
        .bind(&checked.phone)
        .bind(checked.id_type.id())
        .bind(&checked.id_number)
        .bind(self.storage.clock().seconds())
        .execute(&mut *tx)
        .await
        .map_err(StorageError::from)?;
        if added.rows_affected() == 0 {
            return Err(PersonError::Duplicate.into());
        }
        tx.commit().await.map_err(StorageError::from)?;
        Ok(id)
    }

    /// Marks one of the resident's people proven ([`proof`]); `false` when there is none.
    pub async fn mark_proven(
        &self,
        resident_id: &str,
        person_id: &str,
    ) -> Result<bool, StorageError> {
        let done =
            sqlx::query("UPDATE people SET proven_at = $1 WHERE resident_id = $2 AND id = $3")
                .bind(self.storage.clock().seconds())
                .bind(resident_id)
                .bind(person_id)
                .execute(self.storage.pool())
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes one of the resident's people; `false` when there was none. What was already
    /// booked for them stays booked.
    pub async fn remove(&self, resident_id: &str, person_id: &str) -> Result<bool, StorageError> {
        let done = sqlx::query("DELETE FROM people WHERE resident_id = $1 AND id = $2")
            .bind(resident_id)
            .bind(person_id)
            .execute(self.storage.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(id_number: &'a str, birth_date: &'a str, sex: &'a str) -> PersonForm<'a> {
        PersonForm {
            relation: "child",
            name: "王小明",
            sex,
            birth_date,
            phone: "138 0013 8000",
            id_type: "",
            id_number,
        }
    }

    fn today() -> jiff::civil::Date {
        jiff::civil::date(2026, 11, 26)
    }

    #[test]
    fn a_valid_id_card_number_passes_and_is_upper_cased() {
        // 11010519491231002 with its check digit X: a woman born 1949-12-31.
        let checked =
            check(&form("11010519491231002x", "1949-12-31", "female"), today()).expect("valid");
        assert_eq!(checked.id_number, "11010519491231002X");
        assert_eq!(checked.phone, "13800138000");
        // A man born 2015-06-01.
        let number = with_check_digit("44030420150601001").expect("17 digits");
        assert!(check(&form(&number, "2015-06-01", "male"), today()).is_ok());
    }

    #[test]
    fn a_wrong_check_digit_birth_date_or_sex_is_refused_by_field() {
        let error = check(&form("110105194912310021", "1949-12-31", "female"), today())
            .expect_err("wrong check digit");
        assert_eq!(error, PersonError::IdNumberCheck);
        assert_eq!(error.field(), "id_number");
        assert_eq!(
            check(&form("11010519491231002X", "1949-12-30", "female"), today()),
            Err(PersonError::IdNumberBirthDate)
        );
        assert_eq!(
            check(&form("11010519491231002X", "1949-12-31", "male"), today()),
            Err(PersonError::IdNumberSex)
        );
        assert_eq!(
            check(&form("1101051949123100", "1949-12-31", "female"), today()),
            Err(PersonError::IdNumberShape)
        );
    }

    #[test]
    fn other_fields_are_checked_before_the_id_number() {
        let mut bad = form("11010519491231002X", "2027-01-01", "female");
        assert_eq!(check(&bad, today()), Err(PersonError::BirthDate));
        bad.birth_date = "1949-12-31";
        bad.phone = "12345";
        assert_eq!(check(&bad, today()), Err(PersonError::Phone));
        bad.phone = "13800138000";
        bad.name = " ";
        assert_eq!(check(&bad, today()), Err(PersonError::Name));
        bad.name = "a\u{202e}b";
        assert_eq!(check(&bad, today()), Err(PersonError::Name));
        bad.name = "王";
        bad.relation = "cousin";
        assert_eq!(check(&bad, today()), Err(PersonError::Relation));
    }

    #[test]
    fn an_empty_birth_date_and_sex_are_read_from_the_number() {
        let number = with_check_digit("44030420150601001").expect("17 digits");
        let checked = check(&form(&number, "", ""), today()).expect("derived");
        assert_eq!(checked.birth_date, jiff::civil::date(2015, 6, 1));
        assert_eq!(checked.sex, Sex::Male);
        // A typed one that contradicts the number is still refused.
        assert_eq!(
            check(&form(&number, "", "female"), today()),
            Err(PersonError::IdNumberSex)
        );
        // Nothing to read from a malformed number: the field is asked for.
        assert_eq!(
            check(&form("440304", "", "male"), today()),
            Err(PersonError::BirthDate)
        );
    }

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(mask("11010519491231002X", 3, 2), "110*************2X");
        assert_eq!(mask("13800138000", 3, 4), "138****8000");
        assert_eq!(mask("ab", 3, 2), "**");
    }
}
