//! consentry's policy checker for Node.js: `npx consentry-check policy.json`.
//!
//! The browser module does not validate the policy (the validator's messages cost too much of
//! its size budget), so sites that only install the npm package check their policy file
//! where they write it. This crate is the core's full validation, the one the server runs
//! ([`Policy::from_json_unchecked`] and [`Policy::problems`]), built to wasm for Node.js by
//! `cargo xtask web` into `pkg/check/` and run by the hand-written command
//! `pkg/consentry-check.mjs`. Pages never load it.
//!
//! [`problems`] is the Rust API; [`check`] and [`notice`] are the functions the wasm module
//! exports (`npx consentry-check --notice md|html policy.json` prints the cookie and tracking
//! section of the privacy notice for a valid policy).
//!
//! ```
//! let json = consentry_check::check(r#"{ "revison": 1 }"#);
//! assert!(json.starts_with(r#"[{"kind":"syntax","path":"revison","message":"unknown field `revison`,"#));
//!
//! let valid = r#"{ "revision": 1,
//!   "categories": { "necessary": { "required": true, "lawful_basis": "contract" } } }"#;
//! assert_eq!(consentry_check::check(valid), "[]");
//! ```

use consentry::{Policy, PolicyError};
use serde::Serialize;
use wasm_bindgen::prelude::wasm_bindgen;

/// Every problem in the text of a policy file, in file order; empty if the policy is valid.
///
/// A file that does not parse (bad JSON, a wrong type, an unknown field) has exactly one
/// problem, of kind [`Syntax`](consentry::PolicyErrorKind::Syntax); one that parses has every
/// problem [`Policy::problems`] finds, the same paths and messages the server reports.
///
/// ```
/// use consentry::PolicyErrorKind;
/// let found = consentry_check::problems(r#"{
///   "revision": 1,
///   "categories": {
///     "necessary": { "required": true, "lawful_basis": "contract" },
///     "analytics": { "lawful_basis": "legitimate_interests" }
///   }
/// }"#);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].kind(), PolicyErrorKind::OptionalWithoutConsent);
/// assert_eq!(found[0].path(), "categories.analytics.lawful_basis");
/// ```
pub fn problems(text: &str) -> Vec<PolicyError> {
    match Policy::from_json_unchecked(text) {
        Ok(policy) => policy.problems(),
        Err(syntax) => vec![syntax],
    }
}

/// [`problems`] as a JSON array of `{ "kind", "path", "message" }` objects (`kind` as
/// [`PolicyErrorKind::as_str`](consentry::PolicyErrorKind::as_str) writes it), `[]` if the
/// policy is valid. The wasm module's export, called by `pkg/consentry-check.mjs`.
#[wasm_bindgen]
pub fn check(text: &str) -> String {
    let found = problems(text);
    let found: Vec<Problem<'_>> = found
        .iter()
        .map(|p| Problem {
            kind: p.kind().as_str(),
            path: p.path(),
            message: p.message(),
        })
        .collect();
    // Serialising strings into a `Vec` cannot fail.
    serde_json::to_string(&found).unwrap_or_default()
}

/// The cookie and tracking section of a privacy notice for a valid policy, as Markdown
/// (`format` `"md"`) or HTML (`"html"`); the empty string if the policy has a problem (run
/// [`check`] for them) or the format is neither.
///
/// ```
/// let valid = r#"{ "revision": 1,
///   "controller": { "name": "Shop Ltd", "contact": "privacy@shop.test" },
///   "categories": { "necessary": { "required": true, "lawful_basis": "contract" } } }"#;
/// assert!(consentry_check::notice(valid, "md").contains("Shop Ltd is responsible"));
/// assert!(consentry_check::notice(valid, "html").starts_with("<section"));
/// assert_eq!(consentry_check::notice(valid, "pdf"), "");
/// assert_eq!(consentry_check::notice(r#"{ "revison": 1 }"#, "md"), "");
/// ```
#[wasm_bindgen]
pub fn notice(text: &str, format: &str) -> String {
    let Ok(policy) = Policy::from_json(text) else {
        return String::new();
    };
    match format {
        "md" => policy.notice_markdown(),
        "html" => policy.notice_html(),
        _ => String::new(),
    }
}

