// Offline stand-in for gtag.js, served by the example at /dev/gtag.js when it runs with
// `--gtag-src /dev/gtag.js` (what `cargo xtask demo` does). Like the real gtag.js as far as
// consent goes: it replays and takes over `dataLayer`, keeps the Consent Mode state, and only
// when analytics_storage is granted sets `_ga` / `_ga_<id>` and sends a page_view "hit", which
// the example's /dev/collect logs on the terminal. State: `window.__gtagStandIn`.
(function () {
  var w = window, d = document;
  var src = (d.currentScript && d.currentScript.src) || "";
  var id = (/[?&]id=([^&]+)/.exec(src) || [0, "G-P4PDEMO"])[1];
  var st = (w.__gtagStandIn = w.__gtagStandIn || { loads: 0, consent: {}, hits: [], updates: 0 });
  st.loads++;
  var dl = (w.dataLayer = w.dataLayer || []);
  var pending = [];
  function granted(k) { return st.consent[k] === "granted"; }
  function send(ev) {
    if (!granted("analytics_storage")) { pending.push(ev); return; }
    var t = Math.floor(Date.now() / 1000), age = "; path=/; max-age=34128000; samesite=lax";
    if (d.cookie.indexOf("_ga=") < 0) d.cookie = "_ga=GA1.1." + Math.floor(Math.random() * 1e9) + "." + t + age;
    d.cookie = "_ga_" + id.replace(/^G-/, "") + "=GS1.1." + t + ".1.0." + t + ".0.0.0" + age;
    st.hits.push({ en: ev, updates: st.updates });
    var q = "tid=" + encodeURIComponent(id) + "&en=" + encodeURIComponent(ev) + "&dl=" + encodeURIComponent(location.pathname);
    navigator.sendBeacon("/dev/collect?" + q);
  }
  function handle(args) {
    args = Array.prototype.slice.call(args);
    if (args[0] === "consent" && args[2]) {
      for (var k in args[2]) if (/_storage$|^ad_/.test(k)) st.consent[k] = args[2][k];
      if (args[1] === "update") { st.updates++; var p = pending; pending = []; p.forEach(send); }
    } else if (args[0] === "config") send("page_view");
    else if (args[0] === "event") send(String(args[1]));
  }
  var old = dl.slice();
  dl.push = function () {
    for (var i = 0; i < arguments.length; i++) handle(arguments[i]);
    return Array.prototype.push.apply(dl, arguments);
  };
  old.forEach(handle);
})();
