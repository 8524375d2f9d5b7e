//! Consent state and decisions.
//!
//! A [`ConsentRecord`] is what a visitor chose (stored in the consent cookie). [`decide`] turns
//! a policy, the stored cookie value and the request [`Context`] into a [`Decision`]: which
//! categories are allowed now and whether to ask. Everything fails closed: no consent, a
//! malformed, expired or stale cookie all mean "only necessary" and a prompt.
//!
//! Time is passed in ([`Timestamp`]); nothing here reads a clock.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};

use crate::codec::{CategorySet, CookieError, Decoded};
use crate::policy::Policy;
use crate::region::RegionProfile;

/// Seconds since the Unix epoch, UTC.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// This time plus a number of days.
    pub fn plus_days(self, days: u32) -> Timestamp {
        Timestamp(self.0.saturating_add(i64::from(days) * 86_400))
    }

    /// RFC 3339 in UTC, e.g. `2026-11-24T09:48:19Z`.
    ///
    /// ```
    /// use consentry::Timestamp;
    /// assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
    /// assert_eq!(Timestamp(1_795_513_699).to_rfc3339(), "2026-11-24T09:48:19Z");
    /// ```
    pub fn to_rfc3339(self) -> String {
        // Civil-from-days (H. Hinnant): exact for the proleptic Gregorian calendar.
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        alloc::format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// A random, pseudonymous id for one consent: 16 characters of `[A-Za-z0-9_-]`.
///
/// The core reads no random source: make one from 12 random bytes.
///
/// ```
/// use consentry::ConsentId;
/// let id = ConsentId::from_random_bytes([7; 12]);
/// assert_eq!(id.as_str().len(), 16);
/// assert_eq!(ConsentId::parse(id.as_str()), Some(id));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConsentId([u8; 16]);

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

impl ConsentId {
    /// Encodes 12 random bytes as 16 base64url characters.
    pub fn from_random_bytes(bytes: [u8; 12]) -> Self {
        // Six bits at a time from a 24-bit window of three bytes, with every index known in
        // bounds (`b + 2` is at most 11, so `% 12` changes nothing but proves it): smaller in
        // the browser module than `chunks(3)` and its bounds checks.
        let mut out = [0u8; 16];
        let mut n: u32 = 0;
        for (k, c) in out.iter_mut().enumerate() {
            if k % 4 == 0 {
                let b = k / 4 * 3;
                n = (u32::from(bytes[b % 12]) << 16)
                    | (u32::from(bytes[(b + 1) % 12]) << 8)
                    | u32::from(bytes[(b + 2) % 12]);
            }
            *c = B64URL[((n >> (18 - 6 * (k % 4))) & 63) as usize];
        }
        ConsentId(out)
    }

    /// Parses 16 base64url characters.
    pub fn parse(s: &str) -> Option<Self> {
        Self::parse_bytes(s.as_bytes())
    }

    /// [`ConsentId::parse`] on bytes, for the cookie decoder.
    pub(crate) fn parse_bytes(b: &[u8]) -> Option<Self> {
        if b.len() != 16
            || !b
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        {
            return None;
        }
        let mut out = [0u8; 16];
        out.copy_from_slice(b);
        Some(ConsentId(out))
    }

    /// Appends the id's 16 characters to `out`: what [`ConsentId::as_str`] gives, without the
    /// UTF-8 check (which the browser module would otherwise carry).
    ///
    /// ```
    /// let id = consentry::ConsentId::from_random_bytes([7; 12]);
    /// let mut s = String::from("id=");
    /// id.push_to(&mut s);
    /// assert_eq!(s, format!("id={}", id.as_str()));
    /// ```
    pub fn push_to(&self, out: &mut String) {
        // A plain loop of `push` rather than `extend` over a `map`: measured 39 B gzip smaller.
        for &b in &self.0 {
            out.push(char::from(b));
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ever built from B64URL bytes.
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Debug for ConsentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConsentId({})", self.as_str())
    }
}

impl fmt::Display for ConsentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ConsentId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ConsentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ConsentId::parse(&s)
            .ok_or_else(|| serde::de::Error::custom("consent id must be 16 base64url characters"))
    }
}

