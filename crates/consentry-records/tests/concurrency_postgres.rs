//! Two processes × 8 tasks appending to one PostgreSQL log at once form one ordered,
//! gap-free log that verifies, with the checkpoints both signed along the way.
//!
//! The test runs its own binary twice more as the two app servers (`CHILD_VAR` set): each
//! opens the log (both create it at once: the migrations race too), waits at a barrier so both
//! append at the same time, appends from 8 tasks and prints the positions it got.
#![cfg(feature = "postgres")]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use consentry_records::testing::receipt;
use consentry_records::{ConsentLog, LogOptions, NewEntry, SigningKey};

use common::postgres::Postgres;
use common::Harness;

/// Set in a child: `<index> <barrier dir> <log URL>`.
const CHILD_VAR: &str = "CONSENTRY_TEST_CONCURRENCY_CHILD";
const PROCESSES: u64 = 2;
const TASKS: u64 = 8;
const PER_TASK: u64 = 50;
const TEST_NAME: &str = "two_processes_appending_at_once_form_one_gap_free_log";
const T0: i64 = 1_790_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_appending_at_once_form_one_gap_free_log() {
    if let Ok(args) = std::env::var(CHILD_VAR) {
        return child(&args).await;
    }
    let Some(h) = Postgres::create().await else {
        return;
    };
    let barrier = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|i| {
            tokio::process::Command::new(&exe)
                .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
                .env(
                    CHILD_VAR,
                    format!("{i} {} {}", barrier.path().display(), h.target()),
                )
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap()
        })
        .collect();
    // seq -> the process that got it
    let mut owner: BTreeMap<u64, u64> = BTreeMap::new();
    for (i, child) in children.into_iter().enumerate() {
        let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
            .await
            .expect("the child finishes")
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child {i} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.split_once("seqs:").map(|(_, seqs)| seqs))
            .unwrap_or_else(|| panic!("child {i} printed no seqs:\n{stdout}"));
        for seq in line.split_whitespace() {
            let seq: u64 = seq.parse().unwrap();
            let before = owner.insert(seq, i as u64);
            assert_eq!(before, None, "position {seq} given twice");
        }
    }
    let n = PROCESSES * TASKS * PER_TASK;
    assert_eq!(
        owner.keys().copied().collect::<Vec<_>>(),
        (0..n).collect::<Vec<_>>(),
        "positions 0..{n}, no gap, no duplicate"
    );
    // Both processes wrote while the other did: their positions alternate many times.
    let switches = owner
        .values()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] != w[1])
        .count();
    assert!(
        switches >= 4,
        "the processes' batches did not interleave ({switches} switches): they did not run concurrently"
    );
    eprintln!("{n} entries, the two processes' batches alternated {switches} times");

    let key = SigningKey::from_seed([42; 32]);
    let log = ConsentLog::open_with(&h.target(), LogOptions::default().signing_key(key.clone()))
        .await
        .unwrap();
    assert_eq!(log.size().await.unwrap(), n);
    let signed = log.checkpoints().await.unwrap().len();
    assert!(signed >= 2, "the servers signed {signed} checkpoints");
    log.checkpoint().await.unwrap();
    let report = log.verify(Some(&[key.public()])).await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.entries, n);
    assert_eq!(report.uncovered, 0);
}

/// One app server: opens the log, waits for the other, appends from `TASKS` tasks.
async fn child(args: &str) {
    let mut parts = args.splitn(3, ' ');
    let index: u64 = parts.next().unwrap().parse().unwrap();
    let barrier = PathBuf::from(parts.next().unwrap());
    let url = parts.next().unwrap();
    // Each server signs checkpoints too, from the leaves its writer knows: the other server's
    // batches land between its own, and the checkpoints must still match the log.
    let options = LogOptions::default()
        .signing_key(SigningKey::from_seed([42; 32]))
        .checkpoint_every(7);
    let log = ConsentLog::open_with(url, options).await.unwrap();
    wait_for_all(&barrier, index).await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let log = log.clone();
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..PER_TASK {
                    // Disjoint receipt numbers per process and task.
                    let n = index * 1_000_000 + t * 1_000 + i;
                    let out = log.append(NewEntry::new(receipt(n, T0), T0)).await.unwrap();
                    assert!(matches!(out, consentry_records::AppendOutcome::New(_)));
                    seqs.push(out.seq());
                }
                seqs
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.extend(t.await.unwrap());
    }
    let text: Vec<String> = seqs.iter().map(u64::to_string).collect();
    // libtest has printed "test … " without a newline.
    println!("\nseqs: {}", text.join(" "));
}

/// A barrier across processes: each leaves a file, then waits for everyone's.
async fn wait_for_all(dir: &Path, index: u64) {
    std::fs::write(dir.join(format!("ready-{index}")), b"").unwrap();
    for _ in 0..6_000 {
        if (0..PROCESSES).all(|i| dir.join(format!("ready-{i}")).exists()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the other process never got ready");
}
