//! The few browser calls the module makes. Nothing here panics: a missing API (no gtag, no
//! gate, no `sendBeacon`) is skipped.

use alloc::string::String;
use alloc::vec::Vec;

use consentry::ConsentId;
use js_sys::Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element};

// The page's `document`, `location` and GPC signal, read once: one import each instead of
// js-sys's four global-object probes (`globalThis`, `self`, `window`, `global`) and getters.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_name = document)]
    static DOCUMENT: Document;
    #[wasm_bindgen(thread_local_v2, js_name = location)]
    static LOCATION: Dom;
    /// `navigator.globalPrivacyControl` (`undefined` in browsers without GPC).
    #[wasm_bindgen(thread_local_v2, js_namespace = navigator, js_name = globalPrivacyControl)]
    static GPC: JsValue;
    /// `console.warn(message)`.
    #[wasm_bindgen(js_namespace = console)]
    pub(crate) fn warn(message: &str);
    /// `Reflect.get(o, key)`; an error when `o` is not an object.
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = get)]
    fn reflect_get(o: &JsValue, key: &str) -> Result<JsValue, JsValue>;
    /// `Reflect.set(o, key, value)`, only called with objects (never throws then).
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(o: &JsValue, key: &str, value: &JsValue) -> bool;
    /// `JSON.parse(text)`, only given JSON this module wrote (so it does not throw): the
    /// objects and arrays handed to JavaScript are written as text and made by this one
    /// import, instead of `new Object()`, `new Array()`, `push` and a `Reflect.set` per field.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse)]
    pub(crate) fn parse_json(text: &str) -> JsValue;
    /// `crypto.getRandomValues(buf)`; an error when there is no `crypto`.
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn random_fill(buf: &mut [u8]) -> Result<(), JsValue>;
    /// The loader's `apply(plan)` (`js/consentry.js`), handed to the glue under this name
    /// by `cargo xtask web`.
    #[wasm_bindgen(js_name = consentryApply)]
    pub(crate) fn apply(plan: &str);
}

// DOM methods, bound without `catch` where they cannot throw with the constant selectors,
// positions and attribute names used here (web-sys' catching bindings cost a `Result` at
// every call site). Properties are read with [`get`] (one import for all) rather than a
// getter binding each.
#[wasm_bindgen]
extern "C" {
    /// Any DOM node, for the bindings below (reached with `unchecked_ref`).
    type Dom;
    #[wasm_bindgen(method, js_name = insertAdjacentHTML)]
    fn insert_adjacent_html(this: &Dom, position: &str, html: &str);
    #[wasm_bindgen(method)]
    fn focus(this: &Dom);
    /// A `NodeList`, typed as an `Array` because it is only read through `length` and `[i]`:
    /// the two imports `Array` costs anyway (`accept` reads its argument with them).
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    fn query_selector_all(this: &Dom, selector: &str) -> Array;
    #[wasm_bindgen(method, js_name = querySelector)]
    fn query_selector(this: &Dom, selector: &str) -> JsValue;
    #[wasm_bindgen(method)]
    fn closest(this: &Dom, selector: &str) -> JsValue;
    /// `getAttribute` as a `JsValue` (a string or `null`), read with `as_string`: smaller
    /// glue than web-sys's `Option<String>` return (41 B gzip less).
    #[wasm_bindgen(method, js_name = getAttribute)]
    fn get_attribute(this: &Dom, name: &str) -> JsValue;
}

fn node(v: &JsValue) -> &Dom {
    v.unchecked_ref()
}

/// `el.getAttribute(name)`; `None` without the attribute.
pub(crate) fn attr(el: &Element, name: &str) -> Option<String> {
    node(el).get_attribute(name).as_string()
}

/// `el.insertAdjacentHTML(position, html)`.
pub(crate) fn insert_html(el: &Element, position: &str, html: &str) {
    node(el).insert_adjacent_html(position, html);
}

/// `el.focus()` (HTML and SVG elements have it).
pub(crate) fn focus(el: &Element) {
    node(el).focus();
}

