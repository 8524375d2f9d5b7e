//! `Consentry`: the policy and server settings shared by every adapter.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use consentry::{Policy, Timestamp};

use crate::consent::{Consent, Inputs};
use crate::cookie_index::CookieIndex;
use crate::csrf::CSRF_COOKIE;
use crate::gate::{check, GateReason, GateVerdict, Kept};
use crate::hsts::{Hsts, HstsHeader};
use crate::request::{cookie_value, Headers};

type RegionFn = dyn Fn(&dyn Headers) -> Option<String> + Send + Sync;

enum RegionSource {
    None,
    Header(String),
    With(Arc<RegionFn>),
}

struct Inner {
    policy: Arc<Policy>,
    /// The policy's cookie declarations by name, for the Set-Cookie gate.
    cookies: CookieIndex,
    /// The consent cookie's name over HTTPS (`__Host-consentry` unless shared), worked out
    /// once rather than per request.
    https_cookie_name: String,
    region: RegionSource,
    hsts: Option<HstsHeader>,
    trust_forwarded_proto: bool,
    /// Which `X-Forwarded-Proto` value counts: the `proxy_hops`-th from the right.
    proxy_hops: usize,
    assume_https: bool,
    clock: fn() -> Timestamp,
}

/// The policy and the server-side settings: how to find the visitor's region, HSTS and how to
/// tell HTTPS requests. Cheap to clone (shared). The adapters (`ConsentLayer` for axum,
/// `ConsentMiddleware` for actix-web) are built from it, or straight from a [`Policy`].
///
/// ```
/// use consentry::Policy;
/// use consentry_server::{Consentry, Hsts};
/// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
/// let consentry = Consentry::new(policy)
///     .region_header("cf-ipcountry")        // the app's own geo header
///     .trust_forwarded_proto(true)          // behind a TLS-terminating proxy
///     .hsts(Hsts::default().preload());
/// let headers: &[(&str, &[u8])] = &[("cf-ipcountry", b"US"), ("x-forwarded-proto", b"https")];
/// assert_eq!(consentry.consent(headers, false).region(), Some("US"));
/// assert!(consentry.hsts_for(headers, false).is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Consentry {
    inner: Arc<Inner>,
}

impl fmt::Debug for Consentry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consentry")
            .field("policy_revision", &self.inner.policy.revision)
            .field("hsts", &self.inner.hsts)
            .field("trust_forwarded_proto", &self.inner.trust_forwarded_proto)
            .field("trusted_proxy_hops", &self.inner.proxy_hops)
            .field("assume_https", &self.inner.assume_https)
            .finish_non_exhaustive()
    }
}

pub(crate) fn system_now() -> Timestamp {
    Timestamp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
    )
}

impl From<Policy> for Consentry {
    fn from(policy: Policy) -> Self {
        Consentry::new(policy)
    }
}

