//! Google Consent Mode v2: which signals each category controls and the objects for
//! `gtag('consent', 'default', …)` and `gtag('consent', 'update', …)`.
//!
//! Standard mapping (REQUIREMENTS R19): analytics → `analytics_storage`; marketing →
//! `ad_storage`, `ad_user_data`, `ad_personalization`; functional → `functionality_storage`,
//! `personalization_storage`; `security_storage` is always granted (necessary).
//!
//! ```
//! # #[cfg(feature = "json")] {
//! use consentry::{decide, consent_mode::SignalState, Context, Policy, Timestamp};
//! let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
//! let d = decide(&policy, None, &Context { now: Timestamp(0), region: None, gpc: false });
//! let update = SignalState::for_decision(&policy, &d);
//! assert_eq!(update.to_json(None), r#"{"ad_storage":"denied","ad_user_data":"denied","ad_personalization":"denied","analytics_storage":"denied","functionality_storage":"denied","personalization_storage":"denied","security_storage":"granted"}"#);
//! # }
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};

use crate::policy::{Policy, ANALYTICS, FUNCTIONAL, MARKETING, NECESSARY};
use crate::region::RegionProfile;
use crate::state::Decision;

/// How long gtag waits for the update after the default, in milliseconds.
pub const WAIT_FOR_UPDATE_MS: u32 = 500;

/// A Consent Mode v2 signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Signal {
    /// `ad_storage`
    AdStorage,
    /// `ad_user_data`
    AdUserData,
    /// `ad_personalization`
    AdPersonalization,
    /// `analytics_storage`
    AnalyticsStorage,
    /// `functionality_storage`
    FunctionalityStorage,
    /// `personalization_storage`
    PersonalizationStorage,
    /// `security_storage`
    SecurityStorage,
}

impl Signal {
    /// All signals, in the order they are written.
    pub const ALL: [Signal; 7] = [
        Signal::AdStorage,
        Signal::AdUserData,
        Signal::AdPersonalization,
        Signal::AnalyticsStorage,
        Signal::FunctionalityStorage,
        Signal::PersonalizationStorage,
        Signal::SecurityStorage,
    ];

    /// The gtag names of [`Signal::ALL`], in order, separated by spaces: what
    /// [`Signal::as_str`] gives and the policy reader reads.
    pub(crate) const NAMES: &'static str = "ad_storage ad_user_data ad_personalization \
        analytics_storage functionality_storage personalization_storage security_storage";

    /// The gtag name, e.g. `ad_user_data`.
    pub fn as_str(self) -> &'static str {
        // The reader's table rather than a `match` with a second copy of the names (with
        // `LawfulBasis::as_str`: 11 B gzip less in the browser module).
        crate::read::word(Self::NAMES, self as usize)
    }

    /// The standard signals for a category id (R19); empty for custom categories.
    pub fn standard_for(category: &str) -> &'static [Signal] {
        match category {
            NECESSARY => &[Signal::SecurityStorage],
            FUNCTIONAL => &[Signal::FunctionalityStorage, Signal::PersonalizationStorage],
            ANALYTICS => &[Signal::AnalyticsStorage],
            MARKETING => &[
                Signal::AdStorage,
                Signal::AdUserData,
                Signal::AdPersonalization,
            ],
            _ => &[],
        }
    }
}

/// Granted or denied, for each of the seven signals.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalState {
    /// Bit `signal as u8` set for a granted signal (measured 48 B gzip smaller in the browser
    /// module than an array of `bool`s).
    granted: u8,
}

/// The bit of a signal in [`SignalState::granted`].
fn bit(signal: Signal) -> u8 {
    1 << signal as u8
}

impl fmt::Debug for SignalState {
    /// As the derived `Debug` of the earlier `granted: [bool; 7]` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalState")
            .field("granted", &Signal::ALL.map(|s| self.is_granted(s)))
            .finish()
    }
}

impl SignalState {
    /// Everything denied except `security_storage`: the default before any choice.
    pub fn denied() -> Self {
        SignalState {
            granted: bit(Signal::SecurityStorage),
        }
    }

    /// The update for a decision: a signal is granted when every category that controls it
    /// is allowed (a signal no category controls stays denied; `security_storage` is always
    /// granted).
    pub fn for_decision(policy: &Policy, decision: &Decision) -> Self {
        Self::from_allowed(policy, |c| decision.allows(c))
    }

    /// Like [`SignalState::for_decision`], from any predicate over category ids.
    pub fn from_allowed(policy: &Policy, allows: impl Fn(&str) -> bool) -> Self {
        // One pass over the categories: which signals some category controls, and which a
        // category that is not allowed controls.
        let mut controlled = 0u8;
        let mut refused = 0u8;
        for (id, _) in &policy.categories.0 {
            let signals = policy.signals_for(id);
            if signals.is_empty() {
                continue;
            }
            let on = allows(id);
            for &sig in signals {
                controlled |= bit(sig);
                if !on {
                    refused |= bit(sig);
                }
            }
        }
        // `security_storage` stays granted whatever controls it.
        SignalState {
            granted: controlled & !refused | bit(Signal::SecurityStorage),
        }
    }

