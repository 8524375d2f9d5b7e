//! Proof of consent: the receipt of one decision (GDPR Art 7(1), Kantara Consent Receipt v1.1,
//! ISO/IEC TS 27560).
//!
//! A receipt names the visitor only by the pseudonymous consent id, and the policy by revision
//! and SHA-256 of its canonical form, so it proves which text the visitor was shown.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::policy::{LawfulBasis, Policy};
use crate::state::{ConsentId, ConsentRecord, Method, Timestamp};

/// The schema identifier every receipt carries.
pub const RECEIPT_VERSION: &str = "consentry-receipt/1";
/// Receipts larger than this (serialised) are refused by servers.
pub const MAX_RECEIPT_BYTES: usize = 8 * 1024;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReceiptEvent {
    /// At least one optional category was granted.
    Given,
    /// Every optional category was refused.
    Refused,
    /// An earlier consent was withdrawn.
    Withdrawn,
    /// A consent ran out and was not renewed.
    Expired,
}

/// The state of one purpose (category) in a receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PurposeState {
    /// Category id.
    pub category: String,
    /// Granted (or always on, for required categories)?
    pub granted: bool,
    /// Lawful basis of the category.
    pub lawful_basis: LawfulBasis,
}

/// The record of one consent decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Receipt {
    /// Always [`RECEIPT_VERSION`].
    pub version: String,
    /// Unique id of this receipt.
    pub receipt_id: ConsentId,
    /// Pseudonymous subject: the consent id stored in the visitor's consent cookie.
    pub subject: ConsentId,
    /// When the decision was made (unix seconds, UTC).
    pub issued_at: Timestamp,
    /// Region code the decision was made under (`DE`, `US-CA`), or `unknown`.
    pub jurisdiction: String,
    /// Policy revision shown.
    pub policy_revision: u32,
    /// SHA-256 of the canonical policy, lowercase hex.
    pub policy_sha256: String,
    /// Every category with its state and basis.
    pub purposes: Vec<PurposeState>,
    /// How the decision was made.
    pub method: Method,
    /// Language of the texts shown (`en`, `de`).
    pub language: String,
    /// When the consent lapses (unix seconds, UTC).
    pub expires_at: Timestamp,
    /// What happened.
    pub event: ReceiptEvent,
}

/// The facts a receipt needs besides the record.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ReceiptContext<'a> {
    /// A fresh random id for the receipt.
    pub receipt_id: ConsentId,
    /// Region code, or `None` when unknown.
    pub jurisdiction: Option<&'a str>,
    /// Language of the texts shown.
    pub language: &'a str,
    /// SHA-256 of the canonical policy (see `Policy::sha256_hex`).
    pub policy_sha256: &'a str,
}

impl<'a> ReceiptContext<'a> {
    /// The facts for one receipt. (`#[non_exhaustive]`: built this way rather than with a
    /// struct expression.)
    pub fn new(
        receipt_id: ConsentId,
        jurisdiction: Option<&'a str>,
        language: &'a str,
        policy_sha256: &'a str,
    ) -> Self {
        ReceiptContext {
            receipt_id,
            jurisdiction,
            language,
            policy_sha256,
        }
    }
}

/// Why a receipt was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The `version` field is not [`RECEIPT_VERSION`].
    Version,
    /// The policy hash is not the one of the policy in force.
    UnknownPolicy,
    /// A purpose is missing or not in the policy, or a required one is marked refused.
    Purposes,
    /// A text field is too long or has control characters.
    Field(&'static str),
    /// `expires_at` is not after `issued_at`.
    Times,
    /// The receipt claims a policy revision newer than the policy in force.
    Revision,
    /// `issued_at` is further from the server's time than the clock skew it allows
    /// ([`Receipt::check_claims`]).
    IssuedAt,
    /// `expires_at - issued_at` is longer than the policy's `consent_max_age_days`.
    Lifetime,
    /// Method `gpc` grants a purpose Global Privacy Control opts out of (sale or sharing):
    /// GPC is never consent.
    GpcGrants,
    /// Event `given`, but no optional purpose is granted.
    GivenNothing,
    /// Event `refused` or method `reject_all`, but an optional purpose is granted.
    RefusalGrants,
    /// A withdrawal (method `withdrawal` or event `withdrawn`) grants an optional purpose.
    WithdrawalGrants,
    /// Method `withdrawal` with an event other than `withdrawn`.
    WithdrawalEvent,
}

