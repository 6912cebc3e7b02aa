//! VOSI 1.1 resources: capabilities, availability, tables.

pub mod availability;
pub mod capabilities;
pub mod tables;
