//! `cargo xtask demo`: builds the web bundle and runs the P4P Packing example, its consent log
//! in `target/p4p-data/` (or `$P4P_DATA_DIR`).

use crate::env::{cargo, root, run as sh};

const DEFAULT_PORT: u16 = 8080;

/// Entry point for `cargo xtask demo [--port N]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let port = port(args)?;
    crate::web::build()?;
    sh(cargo().args(["build", "-p", "p4p-packing"]))?;
    // The example's default data directory (git-ignored with the rest of target/).
    let data_dir = std::env::var_os("P4P_DATA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join("target").join("p4p-data"));
    println!();
    println!("  P4P Packing demo: http://localhost:{port}/");
    println!("  Demo account:     demo@p4p.test / demo   (admin: admin@p4p.test / admin)");
    println!("  Google Analytics: offline stand-in at /dev/gtag.js; its hits are logged below");
    println!(
        "  Consent log:      {}",
        data_dir.join("consent-log.db").display()
    );
    println!("                    (SQLite; checkpoint key beside it, public key at /.well-known/consentry-records.pub)");
    println!("  Your records:     http://localhost:{port}/privacy shows the visitor's own consent records");
    println!(
        "                    (by the consent id in their cookie), with a JSON download with proofs"
    );
    println!("  Stop with Ctrl-C.");
    println!();
    let port = port.to_string();
    sh(cargo()
        .args([
            "run",
            "-q",
            "-p",
            "p4p-packing",
            "--",
            "--port",
            &port,
            "--gtag-src",
            "/dev/gtag.js",
            "--data-dir",
        ])
        .arg(&data_dir))
}

/// The port from `--port N` / `--port=N`, else 8080.
fn port(args: &[String]) -> Result<u16, String> {
    let mut port = DEFAULT_PORT;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = match arg.as_str() {
            "--port" => it
                .next()
                .ok_or("--port needs a value, e.g. --port 8080")?
                .as_str(),
            a if a.starts_with("--port=") => &a["--port=".len()..],
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: cargo xtask demo [--port N]"
                ))
            }
        };
        port = value
            .parse()
            .map_err(|_| format!("--port {value:?} is not a port number (1-65535)"))?;
        if port == 0 {
            return Err("--port 0 is not a usable port".into());
        }
    }
    Ok(port)
}

#[cfg(test)]
mod tests {
    use super::port;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn port_defaults_to_8080_and_reads_both_flag_forms() {
        assert_eq!(port(&[]), Ok(8080));
        assert_eq!(port(&args(&["--port", "9000"])), Ok(9000));
        assert_eq!(port(&args(&["--port=9001"])), Ok(9001));
    }

    #[test]
    fn bad_ports_and_unknown_arguments_are_refused_with_a_message() {
        for bad in [
            &["--port"][..],
            &["--port", "x"],
            &["--port", "70000"],
            &["--port", "0"],
            &["--open"],
        ] {
            let e = port(&args(bad)).unwrap_err();
            assert!(
                e.contains("port") || e.contains("unknown argument"),
                "{bad:?}: {e}"
            );
        }
    }
}
