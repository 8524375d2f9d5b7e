//! The policy file model: categories, lawful bases, services and cookie declarations.
//!
//! A [`Policy`] is read from one JSON file and validated by [`Policy::validate`]. Browser and
//! server read the same file. Every field, default and validation rule is documented in
//! `docs/policy.md` in the repository.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::consent_mode::Signal;
use crate::map::SortedMap;
use crate::region::RegionProfile;
use crate::Pattern;

/// Id of the category that is always on and cannot be refused.
pub const NECESSARY: &str = "necessary";
/// Id of the category for preference and feature cookies.
pub const FUNCTIONAL: &str = "functional";
/// Id of the category for audience measurement (Google Analytics).
pub const ANALYTICS: &str = "analytics";
/// Id of the category for advertising, sale and sharing.
pub const MARKETING: &str = "marketing";

/// Default consent lifetime: about six months (CNIL).
pub const DEFAULT_CONSENT_MAX_AGE_DAYS: u32 = 182;
/// The longest a consent, or an analytics cookie, may live: 13 months.
pub const MAX_THIRTEEN_MONTHS_DAYS: u32 = 395;
/// Default name of the consent cookie.
pub const DEFAULT_COOKIE_NAME: &str = "consentry";

/// The whole policy file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Policy {
    /// Policy revision. Raise it whenever what visitors consent to changes: stored consent
    /// given under an older revision is no longer valid and the banner shows again.
    pub revision: u32,
    /// How long a consent or refusal is kept, in days. Default 182, at most 395 (13 months).
    #[serde(default = "default_max_age")]
    pub consent_max_age_days: u32,
    /// Name of the consent cookie. Default `consentry`. On a page served over HTTPS it is sent
    /// as `__Host-<cookie_name>` unless `cookie_domain` shares it (see
    /// [`Policy::consent_cookie_name`]).
    #[serde(default = "default_cookie_name")]
    pub cookie_name: String,
    /// Shares the consent with every host under this domain (`"example.com"`): the consent
    /// cookie is then written with `Domain=<cookie_domain>` under its plain name, also over
    /// HTTPS. The price: any host under that domain, including a sibling subdomain the site
    /// does not fully control, can plant a consent cookie every other host reads as the
    /// visitor's choice. Default: none, the cookie is host-only and `__Host-` on HTTPS, so
    /// no other host can write it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie_domain: Option<String>,
    /// Profile for visitors whose region is unknown or not listed in `regions`. Must be
    /// `opt-in` (the default): unknown regions are treated as strictly as the EEA.
    #[serde(default)]
    pub default_region: RegionProfile,
    /// Profiles per region code (`"US"`, `"US-CA"`). Regions that require opt-in by law
    /// (EEA, UK, Switzerland, Brazil, Quebec) cannot be set to `opt-out`.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub regions: SortedMap<RegionProfile>,
    /// Consent categories, in the order the banner lists them.
    pub categories: Categories,
    /// Third-party services (Google Analytics, …): who, why, which cookies and URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    /// First-party cookies not set by a service (auth, session, CSRF, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cookies: Vec<CookieDecl>,
    /// What the server does with a `Set-Cookie` the policy does not declare.
    #[serde(default)]
    pub undeclared_cookies: UndeclaredCookies,
    /// Where the browser posts receipts of decisions (`navigator.sendBeacon`), if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_endpoint: Option<String>,
    /// Banner texts per language tag (`en`, `de`, `fr-CA`). Missing texts fall back to
    /// English built-ins.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub texts: SortedMap<Texts>,
    /// Who is responsible for the processing (GDPR Art 4(7), 13(1)(a)-(b)): shown in the
    /// banner's second layer and in the notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<Controller>,
    /// How long the site keeps the receipts posted to `receipt_endpoint`, in days. Stated in
    /// the notice; the log's own retention setting should match it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_retention_days: Option<u32>,
}

/// The controller: who decides why and how visitors' data is processed, and how to reach them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Controller {
    /// Legal name, e.g. `P4P Packing Ltd`.
    pub name: String,
    /// How to reach them about privacy: an email address, a postal address or a URL.
    pub contact: String,
    /// Contact of the data protection officer, if one is appointed (GDPR Art 37).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpo: Option<String>,
}

