//! PostgreSQL for the tests: the server in `CONSENTRY_TEST_DATABASE_URL` (`cargo xtask test`
//! starts a throwaway one and sets it), and a fresh database on it for each test.

use std::io::Write;
use std::sync::Once;

use consentry_records::entry::hex;

use super::{BoxFuture, Harness};

/// The variable naming the test server.
pub const URL_VAR: &str = "CONSENTRY_TEST_DATABASE_URL";

/// The test server's URL. Unset: in CI (`CI` set) the test fails, since the PostgreSQL tests
/// must run there; on a developer's machine it prints a loud note and gives `None`, and the test
/// returns without checking anything.
pub fn test_server_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{URL_VAR} is not set, and this is CI (CI is set), where the PostgreSQL tests must run: \
             run the tests with `cargo xtask test`, which starts a throwaway PostgreSQL and sets {URL_VAR}"
        ),
        _ => {
            // Once per test binary, and past libtest's capture (which only takes `eprintln!`),
            // so it shows in a plain `cargo test`.
            static NOTE: Once = Once::new();
            NOTE.call_once(|| {
                let _ = std::io::stderr().write_all(
                    format!(
                        "\n********************************************************************\n\
                         NOTE: {URL_VAR} is not set: the tests of this binary that\n\
                         need a PostgreSQL server pass WITHOUT CHECKING ANYTHING. Run\n\
                         `cargo xtask test` (starts a throwaway PostgreSQL), or start one with\n\
                         `cargo xtask pg` and export the {URL_VAR}=... line it prints.\n\
                         ********************************************************************\n\n"
                    )
                    .as_bytes(),
                );
            });
            None
        }
    }
}

/// `url` with its database name replaced by `database` (the query string is kept).
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_at(url.find('?').unwrap_or(url.len()));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_start = base[after_scheme..]
        .rfind('@')
        .map_or(after_scheme, |i| after_scheme + i + 1);
    let path = base[host_start..]
        .find('/')
        .map_or(base.len(), |i| host_start + i);
    format!("{}/{database}{query}", &base[..path])
}

/// A connection for the test itself (tampering, setup), driven by a spawned task.
pub async fn client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to the test PostgreSQL ({URL_VAR}): {e}"));
    tokio::spawn(connection);
    client
}

/// A fresh database `t_<random hex>` on the test server, dropped at the end of the test.
pub struct Postgres {
    server: String,
    name: String,
    url: String,
    client: tokio_postgres::Client,
}

impl Postgres {
    /// Creates the database; `None` when there is no test server (see [`test_server_url`]).
    pub async fn create() -> Option<Self> {
        let server = test_server_url()?;
        let mut bytes = [0u8; 8];
        getrandom::getrandom(&mut bytes).unwrap();
        let name = format!("t_{}", hex(&bytes));
        client(&server)
            .await
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let url = with_database(&server, &name);
        let client = client(&url).await;
        Some(Postgres {
            server,
            name,
            url,
            client,
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs SQL on the server's own database (for `ALTER DATABASE`, `pg_terminate_backend`).
    pub async fn exec_on_server(&self, sql: &str) {
        client(&self.server).await.batch_execute(sql).await.unwrap();
    }
}

impl Harness for Postgres {
    fn new_target() -> BoxFuture<'static, Option<Self>> {
        Box::pin(Postgres::create())
    }

    fn target(&self) -> String {
        self.url.clone()
    }

    fn exec<'a>(&'a self, sql: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.client
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on a future: use a thread
        // with its own. FORCE ends the log's connections still open.
        let server = self.server.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let (client, connection) =
                    tokio_postgres::connect(&server, tokio_postgres::NoTls).await?;
                tokio::spawn(connection);
                client.batch_execute(&sql).await
            })
        })
        .join();
        if let Ok(Err(e)) = done {
            eprintln!("note: could not drop test database {}: {e}", self.name);
        }
    }
}
