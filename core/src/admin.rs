//! City administration: admin accounts and their roles (`accounts`), and the switches that
//! turn services on and off per region (`switches`).

pub mod accounts;
mod switches;

pub use switches::{switch_service, AdminError, Switch};