impl Controller {
    /// Who is responsible (`name`) and how to reach them (`contact`), without a DPO.
    pub fn new(name: impl Into<String>, contact: impl Into<String>) -> Self {
        Controller {
            name: name.into(),
            contact: contact.into(),
            dpo: None,
        }
    }
}

impl Policy {
    /// Does Global Privacy Control opt out of the category with this id (one the policy counts
    /// as sale or sharing, [`Category::is_sale_or_sharing`])? `false` for an id the policy does
    /// not have. What a choice made with GPC on leaves out ([`ConsentRecord::apply_gpc`](crate::ConsentRecord::apply_gpc)).
    ///
    /// ```
    /// use consentry::Policy;
    /// let policy = Policy::read_json(r#"{ "revision": 1, "categories": {
    ///     "analytics": { "lawful_basis": "consent" }, "marketing": { "lawful_basis": "consent" } } }"#)?;
    /// assert!(policy.gpc_opts_out_of("marketing"));
    /// assert!(!policy.gpc_opts_out_of("analytics") && !policy.gpc_opts_out_of("unknown"));
    /// # Ok::<(), consentry::PolicyError>(())
    /// ```
    pub fn gpc_opts_out_of(&self, id: &str) -> bool {
        self.categories
            .get(id)
            .is_some_and(|c| c.is_sale_or_sharing(id))
    }

    /// An empty policy of this revision, every other setting at its default (as a policy file
    /// that says only `revision` and an empty `categories`): add the categories, services and
    /// cookies, then [`validate`](Policy::validate) it. Reading a policy file
    /// (`Policy::from_json`) is the usual way; this is for policies built in code.
    /// (`#[non_exhaustive]`: built this way rather than with a struct expression.)
    ///
    /// ```
    /// use consentry::{Category, LawfulBasis, Policy};
    /// let mut policy = Policy::new(1);
    /// let mut necessary = Category::new(LawfulBasis::Contract);
    /// necessary.required = true;
    /// policy.categories.0.push(("necessary".into(), necessary));
    /// policy.categories.0.push(("analytics".into(), Category::new(LawfulBasis::Consent)));
    /// assert!(policy.validate().is_ok());
    /// ```
    pub fn new(revision: u32) -> Self {
        Policy {
            revision,
            consent_max_age_days: default_max_age(),
            cookie_name: default_cookie_name(),
            cookie_domain: None,
            default_region: RegionProfile::default(),
            regions: SortedMap::default(),
            categories: Categories::default(),
            services: Vec::new(),
            cookies: Vec::new(),
            undeclared_cookies: UndeclaredCookies::default(),
            receipt_endpoint: None,
            texts: SortedMap::default(),
            controller: None,
            records_retention_days: None,
        }
    }
}

fn default_max_age() -> u32 {
    DEFAULT_CONSENT_MAX_AGE_DAYS
}

fn default_cookie_name() -> String {
    DEFAULT_COOKIE_NAME.into()
}

/// One consent category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Category {
    /// Always on, cannot be refused. Only for strictly necessary, exempt cookies.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// The lawful basis for processing in this category (GDPR Art 6(1)).
    pub lawful_basis: LawfulBasis,
    /// Google Consent Mode v2 signals this category controls. When absent, the standard
    /// mapping for the id is used (analytics → `analytics_storage`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_mode: Option<Vec<Signal>>,
    /// Whether Global Privacy Control opts out of this category (sale or sharing). Default:
    /// true for `marketing`, false otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_or_sharing: Option<bool>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Category {
    /// An optional category resting on `lawful_basis`, with the standard Consent Mode mapping
    /// for its id and the default GPC rule; set `required` for the necessary category.
    /// (`#[non_exhaustive]`: built this way rather than with a struct expression.)
    pub fn new(lawful_basis: LawfulBasis) -> Self {
        Category {
            required: false,
            lawful_basis,
            consent_mode: None,
            sale_or_sharing: None,
        }
    }

    /// Whether GPC opts out of this category, given its id.
    pub fn is_sale_or_sharing(&self, id: &str) -> bool {
        self.sale_or_sharing.unwrap_or(id == MARKETING)
    }
}