impl Consentry {
    /// Settings for a policy: no region hint, default HSTS on HTTPS, `X-Forwarded-Proto` not
    /// trusted.
    pub fn new(policy: impl Into<Arc<Policy>>) -> Self {
        let policy = policy.into();
        Consentry {
            inner: Arc::new(Inner {
                cookies: CookieIndex::new(&policy),
                https_cookie_name: policy.consent_cookie_name(true),
                policy,
                region: RegionSource::None,
                hsts: HstsHeader::new(Hsts::default()),
                trust_forwarded_proto: false,
                proxy_hops: 1,
                assume_https: false,
                clock: system_now,
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => f(inner),
            None => {
                let old = &self.inner;
                let mut inner = Inner {
                    policy: old.policy.clone(),
                    cookies: old.cookies.clone(),
                    https_cookie_name: old.https_cookie_name.clone(),
                    region: RegionSource::None,
                    hsts: old.hsts.clone(),
                    trust_forwarded_proto: old.trust_forwarded_proto,
                    proxy_hops: old.proxy_hops,
                    assume_https: old.assume_https,
                    clock: old.clock,
                };
                inner.region = match &old.region {
                    RegionSource::None => RegionSource::None,
                    RegionSource::Header(h) => RegionSource::Header(h.clone()),
                    RegionSource::With(f) => RegionSource::With(f.clone()),
                };
                f(&mut inner);
                self.inner = Arc::new(inner);
            }
        }
        self
    }

    /// Reads the region hint (`DE`, `US-CA`) from this request header, set by the site's CDN
    /// or proxy from the visitor's address.
    ///
    /// **Only a header your own CDN or proxy sets on every request, replacing whatever the
    /// visitor sent.** The visitor controls every other header: read from one the CDN does not
    /// overwrite (or with the app reachable without the CDN), a visitor in the EU could send
    /// `US` and be treated under the opt-out profile. Headers that fit: Cloudflare
    /// `CF-IPCountry`, Amazon CloudFront `CloudFront-Viewer-Country`, Vercel
    /// `X-Vercel-IP-Country`, Google Cloud Load Balancing with a custom header such as
    /// `X-Client-Region: {client_region}`; with nginx's GeoIP2 module, `proxy_set_header
    /// X-Country $geoip2_country_code;` replaces the visitor's value.
    ///
    /// Fail closed: a header that is missing, malformed or sent more than once gives no hint,
    /// and no hint, like an unknown code (Cloudflare's `XX`, `T1` for Tor), gets the policy's
    /// `default_region`, which is always opt-in. The region is a hint for the profile, never
    /// consent: the worst a forged value can do is give that one visitor the profile of the
    /// region named. For a country and a subdivision in two headers (`US` and `CA` for
    /// `US-CA`), use [`region_with`](Consentry::region_with).
    ///
    /// ```
    /// # let policy = consentry::Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// use consentry_server::Consentry;
    /// let consentry = Consentry::new(policy).region_header("CF-IPCountry");
    /// let from_us: &[(&str, &[u8])] = &[("cf-ipcountry", b"US"), ("sec-gpc", b"1")];
    /// let consent = consentry.consent(from_us, true);
    /// assert_eq!(consent.region(), Some("US"));
    /// assert!(consent.allows("analytics")); // the policy's "US": "opt-out"
    /// let from_de: &[(&str, &[u8])] = &[("cf-ipcountry", b"DE")];
    /// assert!(!consentry.consent(from_de, true).allows("analytics")); // opt-in: asks first
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn region_header(self, name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        self.edit(|i| i.region = RegionSource::Header(name))
    }

    /// Computes the region hint from the request headers, e.g. from a country and a
    /// subdivision header. The same trust rule as [`region_header`](Consentry::region_header)
    /// applies to every header it reads, and its result is checked the same way (ASCII letters,
    /// digits and `-`, at most 16 bytes; anything else is no hint).
    ///
    /// ```
    /// # let policy = consentry::Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// use consentry_server::{Consentry, Headers};
    /// // CloudFront: country and ISO 3166-2 subdivision in two headers.
    /// let consentry = Consentry::new(policy).region_with(|h: &dyn Headers| {
    ///     let text = |name| h.first(name).and_then(|v| std::str::from_utf8(v).ok());
    ///     let country = text("cloudfront-viewer-country")?;
    ///     Some(match text("cloudfront-viewer-country-region") {
    ///         Some(sub) => format!("{country}-{sub}"),
    ///         None => country.to_owned(),
    ///     })
    /// });
    /// let h: &[(&str, &[u8])] = &[("cloudfront-viewer-country", b"US"), ("cloudfront-viewer-country-region", b"CA")];
    /// assert_eq!(consentry.region(h).as_deref(), Some("US-CA"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn region_with(
        self,
        f: impl Fn(&dyn Headers) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.edit(|i| i.region = RegionSource::With(Arc::new(f)))
    }

    /// The HSTS header for HTTPS responses.
    pub fn hsts(self, hsts: Hsts) -> Self {
        self.edit(|i| i.hsts = HstsHeader::new(hsts))
    }

    /// Sends no HSTS header (e.g. a proxy adds it).
    pub fn without_hsts(self) -> Self {
        self.edit(|i| i.hsts = None)
    }

    /// Treats the request as HTTPS when the `X-Forwarded-Proto` value written by the proxy in
    /// front of the app says `https`. Only turn on behind a proxy: otherwise any client could
    /// claim it.
    ///
    /// Which value counts: the header is one comma-separated list, however many header lines
    /// carry it (RFC 9110, section 5.3), and a proxy that appends adds its value at the
    /// right, after whatever the client sent. So the value read is the rightmost, the one the
    /// closest proxy wrote; with several proxies in a chain, each appending, say how many with
    /// [`Consentry::trusted_proxy_hops`]. A client's own `X-Forwarded-Proto: https` therefore
    /// counts only if the proxy passes it on without adding a value (a proxy that overwrites
    /// the header, or appends, is what this setting is for). The standard `Forwarded` header
    /// (`proto=`) is not read.
    ///
    /// ```
    /// use consentry::Policy;
    /// use consentry_server::Consentry;
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let behind_proxy = Consentry::new(policy).trust_forwarded_proto(true);
    /// // The client wrote `https`, the proxy (which the client reached over plain HTTP)
    /// // appended `http`: plain HTTP.
    /// let spoofed: &[(&str, &[u8])] = &[("x-forwarded-proto", b"https, http")];
    /// assert!(!behind_proxy.is_https(spoofed, false));
    /// let real: &[(&str, &[u8])] = &[("x-forwarded-proto", b"http"), ("x-forwarded-proto", b"https")];
    /// assert!(behind_proxy.is_https(real, false));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trust_forwarded_proto(self, on: bool) -> Self {
        self.edit(|i| i.trust_forwarded_proto = on)
    }

