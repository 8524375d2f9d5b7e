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
//!   The statements of a batch are pipelined: when the position the writer expects (where its
//!   last batch ended) is still the log's next, a batch is one round trip, its insert checking
//!   under the lock that the position holds and no receipt is stored yet; else (another server
//!   appended, a receipt is repeated) it reads them and takes two more.
//! - **Connections**: two, opened lazily and again after a failure: one for appends, erasure
//!   and purges (the log's writer already sends batches of up to [`MAX_BATCH`](crate::MAX_BATCH)),
//!   one for reads and for storing checkpoints, so a long `verify` or a checkpoint does not
//!   hold up appends. A server that went away gives
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
    /// The position after the writer's last batch (-1: not known), which its next batch
    /// expects to start at.
    next: std::sync::atomic::AtomicI64,
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
            next: std::sync::atomic::AtomicI64::new(-1),
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
        self.write_on(&self.writer, sql, params)
    }

    /// Runs one statement with `sql` on the connection in `slot`; returns the rows it changed.
    /// Checkpoints and keys go on the reading connection: they touch no entry, and appends
    /// need not wait for them.
    fn write_on<'a>(
        &'a self,
        slot: &'a Mutex<Option<Client>>,
        sql: &'a str,
        params: Vec<Param>,
    ) -> BoxFuture<'a, Result<u64, Error>> {
        Box::pin(async move {
            let mut slot = slot.lock().await;
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

/// The columns of a batch's rows, as arrays for `UNNEST` (one statement for the whole batch).
struct Columns<'a> {
    seqs: Vec<i64>,
    leaves: Vec<&'a [u8]>,
    contents: Vec<Option<&'a str>>,
    receipt_ids: Vec<Option<&'a str>>,
    sha: Vec<&'a [u8]>,
    subjects: Vec<Option<&'a str>>,
    received: Vec<i64>,
    expires: Vec<i64>,
}

impl<'a> Columns<'a> {
    fn of(rows: &'a [PreparedRow]) -> Self {
        Columns {
            seqs: rows.iter().map(|p| p.row.seq as i64).collect(),
            leaves: rows.iter().map(|p| &p.row.leaf_hash[..]).collect(),
            contents: rows.iter().map(|p| p.row.content.as_deref()).collect(),
            receipt_ids: rows.iter().map(|p| p.row.receipt_id.as_deref()).collect(),
            sha: rows.iter().map(|p| &p.receipt_sha256[..]).collect(),
            subjects: rows.iter().map(|p| p.row.subject.as_deref()).collect(),
            received: rows.iter().map(|p| p.row.received_at).collect(),
            expires: rows.iter().map(|p| p.row.expires_at).collect(),
        }
    }

    fn params(&self) -> [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 8] {
        [
            (&self.seqs, Type::INT8_ARRAY),
            (&self.leaves, Type::BYTEA_ARRAY),
            (&self.contents, Type::TEXT_ARRAY),
            (&self.receipt_ids, Type::TEXT_ARRAY),
            (&self.sha, Type::BYTEA_ARRAY),
            (&self.subjects, Type::TEXT_ARRAY),
            (&self.received, Type::INT8_ARRAY),
            (&self.expires, Type::INT8_ARRAY),
        ]
    }
}

const INSERT_ROWS: &str = "INSERT INTO entries (seq, leaf_hash, content, receipt_id, receipt_sha256, subject, received_at, expires_at)
     SELECT * FROM UNNEST($1::BIGINT[], $2::BYTEA[], $3::TEXT[], $4::TEXT[], $5::BYTEA[], $6::TEXT[], $7::BIGINT[], $8::BIGINT[])";

/// The lock every writer takes first: held until commit, so the next writer's statements see
/// this batch (each statement of a READ COMMITTED transaction reads what was committed when it
/// started, so what a writer reads after the lock is current).
const LOCK_LOG: &str = "SELECT 1 FROM meta WHERE key = 'log_id' FOR UPDATE";

/// [`INSERT_ROWS`] that writes nothing unless the log's next position is `$9` and none of the
/// receipt ids is stored yet: what the writer expects when it is the only one.
const INSERT_ROWS_IF_EXPECTED: &str = "INSERT INTO entries (seq, leaf_hash, content, receipt_id, receipt_sha256, subject, received_at, expires_at)
     SELECT * FROM UNNEST($1::BIGINT[], $2::BYTEA[], $3::TEXT[], $4::TEXT[], $5::BYTEA[], $6::TEXT[], $7::BIGINT[], $8::BIGINT[])
     WHERE (SELECT COALESCE(MAX(seq) + 1, 0) FROM entries) = $9
       AND NOT EXISTS (SELECT 1 FROM entries WHERE receipt_id = ANY($4::TEXT[]))";

/// Appends a batch in one transaction (see the module docs for how writers are serialised).
///
/// `next` is the position this connection expects the batch to start at (where its last batch
/// ended), if it knows one. The statements of a batch are pipelined: with the expected position
/// right, one round trip (begin, lock, an insert that checks the position and that no receipt
/// is there yet, commit); else (another server appended, a receipt is repeated, or nothing is
/// expected yet) two more, which read the position and the stored receipts first.
/// On success, returns the outcomes and the position after the batch.
async fn append_batch(
    client: &Client,
    place: &str,
    batch: &[NewEntry],
    next: Option<i64>,
) -> Result<(Vec<AppendOutcome>, i64), Error> {
    let fail = |e: tokio_postgres::Error| classify(place, &e);
    let expected = match next {
        Some(next) => append_expected(client, batch, next).await.map_err(fail),
        None => Ok(None),
    };
    let result = match expected {
        Ok(Some(done)) => Ok(done),
        Ok(None) => append_checked(client, place, batch).await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        // The pipeline may have stopped inside the transaction: end it (only a warning if
        // there is none), so the connection can be used again.
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

/// The one-round-trip append at the expected position `next`; `None` when it wrote nothing
/// (the position moved, a receipt is stored already, or the batch repeats a receipt).
async fn append_expected(
    client: &Client,
    batch: &[NewEntry],
    next: i64,
) -> Result<Option<(Vec<AppendOutcome>, i64)>, tokio_postgres::Error> {
    let mut ids = std::collections::HashSet::with_capacity(batch.len());
    if !batch
        .iter()
        .all(|e| ids.insert(e.receipt.receipt_id.as_str()))
    {
        return Ok(None);
    }
    let rows: Vec<PreparedRow> = batch
        .iter()
        .enumerate()
        .map(|(i, e)| PreparedRow::new((next + i as i64) as u64, e))
        .collect();
    let columns = Columns::of(&rows);
    let [a, b, c, d, e, f, g, h] = columns.params();
    let params = [a, b, c, d, e, f, g, h, (&next, Type::INT8)];
    // `biased`: polled (and so sent) in this order.
    let (_, _, written, _) = tokio::try_join!(
        biased;
        client.batch_execute("BEGIN"),
        client.query_typed(LOCK_LOG, &[]),
        client.execute_typed(INSERT_ROWS_IF_EXPECTED, &params),
        client.batch_execute("COMMIT"),
    )?;
    if written == 0 {
        return Ok(None);
    }
    let outcomes = (0..batch.len() as i64)
        .map(|i| AppendOutcome::New((next + i) as u64))
        .collect();
    Ok(Some((outcomes, next + batch.len() as i64)))
}

/// The append that reads the log's position and the stored receipts first (two round trips).
async fn append_checked(
    client: &Client,
    place: &str,
    batch: &[NewEntry],
) -> Result<(Vec<AppendOutcome>, i64), Error> {
    let fail = |e: tokio_postgres::Error| classify(place, &e);
    let ids: Vec<&str> = batch
        .iter()
        .map(|e| e.receipt.receipt_id.as_str())
        .collect();
    let lookup: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 1] =
        [(&ids, Type::TEXT_ARRAY)];
    let (_, locked, head, found) = tokio::try_join!(
        biased;
        client.batch_execute("BEGIN"),
        client.query_typed(LOCK_LOG, &[]),
        client.query_typed("SELECT COALESCE(MAX(seq) + 1, 0) FROM entries", &[]),
        client.query_typed(
            "SELECT receipt_id, seq, receipt_sha256 FROM entries WHERE receipt_id = ANY($1)",
            &lookup,
        ),
    )
    .map_err(fail)?;
    if locked.is_empty() {
        return Err(Error::Foreign(format!(
            "PostgreSQL {place}: the log has no id"
        )));
    }
    let mut next: i64 = head
        .first()
        .map(|r| r.try_get(0))
        .transpose()
        .map_err(fail)?
        .unwrap_or(0);
    let mut known: std::collections::HashMap<String, (i64, Option<Vec<u8>>)> = found
        .iter()
        .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(fail)?;
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
    let columns = Columns::of(&rows);
    let params = columns.params();
    if rows.is_empty() {
        client.batch_execute("COMMIT").await.map_err(fail)?;
    } else {
        // A failed insert turns the pipelined COMMIT into a rollback; its error comes first.
        tokio::try_join!(
            biased;
            client.execute_typed(INSERT_ROWS, &params),
            client.batch_execute("COMMIT"),
        )
        .map_err(fail)?;
    }
    Ok((out, next))
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
            use std::sync::atomic::Ordering::Relaxed;
            let mut slot = self.writer.lock().await;
            let client = self.client(&mut slot).await?;
            // Read and written under the writer's lock.
            let next = Some(self.next.swap(-1, Relaxed)).filter(|n| *n >= 0);
            let (outcomes, next) = append_batch(client, &self.place, &batch, next).await?;
            self.next.store(next, Relaxed);
            Ok(outcomes)
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
            self.write_on(
                &self.reader,
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
            self.write_on(
                &self.reader,
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
