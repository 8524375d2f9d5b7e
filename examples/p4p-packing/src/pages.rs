//! Server-rendered HTML of the site.

use consentry::{Method, ReceiptEvent};
use consentry_records::EntryContent;

/// What every page's `<head>` needs.
pub(crate) struct Head<'a> {
    pub(crate) title: &'a str,
    /// consentry's tags: gate, policy, module (`Assets::head`).
    pub(crate) consentry: &'a str,
    pub(crate) gtag_src: &'a str,
    /// The settings object of `gtag('config', …)` (JSON from the policy:
    /// `consentry::consent_mode::gtag_config`).
    pub(crate) gtag_config: &'a str,
}

/// Escapes text for HTML content and attribute values.
pub(crate) use consentry::escape_html as escape;

/// A whole page. The `<head>` follows consentry's embed contract: the gate first, then the
/// policy as JSON, then the module (all three from `Assets::head`); Google Analytics is inert markup (`type="text/plain"`) that
/// the module releases once the visitor allows analytics.
pub(crate) fn layout(head: &Head<'_>, user: Option<&str>, csrf_input: &str, body: &str) -> String {
    let nav_user = match user {
        Some(email) => format!(
            r#"<a href="/account">{}</a><form method="post" action="/logout" class="inline">{csrf_input}<button type="submit">Sign out</button></form>"#,
            escape(email)
        ),
        None => r#"<a href="/login">Sign in</a>"#.into(),
    };
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · P4P Packing</title>
{consentry}
<script type="text/plain" data-consent="analytics" async src="{gtag}"></script>
<script type="text/plain" data-consent="analytics">
  window.dataLayer = window.dataLayer || [];
  function gtag() {{ dataLayer.push(arguments); }}
  gtag("js", new Date());
  gtag("config", "G-P4PDEMO", {gtag_config});
</script>
<style>{STYLE}</style>
</head>
<body>
<header><a class="brand" href="/">P4P Packing</a><nav><a href="/">Home</a><a href="/contact">Contact</a><a href="/privacy">Privacy</a>{nav_user}</nav></header>
<main>
{body}
</main>
<footer><a href="/privacy">Privacy policy</a> · <a href="#" data-consentry-open>Cookie settings</a> · © Pro4Soft Inc.</footer>
</body>
</html>
"##,
        title = escape(head.title),
        consentry = head.consentry,
        gtag = escape(head.gtag_src),
        // JSON of numbers and booleans from the policy, safe in a script.
        gtag_config = head.gtag_config,
    )
}

