//! `Consent`: what the visitor allowed, read from the consent cookie and `Sec-GPC`.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use consentry::consent_mode::{default_commands, SignalState};
use consentry::{decide, decide_allowed, AllowedSet, Context, Decision, Policy, Timestamp};

/// The visitor's consent for one request: the core [`Decision`] for the consent cookie,
/// `Sec-GPC` and the region hint. Anything malformed reads as no consent.
///
/// Made by [`Consentry::consent`](crate::Consentry::consent); the axum and actix-web adapters
/// put it in the request for handlers to extract.
///
/// ```
/// use consentry::Policy;
/// use consentry_server::Consentry;
/// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
/// let consentry = Consentry::new(policy);
/// let headers: &[(&str, &[u8])] = &[("cookie", b"consentry=garbage")];
/// let consent = consentry.consent(headers, false);
/// assert!(consent.allows("necessary"));
/// assert!(!consent.allows("analytics"));
/// assert!(consent.gtag_snippet("G-ABC123", None).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Consent {
    /// One shared allocation: a clone (into the request, into the response future) is one
    /// reference count.
    inner: Arc<Inner>,
}

/// What a consent is decided from, borrowed from the request: the memo in the adapters
/// compares and renews a [`Consent`] with these before making a new one.
pub(crate) struct Inputs<'a> {
    pub(crate) policy: &'a Arc<Policy>,
    /// As in [`Inner::cookie`].
    pub(crate) cookie: Option<&'a str>,
    /// As in [`Inner::https`].
    pub(crate) https: bool,
    pub(crate) now: Timestamp,
    pub(crate) gpc: bool,
    pub(crate) region: Option<&'a str>,
}

#[derive(Debug)]
struct Inner {
    policy: Arc<Policy>,
    /// The consent cookie's value: `Some("")` stands for an unreadable one (duplicated, not
    /// UTF-8), which decides as invalid.
    cookie: Option<String>,
    /// The request came over HTTPS: the cookie was read under `__Host-<cookie_name>` (unless
    /// the policy shares it), and a response's consent cookie is looked for under that name.
    https: bool,
    now: Timestamp,
    gpc: bool,
    region: Option<String>,
    /// Decided on first use: a request whose handler never asks and whose response sets no
    /// cookie costs no decision.
    decision: OnceLock<Decision>,
    /// What the decision allows, without its strings: all the Set-Cookie gate and most
    /// handlers ask, so most requests never build the full decision.
    allowed: OnceLock<AllowedSet>,
}

impl Consent {
    pub(crate) fn new(
        policy: Arc<Policy>,
        cookie: Option<String>,
        https: bool,
        now: Timestamp,
        gpc: bool,
        region: Option<String>,
    ) -> Self {
        Consent {
            inner: Arc::new(Inner {
                policy,
                cookie,
                https,
                now,
                gpc,
                region,
                decision: OnceLock::new(),
                allowed: OnceLock::new(),
            }),
        }
    }

    /// Makes this the consent for new inputs, reusing its allocations when nothing else holds
    /// it (the adapters' memo, once the previous request is done). False when it is shared.
    pub(crate) fn renew(&mut self, new: &Inputs<'_>) -> bool {
        let Some(inner) = Arc::get_mut(&mut self.inner) else {
            return false;
        };
        if !Arc::ptr_eq(&inner.policy, new.policy) {
            inner.policy = new.policy.clone();
        }
        set_text(&mut inner.cookie, new.cookie);
        set_text(&mut inner.region, new.region);
        inner.https = new.https;
        inner.now = new.now;
        inner.gpc = new.gpc;
        inner.decision = OnceLock::new();
        inner.allowed = OnceLock::new();
        true
    }

    /// Were these the inputs of this consent? (Then its decision is the same: `decide` is a
    /// pure function of them.)
    pub(crate) fn has_inputs(&self, inputs: &Inputs<'_>) -> bool {
        Arc::ptr_eq(&self.inner.policy, inputs.policy)
            && self.inner.now == inputs.now
            && self.inner.https == inputs.https
            && self.inner.gpc == inputs.gpc
            && self.inner.cookie.as_deref() == inputs.cookie
            && self.inner.region.as_deref() == inputs.region
    }

    #[cfg(test)]
    pub(crate) fn inner_arc(&self) -> Arc<impl Sized> {
        self.inner.clone()
    }

