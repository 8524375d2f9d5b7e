//! `cargo xtask <command>`: build tasks for consentry.
//!
//! | command | what it does |
//! |---|---|
//! | `test` | every check CI runs: fmt, the web build (first: the server's `assets` feature embeds it), clippy (native + wasm32), all Rust tests, a short run of each fuzz target, size budgets, wasm tests in Chromium, end-to-end tests (and the banner suites again on the stable build), then `release-check --no-package-tests` |
//! | `demo [--port N]` | builds the web bundle and runs the P4P Packing example on http://localhost:8080 |
//! | `web [--stable]` | builds the npm package into `pkg/`; `--stable`: the same module built with plain stable cargo (no unstable flags) into `target/pkg-stable/` |
//! | `budgets` | the size budgets `test` enforces, on what `web` last built into `pkg/` (gate, first visit, returning visit; gzip -9) |
//! | `bench` | bundle sizes beside vanilla-cookieconsent and yett, then run time beside vanilla-cookieconsent (headless Chromium) and the gate's overhead on DOM work |
//! | `fuzz [--seconds N] [target...]` | runs the fuzz targets in `fuzz/` (cargo-fuzz, libFuzzer) for N seconds each (default 60): executions, crashes, corpus size |
//! | `release-check [--no-package-tests]` | `cargo publish --workspace --dry-run`, each crate's tests run from its package, the npm tarball's files against the README and `package.json`, `npm publish --dry-run`; prints what would be published with sizes |
//! | `pg` | starts a throwaway PostgreSQL server, prints `CONSENTRY_TEST_DATABASE_URL=...`, stops it on Ctrl-C or end of input |

mod bench;
mod demo;
mod env;
mod fuzz;
mod pg;
mod release;
mod test;
mod web;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("demo") => demo::run(&args[1..]),
        Some("web") if args.get(1).is_some_and(|a| a == "--stable") => web::build_stable(),
        Some("web") => web::build(),
        Some("bench") => bench::run(),
        Some("budgets") => bench::check_budgets(),
        Some("pg") => pg::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("release-check") => release::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  test            run every test and check (what CI runs)\n  demo [--port N] run the P4P Packing demo site (default port 8080)\n  web             build the npm package into pkg/\n  web --stable    the same, plain stable flags, into target/pkg-stable/\n  bench           sizes and run time beside vanilla-cookieconsent (and yett)\n  budgets         the size budgets CI enforces, on pkg/ as last built\n  pg              run a throwaway PostgreSQL for the tests until Ctrl-C / end of input\n  fuzz [--seconds N] [target...]\n                  run the fuzz targets (default: all, 60 s each)\n  release-check [--no-package-tests]\n                  what would be published: crates (publish dry run, their tests from the\n                  packages) and the npm package (tarball contents, publish dry run)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