    /// How many proxies in front of the app append to `X-Forwarded-Proto` (default 1): the
    /// value read is the `hops`-th from the right, the one the proxy that faces the internet
    /// wrote. A request carrying fewer values than that did not come through the chain and is
    /// not HTTPS; `0` trusts no value. Takes effect with
    /// [`Consentry::trust_forwarded_proto`].
    ///
    /// ```
    /// use consentry::Policy;
    /// use consentry_server::Consentry;
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// // A CDN (terminates TLS, appends `https`) in front of a load balancer (appends `http`).
    /// let c = Consentry::new(policy).trust_forwarded_proto(true).trusted_proxy_hops(2);
    /// let through_cdn: &[(&str, &[u8])] = &[("x-forwarded-proto", b"https, http")];
    /// assert!(c.is_https(through_cdn, false));
    /// let around_cdn: &[(&str, &[u8])] = &[("x-forwarded-proto", b"http")];
    /// assert!(!c.is_https(around_cdn, false));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trusted_proxy_hops(self, hops: usize) -> Self {
        self.edit(|i| i.proxy_hops = hops)
    }

    /// Treats every request as HTTPS (the app is only reachable through TLS).
    pub fn assume_https(self, on: bool) -> Self {
        self.edit(|i| i.assume_https = on)
    }

    /// Replaces the clock (tests, replays).
    pub fn clock(self, now: fn() -> Timestamp) -> Self {
        self.edit(|i| i.clock = now)
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The policy, shared.
    pub fn policy_arc(&self) -> &Arc<Policy> {
        &self.inner.policy
    }

    /// The current time from the configured clock.
    pub fn now(&self) -> Timestamp {
        (self.inner.clock)()
    }

    /// The visitor's consent for a request. Fails closed: a missing, duplicated, non-UTF-8 or
    /// malformed consent cookie reads as no consent.
    ///
    /// `transport_https` is what the server itself knows about the connection, as for
    /// [`Consentry::is_https`]: over HTTPS the consent cookie is read only under its
    /// `__Host-` name ([`Policy::consent_cookie_name`]), which no other host can set, and a
    /// plain `consentry` cookie (planted by a sibling subdomain with `Domain=`, or left from
    /// before) grants nothing. The axum and actix-web adapters pass what the connection says.
    ///
    /// ```
    /// use consentry::{ConsentId, ConsentRecord, Policy, Timestamp};
    /// use consentry_server::Consentry;
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let value = ConsentRecord::accept_all(&policy, Timestamp(1_790_000_000), ConsentId::from_random_bytes([1; 12])).encode();
    /// let consentry = Consentry::new(policy).clock(|| Timestamp(1_790_000_000));
    /// let plain = format!("consentry={value}");
    /// let host = format!("__Host-consentry={value}");
    /// let (plain, host): (&[(&str, &[u8])], &[(&str, &[u8])]) =
    ///     (&[("cookie", plain.as_bytes())], &[("cookie", host.as_bytes())]);
    /// assert!(consentry.consent(plain, false).allows("analytics"));
    /// assert!(!consentry.consent(plain, true).allows("analytics"));
    /// assert!(consentry.consent(host, true).allows("analytics"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consent<H: Headers + ?Sized>(&self, headers: &H, transport_https: bool) -> Consent {
        let https = self.is_https(headers, transport_https);
        self.consent_reusing(headers, https, &mut None)
    }

    /// Like [`Consentry::consent`], with the HTTPS decision already made (`https`, from
    /// [`Consentry::is_https`]), but returns `last` again when this request has the same
    /// inputs (consent cookie, HTTPS, `Sec-GPC`, region, current second): a memo, since the
    /// decision is a pure function of them. The adapters keep one per connection (axum) or
    /// worker (actix-web), so a browser's keep-alive requests are decided once per second.
    pub(crate) fn consent_reusing<H: Headers + ?Sized>(
        &self,
        headers: &H,
        https: bool,
        last: &mut Option<Consent>,
    ) -> Consent {
        let policy = &self.inner.policy;
        let gpc = headers
            .first("sec-gpc")
            .is_some_and(|v| v.trim_ascii() == b"1");
        let region = self.region_hint(headers);
        let cookie = match cookie_value(headers, self.consent_cookie_name(https)) {
            Ok(v) => v,
            // Duplicated or not UTF-8: decided as an unreadable cookie.
            Err(()) => Some(""),
        };
        let now = self.now();
        if let Some(prev) = last {
            let inputs = Inputs {
                policy,
                cookie,
                https,
                now,
                gpc,
                region: region.as_deref(),
            };
            if prev.has_inputs(&inputs) || prev.renew(&inputs) {
                return prev.clone();
            }
        }
        let consent = Consent::new(
            policy.clone(),
            cookie.map(str::to_owned),
            https,
            now,
            gpc,
            region.map(Cow::into_owned),
        );
        *last = Some(consent.clone());
        consent
    }

    /// The region hint this request carries, as [`region_header`](Consentry::region_header)
    /// or [`region_with`](Consentry::region_with) read it and [`Consent::region`] reports it:
    /// `None` without a region setting, or when the value is missing, empty, longer than 16
    /// bytes or not ASCII letters, digits and `-` (so `"US, DE"` or `"US; x"` is no hint), or
    /// when the header appears more than once (a visitor's own header beside the proxy's).
    /// No hint means the policy's `default_region`: opt-in.
    ///
    /// The page needs the same hint as the server (pass it to `Assets::head`, feature
    /// `assets`, or to [`PolicyTag::render`](crate::PolicyTag::render), which write it as the
    /// policy tag's `data-region`),
    /// so that the banner and the Set-Cookie gate decide alike.
    ///
    /// ```
    /// # let policy = consentry::Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let consentry = consentry_server::Consentry::new(policy).region_header("CF-IPCountry");
    /// let us: &[(&str, &[u8])] = &[("cf-ipcountry", b"US")];
    /// assert_eq!(consentry.region(us).as_deref(), Some("US"));
    /// let forged: &[(&str, &[u8])] = &[("cf-ipcountry", b"US"), ("cf-ipcountry", b"DE")];
    /// assert_eq!(consentry.region(forged), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn region<H: Headers + ?Sized>(&self, headers: &H) -> Option<String> {
        self.region_hint(headers).map(Cow::into_owned)
    }

    fn region_hint<'h, H: Headers + ?Sized>(&self, headers: &'h H) -> Option<Cow<'h, str>> {
        match &self.inner.region {
            RegionSource::None => None,
            RegionSource::Header(name) => {
                let (mut value, mut count) = (None, 0_usize);
                headers.each(name, &mut |v| {
                    count += 1;
                    value = Some(v);
                });
                value
                    .filter(|_| count == 1)
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .map(|s| Cow::Borrowed(s.trim()))
            }
            RegionSource::With(f) => f(&Adapter(headers)).map(Cow::Owned),
        }
        .filter(|r| {
            !r.is_empty()
                && r.len() <= 16
                && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    }

    /// The consent cookie's name for a request over HTTPS (`https`) or plain HTTP: as
    /// [`Policy::consent_cookie_name`] says, without building it.
    fn consent_cookie_name(&self, https: bool) -> &str {
        if https {
            &self.inner.https_cookie_name
        } else {
            &self.inner.policy.cookie_name
        }
    }

    /// The consent after this response: when the response itself sets the consent cookie (the
    /// visitor just chose) under the name the request's consent is read from (`__Host-` over
    /// HTTPS, see [`Consentry::consent`]), its value replaces the request's.
    pub fn consent_after<'a>(
        &self,
        request: &Consent,
        set_cookies: impl IntoIterator<Item = &'a [u8]>,
    ) -> Option<Consent> {
        let name = self.consent_cookie_name(request.over_https()).as_bytes();
        let value = set_cookies.into_iter().find_map(|h| {
            // The prefix first, on bytes: most responses set other cookies. (`h` is UTF-8
            // exactly when `rest` is: the name and `=` are whole characters.)
            let rest = h.strip_prefix(name)?.strip_prefix(b"=")?;
            let rest = std::str::from_utf8(rest).ok()?;
            Some(rest.split(';').next().unwrap_or("").trim().to_owned())
        })?;
        Some(Consent::new(
            self.inner.policy.clone(),
            Some(value),
            request.over_https(),
            self.now(),
            request.gpc(),
            request.region().map(str::to_owned),
        ))
    }

    /// Gates all the `Set-Cookie` values of a response (`set_cookies` lists them, in order, each
    /// time it is called) for the request's consent, or the consent the response itself sets
    /// (see [`Consentry::consent_after`]). `None` when every one passes, so the adapters leave
    /// the headers as they are; otherwise which to keep. Used by the framework adapters.
    #[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
    pub(crate) fn gate_response<'a, I>(
        &self,
        request: &Consent,
        set_cookies: impl Fn() -> I,
    ) -> Option<Kept>
    where
        I: Iterator<Item = &'a [u8]>,
    {
        let after = self.consent_after(request, set_cookies());
        let consent = after.as_ref().unwrap_or(request);
        let mut kept = Kept::default();
        for value in set_cookies() {
            kept.push(self.gate(consent, value));
        }
        (!kept.all()).then_some(kept)
    }

    /// Checks one `Set-Cookie` value and logs drops and warnings with `tracing` (cookie name
    /// and reason, never the value). Returns whether to keep it.
    ///
    /// Log levels: a cookie dropped because the visitor did not consent is the gate working,
    /// `INFO`. A cookie dropped because the app or the policy is wrong is logged where a
    /// default subscriber shows it, with the fix: undeclared or unparsable at `WARN`
    /// ("declare it in the policy's `cookies`"; a session cookie dropped this way is a
    /// sign-in that silently does nothing, see [`Consentry::expect_cookies`]), lacking the
    /// `HttpOnly` / `SameSite` its declaration gives at `ERROR`.
    pub fn gate(&self, consent: &Consent, set_cookie: &[u8]) -> bool {
        let (name, verdict) = check(&self.inner.policy, consent, set_cookie, |name| {
            self.inner.cookies.get(name)
        });
        let name = name.unwrap_or("<unparsable>");
        match &verdict {
            GateVerdict::Keep => {}
            GateVerdict::Warn(reason) => {
                tracing::warn!(cookie = name, %reason, "consentry: Set-Cookie passed with a warning");
            }
            GateVerdict::Drop(reason @ GateReason::NotGranted { .. }) => {
                tracing::info!(cookie = name, %reason, "consentry: dropped Set-Cookie");
            }
            GateVerdict::Drop(
                reason @ (GateReason::MissingHttpOnly | GateReason::WrongSameSite { .. }),
            ) => {
                tracing::error!(
                    cookie = name,
                    %reason,
                    "consentry: dropped Set-Cookie: it lacks an attribute its declaration in \
                     the policy gives; set the attribute where the app builds the cookie \
                     (AuthCookie sets them all)"
                );
            }
            GateVerdict::Drop(reason) => {
                tracing::warn!(
                    cookie = name,
                    %reason,
                    "consentry: dropped Set-Cookie the app set: declare it in the policy's \
                     `cookies` (a session or auth cookie in category `necessary`), or the \
                     browser never gets it"
                );
            }
        }
        verdict.keeps()
    }

    /// Checks, at start-up, that the policy declares each of these cookies in a required
    /// category (`necessary`), so the Set-Cookie gate lets them through without consent. Give
    /// your session and auth cookie names exactly as they are sent: an
    /// [`AuthCookie`](crate::AuthCookie) named `session` is sent as `__Host-session`.
    ///
    /// Without the declaration, the gate drops the cookie: sign-in answers 200 and sets
    /// nothing. Check when the server starts instead, and refuse to start:
    ///
    /// ```
    /// use consentry::Policy;
    /// use consentry_server::{Consentry, ExpectCookieError};
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let consentry = Consentry::new(policy).expect_cookies(["__Host-P4PMember", "__Host-csrf"])?;
    ///
    /// let err = consentry.clone().expect_cookies(["__Host-session"]).unwrap_err();
    /// assert!(matches!(err, ExpectCookieError::Undeclared { .. }));
    /// assert!(err.to_string().contains("declare it in the policy's \"cookies\""));
    /// let err = consentry.expect_cookies(["_ga"]).unwrap_err();
    /// assert!(matches!(err, ExpectCookieError::NotNecessary { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expect_cookies<I>(self, names: I) -> Result<Self, ExpectCookieError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        for name in names {
            let name = name.as_ref();
            if self.inner.policy.is_consent_cookie(name) || name == CSRF_COOKIE {
                continue;
            }
            match self.inner.cookies.get(name) {
                None => {
                    return Err(ExpectCookieError::Undeclared {
                        name: name.to_owned(),
                    })
                }
                Some(d) if !d.required => {
                    return Err(ExpectCookieError::NotNecessary {
                        name: name.to_owned(),
                        category: d.category.to_owned(),
                    })
                }
                Some(_) => {}
            }
        }
        Ok(self)
    }

    /// Is this request HTTPS? `transport_https` is what the server itself knows (TLS on the
    /// connection, never what the client wrote in the request line); `X-Forwarded-Proto`
    /// counts only when trusted, and then only the value the trusted proxy wrote (see
    /// [`Consentry::trust_forwarded_proto`]).
    ///
    /// The same answer decides HSTS and the scheme of the site's own origin, which the CSRF
    /// check compares the `Origin` header with (the consent adapters pass it on to the CSRF
    /// adapters; see [`Csrf::check`](crate::Csrf::check)).
    pub fn is_https<H: Headers + ?Sized>(&self, headers: &H, transport_https: bool) -> bool {
        transport_https
            || self.inner.assume_https
            || (self.inner.trust_forwarded_proto
                && forwarded_proto(headers, self.inner.proxy_hops)
                    .is_some_and(|v| v.eq_ignore_ascii_case(b"https")))
    }

    /// The HSTS header value to add, if the request is HTTPS and HSTS is on.
    pub fn hsts_for<H: Headers + ?Sized>(
        &self,
        headers: &H,
        transport_https: bool,
    ) -> Option<&str> {
        self.hsts_if(self.is_https(headers, transport_https))
            .map(HstsHeader::as_str)
    }

    /// The HSTS header to add to a response over HTTPS (`https`) or plain HTTP.
    pub(crate) fn hsts_if(&self, https: bool) -> Option<&HstsHeader> {
        self.inner.hsts.as_ref().filter(|_| https)
    }
}

