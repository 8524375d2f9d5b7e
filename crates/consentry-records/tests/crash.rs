//! Durability under `kill -9`: a child process appends to an SQLite log in a loop and is
//! killed with SIGKILL at 20 pseudo-random moments; after each kill every entry it had
//! acknowledged (printed after `append` returned `Ok`) is in the log, at the position it was
//! given, and the log verifies.
//!
//! The child is this test binary run again with [`CHILD_LOG`] set. The moments vary: before
//! the first append (while the log is being opened or created), after a number of
//! acknowledged entries, and a moment after that. Set `CONSENTRY_RECORDS_CRASH_SEED` to repeat
//! a run.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use consentry_records::testing::receipt;
use consentry_records::{AppendOutcome, ConsentLog, LogOptions, NewEntry, SigningKey};

/// Set in the child: the log to append to.
const CHILD_LOG: &str = "CONSENTRY_RECORDS_CRASH_CHILD_LOG";
/// Set in the child: the round, so receipt numbers never repeat across rounds.
const CHILD_ROUND: &str = "CONSENTRY_RECORDS_CRASH_CHILD_ROUND";
const TEST_NAME: &str = "acknowledged_appends_survive_sigkill_at_random_moments";
const ROUNDS: u64 = 20;
/// Concurrent appenders in the child, so kills also land inside group commits.
const WRITERS: u64 = 4;
const T0: i64 = 1_790_000_000;
/// How long a child may take to acknowledge its entries before the test gives up.
const STALL: Duration = Duration::from_secs(20);

fn key() -> SigningKey {
    SigningKey::from_seed([42; 32])
}

/// An acknowledged append: the receipt number and the entry's position.
type Ack = (u64, u64);

#[test]
fn acknowledged_appends_survive_sigkill_at_random_moments() {
    if let Ok(log) = std::env::var(CHILD_LOG) {
        let round = std::env::var(CHILD_ROUND).unwrap().parse().unwrap();
        append_forever(&log, round);
    }
    let started = Instant::now();
    let seed = std::env::var("CONSENTRY_RECORDS_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            now.map_or(0, |d| d.as_nanos() as u64) ^ u64::from(std::process::id())
        });
    eprintln!("crash test seed {seed} (CONSENTRY_RECORDS_CRASH_SEED repeats it)");
    let mut rng = Rng(seed | 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consent.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut all: Vec<Ack> = Vec::new();
    for round in 0..ROUNDS {
        let moment = match rng.below(10) {
            0 | 1 => Moment::AfterStart(Duration::from_millis(rng.below(40))),
            _ => Moment::AfterAcks(
                1 + rng.below(40) as usize,
                Duration::from_micros(rng.below(3_000)),
            ),
        };
        let acks = run_child(&path, round, moment);
        all.extend_from_slice(&acks);
        rt.block_on(check(&path, round, &acks, all.len()));
    }
    // Everything acknowledged in any round is still there at the end.
    rt.block_on(async {
        let log = ConsentLog::open(path.to_str().unwrap()).await.unwrap();
        for &(n, seq) in &all {
            assert_held(&log, n, seq, ROUNDS).await;
        }
    });
    eprintln!(
        "crash test: {ROUNDS} kills, {} acknowledged entries, {:.1?}",
        all.len(),
        started.elapsed()
    );
    assert!(
        all.len() as u64 >= ROUNDS,
        "too few appends to test anything"
    );
}

