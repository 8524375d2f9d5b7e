//! The PostgreSQL backend, for several app servers writing one log.
//!
//! ```no_run
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use consentry_records::{ConsentLog, LogOptions};
//! let log = ConsentLog::open_with(
//!     "postgres://consentry:secret@127.0.0.1:5432/site",
//!     LogOptions::default(),
//! ).await.unwrap();
//! assert_eq!(log.describe(), "PostgreSQL 127.0.0.1:5432/site");
//! # });
//! ```
//!
//! - **Tables**: the same as SQLite's (`meta`, `entries`, `checkpoints`, `keys`), with the same
//!   column names, so one conformance suite tampers with both in the same SQL; plus
//!   `consentry_schema_migrations`, one row per migration run. A database whose `entries` (or
//!   `meta`, …) table is someone else's is refused ([`Error::Foreign`]), one migrated by a newer
//!   consentry-records too ([`Error::TooNew`]). Migrations run in one transaction under
//!   `pg_advisory_xact_lock`, so servers starting together do not race.
//! - **One ordered log from many processes**: a batch is one transaction that first locks the
//!   log's `meta` row (`SELECT … FOR UPDATE`), then numbers its entries from `MAX(seq) + 1`.
//!   Writers queue on that lock: positions are consecutive with no gap, and a batch is all or
//!   nothing. It is durable when `Ok` returns (PostgreSQL's default `synchronous_commit = on`).
//! - **Connections**: two, opened lazily and again after a failure: one for writes (the log's
//!   writer already sends batches of up to [`MAX_BATCH`](crate::MAX_BATCH)), one for reads so a
//!   long `verify` does not hold up appends. A server that went away gives
//!   [`Error::Unavailable`] naming the server (never the password); the next call reconnects.
//!   Without `connect_timeout` in the URL, connecting gives up after 5 s; without
//!   `tcp_user_timeout`, a connection whose packets go unacknowledged for 30 s is dropped.
//! - **No TLS**: this backend speaks plain TCP (or a Unix socket): receipts travel unencrypted,
//!   and so does the password with `password`/`md5` authentication (SCRAM, PostgreSQL's default,
//!   does not send it). For a server on another machine, the URL must point at a trusted private
//!   network or at a local TLS tunnel on 127.0.0.1 (e.g. `stunnel`, or `pgbouncer` with
//!   `server_tls_sslmode`). A URL with `sslmode=require` is refused ([`Error::Invalid`]) rather
//!   than silently downgraded; the default `sslmode=prefer` connects without TLS. TLS was left out as not cheap: `postgres-native-tls` adds 8 crates and needs
//!   the system's OpenSSL headers (`libssl-dev`) to build; `tokio-postgres-rustls` with
//!   `webpki-roots` adds 17, among them `ring` (C and assembly compiled by `cc`).
//!
//! Why `tokio-postgres` (and `rusqlite`) rather than `sqlx`: see the crate docs.

use std::str::FromStr;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Config, NoTls};

use crate::backend::{AppendOutcome, Backend, BoxFuture};
use crate::checkpoint::{Checkpoint, PublicKey};
use crate::entry::{NewEntry, PreparedRow, Row};
use crate::error::Error;
use crate::merkle::Hash;

/// Schema migrations, in order; `consentry_schema_migrations` holds one row per migration run.
/// Same tables and column names as SQLite's.
const MIGRATIONS: &[&str] = &[
    // 1: the log.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE entries (
         seq BIGINT PRIMARY KEY,
         leaf_hash BYTEA NOT NULL,
         content TEXT,
         receipt_id TEXT UNIQUE,
         receipt_sha256 BYTEA,
         subject TEXT,
         received_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL,
         removed_at BIGINT,
         removed_reason TEXT
     );
     CREATE INDEX entries_subject ON entries (subject);
     CREATE INDEX entries_expires ON entries (expires_at);
     CREATE TABLE checkpoints (
         id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         log_id TEXT NOT NULL,
         size BIGINT NOT NULL,
         root TEXT NOT NULL,
         timestamp BIGINT NOT NULL,
         key_id TEXT NOT NULL,
         signature TEXT NOT NULL
     );
     CREATE TABLE keys (key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, added_at BIGINT NOT NULL);",
];