/// The elements `root.querySelectorAll(selector)` finds, in document order.
pub(crate) fn each(root: &JsValue, selector: &str, mut f: impl FnMut(Element)) {
    // querySelectorAll only ever returns elements.
    for n in node(root).query_selector_all(selector).iter() {
        f(n.unchecked_into());
    }
}

const BANNER: &str = "[data-consentry-banner]";

pub(crate) fn document() -> Document {
    DOCUMENT.with(Document::clone)
}

/// `o[key]`, `undefined` when `o` is not an object (the key goes over as a string, without a
/// `JsValue` made for it).
pub(crate) fn get(o: &JsValue, key: &str) -> JsValue {
    reflect_get(o, key).unwrap_or(JsValue::UNDEFINED)
}

/// `o[key] = value` on an object `o`.
pub(crate) fn put(o: &JsValue, key: &str, value: &JsValue) {
    reflect_set(o, key, value);
}

/// The first element under `root` matching `selector`, in document order.
pub(crate) fn query(root: &JsValue, selector: &str) -> Option<Element> {
    element(node(root).query_selector(selector))
}

/// `document.cookie` ("" in a sandboxed document, where reading it throws).
pub(crate) fn cookie_jar() -> String {
    get_str(&document(), "cookie").unwrap_or_default()
}

/// `o[key]` when it is a string.
pub(crate) fn get_str(o: &JsValue, key: &str) -> Option<String> {
    get(o, key).as_string()
}

/// `o[key]` for a property that is an element or `null` (`document.body`, `activeElement`).
pub(crate) fn get_element(o: &JsValue, key: &str) -> Option<Element> {
    element(get(o, key))
}

/// An element or `null`, as bindings that find one return it (a `JsValue` rather than
/// `Option<Element>`: smaller glue; 12 B gzip less).
fn element(v: JsValue) -> Option<Element> {
    (v != JsValue::NULL).then(|| v.unchecked_into())
}

/// `location.hostname`.
pub(crate) fn host() -> String {
    LOCATION
        .with(|l| get_str(l, "hostname"))
        .unwrap_or_default()
}

pub(crate) fn is_https() -> bool {
    LOCATION.with(|l| get_str(l, "protocol")).as_deref() == Some("https:")
}

/// `navigator.globalPrivacyControl === true`.
pub(crate) fn gpc() -> bool {
    GPC.with(|g| *g == JsValue::TRUE)
}

/// A fresh consent id from `crypto.getRandomValues`.
pub(crate) fn new_id() -> ConsentId {
    let mut b = [0u8; 12];
    if random_fill(&mut b).is_err() {
        for x in &mut b {
            *x = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    ConsentId::from_random_bytes(b)
}

pub(crate) fn closest(el: &Element, selector: &str) -> Option<Element> {
    element(node(el).closest(selector))
}

/// Shows the banner (its whole markup, root included, escaped by `banner::render`) at the end
/// of `<body>` in place of the one shown before, inserting the style sheet the first time (one
/// `insertAdjacentHTML` each), and moves focus to its title (now, with `focus_now`; otherwise
/// through its `autofocus`), so the dialog is announced and no button is preselected (the next
/// Tab reaches the first control).
pub(crate) fn show_banner(html: &str, focus_now: bool) {
    let doc = document();
    if query(&doc, "style[data-consentry-style]").is_none() {
        if let Some(head) = get_element(&doc, "head") {
            insert_html(&head, "beforeend", crate::banner::STYLE);
        }
    }
    remove_banner();
    if let Some(body) = get_element(&doc, "body") {
        insert_html(&body, "beforeend", html);
    }
    if focus_now {
        if let Some(title) = query(&doc, "#consentry-title") {
            focus(&title);
        }
    }
}

pub(crate) fn remove_banner() {
    if let Some(r) = query(&document(), BANNER) {
        r.remove();
    }
}

/// Ids of the checked category toggles in the banner.
pub(crate) fn checked_categories() -> Vec<String> {
    let mut out = Vec::new();
    let sel = "[data-consentry-banner] input[data-consentry-category]:checked";
    each(&document(), sel, |e| {
        if let Some(c) = attr(&e, "data-consentry-category") {
            out.push(c);
        }
    });
    out
}