/// The child: appends forever with [`WRITERS`] tasks, printing `ack N SEQ` once an append
/// returned `Ok`.
fn append_forever(log: &str, round: u64) -> ! {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // The child signs checkpoints too, so kills also land while one is written.
        let options = LogOptions::default()
            .signing_key(key())
            .checkpoint_every(25);
        let log = ConsentLog::open_with(log, options).await.unwrap();
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let log = log.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0.. {
                    let n = round * 1_000_000 + w * 100_000 + i;
                    let entry = NewEntry::new(receipt(n, T0 + i as i64), T0 + i as i64);
                    let out = log.append(entry).await.unwrap();
                    assert!(matches!(out, AppendOutcome::New(_)), "{out:?}");
                    let mut stdout = std::io::stdout().lock();
                    writeln!(stdout, "ack {n} {}", out.seq()).unwrap();
                    stdout.flush().unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    unreachable!("the child appends until it is killed")
}

/// When to kill the child.
#[derive(Clone, Copy, Debug)]
enum Moment {
    /// This long after it was started, acknowledged or not.
    AfterStart(Duration),
    /// After this many acknowledged entries, and then this long.
    AfterAcks(usize, Duration),
}

/// Runs one child until `moment`, kills it with SIGKILL, and returns every entry it
/// acknowledged (including those printed between the moment and the kill).
fn run_child(path: &Path, round: u64, moment: Moment) -> Vec<Ack> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            TEST_NAME,
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD_LOG, path)
        .env(CHILD_ROUND, round.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        // The test harness prints its own lines too; only `ack` lines count.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let mut words = line.split(' ');
            if words.next() != Some("ack") {
                continue;
            }
            let mut number = || words.next().and_then(|w| w.parse::<u64>().ok());
            if let (Some(n), Some(seq)) = (number(), number()) {
                let _ = tx.send((n, seq));
            }
        }
    });
    let mut acks = Vec::new();
    match moment {
        Moment::AfterStart(wait) => std::thread::sleep(wait),
        Moment::AfterAcks(count, then) => {
            while acks.len() < count {
                match rx.recv_timeout(STALL) {
                    Ok(ack) => acks.push(ack),
                    Err(_) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        panic!("round {round}: the child acknowledged {} of {count} entries in {STALL:?}", acks.len());
                    }
                }
            }
            std::thread::sleep(then);
        }
    }
    child.kill().expect("SIGKILL the child");
    let status = child.wait().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        assert_eq!(
            status.signal(),
            Some(9),
            "round {round}: the child ended by itself ({status}) before it was killed"
        );
    }
    #[cfg(not(unix))]
    assert!(!status.success());
    reader.join().unwrap();
    acks.extend(rx.try_iter());
    acks
}

/// After a kill: every entry acknowledged in this round is there, the newest proves, and the
/// whole log verifies; now and then the parent signs a checkpoint the next rounds build on.
async fn check(path: &Path, round: u64, acks: &[Ack], acknowledged_so_far: usize) {
    let options = LogOptions::default().signing_key(key()).checkpoint_every(0);
    let log = ConsentLog::open_with(path.to_str().unwrap(), options)
        .await
        .unwrap_or_else(|e| panic!("round {round}: cannot reopen the log after the kill: {e}"));
    for &(n, seq) in acks {
        assert_held(&log, n, seq, round).await;
    }
    if let Some(&(n, _)) = acks.iter().max_by_key(|a| a.1) {
        let proof = log.prove(receipt(n, T0).receipt_id.as_str()).await.unwrap();
        proof.verify(&[key().public()]).unwrap();
    }
    let report = log.verify(Some(&[key().public()])).await.unwrap();
    assert!(
        report.is_ok(),
        "round {round}: the log does not verify after the kill: {:?}",
        report.problems
    );
    assert!(report.entries >= acknowledged_so_far as u64);
    if round % 3 == 1 {
        log.checkpoint().await.unwrap();
    }
}

async fn assert_held(log: &ConsentLog, n: u64, seq: u64, round: u64) {
    let expected = receipt(n, T0);
    let held = log.records_of(expected.subject.as_str()).await.unwrap();
    assert_eq!(
        held.len(),
        1,
        "round {round}: acknowledged receipt {n} (entry {seq}) is not in the log"
    );
    assert_eq!(held[0].seq, seq, "round {round}: receipt {n} moved");
    assert_eq!(held[0].receipt.receipt_id, expected.receipt_id);
}

/// xorshift64: enough to vary the moments, and repeatable from the seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n
    }
}