    fn context(&self) -> Context<'_> {
        Context {
            now: self.inner.now,
            region: self.inner.region.as_deref(),
            gpc: self.inner.gpc,
        }
    }

    fn decided(&self) -> &Decision {
        self.inner.decision.get_or_init(|| {
            decide(
                &self.inner.policy,
                self.inner.cookie.as_deref(),
                &self.context(),
            )
        })
    }

    /// May cookies and scripts of this category run? Required categories always may;
    /// unknown categories never.
    pub fn allows(&self, category: &str) -> bool {
        if let Some(d) = self.inner.decision.get() {
            return d.allows(category);
        }
        // Same answer as the decision's (`decide_allowed` is `decide` without the strings).
        self.inner
            .allowed
            .get_or_init(|| {
                decide_allowed(
                    &self.inner.policy,
                    self.inner.cookie.as_deref(),
                    &self.context(),
                )
            })
            .allows(&self.inner.policy, category)
    }

    /// The core decision (status, record, profile).
    pub fn decision(&self) -> &Decision {
        self.decided()
    }

    /// Should the page show the banner?
    pub fn needs_prompt(&self) -> bool {
        self.decided().needs_prompt()
    }

    /// Did the request come over HTTPS, as [`Consentry::is_https`](crate::Consentry::is_https)
    /// decided? It says which consent cookie was read
    /// ([`Policy::consent_cookie_name`](consentry::Policy::consent_cookie_name)), and is the
    /// `secure` to pass to [`ConsentRecord::set_cookie`](consentry::ConsentRecord::set_cookie)
    /// and [`clear_consent_cookie`](consentry::clear_consent_cookie) when the app writes the
    /// consent cookie itself.
    pub fn over_https(&self) -> bool {
        self.inner.https
    }

    /// Did the request carry `Sec-GPC: 1`? (Never read as consent.)
    pub fn gpc(&self) -> bool {
        self.inner.gpc
    }

    /// The region hint used, if any.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The Google Consent Mode v2 state for this visitor.
    pub fn consent_mode(&self) -> SignalState {
        SignalState::for_decision(&self.inner.policy, self.decided())
    }

    /// The Google tag (gtag.js) for a server-rendered page, or `None` unless analytics is
    /// allowed. Consent Mode defaults (everything denied, `wait_for_update`) come first, then
    /// the update for this visitor, then `config` with the settings that keep Google Analytics'
    /// cookies to the lifetime the policy declares for `_ga`
    /// ([`gtag_config`](consentry::consent_mode::gtag_config)). `nonce` is added to both script tags for a
    /// Content-Security-Policy. Returns `None` as well for a measurement id or nonce that is
    /// not plain letters, digits, `-` and `_` (nonce: base64 characters).
    ///
    /// ```
    /// use consentry::{ConsentId, ConsentRecord, Policy, Timestamp};
    /// use consentry_server::Consentry;
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let now = Timestamp(1_790_000_000);
    /// let value = ConsentRecord::accept_all(&policy, now, ConsentId::from_random_bytes([1; 12])).encode();
    /// let consentry = Consentry::new(policy).clock(|| Timestamp(1_790_000_000));
    /// let cookie = format!("consentry={value}");
    /// let headers: &[(&str, &[u8])] = &[("cookie", cookie.as_bytes())];
    /// let snippet = consentry.consent(headers, false).gtag_snippet("G-ABC123", Some("r4nd0m")).unwrap();
    /// assert!(snippet.contains(r#"gtag('consent','update',{"ad_storage":"denied""#));
    /// assert!(snippet.contains(r#""analytics_storage":"granted""#));
    /// assert!(snippet.contains(r#"<script nonce="r4nd0m" async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123">"#));
    /// // `_ga` is declared for 395 days: gtag.js is told so, and not to renew it.
    /// assert!(snippet.contains(r#"gtag('config','G-ABC123',{"cookie_expires":34128000,"cookie_update":false});"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn gtag_snippet(&self, measurement_id: &str, nonce: Option<&str>) -> Option<String> {
        let plain = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let nonce_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 256
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=-_".contains(&b))
        };
        if !self.allows(consentry::policy::ANALYTICS)
            || !plain(measurement_id)
            || !nonce.is_none_or(nonce_ok)
        {
            return None;
        }
        let n = nonce.map(|n| format!(" nonce=\"{n}\"")).unwrap_or_default();
        let mut out = format!(
            "<script{n} async src=\"https://www.googletagmanager.com/gtag/js?id={measurement_id}\"></script>\n\
             <script{n}>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}\n"
        );
        for cmd in default_commands(&self.inner.policy) {
            let _ = writeln!(out, "gtag('consent','default',{cmd});");
        }
        // Google Analytics' cookies kept to the lifetime the policy declares (gtag.js would
        // set two years and renew them on every page).
        let settings = consentry::consent_mode::gtag_config(&self.inner.policy)
            .map(|s| format!(",{s}"))
            .unwrap_or_default();
        let _ = write!(
            out,
            "gtag('consent','update',{});\ngtag('js',new Date());\ngtag('config','{measurement_id}'{settings});\n</script>",
            self.consent_mode().to_json(None)
        );
        Some(out)
    }
}

/// `slot = text`, in the string already there if there is one.
fn set_text(slot: &mut Option<String>, text: Option<&str>) {
    match (slot.as_mut(), text) {
        (Some(s), Some(t)) => {
            s.clear();
            s.push_str(t);
        }
        (_, t) => *slot = t.map(str::to_owned),
    }
}