/// The advisory lock key that serialises migrations ("consentr" in ASCII).
const MIGRATION_LOCK: i64 = 0x636f_6e73_656e_7472;

/// Tables of a consentry log; any of them without our migrations table means another
/// application's database.
const OUR_TABLES: &[&str] = &["meta", "entries", "checkpoints", "keys"];

/// How long connecting may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long sent data may go unacknowledged before the connection is dropped, when the URL does
/// not say (`tcp_user_timeout`): a server that vanished from the network fails a call, rather
/// than hanging it until TCP gives up (many minutes).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

const ROW_COLUMNS: &str = "seq, leaf_hash, content, receipt_id, subject, received_at, expires_at, removed_at, removed_reason";

/// A consent log in a PostgreSQL database.
pub struct PostgresBackend {
    config: Config,
    /// `host:port/dbname`, for messages.
    place: String,
    log_id: String,
    writer: Mutex<Option<Client>>,
    reader: Mutex<Option<Client>>,
}

impl std::fmt::Debug for PostgresBackend {
    // Not derived: the config holds the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("place", &self.place)
            .field("log_id", &self.log_id)
            .finish_non_exhaustive()
    }
}

impl PostgresBackend {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`) and
    /// creates or migrates the log's tables.
    ///
    /// Errors: [`Error::Invalid`] for a URL that does not parse, [`Error::Unavailable`] when the
    /// server cannot be reached or refuses the login, [`Error::Foreign`] for another
    /// application's tables, [`Error::TooNew`] for a log migrated by a newer version.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let mut config = Config::from_str(url).map_err(|e| {
            Error::Invalid(format!(
                "not a PostgreSQL URL ({}); expected postgres://user:password@host:port/dbname",
                describe_error(&e)
            ))
        })?;
        if config.get_ssl_mode() == SslMode::Require {
            return Err(Error::Invalid(format!(
                "PostgreSQL {}: the URL asks for TLS (sslmode=require), which consentry-records does not speak; reach the server over a trusted network or a local TLS tunnel, and drop sslmode",
                place(&config)
            )));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        let place = place(&config);
        let mut client = open_client(&config, &place).await?;
        let log_id = migrate(&mut client, &place).await?;
        Ok(PostgresBackend {
            config,
            place,
            log_id,
            writer: Mutex::new(Some(client)),
            reader: Mutex::new(None),
        })
    }

    /// The connection in `slot`, opened again if there is none or it was closed.
    async fn client<'s>(&self, slot: &'s mut Option<Client>) -> Result<&'s mut Client, Error> {
        if slot.as_ref().is_some_and(Client::is_closed) {
            *slot = None;
        }
        if slot.is_none() {
            *slot = Some(open_client(&self.config, &self.place).await?);
        }
        slot.as_mut()
            .ok_or_else(|| Error::Unavailable(format!("PostgreSQL {}: no connection", self.place)))
    }

    fn fail(&self) -> impl Fn(tokio_postgres::Error) -> Error + '_ {
        |e| classify(&self.place, &e)
    }

    /// Reads rows with `sql` on the reading connection.
    fn read_rows<'a>(
        &'a self,
        sql: String,
        params: Vec<Param>,
    ) -> BoxFuture<'a, Result<Vec<tokio_postgres::Row>, Error>> {
        Box::pin(async move {
            let mut slot = self.reader.lock().await;
            let client = self.client(&mut slot).await?;
            let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                params.iter().map(Param::as_sql).collect();
            client.query(&sql, &params).await.map_err(self.fail())
        })
    }

    /// Runs one statement with `sql` on the writing connection; returns the rows it changed.
    fn write<'a>(&'a self, sql: &'a str, params: Vec<Param>) -> BoxFuture<'a, Result<u64, Error>> {
        Box::pin(async move {
            let mut slot = self.writer.lock().await;
            let client = self.client(&mut slot).await?;
            let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                params.iter().map(Param::as_sql).collect();
            client.execute(sql, &params).await.map_err(self.fail())
        })
    }
}

/// An owned query parameter (the futures outlive the caller's borrows).
enum Param {
    Int(i64),
    Text(String),
}

impl Param {
    fn as_sql(&self) -> &(dyn tokio_postgres::types::ToSql + Sync) {
        match self {
            Param::Int(v) => v,
            Param::Text(v) => v,
        }
    }
}

/// `host:port/dbname` of a config, without user or password.
fn place(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = config
                .get_ports()
                .get(i)
                .or_else(|| config.get_ports().first())
                .copied()
                .unwrap_or(5432);
            match host {
                Host::Tcp(name) if name.contains(':') => format!("[{name}]:{port}"),
                Host::Tcp(name) => format!("{name}:{port}"),
                Host::Unix(dir) => format!("{}:{port}", dir.display()),
            }
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "localhost:5432".to_owned()
    } else {
        hosts.join(",")
    };
    let db = config
        .get_dbname()
        .or_else(|| config.get_user())
        .unwrap_or("postgres");
    format!("{hosts}/{db}")
}

/// An error's text with its cause (tokio-postgres' own `Display` leaves the cause out).
fn describe_error(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

fn unavailable(place: &str, e: &tokio_postgres::Error) -> Error {
    Error::Unavailable(format!(
        "PostgreSQL {place}: {}; is PostgreSQL running? check DATABASE_URL",
        describe_error(e)
    ))
}

/// An error of a statement: [`Error::Unavailable`] when the connection or server is gone,
/// else [`Error::Storage`].
fn classify(place: &str, e: &tokio_postgres::Error) -> Error {
    let Some(db) = e.as_db_error() else {
        let io = std::error::Error::source(e).is_some_and(|c| c.is::<std::io::Error>());
        return if e.is_closed() || io {
            unavailable(place, e)
        } else {
            // A column of an unexpected type: someone altered the tables.
            Error::Storage(format!("PostgreSQL {place}: {}", describe_error(e)))
        };
    };
    let code = db.code();
    let gone = code.code().starts_with("08")
        || code.code().starts_with("57P")
        || *code == SqlState::TOO_MANY_CONNECTIONS;
    if gone {
        unavailable(place, e)
    } else if *code == SqlState::DISK_FULL {
        Error::Storage(format!(
            "PostgreSQL {place}: the server's disk is full; free space, then retry (nothing was written)"
        ))
    } else {
        Error::Storage(format!("PostgreSQL {place}: {}", describe_error(e)))
    }
}

/// Opens a connection and spawns the task that drives it.
async fn open_client(config: &Config, place: &str) -> Result<Client, Error> {
    // connect_timeout covers each TCP connect; this also bounds the startup exchange with a
    // server that accepts connections but does not answer.
    let limit = config
        .get_connect_timeout()
        .copied()
        .unwrap_or(CONNECT_TIMEOUT)
        * 2;
    let (client, connection) = tokio::time::timeout(limit, config.connect(NoTls))
        .await
        .map_err(|_| {
            Error::Unavailable(format!(
                "PostgreSQL {place}: no answer within {} s; is PostgreSQL running? check DATABASE_URL",
                limit.as_secs()
            ))
        })?
        .map_err(|e| unavailable(place, &e))?;
    let place = place.to_owned();
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(server = %place, error = %describe_error(&e), "consentry-records: PostgreSQL connection lost");
        }
    });
    Ok(client)
}

/// Creates or migrates the log's tables; returns the log's id.
async fn migrate(client: &mut Client, place: &str) -> Result<String, Error> {
    let fail = |e: tokio_postgres::Error| classify(place, &e);
    let tx = client.transaction().await.map_err(fail)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(fail)?;
    let exists = |table: &'static str| {
        let tx = &tx;
        async move {
            tx.query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
                .await
                .map(|r| r.get::<_, bool>(0))
        }
    };
    let version: i64 = if exists("consentry_schema_migrations").await.map_err(fail)? {
        tx.query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM consentry_schema_migrations",
            &[],
        )
        .await
        .map_err(fail)?
        .get(0)
    } else {
        for table in OUR_TABLES {
            if exists(table).await.map_err(fail)? {
                return Err(Error::Foreign(format!(
                    "PostgreSQL {place} has a table `{table}` that is not a consentry log's (no consentry_schema_migrations); give the log its own database"
                )));
            }
        }
        tx.batch_execute(
            "CREATE TABLE consentry_schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await
        .map_err(fail)?;
        0
    };
    let supported = MIGRATIONS.len() as i64;
    if version > supported {
        return Err(Error::TooNew {
            found: version,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(sql).await.map_err(fail)?;
        tx.execute(
            "INSERT INTO consentry_schema_migrations (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .await
        .map_err(fail)?;
    }
    if version == 0 {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('log_id', $1)",
            &[&crate::new_log_id()?],
        )
        .await
        .map_err(fail)?;
    }
    let log_id = tx
        .query_opt("SELECT value FROM meta WHERE key = 'log_id'", &[])
        .await
        .map_err(fail)?
        .map(|r| r.get::<_, String>(0))
        .ok_or_else(|| Error::Foreign(format!("PostgreSQL {place}: the log has no id")))?;
    tx.commit().await.map_err(fail)?;
    Ok(log_id)
}

fn read_row(r: &tokio_postgres::Row) -> Result<Row, tokio_postgres::Error> {
    Ok(Row::from_columns(
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get(6)?,
        r.try_get(7)?,
        r.try_get(8)?,
    ))
}

/// Appends a batch in one transaction (see the module docs for how writers are serialised).
async fn append_batch(
    client: &mut Client,
    place: &str,
    batch: &[NewEntry],
) -> Result<Vec<AppendOutcome>, Error> {
    let fail = |e: tokio_postgres::Error| classify(place, &e);
    let tx = client.transaction().await.map_err(fail)?;
    // The lock every writer takes first: held until commit, so the next writer reads MAX(seq)
    // after this batch is in. `query_typed` sends each statement in one round trip (no
    // separate prepare); the position and the idempotency lookup go out together.
    tx.query_typed("SELECT 1 FROM meta WHERE key = 'log_id' FOR UPDATE", &[])
        .await
        .map_err(fail)?
        .first()
        .ok_or_else(|| Error::Foreign(format!("PostgreSQL {place}: the log has no id")))?;
    let ids: Vec<&str> = batch
        .iter()
        .map(|e| e.receipt.receipt_id.as_str())
        .collect();
    let lookup: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 1] =
        [(&ids, Type::TEXT_ARRAY)];
    let (head, found) = tokio::try_join!(
        tx.query_typed("SELECT COALESCE(MAX(seq) + 1, 0) FROM entries", &[]),
        tx.query_typed(
            "SELECT receipt_id, seq, receipt_sha256 FROM entries WHERE receipt_id = ANY($1)",
            &lookup,
        ),
    )
    .map_err(fail)?;
    let mut next: i64 = head
        .first()
        .map(|r| r.try_get(0))
        .transpose()
        .map_err(fail)?
        .unwrap_or(0);
    let mut known: std::collections::HashMap<String, (i64, Option<Vec<u8>>)> = found
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    let mut out = Vec::with_capacity(batch.len());
    let mut rows: Vec<PreparedRow> = Vec::with_capacity(batch.len());
    for entry in batch {
        let prepared = PreparedRow::new(next as u64, entry);
        let id = entry.receipt.receipt_id.as_str();
        // Also catches a receipt repeated within the batch, as SQLite's row-by-row insert does.
        if let Some((seq, hash)) = known.get(id) {
            let same = hash.as_deref() == Some(&prepared.receipt_sha256[..]);
            out.push(if same {
                AppendOutcome::Duplicate(*seq as u64)
            } else {
                AppendOutcome::Conflict(*seq as u64)
            });
            continue;
        }
        known.insert(
            id.to_owned(),
            (next, Some(prepared.receipt_sha256.to_vec())),
        );
        out.push(AppendOutcome::New(next as u64));
        rows.push(prepared);
        next += 1;
    }
    if !rows.is_empty() {
        let seqs: Vec<i64> = rows.iter().map(|p| p.row.seq as i64).collect();
        let leaves: Vec<&[u8]> = rows.iter().map(|p| &p.row.leaf_hash[..]).collect();
        let contents: Vec<Option<&str>> = rows.iter().map(|p| p.row.content.as_deref()).collect();
        let receipt_ids: Vec<Option<&str>> =
            rows.iter().map(|p| p.row.receipt_id.as_deref()).collect();
        let sha: Vec<&[u8]> = rows.iter().map(|p| &p.receipt_sha256[..]).collect();
        let subjects: Vec<Option<&str>> = rows.iter().map(|p| p.row.subject.as_deref()).collect();
        let received: Vec<i64> = rows.iter().map(|p| p.row.received_at).collect();
        let expires: Vec<i64> = rows.iter().map(|p| p.row.expires_at).collect();
        // One statement for the whole batch.
        tx.query_typed(
            "INSERT INTO entries (seq, leaf_hash, content, receipt_id, receipt_sha256, subject, received_at, expires_at)
             SELECT * FROM UNNEST($1::BIGINT[], $2::BYTEA[], $3::TEXT[], $4::TEXT[], $5::BYTEA[], $6::TEXT[], $7::BIGINT[], $8::BIGINT[])",
            &[
                (&seqs, Type::INT8_ARRAY),
                (&leaves, Type::BYTEA_ARRAY),
                (&contents, Type::TEXT_ARRAY),
                (&receipt_ids, Type::TEXT_ARRAY),
                (&sha, Type::BYTEA_ARRAY),
                (&subjects, Type::TEXT_ARRAY),
                (&received, Type::INT8_ARRAY),
                (&expires, Type::INT8_ARRAY),
            ],
        )
        .await
        .map_err(fail)?;
    }
    tx.commit().await.map_err(fail)?;
    Ok(out)
}

impl Backend for PostgresBackend {
    fn describe(&self) -> String {
        format!("PostgreSQL {}", self.place)
    }

    fn log_id(&self) -> &str {
        &self.log_id
    }

    fn append_batch(
        &self,
        batch: Vec<NewEntry>,
    ) -> BoxFuture<'_, Result<Vec<AppendOutcome>, Error>> {
        Box::pin(async move {
            let mut slot = self.writer.lock().await;
            let client = self.client(&mut slot).await?;
            append_batch(client, &self.place, &batch).await
        })
    }

    fn size(&self) -> BoxFuture<'_, Result<u64, Error>> {
        Box::pin(async move {
            let rows = self
                .read_rows(
                    "SELECT COALESCE(MAX(seq) + 1, 0) FROM entries".into(),
                    vec![],
                )
                .await?;
            let n: i64 = rows
                .first()
                .map(|r| r.try_get(0))
                .transpose()
                .map_err(self.fail())?
                .unwrap_or(0);
            Ok(n as u64)
        })
    }

    fn rows(&self, from: u64, limit: usize) -> BoxFuture<'_, Result<Vec<Row>, Error>> {
        Box::pin(async move {
            let rows = self
                .read_rows(
                    format!(
                        "SELECT {ROW_COLUMNS} FROM entries WHERE seq >= $1 ORDER BY seq LIMIT $2"
                    ),
                    vec![Param::Int(from as i64), Param::Int(limit as i64)],
                )
                .await?;
            rows.iter()
                .map(read_row)
                .collect::<Result<_, _>>()
                .map_err(self.fail())
        })
    }

    fn leaf_hashes(&self, from: u64, to: u64) -> BoxFuture<'_, Result<Vec<Hash>, Error>> {
        Box::pin(async move {
            let rows = self
                .read_rows(
                    "SELECT leaf_hash FROM entries WHERE seq >= $1 AND seq < $2 ORDER BY seq"
                        .into(),
                    vec![Param::Int(from as i64), Param::Int(to as i64)],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    r.try_get::<_, Vec<u8>>(0)
                        .map(|v| v.try_into().unwrap_or([0; 32]))
                })
                .collect::<Result<_, _>>()
                .map_err(self.fail())
        })
    }

    fn rows_of_subject<'a>(&'a self, subject: &'a str) -> BoxFuture<'a, Result<Vec<Row>, Error>> {
        Box::pin(async move {
            let rows = self
                .read_rows(
                    format!("SELECT {ROW_COLUMNS} FROM entries WHERE subject = $1 AND content IS NOT NULL ORDER BY seq"),
                    vec![Param::Text(subject.to_owned())],
                )
                .await?;
            rows.iter()
                .map(read_row)
                .collect::<Result<_, _>>()
                .map_err(self.fail())
        })
    }

    fn row_of_receipt<'a>(
        &'a self,
        receipt_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Row>, Error>> {
        Box::pin(async move {
            let rows = self
                .read_rows(
                    format!("SELECT {ROW_COLUMNS} FROM entries WHERE receipt_id = $1"),
                    vec![Param::Text(receipt_id.to_owned())],
                )
                .await?;
            rows.first().map(read_row).transpose().map_err(self.fail())
        })
    }

    fn remove_subject<'a>(
        &'a self,
        subject: &'a str,
        at: i64,
    ) -> BoxFuture<'a, Result<u64, Error>> {
        self.write(
            "UPDATE entries SET content = NULL, receipt_id = NULL, receipt_sha256 = NULL, subject = NULL,
                 removed_at = $2, removed_reason = 'erased'
             WHERE subject = $1",
            vec![Param::Text(subject.to_owned()), Param::Int(at)],
        )
    }

    fn purge(&self, expired_before: i64, at: i64) -> BoxFuture<'_, Result<u64, Error>> {
        self.write(
            "UPDATE entries SET content = NULL, receipt_id = NULL, receipt_sha256 = NULL, subject = NULL,
                 removed_at = $2, removed_reason = 'purged'
             WHERE expires_at < $1 AND content IS NOT NULL",
            vec![Param::Int(expired_before), Param::Int(at)],
        )
    }

    fn add_checkpoint(&self, cp: Checkpoint) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.write(
                "INSERT INTO checkpoints (log_id, size, root, timestamp, key_id, signature)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                vec![
                    Param::Text(cp.log_id),
                    Param::Int(cp.size as i64),
                    Param::Text(cp.root),
                    Param::Int(cp.timestamp),
                    Param::Text(cp.key_id),
                    Param::Text(cp.signature),
                ],
            )
            .await
            .map(drop)
        })
    }

    fn checkpoints(&self) -> BoxFuture<'_, Result<Vec<Checkpoint>, Error>> {
        Box::pin(async move {
            let rows = self
                .read_rows(
                    "SELECT log_id, size, root, timestamp, key_id, signature FROM checkpoints ORDER BY id"
                        .into(),
                    vec![],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(Checkpoint {
                        log_id: r.try_get(0)?,
                        size: r.try_get::<_, i64>(1)? as u64,
                        root: r.try_get(2)?,
                        timestamp: r.try_get(3)?,
                        key_id: r.try_get(4)?,
                        signature: r.try_get(5)?,
                    })
                })
                .collect::<Result<_, tokio_postgres::Error>>()
                .map_err(self.fail())
        })
    }

    fn add_public_key(&self, key: PublicKey, at: i64) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.write(
                "INSERT INTO keys (key_id, public_key, added_at) VALUES ($1, $2, $3)
                 ON CONFLICT (key_id) DO NOTHING",
                vec![
                    Param::Text(key.key_id()),
                    Param::Text(key.to_base64()),
                    Param::Int(at),
                ],
            )
            .await
            .map(drop)
        })
    }

    fn public_keys(&self) -> BoxFuture<'_, Result<Vec<PublicKey>, Error>> {
        Box::pin(async move {
            let rows = self
                .read_rows(
                    "SELECT public_key FROM keys ORDER BY added_at, key_id".into(),
                    vec![],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    let text: String = r.try_get(0).map_err(self.fail())?;
                    PublicKey::from_base64(&text).map_err(|e| {
                        Error::Foreign(format!("PostgreSQL {}: stored public key: {e}", self.place))
                    })
                })
                .collect()
        })
    }
}
