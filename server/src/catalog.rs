//! The one list of what this build of the portal has: its services (each with its adapters
//! and what its providers may ask of a resident) and the built-in simulators config may name.
//! Adding a service or an adapter means one line here; nothing else that is shared names it.

use crate::{config::Known, reports, services::air, simulators};

pub const KNOWN: Known = Known {
    services: &[air::SERVICE, reports::SERVICE],
    simulators: simulators::NAMES,
};
