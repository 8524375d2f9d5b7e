//! Time per request through `ConsentLayer`, against the bare handler and against
//! tower-cookies' `CookieManagerLayer`, on the same requests. The services are called
//! directly (no network); their futures complete on the first poll. Scenarios: a page
//! (no `Set-Cookie`) and a response setting three cookies (one analytics, one undeclared, one
//! necessary), each for one visitor on a keep-alive connection and for two visitors
//! alternating (`/2v`, which defeats `ConsentLayer`'s reuse of the last consent), and a page
//! requested over HTTPS (`page/https`, where `ConsentLayer` adds HSTS and the others add
//! nothing).
//!
//! `cargo bench -p consentry-server --features axum --bench consent_layer -- --measurement-time 2`
//!
//! For a repeatable count on a busy machine, `CONSENTRY_BENCH_ONLY=<scenario>:<runner>:<n>`
//! runs just `n` requests of one runner (no criterion, no ratios), all inside `drive`:
//! `valgrind --tool=callgrind --toggle-collect='consent_layer::drive*' <bench binary>` then
//! counts the instructions per request (divide by `n`; subtract `bare` for the layer's share).

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use consentry::{ConsentId, ConsentRecord, Policy, Timestamp};
use consentry_server::axum::ConsentLayer;
use consentry_server::{AuthCookie, Key, Keys};
use criterion::Criterion;
use http::{Request, Response};
use tower::{Layer, Service};
use tower_cookies::{CookieManagerLayer, Cookies};

const POLICY: &str = include_str!("../policies/p4p-packing.json");

fn call<S>(svc: &mut S, req: Request<()>) -> Response<()>
where
    S: Service<Request<()>, Response = Response<()>>,
    S::Error: std::fmt::Debug,
{
    let mut cx = Context::from_waker(Waker::noop());
    let fut = svc.call(req);
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(r) => r.expect("handler never fails"),
        Poll::Pending => panic!("benchmark services complete at once"),
    }
}

struct Scenario {
    name: &'static str,
    /// Requests cycle through these `Cookie` headers: two different visitors alternating
    /// defeat the per-connection reuse of the last consent.
    cookies: Vec<String>,
    set_cookies: Vec<String>,
    /// Requests carry an `https` URI (a connection the server knows is TLS).
    https: bool,
}

fn scenarios() -> Vec<Scenario> {
    let policy = Policy::from_json(POLICY).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let keys = Keys::new(Key::generate());
    let session = AuthCookie::signed(&keys, "P4PMember", "member-7").unwrap();
    let visitor = |id: u8| {
        let consent = ConsentRecord::accept_all(
            &policy,
            Timestamp(now),
            ConsentId::from_random_bytes([id; 12]),
        )
        .encode();
        format!(
            "theme=dark; consentry={consent}; _ga=GA1.1.123.{id}; {}={}",
            session.name(),
            session.value()
        )
    };
    let set_cookies: Vec<String> = vec![
        "_ga=GA1.2.3.4; Path=/; Max-Age=34128000".into(),
        "tracker=1; Path=/".into(),
        session.to_string(),
    ];
    vec![
        Scenario {
            name: "page",
            cookies: vec![visitor(7)],
            set_cookies: vec![],
            https: false,
        },
        Scenario {
            name: "set-cookie",
            cookies: vec![visitor(7)],
            set_cookies: set_cookies.clone(),
            https: false,
        },
        Scenario {
            name: "page/2v",
            cookies: vec![visitor(7), visitor(8)],
            set_cookies: vec![],
            https: false,
        },
        Scenario {
            name: "set-cookie/2v",
            cookies: vec![visitor(7), visitor(8)],
            set_cookies,
            https: false,
        },
        Scenario {
            name: "page/https",
            cookies: vec![visitor(7)],
            set_cookies: vec![],
            https: true,
        },
    ]
}

fn request(cookie: &str, https: bool) -> Request<()> {
    Request::builder()
        .uri(if https {
            "https://shop.example/products/42"
        } else {
            "/products/42"
        })
        .header("host", "shop.example")
        .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0")
        .header("accept", "text/html")
        .header("cookie", cookie)
        .body(())
        .unwrap()
}

fn handler(
    set_cookies: Vec<String>,
) -> impl Service<Request<()>, Response = Response<()>, Error = Infallible, Future: Send> + Clone {
    tower::service_fn(move |_req: Request<()>| {
        let mut res = Response::new(());
        for c in &set_cookies {
            res.headers_mut()
                .append("set-cookie", c.parse().expect("valid header"));
        }
        std::future::ready(Ok::<_, Infallible>(res))
    })
}

/// The same handler, reading the consent cookie through tower-cookies, as an app using
/// tower-cookies for consent would.
fn reading_handler(
    set_cookies: Vec<String>,
) -> impl Service<Request<()>, Response = Response<()>, Error = Infallible> + Clone {
    tower::service_fn(move |req: Request<()>| {
        let cookies = req.extensions().get::<Cookies>().cloned();
        black_box(cookies.and_then(|c| c.get("consentry").map(|v| v.value().len())));
        let mut res = Response::new(());
        for c in &set_cookies {
            res.headers_mut()
                .append("set-cookie", c.parse().expect("valid header"));
        }
        std::future::ready(Ok::<_, Infallible>(res))
    })
}

