//! Pieces shared by several pages.

pub mod header;
pub mod icons;
pub mod islands;
pub mod locate;
pub mod raw_text;
pub mod when;