/// The categories of a policy, in file order.
///
/// Serialised as a JSON object; unlike a map type it keeps the order the site wrote, which is
/// the order the banner shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Categories(pub Vec<(String, Category)>);

impl Categories {
    /// The category with this id.
    // Not inlined into its callers: measured 44 B gzip smaller in the browser module.
    #[inline(never)]
    pub fn get(&self, id: &str) -> Option<&Category> {
        for (k, c) in &self.0 {
            if k == id {
                return Some(c);
            }
        }
        None
    }

    /// Ids and categories in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Category)> {
        self.0.iter().map(|(k, c)| (k.as_str(), c))
    }

    /// Ids of the categories a visitor can choose (everything not `required`).
    pub fn optional(&self) -> impl Iterator<Item = &str> {
        self.iter().filter(|(_, c)| !c.required).map(|(k, _)| k)
    }

    /// Number of categories.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Categories {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Categories {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Categories;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of categories")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Categories, A::Error> {
                let mut out: Vec<(String, Category)> = Vec::new();
                // Duplicates are kept so validation reports them (PolicyErrorKind::Duplicate).
                while let Some((k, v)) = map.next_entry::<String, Category>()? {
                    out.push((k, v));
                }
                Ok(Categories(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Lawful basis for processing, GDPR Art 6(1)(a)–(f).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LawfulBasis {
    /// Art 6(1)(a): the visitor's consent. The only basis for optional cookies.
    Consent,
    /// Art 6(1)(b): performance of a contract.
    Contract,
    /// Art 6(1)(c): a legal obligation.
    LegalObligation,
    /// Art 6(1)(d): vital interests.
    VitalInterests,
    /// Art 6(1)(e): a task in the public interest.
    PublicTask,
    /// Art 6(1)(f): legitimate interests.
    LegitimateInterests,
}

impl LawfulBasis {
    /// All bases, (a) to (f).
    pub const ALL: [LawfulBasis; 6] = [
        LawfulBasis::Consent,
        LawfulBasis::Contract,
        LawfulBasis::LegalObligation,
        LawfulBasis::VitalInterests,
        LawfulBasis::PublicTask,
        LawfulBasis::LegitimateInterests,
    ];

    /// The article, e.g. `Art. 6(1)(a)`.
    pub fn article(self) -> &'static str {
        match self {
            LawfulBasis::Consent => "Art. 6(1)(a)",
            LawfulBasis::Contract => "Art. 6(1)(b)",
            LawfulBasis::LegalObligation => "Art. 6(1)(c)",
            LawfulBasis::VitalInterests => "Art. 6(1)(d)",
            LawfulBasis::PublicTask => "Art. 6(1)(e)",
            LawfulBasis::LegitimateInterests => "Art. 6(1)(f)",
        }
    }

    /// A short English name, e.g. `Consent`.
    pub fn label(self) -> &'static str {
        match self {
            LawfulBasis::Consent => "Consent",
            LawfulBasis::Contract => "Contract",
            LawfulBasis::LegalObligation => "Legal obligation",
            LawfulBasis::VitalInterests => "Vital interests",
            LawfulBasis::PublicTask => "Public task",
            LawfulBasis::LegitimateInterests => "Legitimate interests",
        }
    }

    /// The snake_case names of [`LawfulBasis::ALL`], in order, separated by spaces: what
    /// [`LawfulBasis::as_str`] gives and the policy reader reads.
    pub(crate) const NAMES: &'static str =
        "consent contract legal_obligation vital_interests public_task legitimate_interests";

    /// The snake_case name used in the policy file.
    pub fn as_str(self) -> &'static str {
        // The reader's table rather than a `match` with a second copy of the names (with
        // `Signal::as_str`: 11 B gzip less in the browser module).
        crate::read::word(Self::NAMES, self as usize)
    }
}

