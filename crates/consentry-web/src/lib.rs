//! consentry in the browser: the wasm module behind `pkg/consentry.js`.
//!
//! The module holds the consent logic the page runs: it reads the consent cookie and decides
//! with the core crate ([`consentry::decide`]), shows the banner, makes the records of the
//! visitor's choices (consent cookie, receipt), applies Global Privacy Control and works out
//! which cookies of refused categories to delete. What follows from a decision — the
//! `gtag('consent','update',…)` call (Consent Mode v2), the cookie writes and deletions, the
//! receipt's `navigator.sendBeacon`, `consentryGate.allow`, the release of marked markup
//! (`<script type="text/plain" data-consent>`, `<iframe data-consent data-src>`) in document
//! order, the iframe placeholders and the `consentry:change` event — is written by the module
//! as one plan (JSON) and carried out by the loader (`js/consentry.js`, `apply`), which runs
//! no consent logic of its own.
//!
//! # Returning visitors
//!
//! A visitor who has already chosen does not need the banner, its texts or the module at all:
//! on such a page the module's plan would be the same as on the last page, as long as
//! everything it was decided from is the same. So the loader keeps the last plan of a
//! standing choice in `localStorage` (key `consentry`) with those inputs — the policy's text,
//! the `region` option and `data-region`, the `settingsButton` option and
//! `data-settings-button`, `navigator.globalPrivacyControl`, the page's `lang`, the consent
//! cookie exactly as `document.cookie` shows it, and the names of the other cookies — and on
//! the next page, when all of them are equal, the time is inside the choice's
//! lifetime and no cookie name is new, it carries out that plan without loading the module.
//! Anything else (a first visit, a changed policy or cookie, GPC turned on, an expired choice,
//! storage unavailable) loads the module, which decides afresh. A page with no cookie it can
//! read has no standing choice: the loader then loads the module without opening storage
//! (its first use can hold the page up for tens of milliseconds). The memo is only a copy of
//! the module's output keyed by its inputs: one codec and one set of rules, in Rust. A
//! returning visitor then downloads the gate and the loader (3.9 KB gzip) instead of 26.6 KB;
//! the API works the same, and loads the module on the first call that needs it (those calls
//! return a promise). The storage key is part of the consent mechanism, like the consent
//! cookie; a withdrawal that reloads the page removes it (the module decides afresh on the
//! reloaded page and keeps the standing refusal instead).
//!
//! Options measured (2026-12-03, gzip -9, what a returning visitor downloads, `cargo xtask
//! bench`):
//!
//! | option | returning visit | verdict |
//! |---|---|---|
//! | the whole module on every page (before) | 25,429 B | the banner's code and texts every time |
//! | a second, decisions-only wasm: policy reader, codec, rules, allocator, no bindings (built with the bundle's flags and `wasm-opt` passes) | 8,131 B for that wasm alone, ≈ 10.5 KB with gate and loader | over the 6 KB target before any DOM code |
//! | the server decides and writes the plan into the page | gate + loader | needs a consentry server: static sites get nothing |
//! | the module's last plan, kept by the loader (chosen) | 3,775 B (gate 1,991 + loader 1,784) | works for every site; costs a first visit 294 B (release moved into the loader, one more file) |
//!
//! The policy comes in as the text of the policy file (or an object given to `start()`,
//! turned back into text), read by the core's small reader [`Policy::read_json`], so
//! serde_json's parser is not linked. JavaScript calls the exported functions through the loader
//! `pkg/consentry.js`, which also routes `click` and `keydown` events of the document to
//! [`on_event`].
//!
//! Side effects that can run page scripts (gtag, released scripts, `consentry:change`
//! listeners) always happen after the module's state is released, so a listener may call back
//! into the API.

// The shipped module (feature `bundle`, set by `cargo xtask web`) has no std: the panic
// handler below traps, so neither std's panic machinery nor `core::fmt` is linked. Other builds
// (native for the gate's text, the wasm tests, whose harness needs std) keep std.
#![cfg_attr(all(target_family = "wasm", feature = "bundle"), no_std)]

extern crate alloc;

