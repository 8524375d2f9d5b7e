//! The conformance suite every backend passes, and the harnesses that open a fresh log on each.
//!
//! A harness opens a fresh, empty log and can run raw SQL on it behind the log's back (to
//! tamper with it as someone with database access would). `conformance_tests!(harness)`
//! instantiates every test of the suite for one harness.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::pin::Pin;

use consentry_records::{ConsentLog, LogOptions};

#[cfg(feature = "postgres")]
pub mod postgres;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// SQL dialect differences the tamper tests need.
pub trait Harness: Send + Sync + Sized + 'static {
    /// A fresh, empty log location (file path or database URL); `None` when this backend cannot
    /// be tested here (no PostgreSQL server given; see [`postgres::test_server_url`]).
    fn new_target() -> BoxFuture<'static, Option<Self>>;
    /// The target to open.
    fn target(&self) -> String;
    /// Runs SQL statements directly on the database.
    fn exec<'a>(&'a self, sql: &'a str) -> BoxFuture<'a, ()>;

    fn open(&self, options: LogOptions) -> BoxFuture<'_, ConsentLog> {
        Box::pin(async move {
            ConsentLog::open_with(&self.target(), options)
                .await
                .expect("open the log")
        })
    }
}

/// SQLite: a file in a temporary directory.
#[cfg(feature = "sqlite")]
pub struct Sqlite {
    dir: tempfile::TempDir,
}

#[cfg(feature = "sqlite")]
impl Harness for Sqlite {
    fn new_target() -> BoxFuture<'static, Option<Self>> {
        Box::pin(async {
            Some(Sqlite {
                dir: tempfile::tempdir().unwrap(),
            })
        })
    }

    fn target(&self) -> String {
        self.dir.path().join("log.db").to_str().unwrap().to_owned()
    }

    fn exec<'a>(&'a self, sql: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let conn = rusqlite::Connection::open(self.target()).unwrap();
            conn.execute_batch(sql).unwrap();
        })
    }
}