/// How a decision was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Method {
    /// "Accept all" on the banner.
    AcceptAll,
    /// "Reject all" on the banner.
    RejectAll,
    /// Per-category choices saved from the preferences.
    Custom,
    /// Global Privacy Control applied the opt-out of sale and sharing (never a consent).
    Gpc,
    /// The visitor withdrew an earlier consent.
    Withdrawal,
}

impl Method {
    /// One-letter code used in the consent cookie.
    pub fn code(self) -> char {
        match self {
            Method::AcceptAll => 'a',
            Method::RejectAll => 'r',
            Method::Custom => 'c',
            Method::Gpc => 'g',
            Method::Withdrawal => 'w',
        }
    }

    /// The method for a one-letter cookie code.
    pub fn from_code(c: char) -> Option<Method> {
        Some(match c {
            'a' => Method::AcceptAll,
            'r' => Method::RejectAll,
            'c' => Method::Custom,
            'g' => Method::Gpc,
            'w' => Method::Withdrawal,
            _ => return None,
        })
    }
}

/// An error building a record from a visitor's choice.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChoiceError {
    /// The category is not in the policy.
    UnknownCategory(String),
}

impl fmt::Display for ChoiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChoiceError::UnknownCategory(c) => write!(f, "unknown consent category \"{c}\""),
        }
    }
}

impl core::error::Error for ChoiceError {}

/// What a visitor chose: the content of the consent cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsentRecord {
    /// Policy revision the choice was made under.
    pub revision: u32,
    /// When it was made.
    pub decided_at: Timestamp,
    /// Pseudonymous id linking the cookie to its receipt.
    pub id: ConsentId,
    /// How it was made.
    pub method: Method,
    /// Every optional category of the policy with its choice, in policy order.
    pub choices: Vec<(String, bool)>,
    /// What the granted categories covered when the choice was made ([`Policy::coverage`]):
    /// a consent does not silently extend to a vendor added to its categories later. `None`
    /// when nothing optional is granted, and for a record built with
    /// [`ConsentRecord::from_parts`] or read from a cookie written without it, which holds as
    /// before.
    pub coverage: Option<u32>,
}

impl ConsentRecord {
    /// A record from its parts, as the consent cookie holds them, without a coverage
    /// ([`ConsentRecord::coverage`]; set the field to add one). Nothing is checked against a
    /// policy here ([`ConsentRecord::new`] does): [`decide`] checks a record when it reads it.
    /// (`#[non_exhaustive]`: built this way rather than with a struct expression.)
    ///
    /// ```
    /// use consentry::{ConsentId, ConsentRecord, Method, Timestamp};
    /// let r = ConsentRecord::from_parts(3, Timestamp(1_790_000_000), ConsentId::from_random_bytes([1; 12]),
    ///                                   Method::Custom, vec![("analytics".into(), true)]);
    /// assert!(r.granted("analytics"));
    /// ```
    pub fn from_parts(
        revision: u32,
        decided_at: Timestamp,
        id: ConsentId,
        method: Method,
        choices: Vec<(String, bool)>,
    ) -> Self {
        ConsentRecord {
            revision,
            decided_at,
            id,
            method,
            choices,
            coverage: None,
        }
    }

    /// A record granting the listed optional categories and refusing the others.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{ConsentId, ConsentRecord, Method, Policy, Timestamp};
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let id = ConsentId::from_random_bytes([1; 12]);
    /// let r = ConsentRecord::new(&policy, &["analytics"], Method::Custom, Timestamp(1_700_000_000), id).unwrap();
    /// assert!(r.granted("analytics"));
    /// assert!(ConsentRecord::new(&policy, &["ads"], Method::Custom, Timestamp(0), id).is_err());
    /// # }
    /// ```
    pub fn new(
        policy: &Policy,
        granted: &[&str],
        method: Method,
        now: Timestamp,
        id: ConsentId,
    ) -> Result<Self, ChoiceError> {
        if let Some(bad) = granted.iter().find(|g| policy.categories.get(g).is_none()) {
            return Err(ChoiceError::UnknownCategory((*bad).into()));
        }
        Ok(Self::build(policy, Some(granted), false, method, now, id))
    }

