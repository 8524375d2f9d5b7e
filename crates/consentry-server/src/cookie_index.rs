//! The policy's cookie declarations indexed by name, for the Set-Cookie gate.
//!
//! [`Policy::cookie_for`] walks every declaration on each call; the gate asks for every
//! `Set-Cookie` of every response, so [`Consentry`](crate::Consentry) builds this index once
//! and the gate looks names up in it. It gives the same answers as `cookie_for` (proptest
//! below): an exact name wins, the first declared; otherwise the matching pattern with the
//! longest literal prefix, the first declared among equals.

use std::cmp::{Ordering, Reverse};

use consentry::policy::ResolvedCookie;
use consentry::{Pattern, Policy, SameSite};

/// What the gate needs to know about the declaration that covers a cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Declared<'a> {
    /// Category id (the declaration's own, or its service's).
    pub(crate) category: &'a str,
    /// The category is required: the cookie passes without asking the consent.
    pub(crate) required: bool,
    /// The policy declares the cookie `HttpOnly`.
    pub(crate) http_only: bool,
    /// The `SameSite` the policy declares for the cookie.
    pub(crate) same_site: Option<SameSite>,
}

impl<'a> Declared<'a> {
    /// The gate's view of a resolved declaration of `policy`.
    pub(crate) fn new(policy: &Policy, cookie: &ResolvedCookie<'a>) -> Self {
        Declared {
            category: cookie.category,
            required: policy.is_required(cookie.category),
            http_only: cookie.decl.http_only == Some(true),
            same_site: cookie.decl.same_site,
        }
    }
}

/// A [`Declared`] that owns its category id.
#[derive(Clone, Debug)]
struct Entry {
    category: Box<str>,
    required: bool,
    http_only: bool,
    same_site: Option<SameSite>,
}

impl Entry {
    fn declared(&self) -> Declared<'_> {
        Declared {
            category: &self.category,
            required: self.required,
            http_only: self.http_only,
            same_site: self.same_site,
        }
    }
}

/// A declaration by pattern (`_ga_*`).
#[derive(Clone, Debug)]
struct Wildcard {
    /// The literal text before the first `*`.
    prefix: Box<str>,
    /// The whole pattern, when more than the prefix must be checked; `None` for a prefix
    /// followed only by `*`s, which matches exactly the names starting with the prefix.
    rest: Option<Pattern>,
    /// Position of the declaration in `entries`.
    position: usize,
}

impl Wildcard {
    fn matches(&self, name: &str) -> bool {
        name.starts_with(&*self.prefix) && self.rest.as_ref().is_none_or(|p| p.matches(name))
    }
}

/// Cookie declarations by name: exact names for a binary search, patterns in the order they
/// win.
#[derive(Clone, Debug)]
pub(crate) struct CookieIndex {
    /// Every declaration, in `Policy::cookies()` order.
    entries: Vec<Entry>,
    /// Exact names in [`by_length_then_bytes`] order, each with the position of its first
    /// declaration.
    exact: Vec<(Box<str>, usize)>,
    /// Patterns, longest literal prefix first, in declaration order among equal lengths.
    wildcards: Vec<Wildcard>,
}

