//! One module per page.

pub mod air;
pub mod city;
pub mod home;
pub mod not_found;
