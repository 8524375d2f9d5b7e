//! `cargo xtask fuzz [--seconds N] [target...]`: the coverage-guided fuzz targets in `fuzz/`
//! (cargo-fuzz, libFuzzer), each for a while, with executions, crashes and corpus size.
//!
//! The targets need nightly compiler flags (sanitizer coverage); the stable toolchain allows
//! them with `RUSTC_BOOTSTRAP=1`, which is set for the `cargo fuzz` calls only. They are built
//! without AddressSanitizer: the crates forbid `unsafe`, the targets look for panics and broken
//! properties, and a plain build runs about twice as many inputs a second.
//!
//! Each target reads its committed seeds (`fuzz/seeds/<target>`, for `policy_readers` also
//! `examples/policies`) and tokens (`fuzz/dicts/<target>.dict`, when there is one) and grows
//! its own corpus in `fuzz/corpus/<target>` (not committed). A crash leaves the input in
//! `fuzz/artifacts/<target>/`; reproduce it with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target> <file>` in `fuzz/`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::env::{cargo, has, root, run as sh};

/// Every target, in the order they run.
pub(crate) const TARGETS: [&str; 6] = [
    "codec",
    "policy_readers",
    "cookie_header",
    "set_cookie",
    "receipt_json",
    "csrf_token",
];

/// Seconds per target of `cargo xtask fuzz` without `--seconds`.
const DEFAULT_SECONDS: u64 = 60;

/// Seconds per target of the smoke run in `cargo xtask test`: a minute of fuzzing for the six
/// targets, plus the build (about 2 min from scratch on two lightly loaded cores, under a
/// minute after a change to the crates, nothing when built).
pub(crate) const SMOKE_SECONDS: u64 = 10;

/// The build settings of every `cargo fuzz` call: one build serves them all.
const BUILD_FLAGS: [&str; 4] = ["--release", "--debug-assertions", "--sanitizer", "none"];

/// Entry point for `cargo xtask fuzz [--seconds N] [target...]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = DEFAULT_SECONDS;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => {
                let n = args.next().ok_or("--seconds needs a number")?;
                seconds = n
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--seconds {n}: not a whole number of seconds"))?;
            }
            t if TARGETS.contains(&t) => targets.push(t),
            other => {
                return Err(format!(
                    "unknown fuzz target or option `{other}`; targets: {}",
                    TARGETS.join(", ")
                ))
            }
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    fuzz(&targets, seconds)
}

/// The smoke run of every target `cargo xtask test` makes. The fuzz crate is its own
/// workspace, so its formatting is checked here too (`cargo fmt --all` does not reach it).
pub(crate) fn smoke() -> Result<(), String> {
    sh(cargo().args(["fmt", "--manifest-path", "fuzz/Cargo.toml", "--check"]))?;
    fuzz(&TARGETS, SMOKE_SECONDS)
}

/// What one run of a target did.
#[derive(Debug, PartialEq, Eq)]
struct Stats {
    /// Inputs run (libFuzzer's `stat::number_of_executed_units`).
    executions: u64,
    /// The input that failed, as libFuzzer wrote it.
    artifact: Option<String>,
}

fn fuzz(targets: &[&str], seconds: u64) -> Result<(), String> {
    ensure_cargo_fuzz()?;
    let dir = root().join("fuzz");
    let started = Instant::now();
    sh(cargo_fuzz("build").args(BUILD_FLAGS).current_dir(&dir))?;
    eprintln!(
        "fuzz targets built in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let mut rows = Vec::new();
    let mut crashes = Vec::new();
    for &target in targets {
        let corpus = dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .map_err(|e| format!("could not create {}: {e}", corpus.display()))?;
        let before = count_files(&corpus);
        let mut cmd = cargo_fuzz("run");
        cmd.args(BUILD_FLAGS)
            .arg(target)
            .arg(&corpus)
            .arg(dir.join("seeds").join(target));
        if target == "policy_readers" {
            cmd.arg(root().join("examples/policies"));
        }
        cmd.arg("--").args([
            format!("-max_total_time={seconds}"),
            "-print_final_stats=1".into(),
        ]);
        let dict = dir.join("dicts").join(format!("{target}.dict"));
        if dict.exists() {
            cmd.arg(format!("-dict={}", dict.display()));
        }
        eprintln!("\n==> fuzzing {target} for {seconds} s");
        let out = cmd
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("could not start `cargo fuzz run {target}`: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        let stats = parse_stats(&log);
        let after = count_files(&corpus);
        if !out.status.success() || stats.artifact.is_some() {
            // The panic message and where libFuzzer wrote the input.
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            for line in tail.iter().rev() {
                eprintln!("    {line}");
            }
            crashes.push(match &stats.artifact {
                Some(a) => format!("{target}: {a}"),
                None => format!("{target}: failed ({}) without an artifact", out.status),
            });
        }
        let executions = stats.executions;
        if executions == 0 && out.status.success() {
            return Err(format!(
                "{target}: found no run count (`stat::number_of_executed_units`) in libFuzzer's output"
            ));
        }
        let crashed = usize::from(!out.status.success() || stats.artifact.is_some());
        eprintln!(
            "{target}: {executions} executions, {crashed} crashes, corpus {after} (+{})",
            after.saturating_sub(before)
        );
        rows.push((
            target,
            executions,
            crashed,
            after,
            after.saturating_sub(before),
        ));
    }
    eprintln!("\ntarget          executions  crashes  corpus (new)");
    for (target, executions, crashed, after, new) in &rows {
        eprintln!("{target:<15} {executions:>10}  {crashed:>7}  {after:>6} (+{new})");
    }
    eprintln!(
        "fuzzing took {:.0} s in all",
        started.elapsed().as_secs_f64()
    );
    if crashes.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzzing found {} crash(es); fix the bug, add the input as a regression test in the owning crate, then delete the file:\n  {}",
            crashes.len(),
            crashes.join("\n  ")
        ))
    }
}

