//! kean-screen: restricted-party screening engine.
pub mod model;
pub mod parse;
pub mod text;
pub mod zh;
