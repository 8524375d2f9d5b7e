//! The `consentry-records` command, run as a user runs it, on SQLite logs filled through the
//! library.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use consentry_records::testing::{receipt, receipt_of_subject};
use consentry_records::{ConsentLog, NewEntry};
use serde_json::Value;

const T0: i64 = 1_790_000_000;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_consentry-records"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("CONSENTRY_RECORDS_KEY")
        .output()
        .expect("run consentry-records")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// A temporary directory with a log and a key pair.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Self {
        Site {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn s(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }

    fn log(&self) -> String {
        self.s("consent.db")
    }

    /// Appends `(receipt number, subject, decided at)` receipts through the library.
    fn append(&self, receipts: &[(u64, u64, i64)]) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let log = ConsentLog::open(&self.log()).await.unwrap();
            for &(n, subject, at) in receipts {
                let r = receipt_of_subject(n, subject, at);
                log.append(NewEntry::new(r, at + 1)).await.unwrap();
            }
        });
    }

    /// `count` receipts, one subject each, decided at `T0 + i`.
    fn fill(&self, count: u64) {
        let receipts: Vec<_> = (0..count).map(|i| (i, i, T0 + i as i64)).collect();
        self.append(&receipts);
    }

    /// `keygen` into `name` and `name.pub`.
    fn keygen(&self, name: &str) -> (String, String) {
        let (key, public) = (self.s(name), self.s(&format!("{name}.pub")));
        assert_exit(&cli(&["keygen", "--out", &key, "--public-out", &public]), 0);
        (key, public)
    }

    fn run(&self, args: &[&str]) -> Output {
        let log = self.log();
        let mut all = vec!["--log", &*log];
        all.extend_from_slice(args);
        cli(&all)
    }
}

fn subject(n: u64) -> String {
    receipt(n, T0).subject.as_str().to_owned()
}

fn receipt_id(n: u64) -> String {
    receipt(n, T0).receipt_id.as_str().to_owned()
}

