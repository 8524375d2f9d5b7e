//! `cargo xtask <command>`: build tasks for consentry.
//!
//! | command | what it does |
//! |---|---|
//! | `test` | every check CI runs: fmt, the web build (first: the server's `assets` feature embeds it), clippy (native + wasm32), all Rust tests, size budgets, wasm tests in Chromium, end-to-end tests |
//! | `demo [--port N]` | builds the web bundle and runs the P4P Packing example on http://localhost:8080 |
//! | `web` | builds the npm package into `pkg/` |
//! | `bench` | prints bundle sizes beside vanilla-cookieconsent and yett |
//! | `pg` | starts a throwaway PostgreSQL server, prints `CONSENTRY_TEST_DATABASE_URL=...`, stops it on Ctrl-C or end of input |

mod bench;
mod demo;
mod env;
mod pg;
mod test;
mod web;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("demo") => demo::run(&args[1..]),
        Some("web") => web::build(),
        Some("bench") => bench::run(),
        Some("pg") => pg::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  test            run every test and check (what CI runs)\n  demo [--port N] run the P4P Packing demo site (default port 8080)\n  web             build the npm package into pkg/\n  bench           compare bundle sizes with vanilla-cookieconsent and yett\n  pg              run a throwaway PostgreSQL for the tests until Ctrl-C / end of input"
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
