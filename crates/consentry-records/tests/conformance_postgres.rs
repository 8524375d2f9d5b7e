//! The conformance suite on PostgreSQL (a fresh database per test on the server in
//! `CONSENTRY_TEST_DATABASE_URL`), and what only PostgreSQL has: a server that is down or goes
//! away, a database that is someone else's.
#![cfg(feature = "postgres")]

mod common;

conformance_tests!(common::postgres::Postgres);

mod postgres_only {
    use std::net::TcpListener;
    use std::time::{Duration, Instant};

    use consentry_records::testing::receipt;
    use consentry_records::{AppendOutcome, ConsentLog, Error, NewEntry};

    use crate::common::postgres::{self, Postgres};
    use crate::common::Harness;

    const T0: i64 = 1_790_000_000;

    /// A loopback port nothing listens on.
    fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    #[tokio::test]
    async fn an_unreachable_server_gives_unavailable_within_seconds_naming_it_without_the_password()
    {
        let port = closed_port();
        let url = format!("postgres://site:s3cret@127.0.0.1:{port}/consent");
        let started = Instant::now();
        let err = ConsentLog::open(&url).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let Error::Unavailable(msg) = &err else {
            panic!("{err:?}")
        };
        assert!(msg.contains(&format!("127.0.0.1:{port}/consent")), "{msg}");
        assert!(
            msg.contains("is PostgreSQL running? check DATABASE_URL"),
            "{msg}"
        );
        assert!(!msg.contains("s3cret"), "{msg}");
    }

    #[tokio::test]
    async fn a_server_that_never_answers_gives_unavailable_after_the_connect_timeout() {
        // The kernel accepts the connection into the backlog; nobody ever answers.
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        let url = format!("postgres://site@127.0.0.1:{port}/consent?connect_timeout=1");
        let started = Instant::now();
        let err = ConsentLog::open(&url).await.unwrap_err();
        let took = started.elapsed();
        assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        drop(silent);
    }

    #[tokio::test]
    async fn a_url_that_does_not_parse_is_invalid() {
        let err = ConsentLog::open("postgres://site@127.0.0.1:notaport/consent")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    }

    #[tokio::test]
    async fn a_url_requiring_tls_is_refused_rather_than_downgraded() {
        let url = format!(
            "postgres://site@127.0.0.1:{}/consent?sslmode=require",
            closed_port()
        );
        let err = ConsentLog::open(&url).await.unwrap_err();
        let Error::Invalid(msg) = &err else {
            panic!("{err:?}")
        };
        assert!(msg.contains("sslmode=require"), "{msg}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn append_fails_while_the_server_is_gone_and_works_again_when_it_is_back() {
        let Some(h) = Postgres::create().await else {
            return;
        };
        let log = ConsentLog::open(&h.target()).await.unwrap();
        assert!(
            log.describe().ends_with(&format!("/{}", h.name())),
            "{}",
            log.describe()
        );
        let first = log.append(NewEntry::new(receipt(0, T0), T0)).await.unwrap();
        assert_eq!(first, AppendOutcome::New(0));
        // The server "goes away" for this database: its connections end, new ones are refused.
        let db = h.name();
        h.exec_on_server(&format!(
            "ALTER DATABASE {db} ALLOW_CONNECTIONS false;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}';"
        ))
        .await;
        let during = tokio::time::timeout(
            Duration::from_secs(20),
            log.append(NewEntry::new(receipt(1, T0), T0)),
        )
        .await
        .expect("append returns rather than hanging");
        let Err(Error::Unavailable(msg)) = &during else {
            panic!("{during:?}")
        };
        assert!(msg.contains(&format!("/{db}")), "{msg}");
        assert!(msg.contains("is PostgreSQL running?"), "{msg}");
        assert!(matches!(log.size().await, Err(Error::Unavailable(_))));
        // Back: the next calls reconnect.
        h.exec_on_server(&format!("ALTER DATABASE {db} ALLOW_CONNECTIONS true"))
            .await;
        let after = log.append(NewEntry::new(receipt(1, T0), T0)).await.unwrap();
        assert_eq!(after, AppendOutcome::New(1));
        assert_eq!(log.size().await.unwrap(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refuses_a_database_whose_entries_table_is_another_applications() {
        let Some(h) = Postgres::create().await else {
            return;
        };
        h.exec("CREATE TABLE entries (id INT PRIMARY KEY, body TEXT)")
            .await;
        let err = ConsentLog::open(&h.target()).await.unwrap_err();
        let Error::Foreign(msg) = &err else {
            panic!("{err:?}")
        };
        assert!(msg.contains("`entries`"), "{msg}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refuses_a_log_migrated_by_a_newer_version() {
        let Some(h) = Postgres::create().await else {
            return;
        };
        drop(ConsentLog::open(&h.target()).await.unwrap());
        h.exec("INSERT INTO consentry_schema_migrations (version) VALUES (99)")
            .await;
        let err = ConsentLog::open(&h.target()).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::TooNew {
                    found: 99,
                    supported: 1
                }
            ),
            "{err:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn servers_opening_a_new_log_at_once_create_it_once() {
        let Some(h) = Postgres::create().await else {
            return;
        };
        let url = h.target();
        let opens = (0..6).map(|_| {
            let url = url.clone();
            tokio::spawn(async move { ConsentLog::open(&url).await })
        });
        let mut ids = Vec::new();
        for open in opens.collect::<Vec<_>>() {
            ids.push(open.await.unwrap().unwrap().log_id().to_owned());
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "one log id: {ids:?}");
        let server = postgres::client(&url).await;
        let migrations: i64 = server
            .query_one("SELECT count(*) FROM consentry_schema_migrations", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(migrations, 1);
    }
}
