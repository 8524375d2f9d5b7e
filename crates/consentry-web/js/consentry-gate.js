/*! consentry gate | MIT OR Apache-2.0 | docs: consentry_web::gate */
(() => {
  // Strict: the wrappers' `arguments` is then not tied to their parameters, which lets V8 pass
  // it on without building it (a sloppy-mode wrapper made setAttribute 1.5x slower).
  'use strict';
  const top = window, d = document, D = 'denied';
  if (top.consentryGate) return;
  // Pushed in this window and in each same-origin frame the gate enters.
  const defaults = [{
    ad_storage: D, ad_user_data: D, ad_personalization: D, analytics_storage: D,
    functionality_storage: D, personalization_storage: D, security_storage: 'granted', wait_for_update: 500
  }];
  try {
    defaults.push(...JSON.parse(d.currentScript?.getAttribute('data-consent-defaults') || '[]'));
  } catch (e) {
    console.error('consentry: bad data-consent-defaults', e);
  }

  const E = Element.prototype, N = Node.prototype, getAttr = E.getAttribute;
  const appendChild = N.appendChild, replaceChild = N.replaceChild;
  const innerHTML = Object.getOwnPropertyDescriptor(E, 'innerHTML').set;
  // The only elements that can fetch a held URL. Any other node costs a property read or two.
  const T = { script: 1, iframe: 1, link: 1 }, S = Object.keys(T) + '';
  let granted = ['necessary'], policy, rules, queue = [];

  // http: = https: (HSTS)
  const noScheme = (u) => String(u).replace(/^https?:/i, '');
  function getRules() {
    const el = d.getElementById('consentry-policy');
    if (rules || !policy && !el) return rules || []; // no policy (yet): nothing to match
    let r = [];
    try {
      for (const s of (policy || JSON.parse(el.textContent)).services) {
        for (const p of [].concat(s.scripts || [], s.iframes || [])) {
          // Every other character escaped: a pattern is plain text with `*` wildcards.
          const re = noScheme(p).replace(/[^\w*]/g, '\\$&').replace(/\*/g, '.*');
          // A service is never strictly necessary (the policy rules): one declared so is
          // never released, whatever is granted.
          r.push([RegExp(`^${re}$`, 'i'), s.category != 'necessary' && s.category]);
        }
      }
    } catch (e) {
      console.error('consentry: bad policy', e);
      r = [[{ test: (u) => u.indexOf(noScheme(location.origin) + '/') }]]; // hold all cross-origin
    }
    return rules = r;
  }
  // Resolved by an <a>, against the document's base URL.
  const a = d.createElement('a');
  const blockedUrl = (u, hit) => u && (a.href = u, hit = getRules().find((r) => r[0].test(noScheme(a.href)))) &&
    !granted.includes(hit[1]);
  // Inert: scripts parsed here never run, nothing is fetched.
  function parse(html, set = innerHTML) {
    const t = d.createElement('template');
    set.call(t, html);
    return t.content;
  }
  // A script, iframe or link (SVG <script href>) with a held URL, or an iframe whose srcdoc
  // has one.
  const blocked = (el, s) => T[el.localName] &&
    (blockedUrl(getAttr.call(el, 'src') || getAttr.call(el, 'href') || getAttr.call(el, 'xlink:href')) ||
      (s = getAttr.call(el, 'srcdoc')) && [...parse(s).querySelectorAll(S)].some(blocked));
  // Worth a look: one of T, or a node with one inside. Checked first on every insertion.
  const hot = (n) => n && (T[n.localName] || n.firstElementChild && n.querySelector(S));
  // Held: out of the DOM, a comment marks its place.
  const hold = (el, q, p, mark = d.createComment('consentry')) => (q.push([el, mark, p]), mark);
  // A same-origin frame's own realm (about:blank, srcdoc: the window outlives the first
  // document) gets the gate before any of its scripts runs.
  const arm = (el) => {
    try { el.localName == 'iframe' && install(el.contentWindow); } catch (e) {} // cross-origin, not in a page
  };
  function release() {
    const q = queue;
    queue = [];
    for (const h of q) {
      const p = h[1].parentNode;
      if (blocked(h[0])) queue.push(h);
      else {
        if (p) replaceChild.call(p, h[0], h[1]);
        else if (h[2]) appendChild.call(h[2], h[0]);
        arm(h[0]);
      }
    }
  }
  // What to insert instead of n. Held elements ([el, mark]) and elements to arm go to fr.
  function swap(n, fr) {
    if (hot(n)) {
      if (blocked(n)) {
        n.remove();
        return hold(n, fr);
      }
      for (const el of n.querySelectorAll(S)) blocked(el) ? replaceChild.call(el.parentNode, hold(el, fr), el) : fr.push(el);
      fr.push(n);
    }
    return n;
  }
  // The wrapped insertion methods. Ordinary nodes go straight to the native method.
  const wrap = (f, all) => function () {
    let a = arguments, i = all ? a.length : 1;
    while (i--) {
      if (hot(a[i])) {
        const n = a[0], fr = [];
        a = [].map.call(a, (x, i) => all || !i ? swap(x, fr) : x);
        const r = f.apply(this, a);
        // Inserted (a failed insertion throws): now held, with the intended parent.
        for (const x of fr) Array.isArray(x) ? queue.push(x) && (x[2] = x[1].parentNode) : arm(x);
        return r === a[0] ? n : r;
      }
    }
    return f.apply(this, a);
  };
  const patch = (o, names, all) => {
    for (const m of names.split(' ')) if (o.hasOwnProperty(m)) o[m] = wrap(o[m], all);
  };
  // HTML that can fetch a held URL or make a frame when inserted (parsed scripts never run).
  const frame = (v) => /<(iframe|link)/i.test(v);
  function setter(o, prop, f) {
    const p = o && Object.getOwnPropertyDescriptor(o.prototype || o, prop);
    if (p && p.set) Object.defineProperty(o.prototype || o, prop, { ...p, set(v) { f.call(this, v, p.set); } });
  }
  // A URL about to be set on a script, iframe or link in the page: held first if it is held.
  // A new srcdoc would load in a new realm: the iframe goes out and back in (held if its markup
  // holds something), so that the new realm gets the gate.
  function guard(el, name, v) {
    const p = el?.parentNode, m = /^(.*:)?(src|href|srcdoc)$/i.exec(name);
    if (m && T[el?.localName] && el.isConnected && (m[2][4] ? queueMicrotask(release) || 1 : blockedUrl(v))) {
      replaceChild.call(p, hold(el, queue, p), el);
    }
  }

  // Patches one realm: this window, or a same-origin frame's.
  function install(w) {
    if (w.consentryGate) return;
    w.consentryGate = api;
    w.dataLayer = w.dataLayer || [];
    if (typeof w.gtag != 'function') w.gtag = function gtag() { w.dataLayer.push(arguments); };
    for (const o of defaults) w.gtag('consent', 'default', o);

    const E = w.Element.prototype, iae = E.insertAdjacentElement, unsafe = E.setHTMLUnsafe;
    patch(w.Node.prototype, 'appendChild insertBefore replaceChild');
    patch(w.Range.prototype, 'insertNode');
    for (const o of [E, w.Document.prototype, w.DocumentFragment.prototype, w.CharacterData.prototype]) {
      patch(o, 'append prepend replaceChildren before after replaceWith', 1);
    }
    // Put in place through a stand-in element, so that the native method decides where (or
    // throws).
    const adjacent = (name, ok, conv) => {
      const f = E[name];
      E[name] = function (pos, v) {
        const t = ok(v) && d.createElement('i');
        return t && iae.call(this, pos, t) ? (t.replaceWith(conv(v)), v) : f.apply(this, arguments);
      };
    };
    adjacent('insertAdjacentElement', hot, (v) => v);
    adjacent('insertAdjacentHTML', frame, parse);
    for (const o of [E, w.ShadowRoot.prototype]) {
      setter(o, 'innerHTML', function (v, set) {
        this.localName == 'template' || !frame(v) ? set.call(this, v) : this.replaceChildren(parse(v));
      });
      const f = o.setHTMLUnsafe;
      if (f) o.setHTMLUnsafe = function (v) {
        this.localName == 'template' || !frame(v) ? f.apply(this, arguments) : this.replaceChildren(parse(v, unsafe));
      };
    }
    setter(E, 'outerHTML', function (v, set) {
      !this.parentNode || !frame(v) ? set.call(this, v) : this.replaceWith(parse(v));
    });

    for (const m of ['setAttribute', 'setAttributeNS', 'setAttributeNode']) {
      const f = E[m];
      E[m] = function (x) {
        // The element first: one property read for all others.
        if (T[this.localName]) guard(this, ...m[14] ? [Object(x).name, Object(x).value] : [].slice.call(arguments, -2));
        return f.apply(this, arguments);
      };
    }
    for (const s of ['HTMLScriptElement src', 'HTMLIFrameElement src', 'HTMLIFrameElement srcdoc', 'HTMLLinkElement href']) {
      const [c, prop] = s.split(' ');
      setter(w[c], prop, function (v, set) { guard(this, prop, v); set.call(this, v); });
    }
    setter(w.Attr, 'value', function (v, set) { guard(this.ownerElement, this.name, v); set.call(this, v); });
  }

  const api = {
    allow(categories) {
      granted = ['necessary'].concat(categories || []).map(String);
      release();
    },
    setPolicy(p) {
      policy = p;
      rules = 0;
      release();
    },
    get granted() { return granted.slice(); }
  };
  install(top);
})();
