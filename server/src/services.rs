//! The services, each in its own home: its port and adapters, its domain logic and storage,
//! its routes, the server side of its pages and its simulator. A service uses the shared
//! machinery (config, regions, storage, accounts, privacy, jobs, providers' guard); nothing
//! shared uses a service, except the lists that register them (`catalog`, `http`).

pub mod air;
pub mod reports;
