//! # consentry
//!
//! The core of consentry, a cookie-consent and tracking-gate library: the policy file model,
//! consent decisions, the consent cookie codec, regions and Global Privacy Control, the Google
//! Consent Mode v2 mapping, consent receipts and the privacy policy's cookie table.
//!
//! Pure logic without I/O, clocks or randomness: time and random ids come in as values, so the
//! same code runs in the browser (wasm32) and on the server, and both always agree.
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `json` | yes | [`Policy::from_json`], canonical policy hash, receipt JSON (serde_json) |
//! | `notice` | yes | [`Policy::notice_markdown`], [`Policy::notice_html`]: the cookie section of a privacy notice |
//!
//! Without `json`, [`Policy::read_json`] reads the same policy files with a small built-in
//! reader (what the browser module uses); run [`Policy::validate`] after it.
//!
//! Types that will grow are `#[non_exhaustive]`, so a new field or variant is not a breaking
//! change: read policies from JSON or build them with the constructors
//! ([`Policy::new`], [`Category::new`], [`Service::new`], [`CookieDecl::new`],
//! [`Controller::new`], [`ConsentRecord::from_parts`], [`ReceiptContext::new`], `Default` for
//! [`Texts`]) and set the public fields;
//! match their enums ([`Method`], [`ReceiptEvent`], [`Exemption`], [`RegionProfile`], …) with
//! a `_` arm.
//!
//! ```
//! use consentry::{decide, ConsentId, ConsentRecord, Context, Policy, Timestamp};
//!
//! let policy = Policy::from_json(r#"{
//!   "revision": 1,
//!   "categories": {
//!     "necessary": { "required": true, "lawful_basis": "contract" },
//!     "analytics": { "lawful_basis": "consent" }
//!   },
//!   "services": [{
//!     "id": "google-analytics", "category": "analytics", "provider": "Google LLC",
//!     "purpose": "Measure traffic",
//!     "scripts": ["https://www.googletagmanager.com/gtag/js*"],
//!     "cookies": [{ "name": "_ga", "max_age_days": 395 }, { "name": "_ga_*", "max_age_days": 395 }]
//!   }]
//! }"#)?;
//!
//! let now = Timestamp(1_790_000_000);
//! let ctx = Context { now, region: Some("FR"), gpc: false };
//! assert!(decide(&policy, None, &ctx).needs_prompt());
//!
//! // The visitor accepts analytics; the browser stores this cookie value.
//! let record = ConsentRecord::new(&policy, &["analytics"], consentry::Method::Custom, now,
//!                                 ConsentId::from_random_bytes([9; 12]))?;
//! let cookie = record.encode();
//! let decision = decide(&policy, Some(&cookie), &ctx);
//! assert!(decision.allows("analytics"));
//! assert_eq!(policy.cookie_for("_ga_XYZ").unwrap().category, "analytics");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly): each feature-gated item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
// `no_std` (with `alloc`) unless serde_json is in: the browser module links no std.
#![cfg_attr(not(any(test, feature = "json")), no_std)]

extern crate alloc;

mod codec;
pub mod consent_mode;
#[cfg(feature = "json")]
mod json;
pub mod map;
#[cfg(feature = "notice")]
pub mod notice;
mod pattern;
pub mod policy;
mod read;
pub mod receipt;
pub mod region;
mod state;
mod table;
mod texts;
mod validate;

pub use codec::{
    clear_consent_cookie, clear_stale_consent_cookies, is_cookie_octets, CookieError,
    FORMAT_VERSION, HOST_PREFIX, MAX_ENCODED_LEN,
};
pub use map::SortedMap;
pub use pattern::Pattern;
pub use policy::{
    Category, Controller, CookieDecl, Exemption, LawfulBasis, Policy, SameSite, Service,
};
pub use receipt::{Receipt, ReceiptContext, ReceiptError, ReceiptEvent};
pub use region::RegionProfile;
pub use state::{
    decide, decide_allowed, record_status, AllowedSet, ChoiceError, ConsentId, ConsentRecord,
    Context, Decision, Method, Status, Timestamp,
};
pub use table::{escape_html, lifetime_text, CookieRow};
pub use texts::ResolvedTexts;
pub use validate::{PolicyError, PolicyErrorKind};

/// The README's examples, compiled and run as doc tests so the README stays true.
#[cfg(all(doctest, feature = "json"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