    /// Everything granted ("Accept all").
    pub fn accept_all(policy: &Policy, now: Timestamp, id: ConsentId) -> Self {
        Self::with_all(policy, true, Method::AcceptAll, now, id)
    }

    /// Everything optional refused ("Reject all").
    pub fn reject_all(policy: &Policy, now: Timestamp, id: ConsentId) -> Self {
        Self::with_all(policy, false, Method::RejectAll, now, id)
    }

    /// Everything optional refused after a consent was withdrawn.
    pub fn withdrawal(policy: &Policy, now: Timestamp, id: ConsentId) -> Self {
        Self::with_all(policy, false, Method::Withdrawal, now, id)
    }

    fn with_all(policy: &Policy, on: bool, method: Method, now: Timestamp, id: ConsentId) -> Self {
        Self::build(policy, None, on, method, now, id)
    }

    /// Every optional category of the policy, in policy order, granted if `granted` lists it
    /// (or, without a list, if `all`). One non-generic body for every constructor.
    fn build(
        policy: &Policy,
        granted: Option<&[&str]>,
        all: bool,
        method: Method,
        now: Timestamp,
        id: ConsentId,
    ) -> Self {
        // The granted categories as a set of indices, then the record as a decoded cookie
        // builds it: one loop that clones the ids in the browser module rather than two.
        let mut granted_set = CategorySet::default();
        for (i, (c, _)) in policy.categories.0.iter().enumerate() {
            if granted.map_or(all, |g| g.contains(&c.as_str())) {
                granted_set.insert(i);
            }
        }
        Decoded {
            revision: policy.revision,
            decided_at: now,
            id,
            method,
            coverage: policy.coverage_of(&granted_set),
            granted: granted_set,
        }
        .into_record(policy)
    }

    /// Was this optional category granted?
    pub fn granted(&self, category: &str) -> bool {
        self.choices.iter().any(|(c, on)| c == category && *on)
    }

    /// Refuses in this record what Global Privacy Control opts out of: every category the
    /// policy counts as sale or sharing
    /// ([`Category::is_sale_or_sharing`](crate::Category::is_sale_or_sharing)). For a choice
    /// made while the visitor's browser sends GPC: [`decide`] denies those categories whatever
    /// a record grants, so a record made this way grants exactly what runs, in the page where
    /// the choice is made and on every later page (R17: GPC is never overridden by a click on
    /// "Accept all"; the receipt then records the refusal). The record is made again against
    /// `policy`: its revision, and the coverage of what stays granted.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{ConsentId, ConsentRecord, Policy, Timestamp};
    /// let policy = Policy::from_json(r#"{"revision": 1, "categories": {
    ///     "necessary": {"required": true, "lawful_basis": "contract"},
    ///     "analytics": {"lawful_basis": "consent"},
    ///     "marketing": {"lawful_basis": "consent"}}}"#).unwrap();
    /// let mut r = ConsentRecord::accept_all(&policy, Timestamp(1_790_000_000), ConsentId::from_random_bytes([1; 12]));
    /// r.apply_gpc(&policy);
    /// assert!(r.granted("analytics"));
    /// assert!(!r.granted("marketing"));
    /// # }
    /// ```
    pub fn apply_gpc(&mut self, policy: &Policy) {
        // Made again from what stays granted, so the coverage is of that.
        let mut kept = Vec::new();
        for (id, on) in &self.choices {
            if *on && !policy.gpc_opts_out_of(id) {
                kept.push(id.as_str());
            }
        }
        *self = Self::build(
            policy,
            Some(&kept),
            false,
            self.method,
            self.decided_at,
            self.id,
        );
    }