    /// Is this signal granted?
    pub fn is_granted(&self, signal: Signal) -> bool {
        self.granted & bit(signal) != 0
    }

    /// Sets one signal.
    pub fn set(&mut self, signal: Signal, granted: bool) {
        if granted {
            self.granted |= bit(signal);
        } else {
            self.granted &= !bit(signal);
        }
    }

    /// `(name, "granted" | "denied")` pairs in [`Signal::ALL`] order, for building a JS object.
    pub fn entries(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        Signal::ALL.iter().map(move |s| {
            (
                s.as_str(),
                if self.is_granted(*s) {
                    "granted"
                } else {
                    "denied"
                },
            )
        })
    }

    /// The object as JSON, with `wait_for_update` when given (for `default`).
    pub fn to_json(&self, wait_for_update: Option<u32>) -> String {
        self.to_json_with(wait_for_update, &[])
    }

    /// The object as JSON with `wait_for_update` and a `region` list (for a regional default).
    pub fn to_json_with(&self, wait_for_update: Option<u32>, regions: &[&str]) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.entries().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(k);
            out.push_str("\":\"");
            out.push_str(v);
            out.push('"');
        }
        if let Some(ms) = wait_for_update {
            out.push_str(",\"wait_for_update\":");
            crate::codec::push_u64(&mut out, ms.into());
        }
        if !regions.is_empty() {
            out.push_str(",\"region\":[");
            for (i, r) in regions.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                // Region codes are ISO 3166 letters, digits and `-`; anything else is dropped.
                // On bytes: every kept character is ASCII, and no byte of a non-ASCII character
                // is.
                for b in r.bytes() {
                    if b.is_ascii_alphanumeric() || b == b'-' {
                        out.push(char::from(b));
                    }
                }
                out.push('"');
            }
            out.push(']');
        }
        out.push('}');
        out
    }
}

/// The `gtag('consent','default', …)` objects for a policy, in the order they must be sent:
/// first the global default (everything denied but security, `wait_for_update`), then one per
/// group of opt-out regions, whose optional categories start granted except those Global
/// Privacy Control would deny (the browser re-sends the update with GPC applied).
///
/// ```
/// # #[cfg(feature = "json")] {
/// use consentry::{consent_mode::default_commands, Policy};
/// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
/// let cmds = default_commands(&policy);
/// // The global default, then one for the policy's opt-out region ("US").
/// assert_eq!(cmds.len(), 2);
/// assert!(cmds[0].contains(r#""analytics_storage":"denied""#) && cmds[0].contains(r#""wait_for_update":500"#));
/// assert!(cmds[1].contains(r#""analytics_storage":"granted""#) && cmds[1].ends_with(r#""region":["US"]}"#));
/// # }
/// ```
pub fn default_commands(policy: &Policy) -> Vec<String> {
    let mut out = alloc::vec![SignalState::denied().to_json(Some(WAIT_FOR_UPDATE_MS))];
    let opt_out: Vec<&str> = policy
        .regions
        .iter()
        .filter(|(code, p)| {
            **p == RegionProfile::OptOut && policy.profile_for(Some(code)) == RegionProfile::OptOut
        })
        .map(|(code, _)| code.as_str())
        .collect();
    if !opt_out.is_empty() {
        let state = SignalState::from_allowed(policy, |c| {
            policy
                .categories
                .get(c)
                .is_some_and(|cat| cat.required || !cat.is_sale_or_sharing(c))
        });
        out.push(state.to_json_with(Some(WAIT_FOR_UPDATE_MS), &opt_out));
    }
    out
}

/// The settings for Google Analytics' `gtag('config', id, settings)` that keep its cookies to
/// the lifetime the policy declares, as JSON: `{"cookie_expires":<seconds>,"cookie_update":false}`
/// from the declaration that covers `_ga` (`max_age_days`; a session cookie gives
/// `cookie_expires: 0`, which gtag.js reads as "session"). `None` when the policy declares no
/// `_ga` cookie: there is nothing to keep it to (the server's Set-Cookie gate and
/// `consentry-check` deal with undeclared cookies).
///
/// Without these settings gtag.js sets `_ga` and `_ga_<id>` for two years and renews them on
/// every page view, whatever the policy and the cookie notice say. `cookie_update: false` stops
/// the renewal, so the cookies end when the declared lifetime from the visitor's consent has
/// passed. gtag.js has one lifetime for both cookies: declare `_ga` and `_ga_*` alike.
///
/// ```
/// # #[cfg(feature = "json")] {
/// use consentry::{consent_mode::gtag_config, Policy};
/// let policy = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
/// // The policy declares `_ga` for 395 days.
/// let settings = gtag_config(&policy).unwrap();
/// assert_eq!(settings, r#"{"cookie_expires":34128000,"cookie_update":false}"#);
/// // In the page: gtag('config', 'G-XXXX', {"cookie_expires":34128000,"cookie_update":false});
/// # }
/// ```
pub fn gtag_config(policy: &Policy) -> Option<String> {
    let ga = policy.cookie_for("_ga")?;
    let seconds = u64::from(ga.decl.max_age_days.unwrap_or(0)) * 86_400;
    Some(alloc::format!(
        "{{\"cookie_expires\":{seconds},\"cookie_update\":false}}"
    ))
}
