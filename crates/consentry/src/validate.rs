//! Policy validation: refuses unlawful or broken policies with messages that say where and why.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::consent_mode::Signal;
use crate::policy::{
    resolve_cookie, Category, CookieDecl, Exemption, LawfulBasis, Policy, ResolvedCookie, SameSite,
    Service, ANALYTICS, MARKETING, MAX_THIRTEEN_MONTHS_DAYS, NECESSARY,
};
use crate::region::{requires_opt_in, RegionProfile};
use crate::Pattern;

/// Browsers cap a cookie's lifetime at 400 days (RFC 6265bis, R24).
const MAX_COOKIE_DAYS: u32 = 400;

/// What is wrong with a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// The file is not valid JSON or a field has the wrong type or an unknown name.
    Syntax,
    /// A required text (id, name, provider, purpose) is empty.
    Empty,
    /// The `necessary` category is missing, not `required`, or another category is required.
    Necessary,
    /// An analytics or marketing cookie or service is declared necessary (R2, R3).
    TrackingDeclaredNecessary,
    /// A necessary cookie names no exemption (R2).
    MissingExemption,
    /// An optional category rests on a basis other than consent (R8).
    OptionalWithoutConsent,
    /// An analytics cookie lives longer than 13 months (R13), or any cookie longer than the
    /// 400 days browsers allow (R24).
    CookieLifetimeTooLong,
    /// The consent lifetime is zero or over 13 months (R12).
    ConsentLifetime,
    /// A cookie or service names no category, or one that does not exist.
    UnknownCategory,
    /// Two categories, services or cookies share an id or name.
    Duplicate,
    /// A pattern matches every cookie name or URL.
    MatchesEverything,
    /// A marketing category lacks the Consent Mode v2 `ad_user_data` / `ad_personalization`
    /// signals.
    MissingAdSignals,
    /// A region that requires opt-in is set to opt-out, or unknown regions are not opt-in.
    Region,
    /// A name or id has characters it may not have.
    InvalidName,
    /// An authentication or session cookie is not declared `__Host-`, `http_only: true` and
    /// `same_site: "strict"` (R23).
    InsecureAuthCookie,
    /// The consent cookie of a choice over every category would be longer than
    /// [`MAX_ENCODED_LEN`](crate::MAX_ENCODED_LEN): too many or too long category ids.
    ConsentCookieTooLong,
    /// An authentication or session cookie outlives the browser session without being declared
    /// `remember_me`, or `remember_me` is declared where it does not apply (WP29 Opinion
    /// 04/2012 exempts session-length authentication only).
    PersistentLogin,
    /// A service in `necessary` lacks a one-line justification, declares no cookies, names an
    /// exemption a third party cannot have, or lists scripts or iframes for the gate.
    NecessaryService,
}

impl PolicyErrorKind {
    /// The kind's name in snake_case (`tracking_declared_necessary`), e.g. for an error
    /// message built without `core::fmt`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyErrorKind::Syntax => "syntax",
            PolicyErrorKind::Empty => "empty",
            PolicyErrorKind::Necessary => "necessary",
            PolicyErrorKind::TrackingDeclaredNecessary => "tracking_declared_necessary",
            PolicyErrorKind::MissingExemption => "missing_exemption",
            PolicyErrorKind::OptionalWithoutConsent => "optional_without_consent",
            PolicyErrorKind::CookieLifetimeTooLong => "cookie_lifetime_too_long",
            PolicyErrorKind::ConsentLifetime => "consent_lifetime",
            PolicyErrorKind::UnknownCategory => "unknown_category",
            PolicyErrorKind::Duplicate => "duplicate",
            PolicyErrorKind::MatchesEverything => "matches_everything",
            PolicyErrorKind::MissingAdSignals => "missing_ad_signals",
            PolicyErrorKind::Region => "region",
            PolicyErrorKind::InvalidName => "invalid_name",
            PolicyErrorKind::InsecureAuthCookie => "insecure_auth_cookie",
            PolicyErrorKind::ConsentCookieTooLong => "consent_cookie_too_long",
            PolicyErrorKind::PersistentLogin => "persistent_login",
            PolicyErrorKind::NecessaryService => "necessary_service",
        }
    }
}

/// An error in a policy file: where (a path like `services[2].cookies[0].name`), what kind, and
/// a message saying how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyError {
    kind: PolicyErrorKind,
    path: String,
    message: String,
}

