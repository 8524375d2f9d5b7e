//! JSON: reading the policy file and writing its canonical form (feature `json`).

use alloc::string::String;
use alloc::vec::Vec;

use crate::receipt::sha256_hex;
use crate::validate::{PolicyError, PolicyErrorKind};
use crate::Policy;

impl Policy {
    /// Parses and validates a policy file.
    ///
    /// Errors name the path and the problem, e.g.
    /// `services[0].cookies[1].max_age_days: analytics cookie "_ga" lives 398 days; …`.
    ///
    /// ```
    /// use consentry::Policy;
    /// let err = Policy::from_json(r#"{"revision": 1, "categories": {"necessary": {"required": true, "lawful_basis": "contract"}},
    ///   "cookies": [{"name": "", "category": "necessary", "exemption": "session"}]}"#).unwrap_err();
    /// assert_eq!(err.to_string(), "cookies[0].name: must not be empty");
    /// ```
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        let policy = Self::from_json_unchecked(text)?;
        policy.validate()?;
        Ok(policy)
    }

    /// Parses a policy file without validating it (see [`Policy::problems`]).
    pub fn from_json_unchecked(text: &str) -> Result<Policy, PolicyError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let policy: Policy = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            // serde_path_to_error writes `?` for a key it never got to read (truncated input).
            let path = path.strip_suffix(".?").unwrap_or(&path);
            let path = if path.is_empty() || path == "." || path == "?" {
                ".".into()
            } else {
                String::from(path)
            };
            PolicyError::new(
                PolicyErrorKind::Syntax,
                path,
                strip_position(&inner.to_string()),
            )
        })?;
        // Anything but whitespace after the policy is an error, not ignored.
        de.end().map_err(|e| {
            PolicyError::new(PolicyErrorKind::Syntax, ".", strip_position(&e.to_string()))
        })?;
        // serde's derives also take a list for a struct and an object for an enum; the file
        // format does not. The browser module's reader is the format's definition: whatever it
        // refuses is refused here too, with its path and message, so the two readers accept
        // the same files (the `policy_readers` fuzz target checks it) without a second copy of
        // the format to keep in step.
        Policy::read_json(text)?;
        Ok(policy)
    }

    /// The canonical JSON of the policy: fields in a fixed order, defaults written out, no
    /// whitespace. Two files that mean the same policy have the same canonical form.
    pub fn to_canonical_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// SHA-256 of [`Policy::to_canonical_json`], lowercase hex: what receipts record.
    pub fn sha256_hex(&self) -> String {
        sha256_hex(self.to_canonical_json().as_bytes())
    }
}

impl crate::Receipt {
    /// The receipt as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a receipt (schema only; see [`crate::Receipt::verify`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() > crate::receipt::MAX_RECEIPT_BYTES {
            return Err("receipt too large".into());
        }
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        let receipt = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let path = e.path().to_string();
            alloc::format!("{path}: {}", strip_position(&e.into_inner().to_string()))
        })?;
        // Anything but whitespace after the receipt is an error, not ignored.
        de.end()
            .map_err(|e| alloc::format!(".: {}", strip_position(&e.to_string())))?;
        Ok(receipt)
    }
}

/// serde_json appends " at line L column C"; keep it, but only once and tidy.
fn strip_position(msg: &str) -> String {
    let v: Vec<&str> = msg.splitn(2, " at line ").collect();
    match v.as_slice() {
        [m, pos] => alloc::format!("{m} (line {})", pos.replace(" column ", ", column ")),
        _ => msg.into(),
    }
}
