//! What every HTTP handler shares, the router's and the services' alike: form redirects that
//! carry an error or a notice, the `next` path, the client's address, and how an error
//! becomes a response (`error`).

pub mod client;
pub mod error;
pub mod forms;
pub mod per_client;