/// A cookie [`Consentry::expect_cookies`] was given that the gate would drop. The message says
/// how to fix the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpectCookieError {
    /// The policy does not declare the cookie.
    Undeclared {
        /// The cookie's name.
        name: String,
    },
    /// The policy declares the cookie in a category the visitor can refuse.
    NotNecessary {
        /// The cookie's name.
        name: String,
        /// The category it is declared in.
        category: String,
    },
}

impl fmt::Display for ExpectCookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectCookieError::Undeclared { name } => {
                write!(
                    f,
                    "the policy does not declare the cookie `{name}`, so the Set-Cookie gate \
                     drops it (for a session cookie: sign-in silently does nothing); declare it \
                     in the policy's \"cookies\": {{ \"name\": \"{name}\", \"category\": \
                     \"necessary\", \"exemption\": \"authentication\", \"http_only\": true, \
                     \"same_site\": \"strict\" }}"
                )?;
                let prefix = crate::name::HOST_PREFIX;
                if !name
                    .get(..prefix.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
                {
                    write!(
                        f,
                        " (an AuthCookie named `{name}` is sent as `__Host-{name}`: give that \
                         name)"
                    )?;
                }
                Ok(())
            }
            ExpectCookieError::NotNecessary { name, category } => write!(
                f,
                "the policy declares the cookie `{name}` in the category `{category}`, which \
                 a visitor can refuse, so the Set-Cookie gate drops it without consent; \
                 declare it in a required category (`necessary`)"
            ),
        }
    }
}