/// Why a strictly necessary cookie needs no consent (ePrivacy Art 5(3), WP29 Opinion 04/2012).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Exemption {
    /// Keeps a signed-in user signed in.
    Authentication,
    /// Session state the visitor asked for (basket, form progress).
    Session,
    /// User-centric security, e.g. a CSRF token.
    #[serde(alias = "csrf")]
    Security,
    /// Load balancing.
    LoadBalancing,
    /// A UI preference the visitor set (language, layout).
    UiPreference,
    /// The consent cookie itself.
    ConsentRecord,
}

impl Exemption {
    /// A short English name.
    pub fn label(self) -> &'static str {
        match self {
            Exemption::Authentication => "authentication",
            Exemption::Session => "session",
            Exemption::Security => "security",
            Exemption::LoadBalancing => "load balancing",
            Exemption::UiPreference => "UI preference",
            Exemption::ConsentRecord => "consent record",
        }
    }
}

/// The `SameSite` attribute a cookie is expected to carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None` (needs `Secure`).
    None,
}

impl SameSite {
    /// The attribute value as written in `Set-Cookie` (`Strict`, `Lax`, `None`).
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// A third-party service: who receives data, why, which cookies it sets and which URLs it
/// loads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Service {
    /// Unique id, e.g. `google-analytics`.
    pub id: String,
    /// Category id the service belongs to.
    pub category: String,
    /// Who runs it (the sub-processor), e.g. `Google LLC`.
    pub provider: String,
    /// What it is for, in plain words.
    pub purpose: String,
    /// Link to the provider's privacy policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_policy_url: Option<String>,
    /// Script URL patterns: scripts matching them wait for consent to the category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<Pattern>,
    /// Iframe URL patterns: iframes matching them wait for consent to the category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iframes: Vec<Pattern>,
    /// Cookies it sets. Their category, provider and exemption default to the service's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cookies: Vec<CookieDecl>,
    /// For a service in `necessary` only: why it needs no consent (`security` for fraud
    /// prevention, `load_balancing`, `ui_preference`). Required there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<Exemption>,
    /// For a service in `necessary` only: one line saying why the visitor cannot do without
    /// it, shown in the notice. Required there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

impl Service {
    /// A service with its id, category, provider and purpose, and nothing else declared yet
    /// (no scripts, iframes or cookies): set the other fields as needed. (`#[non_exhaustive]`:
    /// built this way rather than with a struct expression.)
    ///
    /// ```
    /// use consentry::{CookieDecl, Pattern, Service};
    /// let mut ga = Service::new("google-analytics", "analytics", "Google LLC", "Measures traffic");
    /// ga.cookies.push(CookieDecl::new(Pattern::new("_ga")));
    /// assert!(ga.scripts.is_empty());
    /// ```
    pub fn new(
        id: impl Into<String>,
        category: impl Into<String>,
        provider: impl Into<String>,
        purpose: impl Into<String>,
    ) -> Self {
        Service {
            id: id.into(),
            category: category.into(),
            provider: provider.into(),
            purpose: purpose.into(),
            privacy_policy_url: None,
            scripts: Vec::new(),
            iframes: Vec::new(),
            cookies: Vec::new(),
            exemption: None,
            justification: None,
        }
    }
}

/// One cookie, or a family of cookies by pattern (`_ga_*`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CookieDecl {
    /// Exact name, or a pattern with `*` (`_ga_*`).
    pub name: Pattern,
    /// Category id. Required for top-level cookies; defaults to the service's category for
    /// service cookies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Who sets it; defaults to the service's provider, or to the site itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Lifetime in days; absent means a session cookie (deleted when the browser closes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_days: Option<u32>,
    /// For necessary cookies: why no consent is needed. Required there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<Exemption>,
    /// Whether the cookie is expected to be `HttpOnly` (checked by the server's gate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_only: Option<bool>,
    /// The `SameSite` it is expected to carry (checked by the server's gate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_site: Option<SameSite>,
    /// A persistent sign-in ("Keep me signed in"): set only when the visitor ticks that box
    /// at sign-in, which is their opt-in. Only for `authentication` cookies with a lifetime;
    /// an authentication or session cookie that outlives the browser session must say so.
    #[serde(default, skip_serializing_if = "is_false")]
    pub remember_me: bool,
}