/// `cargo fuzz <sub>` with nightly flags allowed on the stable toolchain, for this call only.
fn cargo_fuzz(sub: &str) -> Command {
    let mut cmd = cargo();
    cmd.args(["fuzz", sub]).env("RUSTC_BOOTSTRAP", "1");
    cmd
}

/// Installs cargo-fuzz when missing; says what is missing when it cannot.
fn ensure_cargo_fuzz() -> Result<(), String> {
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    if !has(&cxx) {
        return Err(format!(
            "the fuzz targets need a C++ compiler to build libFuzzer, and `{cxx}` was not found: install one (Debian/Ubuntu: `apt-get install g++`) or set CXX"
        ));
    }
    let installed = || {
        cargo()
            .args(["fuzz", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if installed() {
        return Ok(());
    }
    sh(cargo().args(["install", "cargo-fuzz"])).map_err(|e| {
        format!("cargo-fuzz is missing and could not be installed ({e}); install it with `cargo install cargo-fuzz` and run again")
    })?;
    if installed() {
        Ok(())
    } else {
        Err("cargo-fuzz was installed but `cargo fuzz --version` does not run: is ~/.cargo/bin on PATH?".into())
    }
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

/// The run count and the crash artifact from libFuzzer's output (`-print_final_stats=1`).
fn parse_stats(log: &str) -> Stats {
    let mut executions = None;
    let mut done = None;
    let mut artifact = None;
    for line in log.lines() {
        if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
            executions = n.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix('#') {
            // `#12345\tDONE   cov: …`, the last status line.
            let mut parts = rest.split_whitespace();
            if let (Some(n), Some("DONE")) = (parts.next(), parts.next()) {
                done = n.parse().ok();
            }
        }
        if let Some((_, path)) = line.split_once("Test unit written to ") {
            artifact = Some(path.trim().to_owned());
        }
    }
    Stats {
        executions: executions.or(done).unwrap_or(0),
        artifact,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_runs_and_artifact_from_libfuzzer_output() {
        let ok = "INFO: Seed: 1\n#2\tINITED cov: 10 ft: 10 corp: 1/1b exec/s: 0 rss: 30Mb\n\
                  #161108\tDONE   cov: 900 ft: 3000 corp: 400/20Kb lim: 4096 exec/s: 8055 rss: 60Mb\n\
                  Done 161108 runs in 21 second(s)\n\
                  stat::number_of_executed_units: 161108\nstat::average_exec_per_sec:     8055\n";
        assert_eq!(
            parse_stats(ok),
            Stats {
                executions: 161_108,
                artifact: None
            }
        );
        let crash = "thread '<unnamed>' panicked at fuzz_targets/csrf_token.rs:46:5:\n\
                     ==1== ERROR: libFuzzer: deadly signal\n\
                     artifact_prefix='/w/fuzz/artifacts/csrf_token/'; Test unit written to /w/fuzz/artifacts/csrf_token/crash-c8e4\n\
                     stat::number_of_executed_units: 7639\n";
        assert_eq!(
            parse_stats(crash),
            Stats {
                executions: 7639,
                artifact: Some("/w/fuzz/artifacts/csrf_token/crash-c8e4".into())
            }
        );
        assert_eq!(parse_stats("#77\tDONE cov: 1").executions, 77);
    }
}