/// Every test of the suite, for one harness type.
#[macro_export]
macro_rules! conformance_tests {
    ($harness:ty) => {
        use consentry_records::{
            AppendOutcome, ConsentLog, Error, LogOptions, NewEntry, ProblemKind, SigningKey,
        };
        use consentry_records::testing::{receipt, receipt_of_subject};
        use $crate::common::Harness as _;

        const T0: i64 = 1_790_000_000;

        fn key() -> SigningKey {
            SigningKey::from_seed([42; 32])
        }

        fn signed() -> LogOptions {
            LogOptions::default().signing_key(key()).checkpoint_every(0)
        }

        async fn fill(log: &ConsentLog, n: u64) {
            for i in 0..n {
                let r = receipt(i, T0 + i as i64);
                let out = log.append(NewEntry::new(r, T0 + i as i64 + 1)).await.unwrap();
                assert_eq!(out, AppendOutcome::New(i));
            }
        }

        async fn problems(log: &ConsentLog) -> Vec<(ProblemKind, Option<u64>)> {
            let report = log.verify(Some(&[key().public()])).await.unwrap();
            report.problems.iter().map(|p| (p.kind, p.seq)).collect()
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn appends_get_consecutive_positions_and_survive_reopening() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            assert_eq!(log.size().await.unwrap(), 0);
            fill(&log, 5).await;
            assert_eq!(log.size().await.unwrap(), 5);
            let id = log.log_id().to_owned();
            drop(log);
            let log = h.open(signed()).await;
            assert_eq!(log.size().await.unwrap(), 5);
            assert_eq!(log.log_id(), id, "the log keeps its id");
            let held = log.records_of(receipt(3, T0).subject.as_str()).await.unwrap();
            assert_eq!(held.len(), 1);
            assert_eq!(held[0].seq, 3);
            assert_eq!(held[0].received_at, T0 + 4);
            assert_eq!(held[0].receipt, receipt(3, T0 + 3));
            assert!(log.verify(Some(&[key().public()])).await.unwrap().is_ok());
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_same_receipt_twice_is_one_entry_and_another_under_its_id_conflicts() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 2).await;
            let again = log.append(NewEntry::new(receipt(1, T0 + 1), T0 + 99)).await.unwrap();
            assert_eq!(again, AppendOutcome::Duplicate(1), "same receipt, later post");
            // Same receipt id, another decision time: another receipt.
            let other = log.append(NewEntry::new(receipt(1, T0 + 50), T0 + 99)).await.unwrap();
            assert_eq!(other, AppendOutcome::Conflict(1));
            assert_eq!(log.size().await.unwrap(), 2);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn concurrent_appends_form_one_gap_free_log() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            let mut tasks = Vec::new();
            for t in 0..8u64 {
                let log = log.clone();
                tasks.push(tokio::spawn(async move {
                    let mut seqs = Vec::new();
                    for i in 0..40u64 {
                        let n = t * 1000 + i;
                        let out = log.append(NewEntry::new(receipt(n, T0), T0)).await.unwrap();
                        seqs.push(out.seq());
                    }
                    seqs
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.unwrap());
            }
            all.sort_unstable();
            assert_eq!(all, (0..320).collect::<Vec<_>>());
            log.checkpoint().await.unwrap();
            assert_eq!(problems(&log).await, vec![]);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn every_entry_proves_against_a_signed_checkpoint_offline() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 13).await;
            let cp = log.checkpoint().await.unwrap();
            assert_eq!(cp.size, 13);
            fill_more(&log, 13, 3).await;
            for i in 0..16 {
                let id = receipt(i, T0).receipt_id;
                let proof = log.prove(id.as_str()).await.unwrap();
                assert_eq!(proof.seq, i);
                assert!(proof.tree_size > i);
                proof.verify(&[key().public()]).unwrap();
                // Through JSON, as a file handed to an auditor.
                let json = serde_json::to_string(&proof).unwrap();
                let back: consentry_records::InclusionProof = serde_json::from_str(&json).unwrap();
                back.verify(&[key().public()]).unwrap();
                // Altered content, another key, another position: refused.
                let mut bad = proof.clone();
                bad.content = bad.content.replace("\"granted\":true", "\"granted\":false");
                assert!(bad.verify(&[key().public()]).is_err());
                assert!(proof.verify(&[SigningKey::from_seed([7; 32]).public()]).is_err());
                let mut moved = proof.clone();
                moved.seq = (i + 1) % 16;
                assert!(moved.verify(&[key().public()]).is_err());
            }
            assert!(matches!(log.prove("AAAAAAAAAAAAAAAA").await, Err(Error::NotFound(_))));
        }

        async fn fill_more(log: &ConsentLog, from: u64, n: u64) {
            for i in from..from + n {
                log.append(NewEntry::new(receipt(i, T0), T0)).await.unwrap();
            }
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn without_a_key_an_uncovered_entry_cannot_be_proven() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(LogOptions::default()).await;
            fill(&log, 2).await;
            let id = receipt(1, T0).receipt_id;
            assert!(matches!(log.prove(id.as_str()).await, Err(Error::NoCheckpoint(_))));
            assert!(matches!(log.checkpoint().await, Err(Error::NoCheckpoint(_))));
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn checkpoints_are_signed_automatically_every_n_entries() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(LogOptions::default().signing_key(key()).checkpoint_every(5)).await;
            fill(&log, 12).await;
            // The writer signs after the batch that reaches the count; give it its turn.
            let mut sizes = Vec::new();
            for _ in 0..200 {
                sizes = log.checkpoints().await.unwrap().iter().map(|c| c.size).collect();
                if sizes.len() >= 2 {
                    break;
                }
                tokio::task::yield_now().await;
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            assert!(sizes.len() >= 2, "checkpoints: {sizes:?}");
            assert!(sizes.iter().all(|s| *s >= 5 && *s <= 12), "{sizes:?}");
            assert_eq!(problems(&log).await, vec![]);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn two_logs_writing_one_database_sign_checkpoints_that_verify() {
            // Each log's writer knows the leaves it wrote and signs from them: with another
            // server writing in between, it must not take its own leaves for the other's.
            let Some(h) = <$harness>::new_target().await else { return };
            let options = || LogOptions::default().signing_key(key()).checkpoint_every(3);
            let a = h.open(options()).await;
            let b = h.open(options()).await;
            for i in 0..24u64 {
                // Two entries each in turn.
                let log = if i % 4 < 2 { &a } else { &b };
                let out = log.append(NewEntry::new(receipt(i, T0), T0)).await.unwrap();
                assert_eq!(out, AppendOutcome::New(i));
            }
            // A receipt the other log wrote is a duplicate, not a new entry.
            let again = a.append(NewEntry::new(receipt(3, T0), T0)).await.unwrap();
            assert_eq!(again, AppendOutcome::Duplicate(3));
            // 12 entries each, a checkpoint every 3: 4 each, signed off the append path.
            let mut count = 0;
            for _ in 0..300 {
                count = a.checkpoints().await.unwrap().len();
                if count >= 8 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            assert_eq!(count, 8, "checkpoints");
            assert_eq!(problems(&a).await, vec![]);
            let proof = a.prove(receipt(2, T0).receipt_id.as_str()).await.unwrap();
            assert!(proof.verify(&[key().public()]).is_ok());
            let proof = b.prove(receipt(21, T0).receipt_id.as_str()).await.unwrap();
            assert!(proof.verify(&[key().public()]).is_ok());
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn export_and_erase_one_subject_and_the_log_still_verifies() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            // Subject 7 decides three times among other visitors.
            let mut n = 0;
            for subject in [1u64, 7, 2, 7, 3, 7, 4] {
                let r = receipt_of_subject(100 + n, subject, T0 + n as i64);
                log.append(NewEntry::new(r, T0 + n as i64)).await.unwrap();
                n += 1;
            }
            let subject = receipt_of_subject(0, 7, T0).subject;
            let export = log.export(subject.as_str()).await.unwrap();
            assert_eq!(export.subject, subject.as_str());
            assert_eq!(
                export.records.iter().map(|p| p.seq).collect::<Vec<_>>(),
                vec![1, 3, 5]
            );
            for p in &export.records {
                p.verify(&[key().public()]).unwrap();
                assert_eq!(p.entry().unwrap().receipt.subject, subject);
            }
            assert_eq!(log.erase(subject.as_str()).await.unwrap(), 3);
            assert!(log.records_of(subject.as_str()).await.unwrap().is_empty());
            assert!(log.export(subject.as_str()).await.unwrap().records.is_empty());
            let gone = receipt_of_subject(101, 7, T0).receipt_id;
            assert!(matches!(log.prove(gone.as_str()).await, Err(Error::NotFound(_))));
            let report = log.verify(Some(&[key().public()])).await.unwrap();
            assert!(report.is_ok(), "{:?}", report.problems);
            assert_eq!(report.removed, 3);
            assert_eq!(report.entries, 7);
            // The others are untouched and still prove against the checkpoint made before.
            let other = receipt_of_subject(102, 2, T0).receipt_id;
            log.prove(other.as_str()).await.unwrap().verify(&[key().public()]).unwrap();
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn purge_removes_what_retention_no_longer_allows_and_the_log_verifies() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed().retention_days(30)).await;
            fill(&log, 4).await;
            log.checkpoint().await.unwrap();
            // Consent lasts 182 days; kept 30 days after that. Entry i was decided at T0 + i.
            let expiry = receipt(0, T0).expires_at.0;
            let kept = 30 * 86_400;
            assert_eq!(log.purge_at(expiry + kept).await.unwrap(), 0);
            assert_eq!(log.purge_at(expiry + kept + 2).await.unwrap(), 2, "entries 0 and 1");
            assert_eq!(log.records_of(receipt(1, T0).subject.as_str()).await.unwrap().len(), 0);
            assert_eq!(log.records_of(receipt(2, T0).subject.as_str()).await.unwrap().len(), 1);
            assert_eq!(log.purge_at(expiry + kept + 2).await.unwrap(), 0, "nothing twice");
            assert_eq!(log.purge_at(expiry + kept + 100).await.unwrap(), 2);
            let report = log.verify(Some(&[key().public()])).await.unwrap();
            assert!(report.is_ok(), "{:?}", report.problems);
            assert_eq!(report.removed, 4);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn verify_names_an_edited_entry() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 6).await;
            log.checkpoint().await.unwrap();
            h.exec("UPDATE entries SET content = replace(content, '\"granted\":true', '\"granted\":false') WHERE seq = 2").await;
            assert_eq!(problems(&log).await, vec![(ProblemKind::Edited, Some(2))]);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn verify_names_an_edited_index_column() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 3).await;
            h.exec("UPDATE entries SET subject = 'AAAAAAAAAAAAAAAA' WHERE seq = 1").await;
            assert_eq!(problems(&log).await, vec![(ProblemKind::Edited, Some(1))]);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn verify_names_a_deleted_entry() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 6).await;
            log.checkpoint().await.unwrap();
            h.exec("DELETE FROM entries WHERE seq = 3").await;
            let found = problems(&log).await;
            assert_eq!(found[0], (ProblemKind::Missing, Some(3)), "{found:?}");
            assert!(found.contains(&(ProblemKind::Truncated, Some(5))), "{found:?}");
            // A fresh handle cannot prove past the gap: it says the log is damaged.
            let fresh = h.open(signed()).await;
            let after = receipt(4, T0).receipt_id;
            let e = fresh.prove(after.as_str()).await.unwrap_err();
            assert!(matches!(e, Error::Damaged(_)), "{e:?}");
            assert!(e.to_string().contains("consentry-records verify"), "{e}");
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn verify_names_a_deleted_entry_even_when_the_rest_is_renumbered() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 6).await;
            log.checkpoint().await.unwrap();
            h.exec("DELETE FROM entries WHERE seq = 3").await;
            for s in 4..6 {
                h.exec(&format!("UPDATE entries SET seq = {} WHERE seq = {s}", s - 1)).await;
            }
            let found = problems(&log).await;
            assert_eq!(found[0], (ProblemKind::Moved, Some(3)), "{found:?}");
            assert_eq!(found[1], (ProblemKind::Moved, Some(4)), "{found:?}");
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn verify_names_deleted_entries_at_the_end() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 6).await;
            log.checkpoint().await.unwrap();
            h.exec("DELETE FROM entries WHERE seq >= 4").await;
            assert_eq!(problems(&log).await, vec![(ProblemKind::Truncated, Some(4))]);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn verify_names_reordered_entries() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 5).await;
            h.exec("UPDATE entries SET seq = 100 WHERE seq = 1").await;
            h.exec("UPDATE entries SET seq = 1 WHERE seq = 3").await;
            h.exec("UPDATE entries SET seq = 3 WHERE seq = 100").await;
            let found = problems(&log).await;
            assert_eq!(found, vec![(ProblemKind::Moved, Some(1)), (ProblemKind::Moved, Some(3))]);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn verify_names_an_inserted_entry() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 5).await;
            log.checkpoint().await.unwrap();
            // Someone makes room after entry 1 and copies entry 4 in as a new entry 2.
            for s in (2..5).rev() {
                h.exec(&format!("UPDATE entries SET seq = {} WHERE seq = {s}", s + 1)).await;
            }
            h.exec(
                "INSERT INTO entries (seq, leaf_hash, content, receipt_id, receipt_sha256, subject, received_at, expires_at)
                 SELECT 2, leaf_hash, content, 'forged', receipt_sha256, subject, received_at, expires_at FROM entries WHERE seq = 5",
            )
            .await;
            let found = problems(&log).await;
            // Entry 2 holds content written for position 4; 3.. hold content of 2..
            assert_eq!(found[0], (ProblemKind::Moved, Some(2)), "{found:?}");
            assert!(found.contains(&(ProblemKind::Moved, Some(3))), "{found:?}");
            assert!(found.iter().any(|p| p.0 == ProblemKind::Checkpoint), "{found:?}");
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_edit_that_rewrites_the_hash_is_caught_by_the_checkpoints_around_it() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 4).await;
            log.checkpoint().await.unwrap();
            fill_more(&log, 4, 4).await;
            log.checkpoint().await.unwrap();
            // Rewrite entry 5's content and hash consistently (the attacker can compute SHA-256).
            let size_before = log.size().await.unwrap();
            h.exec("UPDATE entries SET leaf_hash = (SELECT leaf_hash FROM entries WHERE seq = 1) WHERE seq = 5").await;
            h.exec("UPDATE entries SET content = (SELECT content FROM entries WHERE seq = 1) WHERE seq = 5").await;
            let report = log.verify(Some(&[key().public()])).await.unwrap();
            assert_eq!(size_before, 8);
            let checkpoint_problem = report
                .problems
                .iter()
                .find(|p| p.kind == ProblemKind::Checkpoint)
                .expect("the second checkpoint no longer matches");
            assert!(checkpoint_problem.message.contains("4..8"), "{}", checkpoint_problem.message);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_forged_checkpoint_or_an_untrusted_key_is_reported() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(signed()).await;
            fill(&log, 3).await;
            log.checkpoint().await.unwrap();
            h.exec("UPDATE checkpoints SET size = 2").await;
            let found = problems(&log).await;
            assert_eq!(found, vec![(ProblemKind::Signature, None)]);
            let other = SigningKey::from_seed([9; 32]).public();
            let report = log.verify(Some(&[other])).await.unwrap();
            assert!(report.problems.iter().all(|p| p.kind == ProblemKind::Signature));
            assert!(!report.is_ok());
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_untouched_log_of_many_batches_verifies_with_its_own_keys() {
            let Some(h) = <$harness>::new_target().await else { return };
            let log = h.open(LogOptions::default().signing_key(key()).checkpoint_every(50)).await;
            let mut tasks = Vec::new();
            for t in 0..4u64 {
                let log = log.clone();
                tasks.push(tokio::spawn(async move {
                    for i in 0..60u64 {
                        log.append(NewEntry::new(receipt(t * 1000 + i, T0), T0)).await.unwrap();
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            log.checkpoint().await.unwrap();
            let report = log.verify(None).await.unwrap();
            assert!(report.is_ok(), "{:?}", report.problems);
            assert_eq!(report.entries, 240);
            assert_eq!(report.uncovered, 0);
        }
    };
}
