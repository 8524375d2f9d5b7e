//! Reading the policy from the JS object `JSON.parse` made, into the core's types.
//!
//! Written for size. A serde `Deserializer` over `JsValue` cost 59 KB raw / 20 KB gzip here
//! (the derive's visitors instantiated per field type; serde-wasm-bindgen more, serde_json's
//! parser ~30 KB gzip). This reads each field with a handful of non-generic helpers instead and
//! builds the core's structs directly. It follows the file format of the core's serde model:
//! unknown fields are refused, the same defaults apply, enums are read by the core's own serde
//! derives (a string deserializer, which is small). The wasm tests check it against
//! `Policy::from_json` on every example policy and a policy using every field.
//! `Policy::validate` runs afterwards, as on the server.
//!
//! Two differences come from `JSON.parse` itself: a duplicated key keeps the last value (the
//! core refuses it), and category ids that are whole numbers are listed first.

use alloc::string::String;
use alloc::vec::Vec;
use consentry::SortedMap;

use consentry::policy::{Categories, CategoryText, Texts};
use consentry::{Category, CookieDecl, Pattern, Policy, Service};
use js_sys::{Array, Object};
use serde::de::{DeserializeOwned, IntoDeserializer};
use wasm_bindgen::{JsCast, JsValue};

/// A policy that could not be read: the message names the field, e.g.
/// `.services[0].colour: unknown field`.
#[derive(Debug)]
pub(crate) struct Error(pub(crate) String);

/// Errors from the enum deserializers; the message is dropped so that serde's `Display`
/// machinery (floats included) is not linked.
#[derive(Debug)]
struct EnumError;

impl core::fmt::Display for EnumError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("unknown value")
    }
}

impl std::error::Error for EnumError {}

impl serde::de::Error for EnumError {
    fn custom<T: core::fmt::Display>(_msg: T) -> Self {
        EnumError
    }
}

/// An enum written as a string, read by the core's serde derive.
fn enum_str<T: DeserializeOwned>(s: String, at: &str) -> R<T> {
    let de: serde::de::value::StringDeserializer<EnumError> = s.into_deserializer();
    T::deserialize(de).map_err(|_| fail(at, "unknown value"))
}

/// One JS object being read, with its path for error messages.
struct Obj {
    o: JsValue,
    at: String,
}

type R<T> = Result<T, Error>;

fn fail(at: &str, what: &str) -> Error {
    let mut s = String::from(if at.is_empty() { "." } else { at });
    s.push_str(": ");
    s.push_str(what);
    Error(s)
}

fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

fn keys(v: &JsValue) -> Vec<String> {
    Object::keys(v.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

impl Obj {
    /// `v` must be an object whose keys are all in `fields`.
    fn new(v: JsValue, at: String, fields: &[&str]) -> R<Obj> {
        if !is_plain_object(&v) {
            return Err(fail(&at, "expected an object"));
        }
        if let Some(bad) = keys(&v).into_iter().find(|k| !fields.contains(&k.as_str())) {
            return Err(fail(&dot(&at, &bad), "unknown field"));
        }
        Ok(Obj { o: v, at })
    }

    fn path(&self, k: &str) -> String {
        dot(&self.at, k)
    }

    /// The value of `k`; `None` when absent or `null`.
    fn get(&self, k: &str) -> Option<JsValue> {
        Some(crate::dom::get(&self.o, k)).filter(|v| !v.is_undefined() && !v.is_null())
    }

    fn wrong(&self, k: &str, what: &str) -> Error {
        fail(&self.path(k), what)
    }

    fn str(&self, k: &str) -> R<Option<String>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| self.wrong(k, "expected a string")),
        }
    }

    fn need_str(&self, k: &str) -> R<String> {
        self.str(k)?.ok_or_else(|| self.wrong(k, "missing field"))
    }

    fn u32(&self, k: &str) -> R<Option<u32>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) if n.fract() == 0.0 && (0.0..=4_294_967_295.0).contains(&n) => {
                    Ok(Some(n as u32))
                }
                _ => Err(self.wrong(k, "expected a whole number")),
            },
        }
    }

    fn bool(&self, k: &str) -> R<Option<bool>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.wrong(k, "expected true or false")),
        }
    }

    /// An enum written as a string, read by the core's serde derive.
    fn en<T: DeserializeOwned>(&self, k: &str) -> R<Option<T>> {
        self.str(k)?.map(|s| enum_str(s, &self.path(k))).transpose()
    }

    /// The elements of an array field (empty when absent), each with its path.
    fn list(&self, k: &str) -> R<Vec<(String, JsValue)>> {
        let Some(v) = self.get(k) else {
            return Ok(Vec::new());
        };
        if !Array::is_array(&v) {
            return Err(self.wrong(k, "expected a list"));
        }
        let a: Array = v.unchecked_into();
        Ok(a.iter()
            .enumerate()
            .map(|(i, v)| {
                let mut p = self.path(k);
                p.push('[');
                crate::json::push_int(&mut p, i as i64);
                p.push(']');
                (p, v)
            })
            .collect())
    }

    /// The entries of an object field in order (empty when absent), each with its path.
    fn entries(&self, k: &str) -> R<Vec<(String, String, JsValue)>> {
        let Some(v) = self.get(k) else {
            return Ok(Vec::new());
        };
        if !is_plain_object(&v) {
            return Err(self.wrong(k, "expected an object"));
        }
        Ok(keys(&v)
            .into_iter()
            .map(|key| {
                let val = crate::dom::get(&v, &key);
                (dot(&self.path(k), &key), key, val)
            })
            .collect())
    }

    fn patterns(&self, k: &str) -> R<Vec<Pattern>> {
        let mut out = Vec::new();
        for (at, v) in self.list(k)? {
            out.push(Pattern::new(
                v.as_string()
                    .ok_or_else(|| fail(&at, "expected a string"))?,
            ));
        }
        Ok(out)
    }
}