impl CookieDecl {
    /// A declaration of `name` (exact, or a pattern such as `_ga_*`) with nothing else said:
    /// set the other fields as needed. (The type is `#[non_exhaustive]`: new fields may come
    /// in minor releases, so it is built this way rather than with a struct expression.)
    ///
    /// ```
    /// use consentry::{CookieDecl, Pattern};
    /// let mut ga = CookieDecl::new(Pattern::new("_ga"));
    /// ga.max_age_days = Some(395);
    /// assert_eq!(ga.category, None);
    /// ```
    pub fn new(name: Pattern) -> Self {
        CookieDecl {
            name,
            category: None,
            provider: None,
            purpose: None,
            max_age_days: None,
            exemption: None,
            http_only: None,
            same_site: None,
            remember_me: false,
        }
    }
}

/// What the server's Set-Cookie gate does with a cookie the policy does not declare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum UndeclaredCookies {
    /// Drop it (the default): nothing the policy does not list reaches the browser.
    #[default]
    Drop,
    /// Let it through and log a warning.
    Warn,
    /// Let it through silently.
    Allow,
}

/// Banner texts for one language. Every field is optional; missing ones fall back to the
/// policy's English texts and then to consentry's built-in English.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Texts {
    /// Banner heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// First-layer text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// "Accept all" button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_all: Option<String>,
    /// "Reject all" button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_all: Option<String>,
    /// "Preferences" button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<String>,
    /// "Save choices" button on the second layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// Placeholder text on a blocked iframe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    /// Label of the placeholder's button, followed by the category title ("Allow Analytics").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<String>,
    /// Link to the privacy policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_url: Option<String>,
    /// Label of the floating "Cookie settings" button shown after a choice on pages without a
    /// `data-consentry-open` element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<String>,
    /// Per-category title and description.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub categories: SortedMap<CategoryText>,
}

/// Title and description of a category in one language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CategoryText {
    /// Short name, e.g. "Analytics".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// One or two sentences on what it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A declaration resolved as [`Policy::cookies`] does.
pub(crate) fn resolve_cookie<'a>(
    decl: &'a CookieDecl,
    service: Option<&'a Service>,
) -> ResolvedCookie<'a> {
    match service {
        None => ResolvedCookie {
            decl,
            category: decl.category.as_deref().unwrap_or(""),
            provider: decl.provider.as_deref(),
            purpose: decl.purpose.as_deref(),
            service: None,
        },
        Some(s) => ResolvedCookie {
            decl,
            category: decl.category.as_deref().unwrap_or(&s.category),
            provider: Some(decl.provider.as_deref().unwrap_or(&s.provider)),
            purpose: Some(decl.purpose.as_deref().unwrap_or(&s.purpose)),
            service: Some(s),
        },
    }
}

/// The declarations of a policy in [`Policy::cookies`] order, each with the service that
/// declares it: one plain iterator rather than a chain of adapters, whose folds are large in
/// the browser module.
pub(crate) struct Decls<'a> {
    policy: &'a Policy,
    /// 0 for the top-level cookies, then 1 + the index of the service.
    group: usize,
    /// The next declaration within the group.
    index: usize,
}

impl<'a> Iterator for Decls<'a> {
    type Item = (&'a CookieDecl, Option<&'a Service>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (decls, service) = match self.group.checked_sub(1) {
                None => (&self.policy.cookies, None),
                Some(i) => {
                    let s = self.policy.services.get(i)?;
                    (&s.cookies, Some(s))
                }
            };
            if let Some(decl) = decls.get(self.index) {
                self.index += 1;
                return Some((decl, service));
            }
            self.group += 1;
            self.index = 0;
        }
    }
}

/// A cookie declaration with its service's defaults filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolvedCookie<'a> {
    /// The declaration as written.
    pub decl: &'a CookieDecl,
    /// Category id (own, or the service's).
    pub category: &'a str,
    /// Provider (own, the service's, or `None` for the site itself).
    pub provider: Option<&'a str>,
    /// Purpose (own, or the service's).
    pub purpose: Option<&'a str>,
    /// The service that sets it, if any.
    pub service: Option<&'a Service>,
}

