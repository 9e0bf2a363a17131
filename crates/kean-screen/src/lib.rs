//! kean-screen: restricted-party screening engine.
pub mod batch;
pub mod index;
pub mod model;
pub mod parse;
pub mod text;
pub mod zh;