/// Shorter names first, so most comparisons of a binary search are one of lengths.
fn by_length_then_bytes(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl CookieIndex {
    /// Indexes every declaration of `policy` (top-level first, then each service's, the
    /// order [`Policy::cookie_for`] breaks ties in).
    pub(crate) fn new(policy: &Policy) -> Self {
        let mut entries = Vec::new();
        let mut exact: Vec<(Box<str>, usize)> = Vec::new();
        let mut wildcards = Vec::new();
        for (position, cookie) in policy.cookies().enumerate() {
            let declared = Declared::new(policy, &cookie);
            entries.push(Entry {
                category: declared.category.into(),
                required: declared.required,
                http_only: declared.http_only,
                same_site: declared.same_site,
            });
            let pattern = cookie.name();
            match pattern.as_str().split_once('*') {
                None => exact.push((pattern.as_str().into(), position)),
                Some((prefix, rest)) => wildcards.push(Wildcard {
                    prefix: prefix.into(),
                    rest: rest.contains(|c| c != '*').then(|| pattern.clone()),
                    position,
                }),
            }
        }
        // Both sorts are stable and `dedup_by` keeps the first of equal names: declaration
        // order decides among equals.
        exact.sort_by(|(a, _), (b, _)| by_length_then_bytes(a, b));
        exact.dedup_by(|(later, _), (first, _)| later == first);
        wildcards.sort_by_key(|w| Reverse(w.prefix.len()));
        CookieIndex {
            entries,
            exact,
            wildcards,
        }
    }

    /// The position in `Policy::cookies()` of the declaration covering the cookie `name`.
    fn position(&self, name: &str) -> Option<usize> {
        match self
            .exact
            .binary_search_by(|(exact, _)| by_length_then_bytes(exact, name))
        {
            Ok(i) => self.exact.get(i).map(|(_, position)| *position),
            Err(_) => self
                .wildcards
                .iter()
                .find(|w| w.matches(name))
                .map(|w| w.position),
        }
    }

    /// The declaration covering the cookie `name`: the same one as
    /// [`Policy::cookie_for`] on the policy the index was built from.
    pub(crate) fn get(&self, name: &str) -> Option<Declared<'_>> {
        self.entries.get(self.position(name)?).map(Entry::declared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consentry::{CookieDecl, Service};
    use proptest::prelude::*;

    fn decl(name: &str, category: Option<&str>, same_site: Option<SameSite>) -> CookieDecl {
        let mut d = CookieDecl::new(Pattern::new(name));
        d.category = category.map(str::to_owned);
        d.http_only = Some(same_site.is_some());
        d.same_site = same_site;
        d
    }

    /// Names and patterns over a small alphabet, where exact names, prefixes and wildcards
    /// collide the most.
    fn decls() -> impl Strategy<Value = Vec<CookieDecl>> {
        let category = prop::option::of(prop::sample::select(vec![
            "necessary",
            "analytics",
            "unknown",
        ]));
        let same_site =
            prop::option::of(prop::sample::select(vec![SameSite::Strict, SameSite::Lax]));
        prop::collection::vec(
            ("[ab*]{0,4}", category, same_site).prop_map(|(n, c, s)| decl(&n, c, s)),
            0..6,
        )
    }

    fn policy(top: Vec<CookieDecl>, services: Vec<Vec<CookieDecl>>) -> Policy {
        let mut p = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
        p.cookies = top;
        p.services = services
            .into_iter()
            .enumerate()
            .map(|(i, cookies)| {
                let category = if i % 2 == 0 { "analytics" } else { "necessary" };
                let mut s = Service::new(format!("s{i}"), category, "p", "q");
                s.cookies = cookies;
                s
            })
            .collect();
        p
    }

    /// `cookie_for`'s answer, with the position of its declaration in `Policy::cookies()`.
    fn reference<'p>(p: &'p Policy, name: &str) -> Option<(usize, Declared<'p>)> {
        let found = p.cookie_for(name)?;
        let position = p.cookies().position(|c| std::ptr::eq(c.decl, found.decl))?;
        Some((position, Declared::new(p, &found)))
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 5_000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn answers_like_cookie_for(
            top in decls(),
            services in prop::collection::vec(decls(), 0..3),
            names in prop::collection::vec("[ab*]{0,5}", 1..12),
        ) {
            let p = policy(top, services);
            let index = CookieIndex::new(&p);
            // Every declared name and pattern as a cookie name too, so exact hits and names
            // containing `*` are common.
            let declared: Vec<String> = p.cookies().map(|c| c.name().as_str().to_owned()).collect();
            for name in names.iter().chain(&declared) {
                let got = index.position(name).zip(index.get(name));
                prop_assert_eq!(got, reference(&p, name), "name {:?} in {:?}", name, declared);
            }
        }
    }

    #[test]
    fn example_policy() {
        let p = Policy::from_json(include_str!("../policies/p4p-packing.json")).unwrap();
        let index = CookieIndex::new(&p);
        let ga = index.get("_ga_ABC").unwrap();
        assert_eq!((ga.category, ga.required), ("analytics", false));
        let member = index.get("__Host-P4PMember").unwrap();
        assert_eq!(
            (member.required, member.http_only, member.same_site),
            (true, true, Some(SameSite::Strict))
        );
        assert_eq!(index.get("tracker"), None);
        assert_eq!(index.get(""), None);
    }
}
