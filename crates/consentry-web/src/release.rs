//! Releasing marked markup: `<script type="text/plain" data-consent>` and
//! `<iframe data-consent data-src>`, in document order, each exactly once.
//!
//! A released script is a new `<script>` element with the old one's attributes (except
//! `type`, or `data-type` becomes its `type`) and text, put in the old one's place. External
//! scripts get `async = false`, and the next marked script waits for an external one's `load`
//! or `error`, so an inline script that uses a library loaded before it finds it.
//!
//! The queue lives in the page, not in the module: a marked script of a granted category gets
//! `data-consentry-queued` and is released when it is the first queued script in the document
//! and no released external script carries `data-consentry-waiting` (removed on its `load` or
//! `error`).

use alloc::string::String;

use wasm_bindgen::JsValue;
use web_sys::Element;

use crate::dom::{self, document};

/// Marks a script as queued for release.
const QUEUED: &str = "data-consentry-queued";
/// Marks the released external script the queue waits for.
const WAITING: &str = "data-consentry-waiting";

fn each(selector: &str, f: impl FnMut(Element)) {
    dom::each(&document(), selector, f);
}

fn is_allowed(el: &Element, allowed: &[String]) -> bool {
    dom::attr(el, "data-consent").is_some_and(|c| crate::listed(allowed, &c))
}

/// Releases every marked script and iframe of an allowed category, in document order.
pub(crate) fn release(allowed: &[String]) {
    each("iframe[data-consent][data-src]", |el| {
        if !is_allowed(&el, allowed) {
            return;
        }
        if let Some(src) = dom::attr(&el, "data-src") {
            dom::remove_attr(&el, "data-src");
            dom::remove_attr(&el, "hidden");
            if let Some(prev) = dom::get_element(&el, "previousElementSibling") {
                if dom::attr(&prev, "data-consentry-placeholder").is_some() {
                    prev.remove();
                }
            }
            dom::set_attr(&el, "src", &src);
        }
    });
    each(
        "script[type=\"text/plain\"][data-consent]:not([data-consentry-queued])",
        |el| {
            if is_allowed(&el, allowed) {
                dom::set_attr(&el, QUEUED, "");
            }
        },
    );
    pump();
}

/// Shows a placeholder before each iframe of a policy category not in `allowed` and hides
/// the iframe, once.
pub(crate) fn placeholders(allowed: &[String]) {
    each(
        "iframe[data-consent][data-src]:not([data-consentry-placed])",
        |el| {
            let cat = dom::attr(&el, "data-consent").unwrap_or_default();
            if crate::listed(allowed, &cat) {
                return;
            }
            if let Some(html) = crate::placeholder(&cat) {
                dom::set_attr(&el, "data-consentry-placed", "");
                dom::set_attr(&el, "hidden", "");
                dom::insert_html(&el, "beforebegin", &html);
            }
        },
    );
}

/// Releases queued scripts until an external one must load first.
fn pump() {
    let doc = document();
    while dom::query(&doc, "script[data-consentry-waiting]").is_none() {
        let Some(old) = dom::query(&doc, "script[data-consentry-queued]") else {
            return;
        };
        dom::remove_attr(&old, QUEUED);
        let new = copy_script(&old);
        if dom::attr(&old, "src").is_some() {
            dom::put(&new, "async", &JsValue::FALSE);
            dom::set_attr(&new, WAITING, "");
        }
        // An inline script runs here, synchronously; no state is held.
        dom::replace(&old, &new);
    }
}

fn copy_script(old: &Element) -> Element {
    let new = dom::new_script();
    for name in old.get_attribute_names().iter() {
        let Some(name) = name.as_string() else {
            continue;
        };
        if name == "type" || name == QUEUED {
            continue;
        }
        let value = dom::attr(old, &name).unwrap_or_default();
        let to = if name == "data-type" { "type" } else { &name };
        // A parsed attribute name may be one setAttribute refuses (then it is left out).
        dom::set_attr(&new, to, &value);
    }
    // `nonce` is hidden from getAttribute after parsing; copy the property (CSP).
    dom::put(&new, "nonce", &dom::get(old, "nonce"));
    dom::put(&new, "textContent", &dom::get(old, "textContent"));
    new
}

/// A `load` or `error` event reached the document: if it is the script being waited for,
/// continue with the next one.
pub(crate) fn script_done(el: &Element) {
    if dom::attr(el, WAITING).is_some() {
        dom::remove_attr(el, WAITING);
        pump();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use js_sys::Reflect;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn order() -> Vec<String> {
        let v = Reflect::get(&js_sys::global(), &"__order".into()).unwrap_or(JsValue::NULL);
        js_sys::Array::from(&v)
            .iter()
            .filter_map(|x| x.as_string())
            .collect()
    }

    #[wasm_bindgen_test]
    fn releases_granted_scripts_in_document_order_once_waiting_for_external_ones() {
        let doc = document();
        let host = doc.create_element("div").unwrap();
        host.set_inner_html(
            "<script type=\"text/plain\" data-consent=\"analytics\">__order.push('a1')</script>\
             <script type=\"text/plain\" data-consent=\"marketing\">__order.push('m')</script>\
             <script type=\"text/plain\" data-consent=\"analytics\" data-x=\"kept\" \
               src=\"data:text/javascript,__order.push('ext')\"></script>\
             <script type=\"text/plain\" data-consent=\"analytics\">__order.push('a2')</script>",
        );
        doc.body().unwrap().append_child(&host).unwrap();
        let _ = Reflect::set(&js_sys::global(), &"__order".into(), &js_sys::Array::new());
        let allowed = ["necessary".to_string(), "analytics".to_string()];

        release(&allowed);
        assert_eq!(
            order(),
            ["a1"],
            "the inline script after an external one waits"
        );
        release(&allowed);
        assert_eq!(order(), ["a1"], "nothing is queued twice");

        let ext = host.query_selector("script[src]").unwrap().unwrap();
        assert_eq!(ext.get_attribute("type"), None);
        assert_eq!(ext.get_attribute("data-x").as_deref(), Some("kept"));
        assert_eq!(Reflect::get(&ext, &"async".into()).unwrap(), JsValue::FALSE);
        // What the loader's capture listener does when the external script has loaded.
        script_done(&ext);
        let o = order();
        assert_eq!(
            o.last().map(String::as_str),
            Some("a2"),
            "then the next one runs"
        );
        assert_eq!(o.iter().filter(|x| *x == "a1").count(), 1);
        let plain = host
            .query_selector_all("script[type=\"text/plain\"]")
            .map(|l| l.length())
            .unwrap_or(0);
        assert_eq!(plain, 1, "only the marketing script is still text/plain");
        host.remove();
    }
}
