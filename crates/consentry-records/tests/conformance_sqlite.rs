//! The conformance suite on an SQLite file.
#![cfg(feature = "sqlite")]

mod common;

conformance_tests!(common::Sqlite);