/// The same handler, asking the consent `ConsentLayer` put in the request.
fn consent_reading_handler(
    set_cookies: Vec<String>,
) -> impl Service<Request<()>, Response = Response<()>, Error = Infallible> + Clone {
    tower::service_fn(move |req: Request<()>| {
        let consent = req.extensions().get::<consentry_server::Consent>();
        black_box(consent.map(|c| c.allows("analytics")));
        let mut res = Response::new(());
        for c in &set_cookies {
            res.headers_mut()
                .append("set-cookie", c.parse().expect("valid header"));
        }
        std::future::ready(Ok::<_, Infallible>(res))
    })
}

type Runner = Box<dyn FnMut(Request<()>) -> Response<()>>;

fn runners(s: &Scenario) -> Vec<(&'static str, Runner)> {
    let policy = Policy::from_json(POLICY).unwrap();
    let mut bare = handler(s.set_cookies.clone());
    let mut consent = ConsentLayer::new(policy.clone()).layer(handler(s.set_cookies.clone()));
    let mut consent_read =
        ConsentLayer::new(policy).layer(consent_reading_handler(s.set_cookies.clone()));
    let mut manager = CookieManagerLayer::new().layer(handler(s.set_cookies.clone()));
    let mut manager_read = CookieManagerLayer::new().layer(reading_handler(s.set_cookies.clone()));
    vec![
        ("bare", Box::new(move |r| call(&mut bare, r))),
        ("ConsentLayer", Box::new(move |r| call(&mut consent, r))),
        (
            "ConsentLayer+read",
            Box::new(move |r| call(&mut consent_read, r)),
        ),
        (
            "CookieManagerLayer",
            Box::new(move |r| call(&mut manager, r)),
        ),
        (
            "CookieManagerLayer+read",
            Box::new(move |r| call(&mut manager_read, r)),
        ),
    ]
}

/// Mean ns per request over `n` calls, request building excluded.
fn measure(run: &mut Runner, s: &Scenario, n: usize) -> f64 {
    let reqs: Vec<Request<()>> = (0..n)
        .map(|i| request(&s.cookies[i % s.cookies.len()], s.https))
        .collect();
    let start = Instant::now();
    for r in reqs {
        black_box(run(r));
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// All the calls of one run, in one function `callgrind --toggle-collect` can name.
#[inline(never)]
fn drive(run: &mut Runner, reqs: Vec<Request<()>>) {
    for r in reqs {
        black_box(run(r));
    }
}

/// `CONSENTRY_BENCH_ONLY=<scenario>:<runner>:<n>`: see the module docs.
fn only(spec: &str, scenarios: &[Scenario]) {
    let mut parts = spec.splitn(3, ':');
    let (scenario, runner, n) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().and_then(|n| n.parse().ok()).unwrap_or(10_000),
    );
    let s = scenarios
        .iter()
        .find(|s| s.name == scenario)
        .expect("known scenario");
    let (_, mut run) = runners(s)
        .into_iter()
        .find(|(name, _)| *name == runner)
        .expect("known runner");
    let reqs: Vec<Request<()>> = (0..n)
        .map(|i| request(&s.cookies[i % s.cookies.len()], s.https))
        .collect();
    drive(&mut run, reqs);
}

fn main() {
    if let Ok(spec) = std::env::var("CONSENTRY_BENCH_ONLY") {
        only(&spec, &scenarios());
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let scenarios = scenarios();
    for s in &scenarios {
        let mut group = c.benchmark_group(s.name);
        for (name, mut run) in runners(s) {
            let mut i = 0;
            group.bench_function(name, |b| {
                b.iter_batched(
                    || {
                        i += 1;
                        request(&s.cookies[i % s.cookies.len()], s.https)
                    },
                    &mut run,
                    criterion::BatchSize::SmallInput,
                )
            });
        }
        group.finish();
    }
    c.final_summary();

    // Ratios, from a direct measurement: the best of 200 rounds of 500 requests each (small
    // rounds stay in cache; the best round filters out other processes on the machine).
    println!("\nratios (time per request, best of 200 rounds x 500, request building excluded):");
    for s in &scenarios {
        let mut results = Vec::new();
        for (name, mut run) in runners(s) {
            let best = (0..200)
                .map(|_| measure(&mut run, s, 500))
                .fold(f64::INFINITY, f64::min);
            results.push((name, best));
        }
        let bare = results[0].1;
        let (consent, consent_read) = (results[1].1, results[2].1);
        let (manager, manager_read) = (results[3].1, results[4].1);
        for (name, ns) in &results {
            println!("  {:<14} {:<24} {:>8.0} ns", s.name, name, ns);
        }
        println!(
            "  {:<14} ConsentLayer adds {:.0} ns over bare ({:.0} ns when the handler reads consent); \
             ConsentLayer / CookieManagerLayer = {:.2}; ConsentLayer+read / CookieManagerLayer+read = {:.2}",
            s.name,
            consent - bare,
            consent_read - bare,
            consent / manager,
            consent_read / manager_read
        );
    }
}
