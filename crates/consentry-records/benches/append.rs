//! The consent log against a plain `INSERT` of the same receipt JSON into the same database, in
//! one run: throughput with many concurrent writers, latency at a steady 1,000 appends/s, and
//! `verify` over a large log.
//!
//! ```text
//! cargo bench -p consentry-records --bench append                  # SQLite
//! CONSENTRY_TEST_DATABASE_URL=postgres://… cargo bench -p consentry-records --bench append
//! BENCH_VERIFY_ENTRIES=1000000 cargo bench -p consentry-records --bench append
//! ```
//!
//! The plain insert is what an app would write by hand: one `INSERT` a receipt, each its own
//! transaction, with the same durability (SQLite WAL + `synchronous = FULL`; PostgreSQL's
//! default `synchronous_commit = on`). The log adds hashing, the idempotency lookup and the
//! position, and wins back the cost by committing whatever is waiting in one transaction.

use std::sync::Arc;
use std::time::{Duration, Instant};

use consentry_records::testing::receipt;
use consentry_records::{ConsentLog, LogOptions, NewEntry, SigningKey};
use tokio::sync::Mutex;

const T0: i64 = 1_790_000_000;
/// Concurrent writers in the throughput runs (requests in flight on a busy site).
const WRITERS: u64 = 32;
/// Throughput runs of each, alternating plain and log; the median is reported (a shared
/// 2-core machine is noisy).
const ROUNDS: u64 = 3;
/// Appends in each throughput run.
const APPENDS: u64 = 4_000;
/// The paced run: appends per second and seconds.
const RATE: u64 = 1_000;
const SECONDS: u64 = 3;

#[derive(Clone, Copy)]
struct Result {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn summarise(mut lat: Vec<Duration>, elapsed: Duration) -> Result {
    lat.sort_unstable();
    let at = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    Result {
        per_second: lat.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: at(0.50).as_secs_f64() * 1e3,
        p99_ms: at(0.99).as_secs_f64() * 1e3,
    }
}

/// Runs `op(n)` for n in 0..count from `WRITERS` tasks at once.
async fn saturate<F, Fut>(count: u64, base: u64, op: F) -> Result
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let op = Arc::clone(&op);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut n = w;
            while n < count {
                let t = Instant::now();
                op(base + n).await;
                lat.push(t.elapsed());
                n += WRITERS;
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    summarise(lat, start.elapsed())
}

/// Starts `op(n)` every 1/RATE s for SECONDS, each on its own task.
async fn paced<F, Fut>(base: u64, op: F) -> Result
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let op = Arc::new(op);
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..RATE * SECONDS {
        tick.tick().await;
        let op = Arc::clone(&op);
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            op(base + n).await;
            t.elapsed()
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.push(t.await.unwrap());
    }
    summarise(lat, start.elapsed())
}

/// The run with the median throughput.
fn median(mut runs: Vec<Result>) -> Result {
    runs.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    runs[runs.len() / 2]
}

fn json(n: u64) -> String {
    receipt(n, T0).to_json()
}

fn entry(n: u64) -> NewEntry {
    NewEntry::new(receipt(n, T0), T0 + 1)
}

fn row(name: &str, r: Result, plain: Option<Result>) {
    let ratio = plain.map_or(String::new(), |p| {
        format!("{:>6.2}x", r.per_second / p.per_second)
    });
    println!(
        "  {name:<34} {:>9.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  {ratio}",
        r.per_second, r.p50_ms, r.p99_ms
    );
}

async fn open_log(target: &str) -> ConsentLog {
    ConsentLog::open_with(
        target,
        LogOptions::default().signing_key(SigningKey::from_seed([5; 32])),
    )
    .await
    .unwrap()
}

async fn log_throughput(log: &ConsentLog, round: u64) -> Result {
    let l = log.clone();
    saturate(APPENDS, 1_000_000 * (round + 1), move |n| {
        let l = l.clone();
        async move {
            l.append(entry(n)).await.unwrap();
        }
    })
    .await
}

async fn log_paced(log: &ConsentLog) -> Result {
    let l = log.clone();
    paced(100_000_000, move |n| {
        let l = l.clone();
        async move {
            l.append(entry(n)).await.unwrap();
        }
    })
    .await
}

/// Plain and log throughput, alternating, `ROUNDS` times each; then both paced.
async fn compare<F, Fut>(insert: F, log: &ConsentLog)
where
    F: Fn(u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (mut plain, mut logged) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        plain.push(saturate(APPENDS, round * APPENDS, insert.clone()).await);
        logged.push(log_throughput(log, round).await);
    }
    let plain_paced = paced(50_000_000, insert).await;
    let log_paced = log_paced(log).await;
    let plain = median(plain);
    row("plain INSERT, concurrent", plain, None);
    row(
        "consent log append, concurrent",
        median(logged),
        Some(plain),
    );
    row("plain INSERT, paced", plain_paced, None);
    row("consent log append, paced", log_paced, Some(plain_paced));
}