mod banner;
mod cookies;
mod dom;
pub mod gate;
mod json;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use consentry::consent_mode::SignalState;
use consentry::{
    decide, ConsentRecord, Context, Method, Policy, Receipt, ReceiptContext, Timestamp,
};
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Everything the module knows after [`start`].
struct App {
    policy: Policy,
    region: Option<String>,
    /// SHA-256 of the canonical policy, for receipts, from the page (none: no receipts).
    policy_sha256: Option<String>,
    gpc: bool,
    reload_on_withdraw: bool,
    lang: String,
    /// Categories allowed now (required ones included), in policy order.
    allowed: Vec<String>,
    /// The record in force, if any.
    record: Option<ConsentRecord>,
    /// True until the visitor (or GPC) has decided.
    needs_prompt: bool,
    /// Which banner layer is open: 0 none, 1 first, 2 preferences.
    layer: u8,
    /// The preferences were opened directly (reopen link or API), not from the first layer.
    direct: bool,
}

impl App {
    /// Is this category allowed now? (One function for every such question: smaller than
    /// the same search inlined at each.)
    fn allows(&self, category: &str) -> bool {
        listed(&self.allowed, category)
    }
}

/// Is `id` in `list`? The one search of a category list in the module (`contains` would
/// instantiate another for `&String`; 36 B gzip less).
fn listed(list: &[String], id: &str) -> bool {
    list.iter().any(|c| c == id)
}

/// Where focus was before the banner opened: a property of `document` (JS objects stay out of
/// the module's state, which lives in a `static`).
const FOCUS_BEFORE: &str = "__consentryFocus";

/// A panic (there is none by design: every fallible path returns an error or "no consent")
/// stops the module with a trap, which JavaScript sees as an exception.
#[cfg(all(target_family = "wasm", feature = "bundle"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// talc instead of std's dlmalloc: about 6 KB less wasm, same behaviour for this module's
/// small, short-lived allocations.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The state. The page has one thread; the lock only turns re-entrant calls (from page scripts
/// run while the state is held) into `None`.
static APP: spin::mutex::SpinMutex<Option<App>> = spin::mutex::SpinMutex::new(None);

/// Runs `f` on the state, if started and not already held (re-entrant calls from page
/// scripts see `None` instead of a panic).
fn with_app<R>(f: impl FnOnce(&mut App) -> R) -> Option<R> {
    APP.try_lock()?.as_mut().map(f)
}

/// Throws `new Error(msg)` to JavaScript: wasm-bindgen's `throw_str`, whose import the
/// module has anyway, instead of an `Error` import and a `Result` return (83 B gzip less).
/// Only for [`start`]'s fatal errors: what the call holds then (its arguments, the policy
/// text) is not freed, once per page.
fn fail(msg: &str) -> ! {
    wasm_bindgen::throw_str(msg)
}

fn now() -> Timestamp {
    Timestamp((js_sys::Date::now() / 1000.0) as i64)
}

/// Starts consentry on this page with a policy (the policy file's text; the loader turns an
/// object of the same shape into it with `JSON.stringify`, so the module needs no import for
/// that) and options (`region`, `reloadOnWithdraw`, `policySha256`). The loader reads the
/// state from the plan it is handed (`Effects`), so nothing is returned.
/// Throws when the policy cannot be read; then nothing is released (fail closed). A policy
/// that reads but breaks the rules is made safe ([`Policy::harden`]) rather than checked
/// here: check it where it is written (`npx consentry-check policy.json`).
#[wasm_bindgen]
pub fn start(policy: JsValue, options: JsValue) {
    if APP.try_lock().is_none_or(|a| a.is_some()) {
        fail("consentry: already started");
    }
    // The policy file's text (the loader turns an object given to `start()` back into it).
    let text = policy.as_string().unwrap_or_default();
    let mut policy = match Policy::read_json(&text) {
        Ok(p) => p,
        Err(e) => fail(
            &("consentry: cannot read the policy: ".to_string() + e.path() + ": " + e.message()),
        ),
    };
    // Not validated here (the rules cost 1.7 KB gzip, more than the banner): whatever the
    // policy says, nothing is granted without consent. `consentry-check` and the server
    // validate it where it is written.
    if policy.harden() {
        dom::warn("consentry: unsafe policy settings ignored (npx consentry-check says which)");
    }
    let doc = dom::document();
    let tag = dom::query(&doc, "#consentry-policy");
    let from_tag = |attr: &str| tag.as_ref().and_then(|t| dom::attr(t, attr));
    let region = dom::get_str(&options, "region")
        .or_else(|| from_tag("data-region"))
        .filter(|r| !r.is_empty());
    let policy_sha256 = dom::get_str(&options, "policySha256").or_else(|| from_tag("data-sha256"));
    // Only `false` turns it off, as `.as_bool().unwrap_or(true)` would.
    let reload_on_withdraw = dom::get(&options, "reloadOnWithdraw") != JsValue::FALSE;
    let gpc = dom::gpc();
    // The `lang` property reflects the attribute ("" without one, or without a root element).
    let lang = dom::get_str(&dom::get(&doc, "documentElement"), "lang").unwrap_or_default();

    let t = now();
    let jar = dom::cookie_jar();
    let decision = decide(
        &policy,
        cookies::consent(&jar, &policy, dom::is_https()),
        &Context {
            now: t,
            region: region.as_deref(),
            gpc,
        },
    );
    let gpc_record = decision.gpc_record(&policy, t, dom::new_id());
    // A new GPC opt-out record is stored (cookie, receipt); a record read back is not.
    let store = gpc_record.is_some();
    let needs_prompt = decision.needs_prompt();
    // Moved out, not cloned: the decision is not needed after this.
    let (record, allowed) = decision.into_parts();
    let app = App {
        allowed,
        record: gpc_record.or(record),
        needs_prompt,
        policy,
        region,
        policy_sha256,
        gpc,
        reload_on_withdraw,
        lang,
        layer: 0,
        direct: false,
    };
    let effects = Effects::for_state(&app, app.record.as_ref().filter(|_| store), false);
    let prompt = app.needs_prompt;
    if let Some(mut a) = APP.try_lock() {
        *a = Some(app);
    }
    effects.run();
    if prompt {
        open(1, false);
    }
}