    /// When this record stops being valid under the policy.
    pub fn expires_at(&self, policy: &Policy) -> Timestamp {
        self.decided_at.plus_days(policy.consent_max_age_days)
    }
}

/// What the visitor's request tells about them, apart from the consent cookie.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context<'a> {
    /// The current time.
    pub now: Timestamp,
    /// Region code from the site (`"DE"`, `"US-CA"`); `None` when unknown.
    pub region: Option<&'a str>,
    /// Global Privacy Control: `Sec-GPC: 1` or `navigator.globalPrivacyControl`.
    pub gpc: bool,
}

/// Why a stored consent is or is not in force.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// A current, valid record.
    Valid,
    /// No consent cookie.
    Missing,
    /// The cookie could not be read; treated as no consent.
    Invalid(CookieError),
    /// The record is older than the consent lifetime.
    Expired,
    /// The record was made under an older policy revision.
    StaleRevision,
    /// A category the record grants has a service or provider it did not have when the
    /// choice was made ([`Policy::coverage`]): asked again, as for a new revision.
    CoverageChanged,
    /// The record claims to be from the future (clock or tampering); treated as no consent.
    FromFuture,
}

/// The decision for one page view or request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    profile: RegionProfile,
    status: Status,
    record: Option<ConsentRecord>,
    allowed: Vec<String>,
    gpc_applied: bool,
    needs_prompt: bool,
}

impl Decision {
    /// May cookies and scripts of this category run? Required categories always may;
    /// unknown categories never.
    pub fn allows(&self, category: &str) -> bool {
        self.allowed.iter().any(|c| c == category)
    }

    /// Every allowed category id (including required ones), in policy order.
    pub fn allowed(&self) -> &[String] {
        &self.allowed
    }

    /// Should the banner ask? True when there is no valid choice (missing, malformed,
    /// expired, older revision, or only a GPC opt-out outside the opt-out profile) and the
    /// policy has something to ask about. Under the opt-out profile GPC decides without
    /// asking.
    pub fn needs_prompt(&self) -> bool {
        self.needs_prompt
    }

    /// The stored record in force, if valid (including a GPC opt-out record, which is not a
    /// consent).
    pub fn record(&self) -> Option<&ConsentRecord> {
        self.record.as_ref()
    }

    /// The decision's record ([`Decision::record`]) and allowed categories
    /// ([`Decision::allowed`]), moved out rather than cloned.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{decide, ConsentId, ConsentRecord, Context, Policy, Timestamp};
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let now = Timestamp(1_790_000_000);
    /// let cookie = ConsentRecord::accept_all(&policy, now, ConsentId::from_random_bytes([3; 12])).encode();
    /// let d = decide(&policy, Some(&cookie), &Context { now, region: Some("DE"), gpc: false });
    /// let (record, allowed) = (d.record().cloned(), d.allowed().to_vec());
    /// assert_eq!(d.into_parts(), (record, allowed));
    /// # }
    /// ```
    pub fn into_parts(self) -> (Option<ConsentRecord>, Vec<String>) {
        (self.record, self.allowed)
    }

    /// Why the stored consent is or is not in force.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The region profile applied.
    pub fn profile(&self) -> RegionProfile {
        self.profile
    }

    /// True when Global Privacy Control denied at least one category.
    pub fn gpc_applied(&self) -> bool {
        self.gpc_applied
    }

