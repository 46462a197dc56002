//! Pieces shared by several pages.

pub mod header;
pub mod icons;
pub mod locate;
