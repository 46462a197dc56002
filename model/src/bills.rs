//! What the utility bills page shows, as it crosses from server to page.

use serde::{Deserialize, Serialize};

use crate::{city::CitySummary, money::Money};

/// A company whose bills the city's residents can pay here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillerChoice {
    /// Its provider id.
    pub id: String,
    /// `electricity`, `water` or `gas`.
    pub utility: String,
    /// The company's name in the resident's language.
    pub name: String,
}

/// An open bill of a saved account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenBill {
    /// What the pay form sends for it: `{account id}/{bill number}`.
    pub key: String,
    pub number: String,
    /// The period it is for, as the company names it (`2026-10`).
    pub period: String,
    pub amount: Money,
    /// Its due date, `YYYY-MM-DD`.
    pub due: String,
    pub overdue: bool,
    /// May be paid in part, down to this minimum.
    pub part_minimum: Option<Money>,
    /// A payment of it is under way or made here: that payment's id.
    pub payment: Option<String>,
}

/// A saved account and what its company says of it now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAccount {
    pub id: String,
    pub biller: BillerChoice,
    pub number: String,
    pub label: String,
    /// Proven by the resident (an open bill's amount): until then neither holder nor bills
    /// are shown, and the page asks for the proof.
    pub proven: bool,
    /// The holder's name as the company shows it, partly hidden (`王*明`).
    pub holder: Option<String>,
    pub bills: Vec<OpenBill>,
    /// The company could not be asked, or does not know the account: in words.
    pub problem: Option<String>,
}

/// The bills page of a city for the signed-in resident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillsPage {
    pub city: CitySummary,
    pub billers: Vec<BillerChoice>,
    pub accounts: Vec<SavedAccount>,
    /// Account numbers are at most this long.
    pub max_account_number: usize,
    pub max_label: usize,
}