async fn sqlite(dir: &std::path::Path) {
    println!("SQLite (WAL, synchronous=FULL), {WRITERS} writers, {APPENDS} appends, median of {ROUNDS}; paced {RATE}/s for {SECONDS} s");
    let plain_path = dir.join("plain.db");
    let conn = rusqlite::Connection::open(&plain_path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch("CREATE TABLE receipts (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .unwrap();
    let conn = Arc::new(std::sync::Mutex::new(conn));
    let insert = move |n: u64| {
        let conn = Arc::clone(&conn);
        async move {
            tokio::task::spawn_blocking(move || {
                conn.lock()
                    .unwrap()
                    .execute("INSERT INTO receipts (body) VALUES (?1)", [json(n)])
                    .unwrap();
            })
            .await
            .unwrap();
        }
    };
    let log = open_log(dir.join("log.db").to_str().unwrap()).await;
    compare(insert, &log).await;
}

#[cfg(feature = "postgres")]
async fn postgres(url: &str) {
    let (admin, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let setting = |name: &'static str| {
        let admin = &admin;
        async move {
            let row = admin.query_one(&format!("SHOW {name}"), &[]).await.unwrap();
            row.get::<_, String>(0)
        }
    };
    println!(
        "PostgreSQL (fsync={}, synchronous_commit={}), {WRITERS} writers, {APPENDS} appends, median of {ROUNDS}; paced {RATE}/s for {SECONDS} s",
        setting("fsync").await,
        setting("synchronous_commit").await
    );
    let db = format!("bench_{}", std::process::id());
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .await
        .unwrap();
    let db_url = match url.rfind('/') {
        Some(i) => format!("{}/{db}", &url[..i]),
        None => panic!("the URL names no database: {url}"),
    };
    let (client, conn) = tokio_postgres::connect(&db_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute("CREATE TABLE receipts (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)")
        .await
        .unwrap();
    // One connection per writer, as a pool would give.
    let mut clients = Vec::new();
    for _ in 0..WRITERS {
        let (c, conn) = tokio_postgres::connect(&db_url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        clients.push(Arc::new(Mutex::new(c)));
    }
    let clients = Arc::new(clients);
    let insert = move |n: u64| {
        let c = Arc::clone(&clients[(n % WRITERS) as usize]);
        async move {
            c.lock()
                .await
                .execute("INSERT INTO receipts (body) VALUES ($1)", &[&json(n)])
                .await
                .unwrap();
        }
    };
    let log = open_log(&db_url).await;
    compare(insert, &log).await;
    drop(client);
}

/// Fills a log with `n` entries straight through the SQLite backend's table layout (appending
/// a million through the API would measure the disk, not verify) and times `verify`.
async fn verify_large(dir: &std::path::Path, n: u64) {
    let path = dir.join("large.db");
    let log = ConsentLog::open_with(
        path.to_str().unwrap(),
        LogOptions::default().signing_key(SigningKey::from_seed([5; 32])),
    )
    .await
    .unwrap();
    let fill = Instant::now();
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO entries (seq, leaf_hash, content, receipt_id, receipt_sha256, subject, received_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .unwrap();
            for seq in 0..n {
                let p = consentry_records::entry::PreparedRow::new(seq, &entry(seq));
                let r = &p.row;
                st.execute(rusqlite::params![
                    seq as i64,
                    &r.leaf_hash[..],
                    r.content,
                    r.receipt_id,
                    &p.receipt_sha256[..],
                    r.subject,
                    r.received_at,
                    r.expires_at
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let filled = fill.elapsed();
    let cp = Instant::now();
    log.checkpoint().await.unwrap();
    let cp = cp.elapsed();
    let start = Instant::now();
    let report = log.verify(None).await.unwrap();
    let took = start.elapsed();
    assert!(report.is_ok(), "{:?}", report.problems);
    println!(
        "verify of {n} entries (SQLite): {:.2} s  (filled in {:.1} s, first checkpoint over all leaves {:.2} s)",
        took.as_secs_f64(),
        filled.as_secs_f64(),
        cp.as_secs_f64()
    );
}

fn main() {
    // `cargo test --benches` runs benches with `--bench` absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        sqlite(dir.path()).await;
        #[cfg(feature = "postgres")]
        match std::env::var("CONSENTRY_TEST_DATABASE_URL")
            .or_else(|_| std::env::var("DATABASE_URL"))
        {
            Ok(url) if !url.is_empty() => postgres(&url).await,
            _ => println!(
                "PostgreSQL: skipped (set CONSENTRY_TEST_DATABASE_URL, e.g. from `cargo xtask pg`)"
            ),
        }
        let n = std::env::var("BENCH_VERIFY_ENTRIES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        verify_large(dir.path(), n).await;
    });
}