/// Reads a policy object.
pub(crate) fn policy(v: JsValue) -> R<Policy> {
    let p = Obj::new(
        v,
        String::new(),
        &[
            "revision",
            "consent_max_age_days",
            "cookie_name",
            "default_region",
            "regions",
            "categories",
            "services",
            "cookies",
            "undeclared_cookies",
            "receipt_endpoint",
            "texts",
        ],
    )?;
    if p.get("categories").is_none() {
        return Err(p.wrong("categories", "missing field"));
    }
    let mut regions = SortedMap::new();
    for (at, code, v) in p.entries("regions")? {
        regions.insert(code, enum_str(v.as_string().unwrap_or_default(), &at)?);
    }
    let mut categories = Vec::new();
    for (at, id, v) in p.entries("categories")? {
        categories.push((
            id,
            category(Obj::new(
                v,
                at,
                &[
                    "required",
                    "lawful_basis",
                    "consent_mode",
                    "sale_or_sharing",
                ],
            )?)?,
        ));
    }
    let mut services = Vec::new();
    for (at, v) in p.list("services")? {
        services.push(service(v, at)?);
    }
    let mut texts = SortedMap::new();
    for (at, lang, v) in p.entries("texts")? {
        texts.insert(lang, texts_for(v, at)?);
    }
    let defaults = consentry::policy::DEFAULT_CONSENT_MAX_AGE_DAYS;
    Ok(Policy {
        revision: p
            .u32("revision")?
            .ok_or_else(|| p.wrong("revision", "missing field"))?,
        consent_max_age_days: p.u32("consent_max_age_days")?.unwrap_or(defaults),
        cookie_name: p
            .str("cookie_name")?
            .unwrap_or_else(|| consentry::policy::DEFAULT_COOKIE_NAME.into()),
        default_region: p.en("default_region")?.unwrap_or_default(),
        regions,
        categories: Categories(categories),
        services,
        cookies: cookies(&p, "cookies")?,
        undeclared_cookies: p.en("undeclared_cookies")?.unwrap_or_default(),
        receipt_endpoint: p.str("receipt_endpoint")?,
        texts,
    })
}

fn category(c: Obj) -> R<Category> {
    let consent_mode = match c.get("consent_mode") {
        None => None,
        Some(_) => {
            let mut signals = Vec::new();
            for (at, v) in c.list("consent_mode")? {
                signals.push(enum_str(v.as_string().unwrap_or_default(), &at)?);
            }
            Some(signals)
        }
    };
    Ok(Category {
        required: c.bool("required")?.unwrap_or(false),
        lawful_basis: c
            .en("lawful_basis")?
            .ok_or_else(|| c.wrong("lawful_basis", "missing field"))?,
        consent_mode,
        sale_or_sharing: c.bool("sale_or_sharing")?,
    })
}

fn service(v: JsValue, at: String) -> R<Service> {
    let s = Obj::new(
        v,
        at,
        &[
            "id",
            "category",
            "provider",
            "purpose",
            "privacy_policy_url",
            "scripts",
            "iframes",
            "cookies",
        ],
    )?;
    Ok(Service {
        id: s.need_str("id")?,
        category: s.need_str("category")?,
        provider: s.need_str("provider")?,
        purpose: s.need_str("purpose")?,
        privacy_policy_url: s.str("privacy_policy_url")?,
        scripts: s.patterns("scripts")?,
        iframes: s.patterns("iframes")?,
        cookies: cookies(&s, "cookies")?,
    })
}

fn cookies(parent: &Obj, k: &str) -> R<Vec<CookieDecl>> {
    let mut out = Vec::new();
    for (at, v) in parent.list(k)? {
        let c = Obj::new(
            v,
            at,
            &[
                "name",
                "category",
                "provider",
                "purpose",
                "max_age_days",
                "exemption",
                "http_only",
                "same_site",
            ],
        )?;
        out.push(CookieDecl {
            name: Pattern::new(c.need_str("name")?),
            category: c.str("category")?,
            provider: c.str("provider")?,
            purpose: c.str("purpose")?,
            max_age_days: c.u32("max_age_days")?,
            exemption: c.en("exemption")?,
            http_only: c.bool("http_only")?,
            same_site: c.en("same_site")?,
        });
    }
    Ok(out)
}