/// What to do after a decision: a plan, written as JSON while the state is borrowed and carried
/// out after by the loader's `apply` (`js/consentry.js`), which also keeps it for the next page
/// (crate docs, "Returning visitors").
///
/// `{update, cookies, receipt?, reload?, allowed, placeholders, state, reopen?, memo?}`: the
/// Consent Mode update (denied before anything is deleted, granted before released tags run),
/// the `document.cookie` assignments in order (the consent cookie when a record is stored, then
/// the deletions of refused categories' cookies), the receipt's endpoint and body, whether to
/// reload instead of releasing, the allowed categories, the placeholder of each policy category
/// that is not allowed, the API's state, the floating "Cookie settings" button once a choice
/// stands (the loader leaves it out where it is turned off), and, while a stored choice holds,
/// what else the decision depended on: the consent cookie's name, the times between which the
/// choice holds and the cookie names left after the deletions.
struct Effects(String);

impl Effects {
    fn for_state(app: &App, stored: Option<&ConsentRecord>, reload: bool) -> Effects {
        let host = dom::host();
        let domains = cookies::domains(&host);
        let jar = dom::cookie_jar();
        let mut cookies = Vec::new();
        let https = dom::is_https();
        // The consent cookie's name on this page (`__Host-` over HTTPS), for the memo.
        let consent_name = app.policy.consent_cookie_name(https);
        let mut kept = Vec::new();
        kept.push(consent_name.clone());
        if let Some(r) = stored {
            cookies::store_consent(&mut cookies, &app.policy, r, https);
        }
        for (name, _) in cookies::pairs(&jar) {
            let refused = app
                .policy
                .cookie_for(name)
                .is_some_and(|c| !app.allows(c.category));
            if refused && !app.policy.is_consent_cookie_name(name, https) {
                cookies::deletions(&mut cookies, name, &domains);
            } else if !listed(&kept, name) {
                kept.push(name.to_string());
            }
        }
        let texts = app.policy.texts_for(&app.lang);
        let mut o = String::from("{");
        json::key(&mut o, "update");
        o.push_str(&SignalState::from_allowed(&app.policy, |c| app.allows(c)).to_json(None));
        json::key(&mut o, "cookies");
        json::push_list(&mut o, &cookies);
        if let Some((url, body)) = stored.and_then(|r| receipt(app, r, texts.language)) {
            json::key(&mut o, "receipt");
            json::push_list(&mut o, &[url, body]);
        }
        if reload {
            json::bool_field(&mut o, "reload", true);
        }
        json::key(&mut o, "allowed");
        json::push_list(&mut o, &app.allowed);
        json::key(&mut o, "placeholders");
        o.push('{');
        for (c, cat) in app.policy.categories.iter() {
            if !cat.required && !app.allows(c) {
                json::key(&mut o, c);
                json::push_str(&mut o, &banner::placeholder(&texts, c));
            }
        }
        o.push('}');
        json::key(&mut o, "state");
        o.push('{');
        state_fields(&mut o, app);
        o.push('}');
        // A way back on every page: the loader adds the button where the page has no
        // `data-consentry-open` element and it is not turned off (not while the banner asks).
        if !app.needs_prompt {
            json::key(&mut o, "reopen");
            json::push_str(&mut o, &banner::settings_button(&texts));
        }
        if let Some(r) = app.record.as_ref().filter(|_| !app.needs_prompt && !reload) {
            json::key(&mut o, "memo");
            o.push('{');
            json::str_field(&mut o, "cookie", &consent_name);
            json::key(&mut o, "from");
            json::push_int(&mut o, r.decided_at.unix());
            json::key(&mut o, "until");
            json::push_int(&mut o, r.expires_at(&app.policy).unix());
            json::key(&mut o, "names");
            json::push_list(&mut o, &kept);
            o.push('}');
        }
        o.push('}');
        Effects(o)
    }