impl fmt::Display for ReceiptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceiptError::Version => write!(f, "receipt version must be \"{RECEIPT_VERSION}\""),
            ReceiptError::UnknownPolicy => {
                f.write_str("receipt names a policy hash this server does not know")
            }
            ReceiptError::Purposes => {
                f.write_str("receipt purposes do not match the policy's categories")
            }
            ReceiptError::Field(name) => write!(
                f,
                "receipt field `{name}` is empty, too long or has control characters"
            ),
            ReceiptError::Times => f.write_str("receipt expires_at must be after issued_at"),
            ReceiptError::Revision => {
                f.write_str("receipt names a policy revision newer than the policy in force")
            }
            ReceiptError::IssuedAt => {
                f.write_str("receipt issued_at is too far from the server's time")
            }
            ReceiptError::Lifetime => {
                f.write_str("receipt validity is longer than the policy's consent lifetime")
            }
            ReceiptError::GpcGrants => {
                f.write_str("a GPC receipt cannot grant a sale or sharing purpose")
            }
            ReceiptError::GivenNothing => {
                f.write_str("receipt event `given` grants no optional purpose")
            }
            ReceiptError::RefusalGrants => {
                f.write_str("a refusal receipt cannot grant an optional purpose")
            }
            ReceiptError::WithdrawalGrants => {
                f.write_str("a withdrawal receipt cannot grant an optional purpose")
            }
            ReceiptError::WithdrawalEvent => {
                f.write_str("receipt method `withdrawal` needs event `withdrawn`")
            }
        }
    }
}

impl core::error::Error for ReceiptError {}

/// SHA-256 of some bytes as lowercase hex.
///
/// ```
/// assert_eq!(
///     consentry::receipt::sha256_hex(b"abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

impl Receipt {
    /// The receipt for a record just made.
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{ConsentId, ConsentRecord, Policy, Receipt, ReceiptContext, ReceiptEvent, Timestamp};
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let hash = policy.sha256_hex();
    /// let record = ConsentRecord::accept_all(&policy, Timestamp(1_790_000_000), ConsentId::from_random_bytes([1; 12]));
    /// let ctx = ReceiptContext::new(ConsentId::from_random_bytes([2; 12]), Some("DE"), "en", &hash);
    /// let receipt = Receipt::new(&policy, &record, &ctx);
    /// assert_eq!(receipt.event, ReceiptEvent::Given);
    /// assert!(receipt.verify(&policy, &[&hash]).is_ok());
    /// # }
    /// ```
    pub fn new(policy: &Policy, record: &ConsentRecord, ctx: &ReceiptContext<'_>) -> Self {
        Self::of_decision(policy, record, |id| record.granted(id), ctx)
    }