const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1b1f24;background:#f6f7f9}\
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.8rem 2rem;background:#0b3d5c;color:#fff}\
footer{padding:.8rem 2rem;background:#0b3d5c;color:#fff;text-align:center}\
header a,footer a{color:#fff}nav{display:flex;gap:1rem;align-items:center}.brand{font-weight:700;text-decoration:none}\
main{max-width:52rem;margin:2rem auto;padding:0 1.5rem}form.inline{display:inline}\
label{display:block;margin:.6rem 0 .2rem}input,textarea{font:inherit;padding:.4rem;width:100%;max-width:24rem}\
button{font:inherit;padding:.4rem 1rem}.error{color:#a00}\
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.3rem .5rem;text-align:left;vertical-align:top}";

/// The home page.
pub(crate) const HOME: &str = r#"<h1>3D bin packing, as an API</h1>
<p>P4P Packing finds how your items fit into boxes, pallets and containers: send the items, get
back the boxes to use and where each item goes.</p>
<ul>
<li>REST API with a free starter credit</li>
<li>Results kept for 30 days, then deleted</li>
<li>Interactive 3D view of every packing</li>
</ul>
<p><a href="/login">Sign in</a> to see your account, or <a href="/contact">contact us</a>.</p>"#;

/// The contact form.
pub(crate) fn contact(csrf_input: &str) -> String {
    format!(
        r#"<h1>Contact us</h1>
<form method="post" action="/contact">{csrf_input}
<label for="name">Name</label><input id="name" name="name" required>
<label for="email">Email</label><input id="email" name="email" type="email" required>
<label for="message">Message</label><textarea id="message" name="message" rows="5" required></textarea>
<p><button type="submit">Send</button></p>
</form>"#
    )
}

/// The sign-in form.
pub(crate) fn login(error: &str, csrf_input: &str) -> String {
    format!(
        r#"<h1>Sign in</h1>
{error}
<form method="post" action="/login">{csrf_input}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Sign in</button></p>
</form>
<p>Demo accounts: <code>demo@p4p.test</code> / <code>demo</code>, <code>admin@p4p.test</code> / <code>admin</code>.</p>"#
    )
}

/// The account page.
pub(crate) fn account(email: &str, admin: bool) -> String {
    let role = if admin { "administrator" } else { "member" };
    format!(
        r#"<h1>Your account</h1>
<p>Signed in as <strong id="account-email">{}</strong> ({role}).</p>
<p>Starter credit: 1,000 packings. API key: <code>p4p_demo_••••••••</code></p>"#,
        escape(email)
    )
}

/// The privacy policy: the seed's (`/work/shared/seeds`, see `docs/seeds.md`), corrected where it
/// contradicted the code or the law, with the cookie and tracking section generated from the
/// policy file (`notice`, [`consentry::Policy::notice_html`]) in place of its cookie paragraphs,
/// and the visitor's own consent records (`records`, from [`consent_records`]).
pub(crate) fn privacy(notice: &str, choice: &str, records: &str) -> String {
    format!(
        r##"<h1>Privacy policy</h1>
<p>This policy describes how Pro4Soft Inc. ("Pro4Soft", "we", "us") collects, uses and protects
personal information through the P4P Packing website and its REST API (the "Service").</p>
<h2>Personal information we collect</h2>
<ul>
<li>Contact form submissions: the name, email, optional company and message you send from /contact, delivered to our support inbox by email.</li>
<li>Account registration: your email address, a hashed password, your API key and your account balance.</li>
<li>API usage data: requests made with your API key, with timestamps and request size, to compute usage and enforce rate limits. Packing results are kept for 30 days, then deleted.</li>
<li>Server log files: IP address, user agent, request path and time.</li>
<li>Analytics, only with your consent (visitors from the US: until you switch it off in "Cookie settings"): Google Analytics measures traffic; Google may receive your IP address (truncated where supported), referrer, page URL and basic device data. We do not link this to your account.</li>
</ul>
{notice}
<p>Your current choice, as this server reads it: <strong id="consent-choice">{choice}</strong>.
Change it at any time with <a href="#" data-consentry-open>Cookie settings</a>.</p>
{records}
<h2>How we share personal information</h2>
<p>We do not sell personal information, and we do not share it for cross-context behavioural
advertising. We share it only with these service providers (sub-processors), as far as they need
it: Google LLC (analytics, as described under "Cookies and similar technologies"), Microsoft Corporation (hosting on Microsoft Azure)
and our email delivery provider (contact-form messages).</p>
<h2>How long we keep it</h2>
<ul>
<li>Contact-form messages: up to 12 months after the last reply.</li>
<li>Account data: for the life of the account, plus 6 months after it is closed.</li>
<li>API usage logs: 13 months. Packing results: 30 days. Server logs: 6 months.</li>
<li>Cookies, your cookie choice and its records: as set out under "Cookies and similar technologies" above.</li>
</ul>
<h2>Lawful bases (GDPR Art. 6)</h2>
<ul>
<li>Contract (Art. 6(1)(b)): your account, API keys, billing and the API requests you submit; the strictly necessary cookies.</li>
<li>Legitimate interests (Art. 6(1)(f)): security logging, rate limits and fraud prevention, from our server logs.</li>
<li>Consent (Art. 6(1)(a)): Google Analytics. You can withdraw it at any time with "Cookie settings"; you do not need your browser settings.</li>
<li>Legal obligation (Art. 6(1)(c)): records we must keep for tax, accounting or law enforcement.</li>
</ul>
<h2>Your rights</h2>
<p>You can ask for access to, correction or deletion of your personal information, restrict or
object to processing, ask for portability, and complain to your supervisory authority. Write to
support@pro4soft.com or use /contact; we answer within 30 days (45 days for CCPA requests).
California residents have the rights the CCPA grants, and we will not treat you differently for
using them.</p>
<h2>Security</h2>
<p>HTTPS for all traffic with HTTP Strict Transport Security; passwords stored as salted one-way
hashes; sign-in cookies that are <code>__Host-</code>, HttpOnly and SameSite=Strict; forms
protected against cross-site request forgery.</p>
<h2>International transfers</h2>
<p>Data hosted on Microsoft Azure, and Google Analytics data, may be processed in the United
States under the EU–U.S. Data Privacy Framework and Standard Contractual Clauses.</p>"##
    )
}

/// What the visitor's own consent records section can show.
pub(crate) enum Records<'a> {
    /// No valid consent cookie: no consent id to look up.
    NoConsentId,
    /// The log could not be read just now.
    Unavailable,
    /// The records of the visitor's consent id (possibly none), oldest first.
    Found(&'a [EntryContent]),
}

/// "Your consent records": the receipts the log holds for the visitor's consent id, with the
/// download of the same records with their inclusion proofs.
pub(crate) fn consent_records(records: &Records<'_>) -> String {
    let mut out = String::from(
        r#"<section id="consent-records">
<h2>Your consent records</h2>
"#,
    );
    let found = match records {
        Records::NoConsentId => {
            out.push_str(r#"<p class="records-none">You have no consent cookie, so there are no consent records to show.</p>"#);
            None
        }
        Records::Unavailable => {
            out.push_str(r#"<p class="records-none">Your consent records cannot be shown right now; please try again later.</p>"#);
            None
        }
        Records::Found([]) => {
            out.push_str(r#"<p class="records-none">We hold no consent records for your consent id yet.</p>"#);
            None
        }
        Records::Found(list) => Some(*list),
    };
    if let Some(list) = found {
        out.push_str(
            r#"<p>Each time you make a choice, your browser sends us a receipt of it, which we keep in a tamper-evident log, found by the consent id in your consent cookie.</p>
<table id="consent-records-table"><thead><tr><th>Date and time (UTC)</th><th>Event</th><th>Method</th><th>Granted</th><th>Refused</th><th>Policy revision</th><th>Receipt id</th></tr></thead>
<tbody>
"#,
        );
        for entry in list {
            out.push_str(&record_row(entry));
        }
        out.push_str("</tbody></table>\n");
        out.push_str(r#"<p><a id="consent-records-download" href="/privacy/records.json" download>Download with proofs (JSON)</a>: each record with the proof that it is in our log, checkable with our published key (<a href="/.well-known/consentry-records.pub">/.well-known/consentry-records.pub</a>).</p>"#);
    }
    out.push_str("\n</section>");
    out
}

fn record_row(entry: &EntryContent) -> String {
    let r = &entry.receipt;
    let (event, event_text) = match r.event {
        ReceiptEvent::Given => ("given", "given"),
        ReceiptEvent::Refused => ("refused", "refused"),
        ReceiptEvent::Withdrawn => ("withdrawn", "withdrawn"),
        ReceiptEvent::Expired => ("expired", "expired"),
        // An event a later consentry adds.
        _ => ("other", "recorded"),
    };
    let (method, method_text) = match r.method {
        Method::AcceptAll => ("accept_all", "accept all"),
        Method::RejectAll => ("reject_all", "reject all"),
        Method::Custom => ("custom", "your own selection"),
        Method::Gpc => ("gpc", "Global Privacy Control"),
        Method::Withdrawal => ("withdrawal", "withdrawal"),
        _ => ("other", "another way"),
    };
    let purposes = |granted: bool| {
        let list: Vec<String> = r
            .purposes
            .iter()
            .filter(|p| p.granted == granted)
            .map(|p| escape(&p.category))
            .collect();
        if list.is_empty() {
            "none".to_owned()
        } else {
            list.join(", ")
        }
    };
    format!(
        "<tr data-receipt-id=\"{id}\" data-event=\"{event}\" data-method=\"{method}\"><td>{time}</td><td class=\"event\">{event_text}</td><td class=\"method\">{method_text}</td><td class=\"granted\">{granted}</td><td class=\"refused\">{refused}</td><td>{revision}</td><td><code>{id}</code></td></tr>\n",
        id = escape(r.receipt_id.as_str()),
        time = escape(&r.issued_at.to_rfc3339()),
        granted = purposes(true),
        refused = purposes(false),
        revision = r.policy_revision,
    )
}