    /// Hands the plan to the loader (page scripts run there: called with no state held).
    fn run(self) {
        dom::apply(&self.0);
    }
}

/// The receipt's endpoint and body for a record, in this language (`texts_for`'s), with each
/// purpose as it runs now (a GPC opt-out under an opt-out profile grants nothing, yet the
/// categories that are not sale or sharing run).
fn receipt(app: &App, record: &ConsentRecord, language: &str) -> Option<(String, String)> {
    let url = app.policy.receipt_endpoint.clone()?;
    // The page supplies the hash (`data-sha256`, `policySha256`); without it no receipt is
    // sent, rather than one naming a wrong policy.
    let hash = app.policy_sha256.as_deref()?;
    let r = Receipt::of_decision(
        &app.policy,
        record,
        |c| app.allows(c),
        &ReceiptContext::new(dom::new_id(), app.region.as_deref(), language, hash),
    );
    Some((url, json::receipt(&r)))
}

/// A visitor's choice.
enum Choice {
    All(bool),
    Some(Vec<String>),
    /// The categories allowed now and this one (a placeholder's button): read from the
    /// state, not cloned out of it first (74 B gzip less).
    Add(String),
    Withdraw,
}

fn choose(choice: Choice) {
    let Some(effects) = with_app(|app| {
        let t = now();
        // One consent id for the visitor while their consent cookie lives: the server's consent
        // log then finds every decision of this browser under it (`/privacy`, export).
        let id = app.record.as_ref().map_or_else(dom::new_id, |r| r.id);
        // "Reject all" over a stored consent that granted something takes it back.
        let granted_before = app
            .record
            .as_ref()
            .is_some_and(|r| r.choices.iter().any(|(_, on)| *on));
        // What the choice grants, then one constructor for every kind of choice (smaller in
        // the module than one each).
        let mut list: Vec<&str> = Vec::new();
        let method = match &choice {
            Choice::All(true) => {
                for (c, _) in app.policy.categories.iter() {
                    list.push(c);
                }
                Method::AcceptAll
            }
            Choice::All(false) if !granted_before => Method::RejectAll,
            Choice::All(false) | Choice::Withdraw => Method::Withdrawal,
            Choice::Some(l) => {
                for c in l {
                    list.push(c);
                }
                Method::Custom
            }
            Choice::Add(extra) => {
                list.push(extra);
                for c in &app.allowed {
                    list.push(c);
                }
                Method::Custom
            }
        };
        // GPC is the visitor's word in this page too: a click grants nothing it opts out of
        // (what `ConsentRecord::apply_gpc` does to a record made already), as `decide` reads
        // the record on the next page.
        if app.gpc {
            list.retain(|c| !app.policy.gpc_opts_out_of(c));
        }
        // An unknown category refuses the whole call: nothing changes.
        let record = ConsentRecord::new(&app.policy, &list, method, t, id).ok()?;
        let before = core::mem::take(&mut app.allowed);
        for (c, cat) in app.policy.categories.iter() {
            if cat.required || record.granted(c) {
                app.allowed.push(c.to_string());
            }
        }
        // Code of a category that ran cannot be unloaded: taking a grant back reloads.
        let revoked = before.iter().any(|c| !app.allows(c));
        let reload = revoked && app.reload_on_withdraw;
        // Every choice is stored, a withdrawal too: it stands as a refusal until it expires or
        // the policy changes, so the visitor is not asked again on the next page.
        app.record = Some(record);
        app.needs_prompt = false;
        Some(Effects::for_state(app, app.record.as_ref(), reload))
    })
    .flatten() else {
        return;
    };
    close();
    effects.run();
}