    /// The receipt for a record just made, with each purpose marked as it runs now: `allows`
    /// answers for the decision in force ([`Decision::allows`](crate::Decision::allows)). For
    /// a choice of the visitor that is what the record grants, and [`Receipt::new`] gives the
    /// same receipt. For a Global Privacy Control opt-out under an opt-out region profile it is
    /// not: the record grants nothing (GPC is never a consent), while the categories that are
    /// not sale or sharing keep running under the profile. The receipt then says what runs,
    /// with event `refused` (what GPC refused: sale and sharing).
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{decide, ConsentId, Context, Policy, Receipt, ReceiptContext, ReceiptEvent, Timestamp};
    /// let policy = Policy::from_json(r#"{"revision": 1, "regions": {"US": "opt-out"}, "categories": {
    ///     "necessary": {"required": true, "lawful_basis": "contract"},
    ///     "analytics": {"lawful_basis": "consent"},
    ///     "marketing": {"lawful_basis": "consent"}}}"#).unwrap();
    /// let now = Timestamp(1_790_000_000);
    /// let decision = decide(&policy, None, &Context { now, region: Some("US-CA"), gpc: true });
    /// let record = decision.gpc_record(&policy, now, ConsentId::from_random_bytes([1; 12])).unwrap();
    /// let hash = policy.sha256_hex();
    /// let ctx = ReceiptContext::new(ConsentId::from_random_bytes([2; 12]), Some("US-CA"), "en", &hash);
    /// let receipt = Receipt::of_decision(&policy, &record, |c| decision.allows(c), &ctx);
    /// let runs: Vec<_> = receipt.purposes.iter().map(|p| (p.category.as_str(), p.granted)).collect();
    /// assert_eq!(runs, [("necessary", true), ("analytics", true), ("marketing", false)]);
    /// assert_eq!(receipt.event, ReceiptEvent::Refused);
    /// assert!(receipt.check_claims(&policy, now, core::time::Duration::from_secs(600)).is_ok());
    /// # }
    /// ```
    pub fn of_decision(
        policy: &Policy,
        record: &ConsentRecord,
        allows: impl Fn(&str) -> bool,
        ctx: &ReceiptContext<'_>,
    ) -> Self {
        // `new` rather than `with_capacity`: the push loop grows it anyway, and the module then
        // needs no separate allocation call here (measured 25 B gzip smaller).
        let mut purposes = Vec::new();
        let mut any_granted = false;
        for (id, c) in &policy.categories.0 {
            let granted = c.required || allows(id);
            any_granted |= granted && !c.required;
            purposes.push(PurposeState {
                category: id.clone(),
                granted,
                lawful_basis: c.lawful_basis,
            });
        }
        let event = match record.method {
            Method::Withdrawal => ReceiptEvent::Withdrawn,
            Method::Gpc => ReceiptEvent::Refused,
            _ if any_granted => ReceiptEvent::Given,
            _ => ReceiptEvent::Refused,
        };
        Receipt {
            version: RECEIPT_VERSION.into(),
            receipt_id: ctx.receipt_id,
            subject: record.id,
            issued_at: record.decided_at,
            jurisdiction: ctx.jurisdiction.unwrap_or("unknown").into(),
            policy_revision: record.revision,
            policy_sha256: ctx.policy_sha256.into(),
            purposes,
            method: record.method,
            language: ctx.language.into(),
            expires_at: record.expires_at(policy),
            event,
        }
    }

