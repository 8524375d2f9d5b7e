//! `cargo xtask demo`: builds the web bundle and runs the P4P Packing example.

use crate::env::{cargo, root, run as sh};

const DEFAULT_PORT: u16 = 8080;

/// Entry point for `cargo xtask demo [--port N]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let port = port(args)?;
    crate::web::build()?;
    sh(cargo().args(["build", "-p", "p4p-packing"]))?;
    println!();
    println!("  P4P Packing demo: http://localhost:{port}/");
    println!("  Demo account:     demo@p4p.test / demo   (admin: admin@p4p.test / admin)");
    println!("  Google Analytics: offline stand-in at /dev/gtag.js; its hits are logged below");
    println!("  Stop with Ctrl-C.");
    println!();
    let pkg_dir = root().join("pkg");
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
            "--pkg-dir",
        ])
        .arg(&pkg_dir))
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