/// Opens the banner at a layer.
fn open(layer: u8, direct: bool) {
    let html = with_app(|app| {
        let texts = app.policy.texts_for(&app.lang);
        let html = banner::render(&app.policy, &texts, layer, |c| {
            app.record.as_ref().is_some_and(|r| r.granted(c))
        });
        let first = app.layer == 0;
        app.layer = layer;
        app.direct = direct;
        (html, first, layer)
    });
    if let Some((html, first, layer)) = html {
        let doc = dom::document();
        if first {
            let active = dom::get(&doc, "activeElement");
            dom::put(&doc, FOCUS_BEFORE, &active);
        }
        // The first layer opening from closed is the banner at page load (`start`): its
        // title's `autofocus` takes the focus at the next frame, without the layout a
        // `focus()` call forces before the banner is painted (and not from a field the visitor
        // is already typing in). Every other opening follows a click or key: focus now.
        dom::show_banner(&html, !(first && layer == 1));
    }
}

/// Closes the banner and gives focus back.
fn close() {
    with_app(|app| app.layer = 0);
    let doc = dom::document();
    let before = dom::get(&doc, FOCUS_BEFORE);
    dom::put(&doc, FOCUS_BEFORE, &JsValue::UNDEFINED);
    dom::remove_banner();
    if let Ok(el) = before.dyn_into::<web_sys::HtmlElement>() {
        dom::focus(&el);
    }
}

/// Is this category allowed now? Required categories always are; unknown ones never.
#[wasm_bindgen]
pub fn granted(category: &str) -> bool {
    with_app(|a| a.allows(category)).unwrap_or(false)
}

/// "Accept all".
pub fn accept_all() {
    choose(Choice::All(true));
}

/// "Reject all". If an earlier consent granted something, this is a withdrawal.
pub fn reject_all() {
    choose(Choice::All(false));
}

/// The API's calls without arguments, as one export (the loader names them; fewer exports,
/// less glue): 0 [`accept_all`], 1 [`reject_all`], 2 [`show_preferences`], 3 [`withdraw`];
/// other numbers do nothing.
#[wasm_bindgen]
pub fn act(call: u8) {
    match call {
        0 => accept_all(),
        1 => reject_all(),
        2 => show_preferences(),
        3 => withdraw(),
        _ => {}
    }
}

/// Grants exactly these optional categories and refuses the others. Unknown ids are
/// ignored by refusing the whole call (nothing changes).
#[wasm_bindgen]
pub fn accept(categories: Array) {
    let mut list = Vec::new();
    // `push`, not `extend(Option)`, here and in `dom::checked_categories`: no
    // `Vec::extend` instantiation (43 B gzip less).
    for v in categories.iter() {
        if let Some(c) = v.as_string() {
            list.push(c);
        }
    }
    choose(Choice::Some(list));
}

/// Opens the second layer (preferences).
pub fn show_preferences() {
    open(2, true);
}

/// Withdraws consent: denied update, cookies of optional categories deleted, the withdrawal
/// stored as a standing refusal (the visitor is not asked again until it expires or the
/// policy's revision changes), receipt posted, page reloaded (option `reloadOnWithdraw`).
pub fn withdraw() {
    choose(Choice::Withdraw);
}

/// The current state: `{ granted: string[], needsPrompt, method, decidedAt, id, gpc, region }`
/// (`{}` before [`start`]).
#[wasm_bindgen]
pub fn state() -> JsValue {
    dom::parse_json(&state_json())
}

/// [`state`] as JSON.
fn state_json() -> String {
    let mut o = String::from("{");
    with_app(|app| state_fields(&mut o, app));
    o.push('}');
    o
}

/// The fields of [`state`]'s object, after its `{`.
fn state_fields(o: &mut String, app: &App) {
    json::key(o, "granted");
    json::push_list(o, &app.allowed);
    json::bool_field(o, "needsPrompt", app.needs_prompt);
    json::bool_field(o, "gpc", app.gpc);
    json::key(o, "region");
    match &app.region {
        Some(v) => json::push_str(o, v),
        None => o.push_str("null"),
    }
    match &app.record {
        Some(r) => {
            json::str_field(o, "method", method_name(r.method));
            json::key(o, "decidedAt");
            json::push_int(o, r.decided_at.unix());
            // base64url characters, nothing to escape.
            json::id_field(o, "id", &r.id);
        }
        // The three fields of a record, all `null` without one (one piece of text rather
        // than field by field: 29 B gzip less with the fields above written in place).
        None => o.push_str(",\"method\":null,\"decidedAt\":null,\"id\":null"),
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::AcceptAll => "accept_all",
        Method::RejectAll => "reject_all",
        Method::Custom => "custom",
        Method::Gpc => "gpc",
        _ => "withdrawal",
    }
}