    /// Checks a receipt (e.g. one posted by a browser) against the policy in force and the
    /// policy hashes the server accepts (current and recent ones).
    pub fn verify(&self, policy: &Policy, known_hashes: &[&str]) -> Result<(), ReceiptError> {
        if self.version != RECEIPT_VERSION {
            return Err(ReceiptError::Version);
        }
        if !known_hashes.contains(&self.policy_sha256.as_str()) {
            return Err(ReceiptError::UnknownPolicy);
        }
        if self.policy_revision > policy.revision {
            return Err(ReceiptError::Revision);
        }
        for (name, v, max) in [
            ("jurisdiction", &self.jurisdiction, 16),
            ("language", &self.language, 35),
        ] {
            if v.is_empty()
                || v.len() > max
                || !v
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(ReceiptError::Field(name));
            }
        }
        if self.purposes.len() != policy.categories.len()
            || self
                .purposes
                .iter()
                .zip(policy.categories.iter())
                .any(|(p, (id, c))| {
                    p.category != id
                        || p.lawful_basis != c.lawful_basis
                        || (c.required && !p.granted)
                })
        {
            return Err(ReceiptError::Purposes);
        }
        if self.expires_at <= self.issued_at {
            return Err(ReceiptError::Times);
        }
        Ok(())
    }

    /// Checks what a receipt claims against the server's clock and the policy's rules, for a
    /// receipt that passed [`Receipt::verify`]: a browser can post anything, so the server
    /// believes only what agrees with itself.
    ///
    /// - `issued_at` at most `max_skew` away from `now` ([`ReceiptError::IssuedAt`]);
    /// - validity (`expires_at - issued_at`) at most the policy's `consent_max_age_days`
    ///   ([`ReceiptError::Lifetime`]);
    /// - no self-contradiction: method `gpc` granting a sale or sharing purpose (the rule
    ///   [`decide`](crate::decide) applies GPC with, [`Category::is_sale_or_sharing`](crate::Category::is_sale_or_sharing)),
    ///   event `given` granting no optional purpose, event `refused` or method `reject_all`
    ///   granting one (except a `gpc` opt-out, which refuses only sale and sharing: under an
    ///   opt-out profile its receipt lists the other categories as running,
    ///   [`Receipt::of_decision`]), a withdrawal granting one, method `withdrawal` without
    ///   event `withdrawn`.
    ///
    /// "Optional" is every purpose whose category the policy does not mark `required` (a
    /// category the policy does not have counts as optional).
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use core::time::Duration;
    /// use consentry::{ConsentId, ConsentRecord, Policy, Receipt, ReceiptContext, ReceiptError, ReceiptEvent, Timestamp};
    /// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
    /// let hash = policy.sha256_hex();
    /// let now = Timestamp(1_790_000_000);
    /// let record = ConsentRecord::accept_all(&policy, now, ConsentId::from_random_bytes([1; 12]));
    /// let ctx = ReceiptContext::new(ConsentId::from_random_bytes([2; 12]), Some("DE"), "en", &hash);
    /// let mut receipt = Receipt::new(&policy, &record, &ctx);
    /// let skew = Duration::from_secs(600);
    /// assert_eq!(receipt.check_claims(&policy, now, skew), Ok(()));
    /// assert_eq!(receipt.check_claims(&policy, Timestamp(now.0 + 3_600), skew), Err(ReceiptError::IssuedAt));
    /// receipt.event = ReceiptEvent::Refused; // but everything is granted
    /// assert_eq!(receipt.check_claims(&policy, now, skew), Err(ReceiptError::RefusalGrants));
    /// # }
    /// ```
    pub fn check_claims(
        &self,
        policy: &Policy,
        now: Timestamp,
        max_skew: Duration,
    ) -> Result<(), ReceiptError> {
        if self.issued_at.0.abs_diff(now.0) > max_skew.as_secs() {
            return Err(ReceiptError::IssuedAt);
        }
        let validity = i128::from(self.expires_at.0) - i128::from(self.issued_at.0);
        if validity > i128::from(policy.consent_max_age_days) * 86_400 {
            return Err(ReceiptError::Lifetime);
        }
        let category = |p: &PurposeState| policy.categories.get(&p.category);
        let optional_granted = self
            .purposes
            .iter()
            .any(|p| p.granted && !category(p).is_some_and(|c| c.required));
        let sale_or_sharing_granted = self
            .purposes
            .iter()
            .any(|p| p.granted && category(p).is_none_or(|c| c.is_sale_or_sharing(&p.category)));
        let withdrawal = self.method == Method::Withdrawal || self.event == ReceiptEvent::Withdrawn;
        if self.method == Method::Gpc && sale_or_sharing_granted {
            Err(ReceiptError::GpcGrants)
        } else if self.method == Method::Withdrawal && self.event != ReceiptEvent::Withdrawn {
            Err(ReceiptError::WithdrawalEvent)
        } else if withdrawal && optional_granted {
            Err(ReceiptError::WithdrawalGrants)
        } else if (self.event == ReceiptEvent::Refused || self.method == Method::RejectAll)
            && optional_granted
            // A GPC opt-out refuses sale and sharing only (checked above): under an opt-out
            // profile the other categories keep running, and its receipt says so.
            && self.method != Method::Gpc
        {
            Err(ReceiptError::RefusalGrants)
        } else if self.event == ReceiptEvent::Given && !optional_granted {
            Err(ReceiptError::GivenNothing)
        } else {
            Ok(())
        }
    }
}