impl PolicyError {
    pub(crate) fn new(
        kind: PolicyErrorKind,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        PolicyError {
            kind,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The kind of problem.
    pub fn kind(&self) -> PolicyErrorKind {
        self.kind
    }

    /// Where in the file: `services[2].cookies[0].name`, or `.` for the whole file.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong and how to fix it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl core::error::Error for PolicyError {}

/// True for a category, service or cookie id: `[a-z0-9_-]`, 1 to 32 characters.
fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// True for an RFC 6265 cookie name token, allowing `*` for patterns: visible ASCII except
/// the separators.
fn is_cookie_name_pattern(name: &str) -> bool {
    const SEPARATORS: &[u8] = b"()<>@,;:\\\"/[]?={}";
    name.bytes()
        .all(|b| b.is_ascii_graphic() && !SEPARATORS.contains(&b))
}

/// Starts with a prefix browsers give a meaning to (`__Host-`, `__Secure-`, in any case).
fn has_cookie_prefix(name: &str) -> bool {
    ["__host-", "__secure-"].iter().any(|p| {
        name.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })
}

/// A domain a cookie can be shared under: at least two labels of lowercase letters, digits and
/// `-`, not ending in a number (an IP address has no subdomains), at most 253 bytes.
fn is_cookie_domain(domain: &str) -> bool {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    domain.len() <= 253
        && domain.split('.').count() >= 2
        && domain.split('.').all(label_ok)
        && !domain
            .rsplit('.')
            .next()
            .is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()))
}

impl Policy {
    /// Every problem in the policy. Empty means the policy is valid. In a fixed order: the
    /// top-level settings, categories, services (with their cookies), top-level cookies,
    /// duplicate cookie names, texts; each in file order.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{Policy, PolicyErrorKind};
    /// let err = Policy::from_json(r#"{
    ///   "revision": 1,
    ///   "categories": {
    ///     "necessary": { "required": true, "lawful_basis": "contract" },
    ///     "analytics": { "lawful_basis": "legitimate_interests" }
    ///   }
    /// }"#).unwrap_err();
    /// assert_eq!(err.kind(), PolicyErrorKind::OptionalWithoutConsent);
    /// assert_eq!(err.path(), "categories.analytics.lawful_basis");
    /// # }
    /// ```
    pub fn problems(&self) -> Vec<PolicyError> {
        let mut out = Vec::new();
        self.check_top(&mut out);
        self.check_controller(&mut out);
        self.check_categories(&mut out);
        self.check_services(&mut out);
        self.check_cookies(&mut out);
        self.check_duplicate_cookies(&mut out);
        self.check_texts(&mut out);
        out
    }