/// Handles a document event routed by the loader: clicks on the banner's buttons, on
/// `data-consentry-open` and on iframe placeholders; Escape. (The
/// loader itself follows the `load` and `error` of the scripts it released.)
#[wasm_bindgen(js_name = onEvent)]
pub fn on_event(e: web_sys::Event) {
    let Ok(target) = dom::get(&e, "target").dyn_into::<web_sys::Element>() else {
        return;
    };
    match dom::get_str(&e, "type").as_deref() {
        Some("click") => on_click(&e, &target),
        Some("keydown") => on_key(&e),
        _ => {}
    }
}

fn on_click(e: &web_sys::Event, target: &web_sys::Element) {
    if let Some(el) = dom::closest(target, "[data-consentry-banner] [data-consentry-action]") {
        match dom::attr(&el, "data-consentry-action").as_deref() {
            Some("accept-all") => accept_all(),
            Some("reject-all") => reject_all(),
            Some("preferences") => open(2, false),
            Some("save") => choose(Choice::Some(dom::checked_categories())),
            _ => {}
        }
    } else if dom::closest(target, "[data-consentry-open]").is_some() {
        e.prevent_default();
        open(2, true);
    } else if let Some(el) = dom::closest(target, "[data-consentry-allow]") {
        let Some(cat) = dom::attr(&el, "data-consentry-allow") else {
            return;
        };
        choose(Choice::Add(cat));
    }
}

/// A `keydown`: its `key` is read as a property (a synthetic event without one is no key).
/// Escape never decides: it leaves the preferences for the first layer, or closes preferences
/// opened over a decision already made.
fn on_key(e: &web_sys::Event) {
    let Some((layer, direct, prompt)) = with_app(|a| (a.layer, a.direct, a.needs_prompt)) else {
        return;
    };
    if layer == 2 && dom::get_str(e, "key").as_deref() == Some("Escape") {
        e.prevent_default();
        if direct && !prompt {
            close();
        } else {
            open(1, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn app(region: Option<&str>, record: Option<ConsentRecord>) -> App {
        let policy = Policy::from_json(
            r#"{"revision": 1, "categories": {
                "necessary": {"required": true, "lawful_basis": "contract"},
                "analytics": {"lawful_basis": "consent"}}}"#,
        )
        .unwrap();
        App {
            policy,
            region: region.map(String::from),
            policy_sha256: None,
            gpc: region.is_some(),
            reload_on_withdraw: true,
            lang: String::new(),
            allowed: vec!["necessary".into(), "a\"b".into()],
            needs_prompt: record.is_none(),
            record,
            layer: 0,
            direct: false,
        }
    }

    fn fields(app: &App) -> String {
        let mut o = String::from("{");
        state_fields(&mut o, app);
        o.push('}');
        o
    }

    #[wasm_bindgen_test]
    fn state_fields_without_and_with_a_record() {
        assert_eq!(
            fields(&app(None, None)),
            r#"{"granted":["necessary","a\"b"],"needsPrompt":true,"gpc":false,"region":null,"method":null,"decidedAt":null,"id":null}"#
        );
        let p = app(None, None).policy;
        let id = consentry::ConsentId::from_random_bytes([3; 12]);
        let mut id_text = String::new();
        id.push_to(&mut id_text);
        let rec = ConsentRecord::accept_all(&p, Timestamp(1_700_000_000), id);
        assert_eq!(
            fields(&app(Some("US-CA"), Some(rec))),
            [
                r#"{"granted":["necessary","a\"b"],"needsPrompt":false,"gpc":true,"region":"US-CA","#,
                r#""method":"accept_all","decidedAt":1700000000,"id":""#,
                &id_text,
                r#""}"#,
            ]
            .concat()
        );
    }

    #[wasm_bindgen_test]
    fn method_names_are_the_cookie_spellings() {
        assert_eq!(method_name(Method::AcceptAll), "accept_all");
        assert_eq!(method_name(Method::Withdrawal), "withdrawal");
    }
}
