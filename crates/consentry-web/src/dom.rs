//! The few browser calls the module makes. Nothing here panics: a missing API (no gtag, no
//! gate, no `sendBeacon`) is skipped.

use alloc::string::String;
use alloc::vec::Vec;

use consentry::consent_mode::SignalState;
use consentry::ConsentId;
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, Window};

// The page's `window` and `document`, read once: one import each instead of js-sys's four
// global-object probes (`globalThis`, `self`, `window`, `global`) and `window.document`.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Window;
    #[wasm_bindgen(thread_local_v2, js_name = document)]
    static DOCUMENT: Document;
}

const BANNER: &str = "[data-consentry-banner]";
const FOCUSABLE: &str = "button,input:not([disabled]),a[href]";

pub(crate) fn window() -> Window {
    WINDOW.with(Window::clone)
}

pub(crate) fn document() -> Document {
    DOCUMENT.with(Document::clone)
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `document.cookie`.
pub(crate) fn cookie_jar() -> String {
    get(&document(), "cookie").as_string().unwrap_or_default()
}

/// `document.cookie = value`.
pub(crate) fn set_cookie(value: &str) {
    let _ = Reflect::set(&document(), &"cookie".into(), &value.into());
}

/// `location.hostname`.
pub(crate) fn host() -> String {
    window().location().hostname().unwrap_or_default()
}

pub(crate) fn is_https() -> bool {
    window().location().protocol().is_ok_and(|p| p == "https:")
}

/// `navigator.globalPrivacyControl === true`.
pub(crate) fn gpc() -> bool {
    get(&window().navigator(), "globalPrivacyControl") == JsValue::TRUE
}

/// A fresh consent id from `crypto.getRandomValues`.
pub(crate) fn new_id() -> ConsentId {
    let mut b = [0u8; 12];
    let ok = window()
        .crypto()
        .and_then(|c| c.get_random_values_with_u8_array(&mut b))
        .is_ok();
    if !ok {
        for x in &mut b {
            *x = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    ConsentId::from_random_bytes(b)
}

/// `gtag('consent', 'update', {...})`, if the gate defined `gtag`.
pub(crate) fn gtag_update(state: &SignalState) {
    let obj = Object::new();
    for (k, v) in state.entries() {
        let _ = Reflect::set(&obj, &k.into(), &v.into());
    }
    if let Ok(f) = get(&window(), "gtag").dyn_into::<Function>() {
        let _ = f.call3(&JsValue::NULL, &"consent".into(), &"update".into(), &obj);
    }
}

/// `consentryGate.allow(categories)`: the gate lets held elements of these categories go.
pub(crate) fn gate_allow(categories: &[String]) {
    let gate = get(&window(), "consentryGate");
    if let Ok(f) = get(&gate, "allow").dyn_into::<Function>() {
        let list: Array = categories.iter().map(|c| JsValue::from_str(c)).collect();
        let _ = f.call1(&gate, &list);
    }
}

/// `navigator.sendBeacon(url, body)`.
pub(crate) fn send_beacon(url: &str, body: &str) {
    let _ = window()
        .navigator()
        .send_beacon_with_opt_str(url, Some(body));
}

pub(crate) fn reload() {
    let _ = window().location().reload();
}

/// Dispatches `consentry:change` on `document` with the state as `detail`.
pub(crate) fn dispatch_change(state: &JsValue) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(state);
    if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict("consentry:change", &init) {
        let _ = document().dispatch_event(&ev);
    }
}

pub(crate) fn closest(el: &Element, selector: &str) -> Option<Element> {
    el.closest(selector).ok().flatten()
}

fn banner_root() -> Option<Element> {
    document().query_selector(BANNER).ok().flatten()
}

fn focusables(root: &Element) -> Vec<HtmlElement> {
    let mut out = Vec::new();
    if let Ok(list) = root.query_selector_all(FOCUSABLE) {
        for i in 0..list.length() {
            if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
                out.push(el);
            }
        }
    }
    out
}

/// The empty banner root: the stable hook and the dialog's ARIA attributes.
const ROOT: &str = "<div data-consentry-banner role=\"dialog\" aria-modal=\"true\" \
aria-labelledby=\"consentry-title\" aria-describedby=\"consentry-body\"></div>";

/// Shows the banner root with this inner HTML (escaped by `banner::render`), creating the
/// root and the style sheet (one `insertAdjacentHTML` each) the first time, and moves focus to its
/// first button.
pub(crate) fn show_banner(html: &str) {
    let doc = document();
    if doc
        .query_selector("style[data-consentry-style]")
        .ok()
        .flatten()
        .is_none()
    {
        if let Some(head) = doc.head() {
            let _ = head.insert_adjacent_html("beforeend", crate::banner::STYLE);
        }
    }
    if banner_root().is_none() {
        if let Some(body) = doc.body() {
            let _ = body.insert_adjacent_html("beforeend", ROOT);
        }
    }
    let Some(root) = banner_root() else {
        return;
    };
    root.set_inner_html(html);
    if let Some(first) = focusables(&root)
        .into_iter()
        .find(|e| e.tag_name() == "BUTTON")
    {
        let _ = first.focus();
    }
}

pub(crate) fn remove_banner() {
    if let Some(r) = banner_root() {
        r.remove();
    }
}

/// Ids of the checked category toggles in the banner.
pub(crate) fn checked_categories() -> Vec<String> {
    let mut out = Vec::new();
    let sel = "[data-consentry-banner] input[data-consentry-category]:checked";
    if let Ok(list) = document().query_selector_all(sel) {
        for i in 0..list.length() {
            if let Some(id) = list
                .item(i)
                .and_then(|n| n.dyn_into::<Element>().ok())
                .and_then(|e| e.get_attribute("data-consentry-category"))
            {
                out.push(id);
            }
        }
    }
    out
}

/// Keeps Tab and Shift+Tab inside the banner. Returns true when it moved focus itself
/// (the caller then prevents the default).
pub(crate) fn trap_focus(shift: bool) -> bool {
    let Some(root) = banner_root() else {
        return false;
    };
    let list = focusables(&root);
    let (Some(first), Some(last)) = (list.first(), list.last()) else {
        return false;
    };
    let active = document().active_element();
    let inside = active.as_ref().is_some_and(|a| root.contains(Some(a)));
    let at = |e: &HtmlElement| active.as_ref().is_some_and(|a| a == e.as_ref() as &Element);
    let to = if !inside {
        if shift {
            last
        } else {
            first
        }
    } else if shift && at(first) {
        last
    } else if !shift && at(last) {
        first
    } else {
        return false;
    };
    let _ = to.focus();
    true
}
