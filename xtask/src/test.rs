//! `cargo xtask test`: every check and test, in the order CI runs them.

use std::process::Command;

use crate::env::{cargo, ensure_chromium, ensure_wasm_target, npm_ci, root, run as sh};

/// Runs everything. `--quick` skips the fuzz smoke run and the browser parts (wasm and
/// end-to-end tests, budgets) and builds the web bundle only when `pkg/` has none.
pub(crate) fn run_all(quick: bool) -> Result<(), String> {
    ensure_wasm_target()?;
    sh(cargo().args(["fmt", "--all", "--check"]))?;
    // consentry-server's `assets` feature (in `--all-features` below, and used by the examples)
    // embeds the web bundle when it compiles: build the bundle before anything compiles it.
    // The committed minified gate must be the minified source.
    if !quick {
        crate::web::build_checking_gate(true)?;
    } else if !bundle_built() {
        crate::web::build()?;
    }
    sh(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The server without a framework feature (its default): shared logic only.
    sh(cargo().args([
        "clippy",
        "-p",
        "consentry-server",
        "--no-default-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    clippy_wasm32(&["-p", "consentry", "-p", "consentry-web"])?;
    // The web crate's wasm-bindgen tests too (the core's dev-dependencies do not build there).
    clippy_wasm32(&["-p", "consentry-web", "--all-targets"])?;
    // The shipped configuration: no_std, trapping panics.
    clippy_wasm32(&["-p", "consentry-web", "--features", "bundle"])?;
    clippy_wasm32(&["-p", "consentry", "--no-default-features"])?;
    // The policy checker as `cargo xtask web` builds it for Node.js (std, the core with `json`).
    clippy_wasm32(&["-p", "consentry-check", "--all-targets"])?;
    // The consent log tests (`consentry-records`) need a real PostgreSQL server: a throwaway
    // one, stopped when `db` is dropped (also when the tests fail), unless one is given.
    let db = crate::pg::test_database()?;
    sh(db.env(cargo().args(["test", "--workspace", "--all-features"])))?;
    drop(db);
    if quick {
        eprintln!(
            "\n--quick: skipped the fuzz smoke run, the size budgets, wasm tests and end-to-end tests"
        );
        return Ok(());
    }
    // Every fuzz target for a few seconds (`cargo xtask fuzz` runs them longer).
    crate::fuzz::smoke()?;
    crate::bench::check_budgets()?;
    let chromium = ensure_chromium()?;
    crate::web::wasm_tests()?;
    // The end-to-end tests start the example servers: build them first.
    sh(cargo().args(["build", "--workspace", "--bins"]))?;
    let e2e = root().join("tests/e2e");
    npm_ci(&e2e)?;
    // Every `*.test.mjs` there: the browser tests, and `check.test.mjs` (`npx consentry-check`
    // in Node.js, on the checker the web build above wrote to `pkg/check/`).
    sh(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .current_dir(&e2e)
        .env("CONSENTRY_CHROMIUM", &chromium))?;
    // The module built with plain stable flags (`cargo xtask web --stable`): it must work too,
    // so a toolchain without the shipped build's unstable flags still has a tested package.
    crate::web::build_stable()?;
    sh(Command::new("node")
        .args([
            "--test",
            "--test-concurrency=1",
            "banner.test.mjs",
            "returning.test.mjs",
        ])
        .current_dir(&e2e)
        .env("CONSENTRY_CHROMIUM", &chromium)
        .env("CONSENTRY_PKG_DIR", root().join(crate::web::STABLE_DIR)))?;
    // What would be published: the crates' publish dry run (each built from its package) and
    // the npm tarball, with the bundle built at the start (not again). Their tests ran above
    // from the workspace; `cargo xtask release-check` also runs them from the packages.
    crate::release::check(false)
}

/// Does `pkg/` hold the bundle's files (what consentry-server's `assets` feature embeds)?
fn bundle_built() -> bool {
    crate::web::BUNDLE_FILES
        .iter()
        .all(|f| root().join("pkg").join(f).is_file())
}

/// Entry point for `cargo xtask test [--quick]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    run_all(args.iter().any(|a| a == "--quick"))
}

/// `cargo clippy <packages and features> --target wasm32-unknown-unknown -- -D warnings`.
fn clippy_wasm32(what: &[&str]) -> Result<(), String> {
    sh(cargo().arg("clippy").args(what).args([
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))
}