impl std::error::Error for ExpectCookieError {}

/// The `X-Forwarded-Proto` value `hops` places from the right, across all the header's lines
/// (one comma-separated list, RFC 9110), empty elements skipped; `None` when there are fewer.
fn forwarded_proto<H: Headers + ?Sized>(headers: &H, hops: usize) -> Option<&[u8]> {
    fn values(line: &[u8]) -> impl Iterator<Item = &[u8]> {
        line.split(|b| *b == b',')
            .map(<[u8]>::trim_ascii)
            .filter(|v| !v.is_empty())
    }
    if hops == 0 {
        return None;
    }
    let mut count = 0;
    headers.each("x-forwarded-proto", &mut |line| {
        count += values(line).count()
    });
    let wanted = count.checked_sub(hops)?;
    let (mut i, mut found) = (0, None);
    headers.each("x-forwarded-proto", &mut |line| {
        for v in values(line) {
            if i == wanted {
                found = Some(v);
            }
            i += 1;
        }
    });
    found
}

/// Lets a `?Sized` header source be passed as `&dyn Headers`.
struct Adapter<'a, H: ?Sized>(&'a H);

impl<H: Headers + ?Sized> Headers for Adapter<'_, H> {
    fn each<'b>(&'b self, name: &str, f: &mut dyn FnMut(&'b [u8])) {
        self.0.each(name, f)
    }

    fn first(&self, name: &str) -> Option<&[u8]> {
        self.0.first(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap()
    }

    #[test]
    fn region_closure_survives_later_settings_on_a_shared_value() {
        let c = Consentry::new(policy()).region_with(|h| {
            h.first("x-geo")
                .map(|v| String::from_utf8_lossy(v).to_uppercase())
        });
        let _shared = c.clone();
        let c = c.without_hsts();
        let headers: &[(&str, &[u8])] = &[("x-geo", b"us")];
        let consent = c.consent(headers, false);
        assert_eq!(consent.region(), Some("US"));
        // US is opt-out in this policy: analytics on until refused.
        assert!(consent.allows("analytics"));
    }

    #[test]
    fn reuses_a_consent_only_for_identical_inputs() {
        let c = Consentry::new(policy()).region_header("x-geo");
        let mut last = None;
        let a: &[(&str, &[u8])] = &[("cookie", b"consentry=x"), ("x-geo", b"DE")];
        let first = c.consent_reusing(a, false, &mut last);
        let again = c.consent_reusing(a, false, &mut last);
        assert!(Arc::ptr_eq(&first.inner_arc(), &again.inner_arc()));
        for other in [
            &[("cookie", &b"consentry=y"[..]), ("x-geo", b"DE")][..],
            &[("cookie", b"consentry=x"), ("x-geo", b"US")],
            &[
                ("cookie", b"consentry=x"),
                ("x-geo", b"DE"),
                ("sec-gpc", b"1"),
            ],
            &[("x-geo", b"DE")],
        ] {
            let mut last = Some(first.clone());
            let next = c.consent_reusing(other, false, &mut last);
            assert!(!Arc::ptr_eq(&first.inner_arc(), &next.inner_arc()));
        }
    }

    #[test]
    fn a_consent_read_over_plain_http_is_not_reused_over_https() {
        let c = Consentry::new(policy());
        // The same value under both names: only the HTTPS decision tells the requests apart.
        let both: &[(&str, &[u8])] = &[("cookie", b"consentry=x; __Host-consentry=x")];
        let mut last = None;
        let plain = c.consent_reusing(both, false, &mut last);
        let https = c.consent_reusing(both, true, &mut last);
        assert!(!Arc::ptr_eq(&plain.inner_arc(), &https.inner_arc()));
        assert!(!plain.over_https() && https.over_https());
    }

    #[test]
    fn consent_reads_the_host_prefixed_name_when_the_request_is_https() {
        fn now() -> Timestamp {
            Timestamp(1_790_000_000)
        }
        let p = policy();
        let all = consentry::ConsentRecord::accept_all(
            &p,
            now(),
            consentry::ConsentId::from_random_bytes([1; 12]),
        )
        .encode();
        let c = Consentry::new(p).clock(now).trust_forwarded_proto(true);
        let plain = format!("consentry={all}");
        let host = format!("__Host-consentry={all}");
        for (cookie, proxy, tls, granted) in [
            (&plain, "http", false, true),
            (&plain, "https", false, false),
            (&plain, "http", true, false),
            (&host, "https", false, true),
            (&host, "http", true, true),
            (&host, "http", false, false),
        ] {
            let headers: &[(&str, &[u8])] = &[
                ("cookie", cookie.as_bytes()),
                ("x-forwarded-proto", proxy.as_bytes()),
            ];
            let consent = c.consent(headers, tls);
            assert_eq!(
                consent.allows("analytics"),
                granted,
                "{cookie} {proxy} {tls}"
            );
            assert_eq!(consent.over_https(), proxy == "https" || tls);
        }
        // The consent a response sets is looked for under the request's name.
        let https = c.consent(&[][..], true);
        let set_host = format!("__Host-consentry={all}; Path=/; Secure");
        let set_plain = format!("consentry={all}; Path=/");
        assert!(c.consent_after(&https, [set_plain.as_bytes()]).is_none());
        let after = c.consent_after(&https, [set_host.as_bytes()]).unwrap();
        assert!(after.allows("analytics") && after.over_https());
        let http = c.consent(&[][..], false);
        assert!(c.consent_after(&http, [set_host.as_bytes()]).is_none());
        assert!(c
            .consent_after(&http, [set_plain.as_bytes()])
            .unwrap()
            .allows("analytics"));
    }

    #[test]
    fn renews_an_unshared_consent_in_place_with_a_fresh_decision() {
        fn now() -> Timestamp {
            Timestamp(1_790_000_000)
        }
        let p = policy();
        let all = consentry::ConsentRecord::accept_all(
            &p,
            now(),
            consentry::ConsentId::from_random_bytes([1; 12]),
        )
        .encode();
        let c = Consentry::new(p).region_header("x-geo").clock(now);
        let cookie = format!("consentry={all}");
        let granted: &[(&str, &[u8])] = &[("cookie", cookie.as_bytes()), ("x-geo", b"US")];
        let refused: &[(&str, &[u8])] = &[("sec-gpc", b"1"), ("x-geo", b"DE")];
        let mut last = None;
        let first = c.consent_reusing(granted, false, &mut last);
        assert!(first.allows("analytics") && first.decision().record().is_some());
        let at = Arc::as_ptr(&first.inner_arc()).cast::<u8>();
        drop(first);
        let second = c.consent_reusing(refused, false, &mut last);
        assert_eq!(Arc::as_ptr(&second.inner_arc()).cast::<u8>(), at);
        assert!(!second.allows("analytics") && second.decision().record().is_none());
        assert_eq!((second.region(), second.gpc()), (Some("DE"), true));
        // Held elsewhere (a request still running): a new one, the held one unchanged.
        let third = c.consent_reusing(granted, false, &mut last);
        assert!(!Arc::ptr_eq(&second.inner_arc(), &third.inner_arc()));
        assert!(third.allows("analytics") && !second.allows("analytics"));
    }

    #[test]
    fn rejects_odd_region_hints_and_reads_gpc_strictly() {
        let c = Consentry::new(policy()).region_header("X-Geo");
        let headers: &[(&str, &[u8])] = &[("x-geo", b"US; drop table"), ("sec-gpc", b"true")];
        let consent = c.consent(headers, false);
        assert_eq!(consent.region(), None);
        assert!(!consent.gpc());
        assert!(!consent.allows("analytics"));
    }

    fn proto(lines: &[&[u8]], hops: usize) -> Option<String> {
        let headers: Vec<(&str, &[u8])> = lines.iter().map(|l| ("x-forwarded-proto", *l)).collect();
        forwarded_proto(&headers[..], hops).map(|v| String::from_utf8(v.to_vec()).unwrap())
    }

    #[test]
    fn forwarded_proto_is_read_from_the_right_across_header_lines() {
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(proto(&[], 1), None);
        assert_eq!(proto(&[b"https"], 1), some("https"));
        assert_eq!(proto(&[b"https, http"], 1), some("http"));
        assert_eq!(proto(&[b"https,http"], 1), some("http"));
        assert_eq!(proto(&[b"https", b"http"], 1), some("http"));
        assert_eq!(proto(&[b"http", b" HTTPS "], 1), some("HTTPS"));
        // Empty list elements (RFC 9110, section 5.6.1) are not values.
        assert_eq!(proto(&[b"http, https, ,"], 1), some("https"));
        assert_eq!(proto(&[b"http", b""], 1), some("http"));
        assert_eq!(proto(&[b" , "], 1), None);
        // Two proxies appending: the second value from the right is the outer proxy's.
        assert_eq!(proto(&[b"http, https, http"], 2), some("https"));
        assert_eq!(proto(&[b"https", b"http"], 2), some("https"));
        assert_eq!(proto(&[b"https, http", b"http"], 3), some("https"));
        // Fewer values than hops: the request did not come through the whole chain.
        assert_eq!(proto(&[b"https"], 2), None);
        // No hop trusted: no value.
        assert_eq!(proto(&[b"https"], 0), None);
        // Bytes that are not text are no `https`.
        assert_eq!(proto(&[b"\xff, https"], 1), some("https"));
    }

    #[test]
    fn a_client_cannot_claim_https_through_an_appending_proxy() {
        let c = Consentry::new(policy()).trust_forwarded_proto(true);
        let is = |lines: &[&[u8]], c: &Consentry| {
            let headers: Vec<(&str, &[u8])> =
                lines.iter().map(|l| ("x-forwarded-proto", *l)).collect();
            c.is_https(&headers[..], false)
        };
        assert!(!is(&[b"https, http"], &c));
        assert!(!is(&[b"https", b"http"], &c));
        assert!(is(&[b"http, https"], &c));
        assert!(is(&[b"https"], &c));
        let two = c.clone().trusted_proxy_hops(2);
        assert!(is(&[b"https, http"], &two));
        assert!(!is(&[b"https, http, http"], &two));
        assert!(!is(&[b"https"], &two));
        assert!(!is(&[b"https"], &c.clone().trusted_proxy_hops(0)));
        // Hops without trust: nothing.
        assert!(!is(
            &[b"https"],
            &Consentry::new(policy()).trusted_proxy_hops(1)
        ));
    }

    #[test]
    fn expect_cookies_names_the_cookie_and_the_fix() {
        let c = Consentry::new(policy());
        assert!(c
            .clone()
            .expect_cookies([
                "__Host-P4PMember",
                "__Host-P4PAdmin",
                "__Host-csrf",
                "consentry",
                "__Host-consentry"
            ])
            .is_ok());
        assert!(c.clone().expect_cookies(Vec::<String>::new()).is_ok());
        let err = c.clone().expect_cookies(["__Host-session"]).unwrap_err();
        assert_eq!(
            err,
            ExpectCookieError::Undeclared {
                name: "__Host-session".into()
            }
        );
        let text = err.to_string();
        assert!(text.contains("`__Host-session`") && text.contains("\"category\": \"necessary\""));
        assert!(!text.contains("is sent as"), "{text}");
        let bare = c
            .clone()
            .expect_cookies(["session"])
            .unwrap_err()
            .to_string();
        assert!(bare.contains("sent as `__Host-session`"), "{bare}");
        let err = c.expect_cookies(["__Host-P4PMember", "_ga_X"]).unwrap_err();
        assert_eq!(
            err,
            ExpectCookieError::NotNecessary {
                name: "_ga_X".into(),
                category: "analytics".into()
            }
        );
        assert!(err.to_string().contains("category `analytics`"));
    }

    #[test]
    fn hsts_needs_https_and_trust() {
        let headers: &[(&str, &[u8])] = &[("x-forwarded-proto", b"https")];
        let c = Consentry::new(policy());
        assert_eq!(c.hsts_for(headers, false), None);
        assert_eq!(
            c.hsts_for(headers, true),
            Some("max-age=31536000; includeSubDomains")
        );
        let trusting = c.clone().trust_forwarded_proto(true);
        assert!(trusting.hsts_for(headers, false).is_some());
        let plain: &[(&str, &[u8])] = &[("x-forwarded-proto", b"http")];
        assert_eq!(trusting.hsts_for(plain, false), None);
        assert_eq!(c.without_hsts().hsts_for(headers, true), None);
    }
}
