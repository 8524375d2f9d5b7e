//! The PostgreSQL backend (being written).

use crate::error::Error;

/// A consent log in PostgreSQL.
#[derive(Debug)]
pub struct PostgresBackend;

impl PostgresBackend {
    /// Connects.
    pub async fn connect(_url: &str) -> Result<Self, Error> {
        Err(Error::Unavailable(
            "PostgreSQL backend not written yet".into(),
        ))
    }
}
