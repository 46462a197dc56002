//! What every HTTP handler shares, the router's and the services' alike: form redirects that
//! carry an error or a notice, the `next` path, and the client's address.

pub mod client;
pub mod forms;