    /// Ok if the policy is valid, else its first problem. See [`Policy::problems`] for all.
    pub fn validate(&self) -> Result<(), PolicyError> {
        match self.problems().into_iter().next() {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// Overrides every setting of the policy that would let something be stored or run
    /// without consent, and says whether it changed anything. For code that acts on a policy
    /// it has not validated (the browser module, where the rules with their messages would
    /// cost more than the banner): a policy that [`Policy::problems`] accepts is left as it
    /// is, and one it rejects can still not grant anything by itself.
    ///
    /// - Only `necessary` can be required: every other category needs consent.
    /// - A required category grants no Consent Mode signal but `security_storage`.
    /// - Visitors from unknown or unlisted regions get the opt-in profile, whatever
    ///   `default_region` says ([`Policy::profile_for`] already gives opt-in to the regions
    ///   whose law requires it, whatever `regions` says).
    /// - Consent lasts 1 to 395 days (13 months).
    ///
    /// Not covered here, because the policy does not say how to run a service: a service
    /// declared `necessary` must not be released on that ground (the browser's gate never
    /// releases it), and cookies declared in the wrong category are deleted on withdrawal
    /// as declared. Optional categories whose lawful basis is not consent are already granted
    /// only by consent ([`decide`](crate::decide) does not read the basis).
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{decide, Context, Policy, Timestamp};
    /// let mut policy = Policy::from_json_unchecked(r#"{
    ///   "revision": 1, "default_region": "opt-out",
    ///   "categories": {
    ///     "necessary": { "required": true, "lawful_basis": "contract" },
    ///     "analytics": { "required": true, "lawful_basis": "legitimate_interests" }
    ///   }
    /// }"#).unwrap();
    /// assert!(policy.harden());
    /// let ctx = Context { now: Timestamp(1_790_000_000), region: None, gpc: false };
    /// let d = decide(&policy, None, &ctx);
    /// assert!(d.allows("necessary") && !d.allows("analytics") && d.needs_prompt());
    /// assert!(!policy.harden(), "hardening twice changes nothing more");
    /// # }
    /// ```
    pub fn harden(&mut self) -> bool {
        let mut changed = self.default_region != RegionProfile::OptIn;
        self.default_region = RegionProfile::OptIn;
        let days = self.consent_max_age_days.clamp(1, MAX_THIRTEEN_MONTHS_DAYS);
        changed |= days != self.consent_max_age_days;
        self.consent_max_age_days = days;
        for (id, c) in &mut self.categories.0 {
            if c.required && id != NECESSARY {
                c.required = false;
                changed = true;
            }
            if let (true, Some(signals)) = (c.required, &mut c.consent_mode) {
                let n = signals.len();
                signals.retain(|s| *s == Signal::SecurityStorage);
                changed |= signals.len() != n;
            }
        }
        changed
    }

    /// The settings at the top of the file: consent lifetime, cookie name, regions.
    fn check_top(&self, out: &mut Vec<PolicyError>) {
        if self.consent_max_age_days == 0 || self.consent_max_age_days > MAX_THIRTEEN_MONTHS_DAYS {
            out.push(PolicyError::new(
                PolicyErrorKind::ConsentLifetime,
                "consent_max_age_days",
                format!(
                    "is {}; consent must be asked again within 13 months: use 1 to {MAX_THIRTEEN_MONTHS_DAYS} days (default 182)",
                    self.consent_max_age_days
                ),
            ));
        }
        if self.cookie_name.is_empty()
            || !is_cookie_name_pattern(&self.cookie_name)
            || self.cookie_name.contains('*')
        {
            out.push(PolicyError::new(
                PolicyErrorKind::InvalidName,
                "cookie_name",
                "must be a cookie name token (letters, digits, `-`, `_`)",
            ));
        } else if has_cookie_prefix(&self.cookie_name) {
            out.push(PolicyError::new(
                PolicyErrorKind::InvalidName,
                "cookie_name",
                "must not start with `__Host-` or `__Secure-`: give the plain name, consentry adds `__Host-` over HTTPS",
            ));
        }
        if let Some(domain) = &self.cookie_domain {
            if !is_cookie_domain(domain) {
                out.push(PolicyError::new(
                    PolicyErrorKind::InvalidName,
                    "cookie_domain",
                    "must be a domain name such as \"example.com\": lowercase letters, digits and `-` in at least two dot-separated labels, without a leading dot, not an IP address",
                ));
            }
        }
        // The longest record: every category granted, a ten-digit time (until the year 2286),
        // an id and the longest coverage; a refusal or a custom choice is no longer (`:0` for
        // `:1`). Too long, it could never be read back, and the visitor would be asked on
        // every page.
        let mut longest = crate::ConsentRecord::accept_all(
            self,
            crate::Timestamp(9_999_999_999),
            crate::ConsentId::from_random_bytes([0; 12]),
        );
        longest.coverage = Some(u32::MAX);
        let longest = longest.encode().len();
        if longest > crate::MAX_ENCODED_LEN {
            out.push(PolicyError::new(
                PolicyErrorKind::ConsentCookieTooLong,
                "categories",
                format!(
                    "the consent cookie would be {longest} bytes with every category chosen, over the {} allowed: use fewer or shorter category ids",
                    crate::MAX_ENCODED_LEN
                ),
            ));
        }
        if self.default_region != RegionProfile::OptIn {
            out.push(PolicyError::new(
                PolicyErrorKind::Region,
                "default_region",
                "must be \"opt-in\": visitors from unknown regions get the strictest profile; list opt-out regions under \"regions\"",
            ));
        }
        for (code, profile) in &self.regions {
            // As `profile_for` reads codes: one that is not ASCII would never match.
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                out.push(PolicyError::new(
                    PolicyErrorKind::Region,
                    format!("regions.{code}"),
                    "is not a region code: use an ISO 3166 code such as \"US\" or \"US-CA\" (letters, digits and `-`)",
                ));
            } else if *profile == RegionProfile::OptOut && requires_opt_in(code) {
                out.push(PolicyError::new(
                    PolicyErrorKind::Region,
                    format!("regions.{code}"),
                    "this region requires opt-in consent (EEA, UK, Switzerland, Brazil, Quebec); it cannot be \"opt-out\"",
                ));
            }
        }
    }

    /// The controller's name and contact.
    fn check_controller(&self, out: &mut Vec<PolicyError>) {
        let Some(c) = &self.controller else { return };
        let fields = [
            ("name", Some(&c.name)),
            ("contact", Some(&c.contact)),
            ("dpo", c.dpo.as_ref()),
        ];
        for (field, v) in fields {
            if v.is_some_and(|v| v.trim().is_empty()) {
                out.push(PolicyError::new(
                    PolicyErrorKind::Empty,
                    format!("controller.{field}"),
                    "must not be empty: visitors are told who is responsible and how to reach them (GDPR Art 13(1)(a)-(b))",
                ));
            }
        }
    }

    /// The `necessary` category, then each category in file order.
    fn check_categories(&self, out: &mut Vec<PolicyError>) {
        match self.categories.get(NECESSARY) {
            None => out.push(PolicyError::new(
                PolicyErrorKind::Necessary,
                "categories",
                "a \"necessary\" category is required: { \"required\": true, \"lawful_basis\": \"contract\" }",
            )),
            Some(c) if !c.required => out.push(PolicyError::new(
                PolicyErrorKind::Necessary,
                "categories.necessary.required",
                "the necessary category is always on: set \"required\": true",
            )),
            Some(_) => {}
        }
        for (i, (id, c)) in self.categories.iter().enumerate() {
            let path = format!("categories.{id}");
            let earlier = &self.categories.0[..i];
            if earlier.iter().any(|(other, _)| other == id) {
                out.push(PolicyError::new(
                    PolicyErrorKind::Duplicate,
                    &path,
                    format!("duplicate category id \"{id}\""),
                ));
            }
            if !is_valid_id(id) {
                out.push(PolicyError::new(
                    PolicyErrorKind::InvalidName,
                    &path,
                    "category ids use a-z, 0-9, `_` and `-`, at most 32 characters",
                ));
            }
            if c.required && id != NECESSARY {
                let kind = if id == ANALYTICS || id == MARKETING {
                    PolicyErrorKind::TrackingDeclaredNecessary
                } else {
                    PolicyErrorKind::Necessary
                };
                out.push(PolicyError::new(
                    kind,
                    format!("{path}.required"),
                    "only \"necessary\" can be required; every other category needs the visitor's consent",
                ));
            }
            if !c.required && c.lawful_basis != LawfulBasis::Consent {
                out.push(PolicyError::new(
                    PolicyErrorKind::OptionalWithoutConsent,
                    format!("{path}.lawful_basis"),
                    format!(
                        "is \"{}\", but cookies that are not strictly necessary need consent (ePrivacy 5(3)): use \"consent\"",
                        c.lawful_basis.as_str()
                    ),
                ));
            }
            if c.required && c.lawful_basis == LawfulBasis::Consent {
                out.push(PolicyError::new(
                    PolicyErrorKind::Necessary,
                    format!("{path}.lawful_basis"),
                    "a category that cannot be refused cannot rest on consent: use \"contract\" or \"legitimate_interests\"",
                ));
            }
            // Explicit or the standard mapping, as Consent Mode reads them.
            let signals = self.signals_for(id);
            if c.required && signals.iter().any(|s| *s != Signal::SecurityStorage) {
                // A required category's signals are always granted: it would grant analytics or
                // ad storage without consent.
                out.push(PolicyError::new(
                    PolicyErrorKind::TrackingDeclaredNecessary,
                    format!("{path}.consent_mode"),
                    "a required category may only control \"security_storage\"; analytics, ad and personalisation signals need consent",
                ));
            }
            let controls_ad_signals = signals.contains(&Signal::AdUserData)
                && signals.contains(&Signal::AdPersonalization);
            if id == MARKETING && !controls_ad_signals {
                out.push(PolicyError::new(
                    PolicyErrorKind::MissingAdSignals,
                    format!("{path}.consent_mode"),
                    "marketing must control the Consent Mode v2 signals \"ad_user_data\" and \"ad_personalization\" (with \"ad_storage\")",
                ));
            }
        }
    }

    /// Each service in file order, with its cookies.
    fn check_services(&self, out: &mut Vec<PolicyError>) {
        for (i, s) in self.services.iter().enumerate() {
            let path = format!("services[{i}]");
            if s.id.is_empty() {
                out.push(PolicyError::new(
                    PolicyErrorKind::Empty,
                    format!("{path}.id"),
                    "must not be empty",
                ));
            } else if !is_valid_id(&s.id) {
                out.push(PolicyError::new(
                    PolicyErrorKind::InvalidName,
                    format!("{path}.id"),
                    "service ids use a-z, 0-9, `_` and `-`, at most 32 characters",
                ));
            }
            if self.services[..i].iter().any(|o| o.id == s.id) {
                out.push(PolicyError::new(
                    PolicyErrorKind::Duplicate,
                    format!("{path}.id"),
                    format!("duplicate service id \"{}\"", s.id),
                ));
            }
            for (field, v) in [("provider", &s.provider), ("purpose", &s.purpose)] {
                if v.trim().is_empty() {
                    out.push(PolicyError::new(
                        PolicyErrorKind::Empty,
                        format!("{path}.{field}"),
                        "must not be empty: visitors are told who receives their data and why (GDPR Art 13)",
                    ));
                }
            }
            self.check_category_ref(&format!("{path}.category"), &s.category, out);
            if s.category == NECESSARY {
                check_necessary_service(&path, s, out);
            } else {
                for (field, set) in [
                    ("exemption", s.exemption.is_some()),
                    ("justification", s.justification.is_some()),
                ] {
                    if set {
                        out.push(PolicyError::new(
                            PolicyErrorKind::NecessaryService,
                            format!("{path}.{field}"),
                            format!("only a service in \"necessary\" has an exemption and a justification; \"{}\" is in \"{}\", which needs consent: remove \"{field}\"", s.id, s.category),
                        ));
                    }
                }
            }
            for (field, list) in [("scripts", &s.scripts), ("iframes", &s.iframes)] {
                for (j, p) in list.iter().enumerate() {
                    if url_pattern_matches_everything(p.as_str()) {
                        out.push(PolicyError::new(
                            PolicyErrorKind::MatchesEverything,
                            format!("{path}.{field}[{j}]"),
                            format!("\"{p}\" matches every URL: name the host, e.g. \"https://www.googletagmanager.com/gtag/js*\""),
                        ));
                    }
                }
            }
            for (j, c) in s.cookies.iter().enumerate() {
                let cat = c.category.as_deref().unwrap_or(&s.category);
                self.check_cookie(&format!("{path}.cookies[{j}]"), c, cat, Some(s), out);
            }
        }
    }

    /// The top-level cookies, which have no service to take a category from.
    fn check_cookies(&self, out: &mut Vec<PolicyError>) {
        for (i, c) in self.cookies.iter().enumerate() {
            let path = format!("cookies[{i}]");
            match c.category.as_deref() {
                None => out.push(PolicyError::new(
                    PolicyErrorKind::UnknownCategory,
                    format!("{path}.category"),
                    "a cookie must name its category (e.g. \"necessary\", \"analytics\")",
                )),
                Some(cat) => self.check_cookie(&path, c, cat, None, out),
            }
        }
    }

    /// The category a cookie or service names, or `None` after reporting that it names none
    /// or an unknown one.
    fn check_category_ref(
        &self,
        path: &str,
        cat: &str,
        out: &mut Vec<PolicyError>,
    ) -> Option<&Category> {
        if cat.is_empty() {
            out.push(PolicyError::new(
                PolicyErrorKind::UnknownCategory,
                path,
                "must name a category",
            ));
            return None;
        }
        let found = self.categories.get(cat);
        if found.is_none() {
            out.push(PolicyError::new(
                PolicyErrorKind::UnknownCategory,
                path,
                format!(
                    "unknown category \"{cat}\"; the policy defines: {}",
                    self.category_list()
                ),
            ));
        }
        found
    }

    /// One cookie declaration at `path`, in category `cat` (its own or its service's).
    fn check_cookie(
        &self,
        path: &str,
        c: &CookieDecl,
        cat: &str,
        service: Option<&Service>,
        out: &mut Vec<PolicyError>,
    ) {
        let service_category = service.map(|s| s.category.as_str());
        // A service's cookies take its exemption unless they name their own.
        let exemption = c.exemption.or(service.and_then(|s| s.exemption));
        let name = c.name.as_str();
        if name.is_empty() {
            out.push(PolicyError::new(
                PolicyErrorKind::Empty,
                format!("{path}.name"),
                "must not be empty",
            ));
        } else if c.name.matches_everything() {
            out.push(PolicyError::new(
                PolicyErrorKind::MatchesEverything,
                format!("{path}.name"),
                format!("\"{name}\" matches every cookie: name the cookie or a prefix such as \"_ga_*\""),
            ));
        } else if !is_cookie_name_pattern(name) {
            out.push(PolicyError::new(
                PolicyErrorKind::InvalidName,
                format!("{path}.name"),
                format!("\"{name}\" is not a cookie name (RFC 6265 token; `*` for patterns)"),
            ));
        }
        // A cookie that names no category of its own is reported where it is declared.
        let cat_path = if c.category.is_some() {
            format!("{path}.category")
        } else {
            String::from(path)
        };
        let Some(category) = self.check_category_ref(&cat_path, cat, out) else {
            return;
        };
        let tracking_service = service_category.is_some_and(|s| s == ANALYTICS || s == MARKETING);
        let looks_like_tracker = could_match_tracker_cookie(&c.name);
        if cat == NECESSARY {
            if tracking_service || looks_like_tracker {
                out.push(PolicyError::new(
                    PolicyErrorKind::TrackingDeclaredNecessary,
                    &cat_path,
                    format!("\"{name}\" is (or would match) an analytics or advertising cookie and cannot be strictly necessary (not exempt under ePrivacy 5(3)): declare it under \"analytics\" or \"marketing\""),
                ));
            } else if exemption.is_none() {
                out.push(PolicyError::new(
                    PolicyErrorKind::MissingExemption,
                    format!("{path}.exemption"),
                    format!("necessary cookie \"{name}\" must name its exemption: authentication, session, security, load_balancing, ui_preference or consent_record"),
                ));
            } else if matches!(
                exemption,
                Some(Exemption::Authentication | Exemption::Session)
            ) {
                check_auth_cookie(path, c, out);
                check_login_lifetime(path, c, exemption, out);
            }
        } else if c.exemption.is_some() && !category.required {
            // A cookie in an optional category with an exemption: several purposes, not all exempt.
            out.push(PolicyError::new(
                PolicyErrorKind::TrackingDeclaredNecessary,
                format!("{path}.exemption"),
                format!("\"{name}\" is in the optional category \"{cat}\"; a cookie is exempt only if every purpose is exempt: remove the exemption or split the cookie"),
            ));
        }
        if c.remember_me && !(cat == NECESSARY && exemption == Some(Exemption::Authentication)) {
            out.push(PolicyError::new(
                PolicyErrorKind::PersistentLogin,
                format!("{path}.remember_me"),
                format!("\"remember_me\" marks a persistent sign-in cookie; \"{name}\" is not a necessary cookie with the \"authentication\" exemption: remove it"),
            ));
        }
        // An absent lifetime is a session cookie, which ends with the browser session.
        if let Some(days) = c.max_age_days.filter(|d| *d > MAX_COOKIE_DAYS) {
            out.push(PolicyError::new(
                PolicyErrorKind::CookieLifetimeTooLong,
                format!("{path}.max_age_days"),
                format!("cookie \"{name}\" lives {days} days; browsers cap cookie lifetimes at {MAX_COOKIE_DAYS} days (RFC 6265bis): declare at most {MAX_COOKIE_DAYS}"),
            ));
        } else if let Some(days) = c.max_age_days.filter(|d| *d > MAX_THIRTEEN_MONTHS_DAYS) {
            if cat == ANALYTICS || looks_like_tracker {
                out.push(PolicyError::new(
                    PolicyErrorKind::CookieLifetimeTooLong,
                    format!("{path}.max_age_days"),
                    format!("analytics cookie \"{name}\" lives {days} days; analytics cookies may live at most 13 months ({MAX_THIRTEEN_MONTHS_DAYS} days)"),
                ));
            }
        }
    }

    /// Banner texts for categories the policy does not define.
    fn check_texts(&self, out: &mut Vec<PolicyError>) {
        for (lang, texts) in &self.texts {
            for id in texts.categories.keys() {
                if self.categories.get(id).is_none() {
                    out.push(PolicyError::new(
                        PolicyErrorKind::UnknownCategory,
                        format!("texts.{lang}.categories.{id}"),
                        format!(
                            "texts for unknown category \"{id}\"; the policy defines: {}",
                            self.category_list()
                        ),
                    ));
                }
            }
        }
    }

    /// The category ids for a message: `necessary, analytics`.
    fn category_list(&self) -> String {
        let known: Vec<&str> = self.categories.iter().map(|(k, _)| k).collect();
        known.join(", ")
    }

    /// A cookie name declared again is reported at every declaration after the first.
    fn check_duplicate_cookies(&self, out: &mut Vec<PolicyError>) {
        let cookies: Vec<(String, ResolvedCookie<'_>)> = self.cookies_with_paths().collect();
        for (k, (path, cookie)) in cookies.iter().enumerate() {
            let name = cookie.name();
            let Some((_, first)) = cookies[..k].iter().find(|(_, c)| c.name() == name) else {
                continue;
            };
            let message = if first.category == cookie.category {
                format!("cookie \"{name}\" is declared twice")
            } else {
                format!(
                    "cookie \"{name}\" is declared in \"{}\" and in \"{}\"; a cookie with several purposes is exempt only if all are: declare it once, in the strictest category",
                    first.category, cookie.category
                )
            };
            out.push(PolicyError::new(
                PolicyErrorKind::Duplicate,
                format!("{path}.name"),
                message,
            ));
        }
    }

    /// Every cookie declaration in [`Policy::cookies`] order, resolved, with its path.
    fn cookies_with_paths(&self) -> impl Iterator<Item = (String, ResolvedCookie<'_>)> {
        let top_level = self
            .cookies
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("cookies[{i}]"), resolve_cookie(c, None)));
        let of_services = self.services.iter().enumerate().flat_map(|(i, s)| {
            s.cookies.iter().enumerate().map(move |(j, c)| {
                let path = format!("services[{i}].cookies[{j}]");
                (path, resolve_cookie(c, Some(s)))
            })
        });
        top_level.chain(of_services)
    }
}

/// WP29 Opinion 04/2012 (3.2) exempts authentication for the length of a session. A sign-in
/// cookie that outlives it ("remember me") needs the visitor's opt-in, which the sign-in form's
/// unticked "Keep me signed in" box gives: it must be declared `remember_me`. A `session`
/// cookie with a lifetime is not a session cookie at all.
fn check_login_lifetime(
    path: &str,
    c: &CookieDecl,
    exemption: Option<Exemption>,
    out: &mut Vec<PolicyError>,
) {
    let name = c.name.as_str();
    match (c.max_age_days, exemption, c.remember_me) {
        (Some(days), Some(Exemption::Session), _) => out.push(PolicyError::new(
            PolicyErrorKind::PersistentLogin,
            format!("{path}.max_age_days"),
            format!("session cookie \"{name}\" lives {days} days; the session exemption covers cookies that end with the browser session: remove \"max_age_days\""),
        )),
        (Some(days), _, false) => out.push(PolicyError::new(
            PolicyErrorKind::PersistentLogin,
            format!("{path}.max_age_days"),
            format!("sign-in cookie \"{name}\" lives {days} days; only session-length sign-in is exempt (WP29 Opinion 04/2012): remove \"max_age_days\", or declare \"remember_me\": true and set it only when the visitor ticks \"Keep me signed in\""),
        )),
        (None, _, true) => out.push(PolicyError::new(
            PolicyErrorKind::PersistentLogin,
            format!("{path}.remember_me"),
            format!("\"{name}\" is a session cookie; \"remember_me\" is for a persistent sign-in: declare its \"max_age_days\" or remove \"remember_me\""),
        )),
        _ => {}
    }
}

/// A third-party service in `necessary` (Stripe's fraud prevention): an exemption a third
/// party can have, a one-line justification, its cookies declared, and no patterns for the
/// gate, which never releases a necessary service's (the site loads it directly).
fn check_necessary_service(path: &str, s: &Service, out: &mut Vec<PolicyError>) {
    let id = &s.id;
    match s.exemption {
        None => out.push(PolicyError::new(
            PolicyErrorKind::MissingExemption,
            format!("{path}.exemption"),
            format!("necessary service \"{id}\" must name its exemption (\"security\" for fraud prevention, \"load_balancing\", \"ui_preference\") and a \"justification\", or move to an optional category"),
        )),
        Some(e @ (Exemption::Authentication | Exemption::Session | Exemption::ConsentRecord)) => {
            out.push(PolicyError::new(
                PolicyErrorKind::NecessaryService,
                format!("{path}.exemption"),
                format!("a third-party service cannot hold the \"{}\" exemption: the site's own sign-in, session and consent cookies are declared under \"cookies\"", e.label()),
            ))
        }
        Some(_) => {}
    }
    match s.justification.as_deref().map(str::trim) {
        None | Some("") => out.push(PolicyError::new(
            PolicyErrorKind::NecessaryService,
            format!("{path}.justification"),
            format!("necessary service \"{id}\" must say in one line why visitors cannot do without it (e.g. \"Card payments need Stripe's fraud checks\")"),
        )),
        Some(j) if j.contains(['\n', '\r']) || j.chars().count() > 200 => {
            out.push(PolicyError::new(
                PolicyErrorKind::NecessaryService,
                format!("{path}.justification"),
                "must be one line of at most 200 characters",
            ))
        }
        Some(_) => {}
    }
    if s.cookies.is_empty() {
        out.push(PolicyError::new(
            PolicyErrorKind::NecessaryService,
            format!("{path}.cookies"),
            format!("necessary service \"{id}\" must declare every cookie it sets: nothing undeclared is exempt"),
        ));
    }
    for (field, list) in [("scripts", &s.scripts), ("iframes", &s.iframes)] {
        if !list.is_empty() {
            out.push(PolicyError::new(
                PolicyErrorKind::NecessaryService,
                format!("{path}.{field}"),
                "the browser's gate never releases a necessary service's scripts or iframes: load them directly and remove the patterns",
            ));
        }
    }
}

/// R23: authentication and session cookies are `__Host-` (so `Secure`, `Path=/`, no
/// `Domain`), `HttpOnly` and `SameSite=Strict`. Browsers match the prefix
/// case-insensitively, and so does this check.
fn check_auth_cookie(path: &str, c: &CookieDecl, out: &mut Vec<PolicyError>) {
    let name = c.name.as_str();
    let n = crate::HOST_PREFIX.len();
    let prefixed =
        name.len() > n && name.as_bytes()[..n].eq_ignore_ascii_case(crate::HOST_PREFIX.as_bytes());
    if !prefixed {
        out.push(PolicyError::new(
            PolicyErrorKind::InsecureAuthCookie,
            format!("{path}.name"),
            format!("authentication and session cookies must use the `__Host-` prefix (Secure, Path=/, no Domain): rename \"{name}\" to \"__Host-{name}\""),
        ));
    }
    if c.http_only != Some(true) {
        out.push(PolicyError::new(
            PolicyErrorKind::InsecureAuthCookie,
            format!("{path}.http_only"),
            format!("authentication and session cookie \"{name}\" must be HttpOnly so scripts cannot steal it: declare \"http_only\": true"),
        ));
    }
    if c.same_site != Some(SameSite::Strict) {
        out.push(PolicyError::new(
            PolicyErrorKind::InsecureAuthCookie,
            format!("{path}.same_site"),
            format!("authentication and session cookie \"{name}\" must be SameSite=Strict: declare \"same_site\": \"strict\""),
        ));
    }
}

/// Cookie names that are always analytics or advertising, whatever a policy calls them.
const TRACKER_NAMES: &[&str] = &[
    "_ga", "_gid", "_gat", "_fbp", "_fbc", "IDE", "_uetsid", "_uetvid", "_clck", "_clsk",
];
/// Name prefixes that are always analytics or advertising.
const TRACKER_PREFIXES: &[&str] = &["_ga_", "_gat_", "_gcl_", "__utm", "_hj"];

#[cfg(test)]
fn is_known_tracker_cookie(name: &str) -> bool {
    TRACKER_NAMES.contains(&name) || TRACKER_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// True if the name, or any name the pattern matches, is a known analytics or advertising
/// cookie: `_ga`, `_ga_*`, but also `_ga*`, `_g*` or `*_ga` declared necessary would let
/// Google Analytics cookies through as necessary.
fn could_match_tracker_cookie(name: &Pattern) -> bool {
    if TRACKER_NAMES.iter().any(|t| name.matches(t)) {
        return true;
    }
    // A pattern `f*…` matches some name starting with prefix `p` iff `f` and `p` agree on
    // their common length: the first `*` can absorb the rest of `p`. A name without `*`
    // must start with `p`.
    let name = name.as_str();
    let (first, wildcard) = match name.split_once('*') {
        Some((first, _)) => (first, true),
        None => (name, false),
    };
    TRACKER_PREFIXES
        .iter()
        .any(|p| first.starts_with(p) || (wildcard && p.starts_with(first)))
}

/// A URL pattern matches (nearly) everything when its literal text (the pattern without its
/// `*`s) names no host or path: it is all or part of a scheme (`http`, `https:/`), or a scheme
/// (or nothing) followed by separators only (`https://`, `*://*/*`).
fn url_pattern_matches_everything(p: &str) -> bool {
    let literal = p.replace('*', "");
    let separators_only = |s: &str| s.bytes().all(|b| matches!(b, b'/' | b'.' | b':'));
    ["https://", "http://", ""].iter().any(|scheme| {
        scheme.starts_with(literal.as_str())
            || literal.strip_prefix(scheme).is_some_and(separators_only)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracker_names() {
        assert!(is_known_tracker_cookie("_ga"));
        assert!(is_known_tracker_cookie("_ga_ABC"));
        assert!(is_known_tracker_cookie("_gcl_au"));
        assert!(!is_known_tracker_cookie("P4PMember"));
        assert!(!is_known_tracker_cookie("_game"));
    }

    #[test]
    fn tracker_patterns() {
        let m = |p: &str| could_match_tracker_cookie(&Pattern::new(p));
        assert!(m("_ga"));
        assert!(m("_ga*"));
        assert!(m("_g*"));
        assert!(m("*_ga"));
        assert!(m("_ga_*"));
        assert!(m("__utmz"));
        assert!(m("*SESS*"));
        assert!(!m("__Host-P4PMember"));
        assert!(!m("PROE_*"));
        assert!(!m("_game"));
    }

    /// The earlier implementation: scheme by scheme, then separators.
    fn reference_url_pattern_matches_everything(p: &str) -> bool {
        let is_separator = |b: u8| matches!(b, b'/' | b'.' | b':');
        let literal = || p.bytes().filter(|b| *b != b'*');
        for scheme in [&b"https://"[..], b"http://"] {
            let mut rest = literal();
            let mut scheme = scheme.iter();
            loop {
                match (rest.next(), scheme.next()) {
                    (None, _) => return true,
                    (Some(b), Some(s)) if b == *s => {}
                    (Some(b), None) => return is_separator(b) && rest.all(is_separator),
                    (Some(_), Some(_)) => break,
                }
            }
        }
        literal().all(is_separator)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 5_000, failure_persistence: None, ..Default::default() })]
        #[test]
        fn url_patterns_as_the_reference(
            pieces in proptest::collection::vec(
                proptest::sample::select(&["https://", "http://", "http", "s", "h", ":", "/", ".", "*", "x"][..]),
                0..6,
            ),
        ) {
            let p = pieces.concat();
            proptest::prop_assert_eq!(
                url_pattern_matches_everything(&p),
                reference_url_pattern_matches_everything(&p),
                "{}", p
            );
        }
    }

    #[test]
    fn url_patterns() {
        assert!(url_pattern_matches_everything("*"));
        assert!(url_pattern_matches_everything("https://*"));
        assert!(url_pattern_matches_everything("http*"));
        assert!(!url_pattern_matches_everything(
            "https://www.googletagmanager.com/*"
        ));
        assert!(url_pattern_matches_everything("*://*/*"));
        assert!(!url_pattern_matches_everything("*.doubleclick.net/*"));
        assert!(!url_pattern_matches_everything("/js/tracker.js"));
    }
}