impl ResolvedCookie<'_> {
    /// The name or pattern.
    pub fn name(&self) -> &Pattern {
        &self.decl.name
    }

    /// The exemption: the cookie's own, else its service's. A method rather than a field, so
    /// the browser module, which never reads it, does not work it out for every cookie.
    pub fn exemption(&self) -> Option<Exemption> {
        self.decl
            .exemption
            .or(self.service.and_then(|s| s.exemption))
    }
}

impl Policy {
    /// Every cookie the policy declares (top-level first, then each service's), with
    /// service defaults resolved. Cookies without a category resolve to `""`, which
    /// validation refuses.
    pub fn cookies(&self) -> impl Iterator<Item = ResolvedCookie<'_>> {
        self.decls()
            .map(|(decl, service)| resolve_cookie(decl, service))
    }

    /// The declarations in [`Policy::cookies`] order, each with the service that declares it.
    pub(crate) fn decls(&self) -> Decls<'_> {
        Decls {
            policy: self,
            group: 0,
            index: 0,
        }
    }

    /// The declaration that covers a cookie name: an exact name wins over a pattern, and a
    /// pattern with a longer literal prefix over a shorter one (`_ga_*` over `_g*`); among
    /// equals, the first declared.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::Policy;
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let ga = policy.cookie_for("_ga_ABC123").unwrap();
    /// assert_eq!((ga.category, ga.provider), ("analytics", Some("Google LLC")));
    /// assert_eq!(ga.name().as_str(), "_ga_*");
    /// assert_eq!(policy.cookie_for("__Host-P4PMember").unwrap().decl.http_only, Some(true));
    /// assert!(policy.cookie_for("tracker").is_none());
    /// # }
    /// ```
    pub fn cookie_for(&self, name: &str) -> Option<ResolvedCookie<'_>> {
        // Walks the declarations directly and resolves only the one that wins: this runs for
        // every Set-Cookie of every response the server gate sees.
        let mut best: Option<(&CookieDecl, Option<&Service>, usize)> = None;
        for (decl, service) in self.decls() {
            let p = decl.name.as_str();
            match p.bytes().position(|b| b == b'*') {
                // An exact name wins over every pattern: the walk ends with it as the best
                // (one call of `resolve_cookie` rather than two: measured 4 B gzip smaller).
                None => {
                    if p == name {
                        best = Some((decl, service, usize::MAX));
                        break;
                    }
                }
                Some(prefix_len) => {
                    if best.is_none_or(|(_, _, len)| len < prefix_len)
                        // `get` rather than slicing (always in bounds): keeps a panic path
                        // out of the browser module.
                        && p.as_bytes()
                            .get(..prefix_len)
                            .is_some_and(|pre| name.as_bytes().starts_with(pre))
                        && decl.name.matches(name)
                    {
                        best = Some((decl, service, prefix_len));
                    }
                }
            }
        }
        best.map(|(decl, service, _)| resolve_cookie(decl, service))
    }

    /// The category a script or iframe URL needs, if a service lists a matching pattern.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::Policy;
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let gtag = "https://www.googletagmanager.com/gtag/js?id=G-XXXX";
    /// assert_eq!(policy.category_for_url(gtag), Some("analytics"));
    /// assert_eq!(policy.category_for_url("https://cdn.example.test/app.js"), None);
    /// # }
    /// ```
    pub fn category_for_url(&self, url: &str) -> Option<&str> {
        self.services
            .iter()
            .find(|s| s.scripts.iter().chain(&s.iframes).any(|p| p.matches(url)))
            .map(|s| s.category.as_str())
    }

    /// True if the category is always on.
    pub fn is_required(&self, category: &str) -> bool {
        self.categories.get(category).is_some_and(|c| c.required)
    }

    /// True if the policy has any category a visitor could refuse. A policy without one
    /// needs no banner, only a notice.
    pub fn has_optional_categories(&self) -> bool {
        self.categories.optional().next().is_some()
    }

    /// The Consent Mode v2 signals a category controls (explicit, or the standard mapping).
    pub fn signals_for(&self, category: &str) -> &[Signal] {
        match self
            .categories
            .get(category)
            .and_then(|c| c.consent_mode.as_deref())
        {
            Some(s) => s,
            None => Signal::standard_for(category),
        }
    }
}