    /// Under the opt-out profile with GPC and no stored record, the record to store so the
    /// opt-out is remembered (method [`Method::Gpc`]) even on a later visit without the
    /// signal (R16). `None` otherwise.
    ///
    /// The record grants nothing: every optional category is written as refused, and
    /// [`decide`] never reads a GPC record as consent (R17). Categories GPC does not cover
    /// keep following the region profile.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{decide, ConsentId, Context, Method, Policy, Timestamp};
    /// let policy = Policy::from_json(r#"{"revision":1,"regions":{"US":"opt-out"},"categories":{
    ///   "necessary":{"required":true,"lawful_basis":"contract"},
    ///   "marketing":{"lawful_basis":"consent"}}}"#).unwrap();
    /// let now = Timestamp(1_790_000_000);
    /// let d = decide(&policy, None, &Context { now, region: Some("US-CA"), gpc: true });
    /// assert!(!d.allows("marketing") && !d.needs_prompt());
    /// let record = d.gpc_record(&policy, now, ConsentId::from_random_bytes([4; 12])).unwrap();
    /// assert_eq!(record.method, Method::Gpc);
    ///
    /// // Stored, it keeps marketing denied on a later visit without the signal.
    /// let later = Context { now, region: Some("US-CA"), gpc: false };
    /// assert!(!decide(&policy, Some(&record.encode()), &later).allows("marketing"));
    /// # }
    /// ```
    pub fn gpc_record(
        &self,
        policy: &Policy,
        now: Timestamp,
        id: ConsentId,
    ) -> Option<ConsentRecord> {
        if !(self.gpc_applied && self.record.is_none() && self.profile == RegionProfile::OptOut) {
            return None;
        }
        Some(ConsentRecord::with_all(policy, false, Method::Gpc, now, id))
    }
}

/// Tolerated clock skew between browser and server for `decided_at`.
const MAX_FUTURE_SKEW_SECS: i64 = 86_400;

/// Checks a decoded record against the policy and the time.
pub fn record_status(policy: &Policy, record: &ConsentRecord, now: Timestamp) -> Status {
    match status_of(policy, record.revision, record.decided_at, now) {
        Status::Valid
            if record
                .coverage
                .is_some_and(|c| Some(c) != policy.coverage(|id| record.granted(id))) =>
        {
            Status::CoverageChanged
        }
        other => other,
    }
}

fn status_of(policy: &Policy, revision: u32, decided_at: Timestamp, now: Timestamp) -> Status {
    if revision < policy.revision {
        Status::StaleRevision
    } else if revision > policy.revision {
        Status::Invalid(CookieError::FutureRevision)
    } else if decided_at.unix() > now.unix().saturating_add(MAX_FUTURE_SKEW_SECS) {
        Status::FromFuture
    } else if decided_at.plus_days(policy.consent_max_age_days) <= now {
        Status::Expired
    } else {
        Status::Valid
    }
}

/// Decides what may run, from the policy, the consent cookie's value (if any) and the context.
///
/// ```
/// # #[cfg(feature = "json")] {
/// use consentry::{decide, ConsentId, ConsentRecord, Context, Policy, Timestamp};
/// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
/// let now = Timestamp(1_790_000_000);
/// let ctx = Context { now, region: Some("DE"), gpc: false };
///
/// // Nothing stored: only necessary, and ask.
/// let d = decide(&policy, None, &ctx);
/// assert!(d.allows("necessary") && !d.allows("analytics") && d.needs_prompt());
///
/// // Accepted: analytics allowed, no prompt.
/// let cookie = ConsentRecord::accept_all(&policy, now, ConsentId::from_random_bytes([3; 12])).encode();
/// let d = decide(&policy, Some(&cookie), &ctx);
/// assert!(d.allows("analytics") && !d.needs_prompt());
///
/// // Garbage fails closed.
/// let d = decide(&policy, Some("1|%%%"), &ctx);
/// assert!(!d.allows("analytics") && d.needs_prompt());
/// # }
/// ```
pub fn decide(policy: &Policy, cookie: Option<&str>, ctx: &Context<'_>) -> Decision {
    let core = decide_core(policy, cookie, ctx);
    let mut allowed = Vec::new();
    for (i, (id, _)) in policy.categories.0.iter().enumerate() {
        if core.allowed.get(i) {
            allowed.push(id.clone());
        }
    }
    Decision {
        profile: core.profile,
        status: core.status,
        record: core.decoded.map(|d| d.into_record(policy)),
        allowed,
        gpc_applied: core.gpc_applied,
        needs_prompt: core.needs_prompt,
    }
}