#[test]
fn keygen_writes_a_secret_key_file_and_never_overwrites_one() {
    let site = Site::new();
    let (key, public) = (site.s("site.key"), site.s("site.pub"));
    let out = cli(&["--json", "keygen", "--out", &key, "--public-out", &public]);
    assert_exit(&out, 0);
    let printed = json(&out);
    let public_text = std::fs::read_to_string(&public).unwrap();
    assert_eq!(printed["public_key"], public_text.trim());
    assert_eq!(printed["key_id"].as_str().unwrap().len(), 16);
    let key_text = std::fs::read_to_string(&key).unwrap();
    assert!(consentry_records::SigningKey::from_base64(&key_text).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Readable output names the public key and the key id.
    let again = cli(&["keygen", "--out", &site.s("other.key")]);
    assert_exit(&again, 0);
    assert!(stdout(&again).contains("public key:"), "{}", stdout(&again));
    assert!(stdout(&again).contains("key id:"), "{}", stdout(&again));
    // Never over an existing key.
    let refused = cli(&["keygen", "--out", &key]);
    assert_exit(&refused, 2);
    assert!(stderr(&refused).starts_with("consentry-records: "));
    assert!(
        stderr(&refused).contains("already exists"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read_to_string(&key).unwrap(), key_text);
    let refused = cli(&[
        "keygen",
        "--out",
        &site.s("new.key"),
        "--public-out",
        &public,
    ]);
    assert_exit(&refused, 2);
    assert!(
        !site.path("new.key").exists(),
        "nothing written when one file exists"
    );
}

#[test]
fn checkpoint_then_verify_passes_with_and_without_published_keys() {
    let site = Site::new();
    site.fill(5);
    let (key, public) = site.keygen("site.key");
    let out = site.run(&["--key", &key, "checkpoint"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("size:") && text.contains(" 5\n"), "{text}");
    assert!(
        text.contains("key id:") && text.contains("timestamp:"),
        "{text}"
    );
    let cp = json(&site.run(&["--key", &key, "--json", "checkpoint"]));
    assert_eq!(cp["size"], 5);

    let out = site.run(&["verify", "--public-key", &public]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("entries:"), "{}", stdout(&out));
    assert!(stdout(&out).contains("OK"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    let out = site.run(&["verify"]);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("recorded in the log"),
        "{}",
        stdout(&out)
    );

    let report = json(&site.run(&["--json", "verify", "--public-key", &public]));
    assert_eq!(report["ok"], true);
    assert_eq!(report["entries"], 5);
    assert_eq!(report["checkpoints"], 2);
    assert_eq!(report["uncovered"], 0);
    assert_eq!(report["keys"], "trusted");
}

#[test]
fn checkpoint_without_a_key_is_a_usage_error_and_the_key_may_come_from_the_environment() {
    let site = Site::new();
    site.fill(2);
    let out = site.run(&["checkpoint"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--key"), "{}", stderr(&out));
    let (key, _) = site.keygen("site.key");
    let seed = std::fs::read_to_string(key).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_consentry-records"))
        .args(["--json", "checkpoint"])
        .env("DATABASE_URL", format!("sqlite:{}", site.log()))
        .env("CONSENTRY_RECORDS_KEY", seed.trim())
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(json(&out)["size"], 2);
}

#[test]
fn verify_names_an_edited_entry_and_exits_1() {
    let site = Site::new();
    site.fill(6);
    let (key, public) = site.keygen("site.key");
    assert_exit(&site.run(&["--key", &key, "checkpoint"]), 0);
    rusqlite::Connection::open(site.log())
        .unwrap()
        .execute_batch(
            "UPDATE entries SET content = replace(content, '\"granted\":true', '\"granted\":false') WHERE seq = 2",
        )
        .unwrap();
    let out = site.run(&["verify", "--public-key", &public]);
    assert_exit(&out, 1);
    assert!(stdout(&out).contains("entry 2"), "{}", stdout(&out));
    assert!(stdout(&out).contains("PROBLEMS FOUND"), "{}", stdout(&out));

    let out = site.run(&["--json", "verify", "--public-key", &public]);
    assert_exit(&out, 1);
    let report = json(&out);
    assert_eq!(report["ok"], false);
    assert_eq!(report["problems"][0]["seq"], 2);
    assert_eq!(report["problems"][0]["kind"], "edited");
}

#[test]
fn a_proof_checks_offline_with_the_site_key_only() {
    let site = Site::new();
    site.fill(4);
    let (key, public) = site.keygen("site.key");
    let (_, other) = site.keygen("other.key");
    let proof = site.s("proof.json");
    // With the key, proving an entry no checkpoint covers signs one.
    let out = site.run(&["--key", &key, "prove", &receipt_id(2), "--out", &proof]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("entry:"), "{}", stdout(&out));

    let out = cli(&["check-proof", &proof, "--public-key", &public]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(&subject(2)), "{text}");
    assert!(text.contains("given"), "{text}");
    assert!(text.contains("2026-09-21T14:13:22Z"), "{text}");
    assert!(text.contains("analytics"), "{text}");
    assert!(text.contains("OK"), "{text}");

    let out = cli(&["--json", "check-proof", &proof, "--public-key", &public]);
    let checked = json(&out);
    assert_eq!(checked["ok"], true);
    assert_eq!(checked["records"][0]["subject"], subject(2).as_str());
    assert_eq!(
        checked["records"][0]["issued_at_utc"],
        "2026-09-21T14:13:22Z"
    );
    assert_eq!(checked["records"][0]["event"], "given");

    let out = cli(&["check-proof", &proof, "--public-key", &other]);
    assert_exit(&out, 1);
    assert!(stdout(&out).contains("NOT OK"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("not among the trusted"),
        "{}",
        stdout(&out)
    );

    let text = std::fs::read_to_string(&proof).unwrap();
    let altered = text.replace(r#"\"granted\":true"#, r#"\"granted\":false"#);
    assert_ne!(altered, text, "the proof's content names a granted purpose");
    let altered_file = site.s("altered.json");
    std::fs::write(&altered_file, altered).unwrap();
    let out = cli(&["check-proof", &altered_file, "--public-key", &public]);
    assert_exit(&out, 1);
    assert!(stdout(&out).contains("altered"), "{}", stdout(&out));

    std::fs::write(&altered_file, "{\"hello\": 1}").unwrap();
    let out = cli(&["check-proof", &altered_file, "--public-key", &public]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("not a consentry-records proof"),
        "{}",
        stderr(&out)
    );

    // On stdout, the proof is JSON.
    let out = site.run(&["prove", &receipt_id(2)]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["seq"], 2);
    // An unknown receipt: exit 1.
    let out = site.run(&["prove", "AAAAAAAAAAAAAAAA"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("not found"), "{}", stderr(&out));
}

#[test]
fn an_export_checks_offline_and_after_erasure_is_empty_and_the_log_verifies() {
    let site = Site::new();
    // Subject 7 decides three times among other visitors.
    site.append(&[
        (100, 1, T0),
        (101, 7, T0 + 1),
        (102, 2, T0 + 2),
        (103, 7, T0 + 3),
        (104, 7, T0 + 4),
    ]);
    let (key, public) = site.keygen("site.key");
    let export = site.s("export.json");
    let out = site.run(&[
        "--key",
        &key,
        "export",
        "--subject",
        &subject(7),
        "--out",
        &export,
    ]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("records:"), "{}", stdout(&out));

    let out = cli(&["check-proof", &export, "--public-key", &public]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("all 3 records check"),
        "{}",
        stdout(&out)
    );
    let checked = json(&cli(&[
        "--json",
        "check-proof",
        &export,
        "--public-key",
        &public,
    ]));
    assert_eq!(checked["records"].as_array().unwrap().len(), 3);
    assert_eq!(checked["subject"], subject(7).as_str());

    let out = site.run(&["erase", "--subject", &subject(7)]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("erased:"), "{}", stdout(&out));
    assert!(stdout(&out).contains(" 3\n"), "{}", stdout(&out));

    let out = site.run(&["export", "--subject", &subject(7)]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["records"].as_array().unwrap().len(), 0);
    let out = site.run(&["--json", "verify", "--public-key", &public]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["removed"], 3);
}

#[test]
fn purge_removes_entries_past_retention_and_the_log_verifies() {
    let site = Site::new();
    let now = consentry_records::now();
    let year_ago = now - 365 * 86_400;
    // Consent lasts 182 days: the two from a year ago expired half a year ago.
    site.append(&[(1, 1, year_ago), (2, 2, year_ago + 5), (3, 3, now - 60)]);
    let out = site.run(&["purge"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("purged:"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(" 0\n"),
        "default retention keeps them: {}",
        stdout(&out)
    );
    let out = site.run(&["--retention-days", "1", "--json", "purge"]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["purged"], 2);
    assert_eq!(json(&out)["retention_days"], 1);
    let out = site.run(&["--json", "verify"]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["removed"], 2);
    assert_exit(&site.run(&["--retention-days", "0", "purge"]), 2);
}

#[test]
fn stats_tells_size_checkpoints_and_retention() {
    let site = Site::new();
    site.fill(3);
    let (key, _) = site.keygen("site.key");
    assert_exit(&site.run(&["--key", &key, "checkpoint"]), 0);
    site.append(&[(10, 10, T0)]);
    let out = site.run(&["--json", "stats"]);
    assert_exit(&out, 0);
    let stats = json(&out);
    assert_eq!(stats["entries"], 4);
    assert_eq!(stats["checkpoints"], 1);
    assert_eq!(stats["uncovered"], 1);
    assert_eq!(stats["latest_checkpoint"]["size"], 3);
    assert_eq!(stats["retention_days"], 1095);
    assert_eq!(stats["log_id"].as_str().unwrap().len(), 32);
    let out = site.run(&["stats"]);
    assert!(
        stdout(&out).contains("newest checkpoint:"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("SQLite"), "{}", stdout(&out));
}

fn assert_foreign(path: &Path) {
    let before = std::fs::read(path).unwrap();
    for command in [&["stats"][..], &["verify"], &["purge"]] {
        let mut args = vec!["--log", path.to_str().unwrap()];
        args.extend_from_slice(command);
        let out = cli(&args);
        assert_exit(&out, 3);
        assert!(
            stderr(&out).starts_with("consentry-records: "),
            "{}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("not a consentry log"),
            "{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(path).unwrap(), before, "left as it was");
}

#[test]
fn a_foreign_file_is_refused_with_exit_3() {
    let site = Site::new();
    let text = site.path("notes.txt");
    std::fs::write(
        &text,
        "these are not the entries you are looking for\n".repeat(40),
    )
    .unwrap();
    assert_foreign(&text);
    let other = site.path("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders VALUES (1);",
        )
        .unwrap();
    assert_foreign(&other);
}

#[test]
fn a_missing_log_is_refused_and_not_created() {
    let out = cli(&["verify"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--log"), "{}", stderr(&out));
    assert!(stderr(&out).contains("DATABASE_URL"), "{}", stderr(&out));

    let site = Site::new();
    let out = site.run(&["stats"]);
    assert_exit(&out, 3);
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert!(!site.path("consent.db").exists());
}

#[test]
fn usage_errors_exit_2() {
    assert_exit(&cli(&["no-such-command"]), 2);
    assert_exit(&cli(&["check-proof", "proof.json"]), 2);
    let site = Site::new();
    site.fill(1);
    let out = site.run(&["verify", "--public-key", &site.s("missing.pub")]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("missing.pub"), "{}", stderr(&out));
    let help = cli(&["--help"]);
    assert_exit(&help, 0);
    assert!(stdout(&help).contains("Exit codes:"));
}
