//! Reading the policy from the JS object `JSON.parse` made, with serde.
//!
//! A small serde `Deserializer` over `JsValue`, written for size: serde_json's parser costs
//! about 30 KB gzip in wasm, and serde-wasm-bindgen formats every error with `Display`, which
//! links float formatting. Here errors are short messages built without `core::fmt`, naming the
//! field that was wrong. The core's derives do the rest, so the model is read exactly as on the
//! server (`deny_unknown_fields`, defaults, enum spellings); `Policy::validate` runs after.

use alloc::string::{String, ToString};
#[cfg(test)]
use alloc::vec::Vec;

use js_sys::{Array, Object, Reflect};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use wasm_bindgen::{JsCast, JsValue};

/// A policy that could not be read: the message names the field.
#[derive(Debug)]
pub(crate) struct Error(pub(crate) String);

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn msg(parts: &[&str]) -> Error {
    Error(parts.concat())
}

impl de::Error for Error {
    // The message is dropped on purpose: formatting it would link `Display` for every value
    // serde can report (floats included). The specific cases below keep the useful part.
    fn custom<T: core::fmt::Display>(_msg: T) -> Self {
        Error("invalid value".into())
    }
    fn invalid_type(_u: de::Unexpected<'_>, _exp: &dyn de::Expected) -> Self {
        Error("wrong type".into())
    }
    fn invalid_value(u: de::Unexpected<'_>, _exp: &dyn de::Expected) -> Self {
        match u {
            de::Unexpected::Str(s) => msg(&["unknown value \"", s, "\""]),
            _ => Error("invalid value".into()),
        }
    }
    fn unknown_variant(variant: &str, _expected: &'static [&'static str]) -> Self {
        msg(&["unknown value \"", variant, "\""])
    }
    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        msg(&["unknown field \"", field, "\""])
    }
    fn missing_field(field: &'static str) -> Self {
        msg(&["missing field \"", field, "\""])
    }
    fn duplicate_field(field: &'static str) -> Self {
        msg(&["duplicate field \"", field, "\""])
    }
}

/// Reads `T` from a JS value.
pub(crate) fn from_value<'de, T: de::Deserialize<'de>>(v: JsValue) -> Result<T, Error> {
    T::deserialize(De(v))
}

struct De(JsValue);

enum Kind {
    Unit,
    Bool(bool),
    U64(u64),
    I64(i64),
    Str(String),
    Seq(Array),
    Map(JsValue, Array),
}

fn classify(x: JsValue) -> Result<Kind, Error> {
    Ok(if x.is_null() || x.is_undefined() {
        Kind::Unit
    } else if let Some(b) = x.as_bool() {
        Kind::Bool(b)
    } else if let Some(n) = x.as_f64() {
        if n.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&n) {
            Kind::U64(n as u64)
        } else if n.fract() == 0.0 && n >= -9_007_199_254_740_991.0 {
            Kind::I64(n as i64)
        } else {
            return Err(Error("numbers must be whole".into()));
        }
    } else if let Some(s) = x.as_string() {
        Kind::Str(s)
    } else if Array::is_array(&x) {
        Kind::Seq(x.unchecked_into())
    } else if x.is_object() {
        let keys = Object::keys(x.unchecked_ref::<Object>());
        Kind::Map(x, keys)
    } else {
        return Err(Error("wrong type".into()));
    })
}

impl<'de> de::Deserializer<'de> for De {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        // Generic over every visitor: keep it a thin dispatch over `classify`.
        match classify(self.0)? {
            Kind::Unit => v.visit_unit(),
            Kind::Bool(b) => v.visit_bool(b),
            Kind::U64(n) => v.visit_u64(n),
            Kind::I64(n) => v.visit_i64(n),
            Kind::Str(s) => v.visit_string(s),
            Kind::Seq(a) => v.visit_seq(Seq { a, i: 0 }),
            Kind::Map(obj, keys) => v.visit_map(Map {
                obj,
                keys,
                i: 0,
                key: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if self.0.is_null() || self.0.is_undefined() {
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        // The policy's enums are all unit variants written as strings.
        match self.0.as_string() {
            Some(s) => v.visit_enum(IntoDeserializer::<Error>::into_deserializer(s)),
            None => Err(Error("expected a string".into())),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

struct Seq {
    a: Array,
    i: u32,
}

impl<'de> SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.i >= self.a.length() {
            return Ok(None);
        }
        let item = self.a.get(self.i);
        self.i += 1;
        seed.deserialize(De(item)).map(Some).map_err(|e| {
            let mut s = String::from("[");
            s.push_str(&(self.i - 1).to_string());
            s.push(']');
            prefix(&s, e)
        })
    }
}

struct Map {
    obj: JsValue,
    keys: Array,
    i: u32,
    key: Option<String>,
}

/// Prefixes an error with where it happened: `services[0].cookies: …`.
fn prefix(at: &str, e: Error) -> Error {
    let mut s = String::from(at);
    if !(e.0.starts_with('[') || e.0.starts_with('.') || e.0.starts_with(' ')) {
        s.push_str(": ");
    }
    s.push_str(&e.0);
    Error(s)
}

impl<'de> MapAccess<'de> for Map {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.i >= self.keys.length() {
            return Ok(None);
        }
        let k = self.keys.get(self.i).as_string().unwrap_or_default();
        self.i += 1;
        self.key = Some(k.clone());
        seed.deserialize(k.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let k = self.key.take().unwrap_or_default();
        let v = Reflect::get(&self.obj, &JsValue::from_str(&k)).unwrap_or(JsValue::UNDEFINED);
        seed.deserialize(De(v))
            .map_err(|e| prefix(&[".", &k].concat(), e))
    }
}

/// The keys of a JS object in order, for tests.
#[cfg(test)]
pub(crate) fn keys(v: &JsValue) -> Vec<String> {
    Object::keys(v.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use consentry::Policy;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn parse(json: &str) -> JsValue {
        js_sys::JSON::parse(json).unwrap_or(JsValue::NULL)
    }

    #[wasm_bindgen_test]
    fn reads_the_example_policy_like_the_core_does() {
        let text = include_str!("../../../examples/policies/p4p-packing.json");
        let ours: Policy = from_value(parse(text)).unwrap();
        assert_eq!(ours, Policy::from_json(text).unwrap());
        assert_eq!(keys(&parse(r#"{"b":1,"a":2}"#)), ["b", "a"]);
    }

    #[wasm_bindgen_test]
    fn errors_name_the_field() {
        let bad = parse(
            r#"{"revision":1,"categories":{"necessary":{"required":true,"lawful_basis":"contract"}},
               "services":[{"id":"x","category":"necessary","provider":"p","purpose":"q","colour":1}]}"#,
        );
        let e = from_value::<Policy>(bad).unwrap_err();
        assert_eq!(e.0, ".services[0]: unknown field \"colour\"");
        let e = from_value::<Policy>(parse(r#"{"revision":"one","categories":{}}"#)).unwrap_err();
        assert_eq!(e.0, ".revision: wrong type");
        let e = from_value::<Policy>(parse(r#"{"revision":1.5,"categories":{}}"#)).unwrap_err();
        assert_eq!(e.0, ".revision: numbers must be whole");
        let e = from_value::<Policy>(parse(
            r#"{"revision":1,"categories":{"a":{"lawful_basis":"vibes"}}}"#,
        ))
        .unwrap_err();
        assert_eq!(e.0, ".categories.a.lawful_basis: unknown value \"vibes\"");
        assert!(from_value::<Policy>(parse("[]")).is_err());
        assert!(from_value::<Policy>(JsValue::UNDEFINED).is_err());
    }
}