/// Which categories a decision allows, as positions in the policy's categories: what
/// [`decide`] computes, without building any string. For hot paths that only ask
/// [`AllowedSet::allows`] (the server's Set-Cookie gate); ask it with the policy it was
/// decided for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedSet(CategorySet);

impl AllowedSet {
    /// The same answer as [`Decision::allows`] for the decision [`decide`] makes from the same
    /// inputs.
    pub fn allows(&self, policy: &Policy, category: &str) -> bool {
        policy
            .categories
            .iter()
            .enumerate()
            .any(|(i, (id, _))| self.0.get(i) && id == category)
    }
}

/// The categories [`decide`] would allow, without allocating (for policies of up to 64
/// categories).
///
/// ```
/// # #[cfg(feature = "json")] {
/// use consentry::{decide, decide_allowed, Context, Policy, Timestamp};
/// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
/// let ctx = Context { now: Timestamp(1_790_000_000), region: Some("US"), gpc: false };
/// let set = decide_allowed(&policy, None, &ctx);
/// let d = decide(&policy, None, &ctx);
/// for c in ["necessary", "analytics", "ads"] {
///     assert_eq!(set.allows(&policy, c), d.allows(c));
/// }
/// # }
/// ```
pub fn decide_allowed(policy: &Policy, cookie: Option<&str>, ctx: &Context<'_>) -> AllowedSet {
    AllowedSet(decide_core(policy, cookie, ctx).allowed)
}

/// Everything [`decide`] works out, before any string is built.
struct Core {
    profile: RegionProfile,
    status: Status,
    decoded: Option<Decoded>,
    allowed: CategorySet,
    gpc_applied: bool,
    needs_prompt: bool,
}

fn decide_core(policy: &Policy, cookie: Option<&str>, ctx: &Context<'_>) -> Core {
    let profile = policy.profile_for(ctx.region);
    // The choices are read as a set of category indices; the record's strings are only built
    // for a valid record, which the decision keeps.
    let (status, decoded) = match cookie {
        None => (Status::Missing, None),
        Some(v) => match crate::codec::decode_parts(v, policy) {
            Err(e) => (Status::Invalid(e), None),
            Ok(d) => match status_of(policy, d.revision, d.decided_at, ctx.now) {
                Status::Valid
                    if d.coverage
                        .is_some_and(|c| Some(c) != policy.coverage_of(&d.granted)) =>
                {
                    (Status::CoverageChanged, None)
                }
                Status::Valid => (Status::Valid, Some(d)),
                other => (other, None),
            },
        },
    };
    // A record made by GPC is an opt-out of sale and sharing, never a consent (R17): it grants
    // nothing, and keeps sale and sharing denied on later requests without the signal (R16).
    let method = decoded.as_ref().map(|d| d.method);
    let consent = decoded
        .as_ref()
        .filter(|d| d.method != Method::Gpc)
        .map(|d| &d.granted);
    let gpc_opt_out = ctx.gpc || method == Some(Method::Gpc);
    let mut gpc_applied = false;
    let mut any_optional = false;
    let mut allowed = CategorySet::default();
    for (i, (id, cat)) in policy.categories.0.iter().enumerate() {
        let on = if cat.required {
            true
        } else {
            any_optional = true;
            let chosen = match consent {
                Some(granted) => granted.get(i),
                None => profile == RegionProfile::OptOut,
            };
            if chosen && gpc_opt_out && cat.is_sale_or_sharing(id) {
                gpc_applied = true;
                false
            } else {
                chosen
            }
        };
        if on {
            allowed.insert(i);
        }
    }
    // Under the opt-out profile, GPC (now or remembered) that denied something decides without
    // asking (R16). Under opt-in only a real choice stops the prompt.
    let has_consent = consent.is_some();
    let gpc_decides = !has_consent && profile == RegionProfile::OptOut && gpc_applied;
    // `any_optional` is `policy.has_optional_categories()`, found in the same pass.
    let needs_prompt = !has_consent && any_optional && !gpc_decides;
    Core {
        profile,
        status,
        decoded,
        allowed,
        gpc_applied,
        needs_prompt,
    }
}