fn texts_for(v: JsValue, at: String) -> R<Texts> {
    let t = Obj::new(
        v,
        at,
        &[
            "title",
            "body",
            "accept_all",
            "reject_all",
            "preferences",
            "save",
            "blocked",
            "allow",
            "privacy_url",
            "categories",
        ],
    )?;
    let mut categories = SortedMap::new();
    for (at, id, v) in t.entries("categories")? {
        let c = Obj::new(v, at, &["title", "description"])?;
        categories.insert(
            id,
            CategoryText {
                title: c.str("title")?,
                description: c.str("description")?,
            },
        );
    }
    Ok(Texts {
        title: t.str("title")?,
        body: t.str("body")?,
        accept_all: t.str("accept_all")?,
        reject_all: t.str("reject_all")?,
        preferences: t.str("preferences")?,
        save: t.str("save")?,
        blocked: t.str("blocked")?,
        allow: t.str("allow")?,
        privacy_url: t.str("privacy_url")?,
        categories,
    })
}

/// `a.b` (push_str, not `concat`: smaller in the module).
fn dot(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + 1 + b.len());
    s.push_str(a);
    s.push('.');
    s.push_str(b);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn parse(json: &str) -> JsValue {
        js_sys::JSON::parse(json).unwrap_or(JsValue::NULL)
    }

    /// Uses every field of the file format.
    const FULL: &str = r#"{
      "revision": 7, "consent_max_age_days": 30, "cookie_name": "cc",
      "default_region": "opt-in", "regions": {"US": "opt-out", "US-CA": "opt-out"},
      "categories": {
        "necessary": {"required": true, "lawful_basis": "contract"},
        "functional": {"lawful_basis": "consent", "consent_mode": ["functionality_storage"]},
        "analytics": {"lawful_basis": "consent", "sale_or_sharing": false},
        "marketing": {"lawful_basis": "consent", "sale_or_sharing": true}
      },
      "services": [{"id": "ga", "category": "analytics", "provider": "Google LLC", "purpose": "stats",
        "privacy_policy_url": "https://policies.google.com/privacy",
        "scripts": ["https://www.googletagmanager.com/gtag/js*"], "iframes": ["https://x.test/*"],
        "cookies": [{"name": "_ga", "max_age_days": 395}, {"name": "_ga_*", "max_age_days": 395, "purpose": "session"}]}],
      "cookies": [{"name": "sid", "category": "necessary", "provider": "us", "purpose": "session",
        "exemption": "csrf", "http_only": true, "same_site": "strict"}],
      "undeclared_cookies": "warn", "receipt_endpoint": "/r",
      "texts": {"en": {"title": "T", "body": "B", "accept_all": "A", "reject_all": "R", "preferences": "P",
        "save": "S", "blocked": "X", "allow": "Y", "privacy_url": "/privacy",
        "categories": {"analytics": {"title": "Stats", "description": "Counts"}}}, "de": {"title": "Titel"}}
    }"#;

    #[wasm_bindgen_test]
    fn reads_policies_exactly_like_the_core() {
        for text in [
            FULL,
            include_str!("../../../examples/policies/p4p-packing.json"),
            include_str!("../../../examples/policies/proecommerce.json"),
            include_str!("../../../examples/policies/packagetrack.json"),
        ] {
            let ours = policy(parse(text)).unwrap();
            assert_eq!(ours, Policy::from_json_unchecked(text).unwrap());
        }
    }

    #[wasm_bindgen_test]
    fn errors_name_the_field() {
        let err = |json: &str| policy(parse(json)).unwrap_err().0;
        assert_eq!(
            err(
                r#"{"revision":1,"categories":{},"services":[{"id":"x","category":"c","provider":"p","purpose":"q","colour":1}]}"#
            ),
            ".services[0].colour: unknown field"
        );
        assert_eq!(
            err(r#"{"revision":"one","categories":{}}"#),
            ".revision: expected a whole number"
        );
        assert_eq!(
            err(r#"{"revision":1.5,"categories":{}}"#),
            ".revision: expected a whole number"
        );
        assert_eq!(err(r#"{"categories":{}}"#), ".revision: missing field");
        assert_eq!(err(r#"{"revision":1}"#), ".categories: missing field");
        assert_eq!(
            err(r#"{"revision":1,"categories":{"a":{"lawful_basis":"vibes"}}}"#),
            ".categories.a.lawful_basis: unknown value"
        );
        assert_eq!(
            err(
                r#"{"revision":1,"categories":{},"cookies":[{"name":"x","same_site":"sometimes"}]}"#
            ),
            ".cookies[0].same_site: unknown value"
        );
        assert_eq!(
            err(r#"{"revision":1,"categories":{},"regions":{"US":"maybe"}}"#),
            ".regions.US: unknown value"
        );
        assert_eq!(err("[]"), ".: expected an object");
        assert!(policy(JsValue::UNDEFINED).is_err());
    }
}