/// A problem as [`check`] writes it, the fields in this order.
#[derive(Serialize)]
struct Problem<'a> {
    kind: &'static str,
    path: &'a str,
    message: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use consentry::PolicyErrorKind;
    use std::path::Path;

    /// A valid policy with Google Analytics, to break one field at a time.
    const GA: &str = r#"{
      "revision": 1,
      "categories": {
        "necessary": { "required": true, "lawful_basis": "contract" },
        "analytics": { "lawful_basis": "consent" }
      },
      "services": [{
        "id": "google-analytics", "category": "analytics", "provider": "Google LLC",
        "purpose": "Measures traffic",
        "scripts": ["https://www.googletagmanager.com/gtag/js*"],
        "cookies": [{ "name": "_ga", "max_age_days": 395 }]
      }]
    }"#;

    /// `(kind, path)` of every problem.
    fn kinds_and_paths(text: &str) -> Vec<(PolicyErrorKind, String)> {
        problems(text)
            .into_iter()
            .map(|p| (p.kind(), p.path().to_string()))
            .collect()
    }

    #[test]
    fn example_policies_have_no_problems() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert_eq!(problems(&text), [], "{}", path.display());
                assert_eq!(check(&text), "[]", "{}", path.display());
                checked += 1;
            }
        }
        assert!(checked >= 3, "only {checked} policies in {}", dir.display());
    }

    #[test]
    fn the_test_policy_is_valid() {
        assert_eq!(problems(GA), []);
    }

    #[test]
    fn reports_ga_declared_necessary() {
        let text = r#"{
          "revision": 1,
          "categories": { "necessary": { "required": true, "lawful_basis": "contract" } },
          "cookies": [{ "name": "_ga", "category": "necessary", "exemption": "session",
                        "http_only": true, "same_site": "strict", "purpose": "Counts visits" }]
        }"#;
        let found = problems(text);
        assert_eq!(
            kinds_and_paths(text),
            [(
                PolicyErrorKind::TrackingDeclaredNecessary,
                "cookies[0].category".to_string()
            )],
            "{found:?}"
        );
        assert!(found[0].message().contains("\"_ga\""), "{}", found[0]);
    }

    #[test]
    fn reports_a_required_analytics_category() {
        let text = GA.replace(
            r#""analytics": { "lawful_basis": "consent" }"#,
            r#""analytics": { "required": true, "lawful_basis": "consent" }"#,
        );
        // The first problem is the one to fix; the others follow from it.
        assert_eq!(
            kinds_and_paths(&text),
            [
                (
                    PolicyErrorKind::TrackingDeclaredNecessary,
                    "categories.analytics.required".to_string()
                ),
                (
                    PolicyErrorKind::Necessary,
                    "categories.analytics.lawful_basis".to_string()
                ),
                (
                    PolicyErrorKind::TrackingDeclaredNecessary,
                    "categories.analytics.consent_mode".to_string()
                ),
            ]
        );
    }

    #[test]
    fn reports_every_problem_not_only_the_first() {
        let text = GA
            .replace(
                r#""analytics": { "lawful_basis": "consent" }"#,
                r#""analytics": { "lawful_basis": "legitimate_interests" }"#,
            )
            .replace(r#""max_age_days": 395"#, r#""max_age_days": 730"#);
        assert_eq!(
            kinds_and_paths(&text),
            [
                (
                    PolicyErrorKind::OptionalWithoutConsent,
                    "categories.analytics.lawful_basis".to_string()
                ),
                (
                    PolicyErrorKind::CookieLifetimeTooLong,
                    "services[0].cookies[0].max_age_days".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_parse_error_is_one_syntax_problem() {
        // Truncated: the file ends inside `categories`.
        let truncated = &GA[..GA.find("\"analytics\"").unwrap()];
        let found = problems(truncated);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind(), PolicyErrorKind::Syntax);
        assert!(found[0].message().contains("line"), "{}", found[0]);

        let misspelt = GA.replace("\"revision\"", "\"revison\"");
        let found = problems(&misspelt);
        assert_eq!(
            kinds_and_paths(&misspelt),
            [(PolicyErrorKind::Syntax, "revison".to_string())]
        );
        assert!(
            found[0].message().starts_with("unknown field `revison`"),
            "{}",
            found[0]
        );

        let wrong_type = GA.replace("395", "\"13 months\"");
        assert_eq!(
            kinds_and_paths(&wrong_type),
            [(
                PolicyErrorKind::Syntax,
                "services[0].cookies[0].max_age_days".to_string()
            )]
        );

        assert_eq!(
            kinds_and_paths("not json"),
            [(PolicyErrorKind::Syntax, ".".to_string())]
        );
        assert_eq!(
            kinds_and_paths(&format!("{GA} {{}}")),
            [(PolicyErrorKind::Syntax, ".".to_string())]
        );
    }

    #[test]
    fn check_writes_kind_path_and_message_as_json() {
        let text = GA.replace(
            r#""analytics": { "lawful_basis": "consent" }"#,
            r#""analytics": { "lawful_basis": "legitimate_interests" }"#,
        );
        let json: serde_json::Value = serde_json::from_str(&check(&text)).unwrap();
        let p = &problems(&text)[0];
        assert_eq!(
            json,
            serde_json::json!([{
                "kind": "optional_without_consent",
                "path": "categories.analytics.lawful_basis",
                "message": p.message(),
            }])
        );
        // Quotes and newlines in a message are escaped, not copied into the JSON.
        let json: serde_json::Value = serde_json::from_str(&check("{\"a\n\"")).unwrap();
        assert_eq!(json[0]["kind"], "syntax");
        assert_eq!(json.as_array().map(Vec::len), Some(1));
    }
}
