//! The conformance suite on an SQLite file.

mod common;

conformance_tests!(common::Sqlite);
