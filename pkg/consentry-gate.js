/*! consentry gate | MIT OR Apache-2.0 */
// Classic script, first in <head>, before any tag. It
// 1. writes the Google Consent Mode v2 default (all denied, wait_for_update) before any other
//    gtag call, then the regional defaults from data-consent-defaults (a JSON array);
// 2. holds back scripts and iframes that JavaScript inserts later whose URL matches a pattern of
//    the policy (services[].scripts / .iframes, `*` wildcards) of a category not granted yet. A
//    held element is out of the DOM, so it makes no request; a comment marks its place. The
//    module calls consentryGate.allow([...]) once it has decided: held elements of granted
//    categories are then inserted where they were meant to go, in insertion order.
// Paths covered: appendChild, insertBefore, replaceChild, append, prepend, replaceChildren,
// before, after, replaceWith, insertAdjacentElement, Range#insertNode (elements and fragments,
// whatever created them: createElement(NS), cloneNode, createContextualFragment, another
// document), innerHTML / outerHTML / insertAdjacentHTML with iframes, and a src / href set by
// property, setAttribute(NS), setAttributeNode or Attr#value on a script or iframe in the page.
// Not covered: document.write, a frame's own realm, markup in the HTML (use type="text/plain").
(function (w, d) {
  'use strict';
  if (w.consentryGate) return; // loaded twice: the first one rules

  // --- 1. Consent Mode default ----------------------------------------------------------------
  var D = 'denied', me = d.currentScript, extra, i;
  w.dataLayer = w.dataLayer || [];
  if (typeof w.gtag != 'function') w.gtag = function gtag() { w.dataLayer.push(arguments); };
  w.gtag('consent', 'default', {
    ad_storage: D, ad_user_data: D, ad_personalization: D, analytics_storage: D,
    functionality_storage: D, personalization_storage: D, security_storage: 'granted',
    wait_for_update: 500
  });
  try {
    extra = JSON.parse((me && me.getAttribute('data-consent-defaults')) || '[]');
    for (i = 0; i < extra.length; i++) if (extra[i] && typeof extra[i] == 'object') w.gtag('consent', 'default', extra[i]);
  } catch (e) {
    console.error('consentry: bad data-consent-defaults', e); // the global default stands
  }

  // --- 2. Holding back scripts and iframes ----------------------------------------------------
  var granted = ['necessary'], policy, rules, queue = [];
  var N = Node.prototype, E = Element.prototype;
  var appendChild = N.appendChild, replaceChild = N.replaceChild;
  var getAttr = E.getAttribute;

  // [regexp, category] per pattern, from setPolicy() or #consentry-policy, read when first needed.
  // No policy element yet: nothing is known, ask again next time. A bad policy fails closed: every
  // cross-origin script and iframe is held under a category nobody grants.
  function getRules() {
    if (rules) return rules;
    var el = d.getElementById('consentry-policy'), r = [];
    if (!policy && !el) return r;
    try {
      (policy || JSON.parse(el.textContent)).services.forEach(function (s) {
        [].concat(s.scripts || [], s.iframes || []).forEach(function (p) {
          // `*` matches anything; http: and https: are the same (HSTS upgrades one to the other)
          r.push([new RegExp('^' + noScheme(p).split('*').map(function (t) {
            return t.replace(/[.+?^${}()|[\]\\\/]/g, '\\$&');
          }).join('.*') + '$', 'i'), s.category]);
        });
      });
    } catch (e) {
      r = [[{ test: function (u) { return u.indexOf(noScheme(location.origin) + '/') } }, {}]];
      if (d.readyState == 'loading') return r; // maybe not parsed to its end yet: ask again
      console.error('consentry: bad policy, holding every cross-origin script and iframe', e);
    }
    return (rules = r);
  }
  function noScheme(u) { return String(u).replace(/^https?:/i, ''); }

  // Is this URL blocked now? The first pattern that matches decides (as Policy::category_for_url).
  function blockedUrl(u) {
    if (!u) return false;
    try { u = new URL(u, d.baseURI).href; } catch (e) { u = String(u); }
    u = noScheme(u);
    for (var r = getRules(), i = 0; i < r.length; i++) {
      if (r[i][0].test(u)) return granted.indexOf(r[i][1]) < 0;
    }
    return false;
  }
  function isTag(el) { return el && (el.localName == 'script' || el.localName == 'iframe'); }
  function blocked(el) {
    return isTag(el) && blockedUrl(getAttr.call(el, 'src') || getAttr.call(el, 'href') || getAttr.call(el, 'xlink:href'));
  }

  // Queues el and returns the comment that marks where it belongs.
  function hold(el) {
    var mark = d.createComment('consentry: held');
    queue.push([el, mark]);
    return mark;
  }
  // What to really insert for node n: the mark instead of a blocked element; a fragment or
  // element with its blocked scripts and iframes swapped for marks.
  function swap(n) {
    if (!n || typeof n != 'object') return n;
    if (blocked(n)) {
      if (n.parentNode) n.parentNode.removeChild(n);
      return hold(n);
    }
    if (n.nodeType == 1 || n.nodeType == 11) {
      [].forEach.call(n.querySelectorAll('script,iframe'), function (el) {
        if (blocked(el)) replaceChild.call(el.parentNode, hold(el), el);
      });
    }
    return n;
  }
  // Calls the real method with blocked nodes swapped out; remembers each new mark's parent
  // (used if the mark is gone at release). Returns the original node where the method returned
  // the swapped one (appendChild, insertBefore).
  function wrapped(f, all) {
    return function (n) {
      var k = queue.length, a = [].slice.call(arguments), r;
      if (all) a = a.map(swap); else a[0] = swap(n);
      try {
        r = f.apply(this, a);
      } catch (e) {
        queue.length = k; // not inserted: nothing to release
        throw e;
      }
      for (; k < queue.length; k++) queue[k][2] = queue[k][1].parentNode;
      return r === a[0] && a[0] !== n ? n : r;
    };
  }
  function patch(o, names, all) {
    names.split(' ').forEach(function (m) {
      if (o && o.hasOwnProperty(m)) o[m] = wrapped(o[m], all);
    });
  }
  patch(N, 'appendChild insertBefore replaceChild');
  patch(w.Range && Range.prototype, 'insertNode');
  [E, Document.prototype, DocumentFragment.prototype, CharacterData.prototype, w.DocumentType && DocumentType.prototype]
    .forEach(function (o) { patch(o, 'append prepend replaceChildren before after replaceWith', 1); });

  // insertAdjacentElement / insertAdjacentHTML go through the patched methods above.
  var where = { beforebegin: 'before', afterbegin: 'prepend', beforeend: 'append', afterend: 'after' };
  var insAdjEl = E.insertAdjacentElement, insAdjHtml = E.insertAdjacentHTML;
  E.insertAdjacentElement = function (pos, el) {
    var m = where[String(pos).toLowerCase()];
    if (!m || !el || el.nodeType != 1) return insAdjEl.apply(this, arguments); // native errors
    if (m == 'before' || m == 'after' ? !this.parentNode : 0) return null;
    this[m](el);
    return el;
  };
  // HTML with an iframe is parsed in an inert <template> first (parsed scripts never run anyway).
  function parse(html) {
    var t = d.createElement('template');
    t.innerHTML = html;
    return t.content;
  }
  var hasFrame = /<iframe/i;
  E.insertAdjacentHTML = function (pos, html) {
    var m = where[String(pos).toLowerCase()];
    if (!m || !hasFrame.test(html)) return insAdjHtml.apply(this, arguments);
    if (m == 'before' || m == 'after' ? !this.parentNode : 0) return insAdjHtml.apply(this, arguments); // throws
    this[m](parse(html));
  };
  function setter(o, prop, f) {
    var p = o && Object.getOwnPropertyDescriptor(o, prop);
    if (p && p.set) {
      Object.defineProperty(o, prop, {
        configurable: true, enumerable: p.enumerable, get: p.get,
        set: function (v) { f.call(this, v, p.set); }
      });
    }
  }
  setter(E, 'innerHTML', function (v, set) {
    if (this.localName == 'template' || !hasFrame.test(v)) set.call(this, v);
    else this.replaceChildren(parse(v));
  });
  setter(E, 'outerHTML', function (v, set) {
    if (!this.parentNode || !hasFrame.test(v)) set.call(this, v);
    else this.replaceWith(parse(v));
  });

  // A src / href about to be set on a script or iframe in the page: if the URL is blocked, take
  // the element out (a mark keeps its place) before the attribute lands.
  function guard(el, name, v) {
    var p = el && el.parentNode;
    if (isTag(el) && el.isConnected && /^(.*:)?(src|href)$/i.test(name) && blockedUrl(v)) {
      replaceChild.call(p, hold(el), el);
      queue[queue.length - 1][2] = p;
    }
  }
  function attrMethod(m, nameAt, valueAt) {
    var f = E[m];
    if (f) E[m] = function () {
      var a = arguments, n = a[nameAt];
      guard(this, valueAt < 0 ? n && n.name : n, valueAt < 0 ? n && n.value : a[valueAt]);
      return f.apply(this, a);
    };
  }
  attrMethod('setAttribute', 0, 1);
  attrMethod('setAttributeNS', 1, 2);
  attrMethod('setAttributeNode', 0, -1);
  attrMethod('setAttributeNodeNS', 0, -1);
  setter(Attr.prototype, 'value', function (v, set) {
    guard(this.ownerElement, this.name, v);
    set.call(this, v);
  });
  [w.HTMLScriptElement, w.HTMLIFrameElement].forEach(function (C) {
    setter(C && C.prototype, 'src', function (v, set) {
      guard(this, 'src', v);
      set.call(this, v);
    });
  });

  // Inserts every held element that is no longer blocked, in the order it was held.
  function release() {
    var q = queue;
    queue = [];
    q.forEach(function (h) {
      var p = h[1].parentNode;
      if (blocked(h[0])) queue.push(h);
      else if (p) replaceChild.call(p, h[0], h[1]);
      else if (h[2]) appendChild.call(h[2], h[0]);
    });
  }

  w.consentryGate = {
    /** Grants exactly these categories (plus necessary) and releases what they unblock. */
    allow: function (categories) {
      granted = ['necessary'].concat([].concat(categories || []).map(String));
      release();
    },
    /** Uses this policy object instead of #consentry-policy. */
    setPolicy: function (p) {
      policy = p;
      rules = null;
      release();
    },
    /** The granted categories (a copy). */
    get granted() { return granted.slice(); }
  };
})(window, document);
