//! kean-screen: restricted-party screening engine.
pub mod text;
pub mod zh;
