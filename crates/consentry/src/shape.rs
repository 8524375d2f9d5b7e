//! The policy file's objects and strings, checked where serde's derives accept other forms
//! (feature `json`).
//!
//! serde's derived `Deserialize` reads a struct from a JSON list as well as from an object
//! (`"necessary": [true, "contract"]`) and a unit enum from an object as well as from a string
//! (`"lawful_basis": {"contract": null}`). Neither is the file format, and `Policy::read_json`
//! (the browser module's reader) refuses both, so `Policy::from_json_unchecked` refuses them
//! too with this check: one more pass over a text serde_json has already read, which only
//! follows the fields whose values are structs or enums. Both readers then accept the same
//! files, which the `policy_readers` fuzz target checks.

use alloc::string::String;
use core::fmt;

use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use crate::validate::{PolicyError, PolicyErrorKind};

/// What the file format has at a place.
#[derive(Clone, Copy)]
enum Shape {
    /// An object with these fields (those not listed hold no struct or enum).
    Struct(&'static [(&'static str, Shape)]),
    /// An object whose every value has this shape.
    MapOf(&'static Shape),
    /// A list whose every item has this shape (or `null`, for an optional list).
    ListOf(&'static Shape),
    /// An enum: a string.
    Name,
}

const CATEGORY_TEXT: Shape = Shape::Struct(&[]);
const TEXTS: Shape = Shape::Struct(&[("categories", Shape::MapOf(&CATEGORY_TEXT))]);
const COOKIE: Shape = Shape::Struct(&[("exemption", Shape::Name), ("same_site", Shape::Name)]);
const SERVICE: Shape = Shape::Struct(&[("cookies", Shape::ListOf(&COOKIE))]);
const CATEGORY: Shape = Shape::Struct(&[
    ("lawful_basis", Shape::Name),
    ("consent_mode", Shape::ListOf(&Shape::Name)),
]);
const POLICY: Shape = Shape::Struct(&[
    ("default_region", Shape::Name),
    ("regions", Shape::MapOf(&Shape::Name)),
    ("categories", Shape::MapOf(&CATEGORY)),
    ("services", Shape::ListOf(&SERVICE)),
    ("cookies", Shape::ListOf(&COOKIE)),
    ("undeclared_cookies", Shape::Name),
    ("texts", Shape::MapOf(&TEXTS)),
]);

/// Refuses a policy text with a list where the format has an object, or an object where it
/// has a string, with the path and message `Policy::read_json` gives. Meant for a text
/// serde_json has read as a policy: other errors are serde's to report.
pub(crate) fn check(text: &str) -> Result<(), PolicyError> {
    let mut path = String::new();
    let mut de = serde_json::Deserializer::from_str(text);
    match (Walk {
        shape: POLICY,
        path: &mut path,
    })
    .deserialize(&mut de)
    {
        Ok(()) => Ok(()),
        Err(e) => {
            if path.is_empty() {
                path.push('.');
            }
            // The message is one this module wrote; serde_json adds the place.
            let message = alloc::string::ToString::to_string(&e);
            let message = message.split(" at line ").next().unwrap_or_default();
            Err(PolicyError::new(PolicyErrorKind::Syntax, path, message))
        }
    }
}

/// Reads one value, checking it has `shape`. `path` is where it is; after an error it stays
/// where the error was.
struct Walk<'p> {
    shape: Shape,
    path: &'p mut String,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a policy value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let fields = match self.shape {
            Shape::Name => return Err(A::Error::custom("expected a string")),
            Shape::Struct(fields) => Some(fields),
            Shape::MapOf(_) => None,
            Shape::ListOf(_) => {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(());
            }
        };
        let len = self.path.len();
        while let Some(key) = map.next_key::<String>()? {
            let shape = match (fields, self.shape) {
                (Some(fields), _) => fields.iter().find(|(f, _)| *f == key).map(|(_, s)| *s),
                (None, Shape::MapOf(values)) => Some(*values),
                _ => None,
            };
            let Some(shape) = shape else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if !self.path.is_empty() {
                self.path.push('.');
            }
            self.path.push_str(&key);
            map.next_value_seed(Walk {
                shape,
                path: self.path,
            })?;
            self.path.truncate(len);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let item = match self.shape {
            Shape::Struct(_) | Shape::MapOf(_) => {
                return Err(A::Error::custom("expected an object"))
            }
            Shape::Name => {
                return Err(A::Error::custom("expected a string"));
            }
            Shape::ListOf(item) => *item,
        };
        let len = self.path.len();
        let mut i: u64 = 0;
        loop {
            self.path.push('[');
            crate::codec::push_u64(self.path, i);
            self.path.push(']');
            let more = seq.next_element_seed(Walk {
                shape: item,
                path: self.path,
            })?;
            self.path.truncate(len);
            if more.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    // Strings, numbers, booleans and `null`: serde has checked them against their fields.
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}
