/*! consentry gate | MIT OR Apache-2.0 | docs: consentry_web::gate */
(() => {
  const w = window, d = document, D = 'denied';
  if (w.consentryGate) return;
  w.dataLayer = w.dataLayer || [];
  if (typeof w.gtag != 'function') w.gtag = function gtag() { w.dataLayer.push(arguments); };
  w.gtag('consent', 'default', {
    ad_storage: D, ad_user_data: D, ad_personalization: D, analytics_storage: D,
    functionality_storage: D, personalization_storage: D, security_storage: 'granted', wait_for_update: 500
  });
  try {
    const me = d.currentScript;
    for (const o of JSON.parse(me && me.getAttribute('data-consent-defaults') || '[]')) {
      if (o && typeof o == 'object') w.gtag('consent', 'default', o);
    }
  } catch (e) {
    console.error('consentry: bad data-consent-defaults', e);
  }

  const N = Node.prototype, E = Element.prototype, appendChild = N.appendChild;
  const replaceChild = N.replaceChild, getAttr = E.getAttribute;
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
          const re = noScheme(p).split('*').map((t) => t.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
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
  function blockedUrl(u) {
    if (!u) return;
    try { u = new URL(u, d.baseURI).href; } catch (e) {}
    const hit = getRules().find((r) => r[0].test(noScheme(u)));
    return hit && !granted.includes(hit[1]);
  }
  const isTag = (el) => el && /^(script|iframe)$/.test(el.localName);
  // href: SVG <script>
  const blocked = (el) => isTag(el) &&
    blockedUrl(getAttr.call(el, 'src') || getAttr.call(el, 'href') || getAttr.call(el, 'xlink:href'));
  // Held: out of the DOM, a comment marks its place.
  function hold(el, p) {
    const mark = d.createComment('consentry');
    queue.push([el, mark, p]);
    return mark;
  }
  // What to insert instead of n.
  function swap(n) {
    if (blocked(n)) {
      if (n.parentNode) n.parentNode.removeChild(n);
      return hold(n);
    }
    if (n && n.querySelectorAll) {
      for (const el of n.querySelectorAll('script,iframe')) if (blocked(el)) replaceChild.call(el.parentNode, hold(el), el);
    }
    return n;
  }
  const wrap = (f, all) => function (...a) {
    let n = a[0], k = queue.length, r;
    a = a.map((x, i) => all || !i ? swap(x) : x);
    try {
      r = f.apply(this, a);
    } catch (e) {
      queue.length = k;
      throw e;
    }
    for (; k < queue.length; k++) queue[k][2] = queue[k][1].parentNode;
    return r === a[0] && r !== n ? n : r;
  };
  const patch = (o, names, all) => {
    for (const m of names.split(' ')) if (o && o.hasOwnProperty(m)) o[m] = wrap(o[m], all);
  };
  patch(N, 'appendChild insertBefore replaceChild');
  patch(w.Range && Range.prototype, 'insertNode');
  for (const o of [E, Document.prototype, DocumentFragment.prototype, CharacterData.prototype]) {
    patch(o, 'append prepend replaceChildren before after replaceWith', 1);
  }

  const where = { beforebegin: 'before', afterbegin: 'prepend', beforeend: 'append', afterend: 'after' };
  const frame = (v) => /<iframe/i.test(v);
  function parse(html) {
    const t = d.createElement('template');
    t.innerHTML = html;
    return t.content;
  }
  const adjacent = (name, ok, conv) => {
    const f = E[name];
    E[name] = function (pos, v) {
      const m = where[String(pos).toLowerCase()];
      if (!m || !ok(v) || /^(be|af)/.test(m) && !this.parentNode) return f.apply(this, arguments);
      this[m](conv(v));
      return v;
    };
  };
  adjacent('insertAdjacentElement', (v) => v && v.nodeType == 1, (v) => v);
  adjacent('insertAdjacentHTML', frame, parse);
  function setter(o, prop, f) {
    const p = o && Object.getOwnPropertyDescriptor(o.prototype || o, prop);
    if (p && p.set) Object.defineProperty(o.prototype || o, prop, { ...p, set(v) { f.call(this, v, p.set); } });
  }
  for (const o of [E, w.ShadowRoot]) {
    setter(o, 'innerHTML', function (v, set) {
      this.localName == 'template' || !frame(v) ? set.call(this, v) : this.replaceChildren(parse(v));
    });
  }
  setter(E, 'outerHTML', function (v, set) {
    !this.parentNode || !frame(v) ? set.call(this, v) : this.replaceWith(parse(v));
  });

  function guard(el, name, v) {
    const p = el && el.parentNode;
    if (isTag(el) && el.isConnected && /^(.*:)?(src|href)$/i.test(name) && blockedUrl(v)) replaceChild.call(p, hold(el, p), el);
  }
  for (const m of ['setAttribute', 'setAttributeNS', 'setAttributeNode']) {
    const f = E[m];
    E[m] = function (...a) {
      const at = Object(a[0]);
      if (/Node/.test(m)) guard(this, at.name, at.value); else guard(this, ...a.slice(-2));
      return f.apply(this, a);
    };
  }
  for (const C of [w.HTMLScriptElement, w.HTMLIFrameElement]) {
    setter(C, 'src', function (v, set) { guard(this, 'src', v); set.call(this, v); });
  }
  setter(w.Attr, 'value', function (v, set) { guard(this.ownerElement, this.name, v); set.call(this, v); });

  function release() {
    const q = queue;
    queue = [];
    for (const h of q) {
      const p = h[1].parentNode;
      if (blocked(h[0])) queue.push(h);
      else if (p) replaceChild.call(p, h[0], h[1]);
      else if (h[2]) appendChild.call(h[2], h[0]);
    }
  }

  w.consentryGate = {
    allow(categories) {
      granted = ['necessary', ...[].concat(categories || [])].map(String);
      release();
    },
    setPolicy(p) {
      policy = p;
      rules = 0;
      release();
    },
    get granted() { return granted.slice(); }
  };
})();
