//! The browser bundle served from the crate (feature `assets`): no npm, no copied files.
//!
//! The gate (`consentry-gate.js`), the loader (`consentry.js`), its glue (`consentry_bg.js`)
//! and the wasm (`consentry_bg.wasm`) are embedded at build time and served under a folder
//! named by a hash of all four, `/consentry/<hash>/<file>`. The loader imports the glue and
//! fetches the wasm by relative URL with fixed names, so the hash names the folder rather than
//! each file: one URL per content, cached for a year as `immutable`. The banner's CSS is in
//! the wasm: there is no CSS file.

use std::fmt;

use consentry::Policy;

use crate::policy_tag::{push_attr, PolicyTag};

/// One file of the bundle, as served.
#[derive(Debug)]
pub struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// `bytes` compressed with gzip -9 at build time.
    gzip: &'static [u8],
    integrity: &'static str,
    etag: &'static str,
    gzip_etag: &'static str,
}

impl Asset {
    /// The file name (`consentry.js`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The `Content-Type`: `text/javascript; charset=utf-8`, or `application/wasm` (which
    /// `WebAssembly.instantiateStreaming` requires).
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &'static [u8] {
        self.bytes
    }

    /// The Subresource Integrity value: `sha384-` and the base64 SHA-384 of [`Asset::bytes`].
    pub fn integrity(&self) -> &'static str {
        self.integrity
    }

    /// The file compressed with gzip (level 9, at build time): what is sent to a client
    /// that accepts gzip.
    pub fn gzip(&self) -> &'static [u8] {
        self.gzip
    }

    /// The `ETag` (quoted) of the file as is; the gzip copy's is this with `-gz` inside the
    /// quotes.
    pub fn etag(&self) -> &'static str {
        self.etag
    }
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The bundle and where it is served: URLs for the page's `<head>` ([`Assets::head`]) and the
/// file for a request ([`Assets::answer`]).
///
/// ```
/// # let policy = consentry_server::Policy::from_json(include_str!("../policies/packagetrack.json"))?;
/// use consentry_server::Assets;
/// let assets = Assets::new(); // served at /consentry/<hash>/
/// let head = assets.head(&policy, None, None);
/// assert!(head.starts_with(&format!(r#"<script src="/consentry/{}/consentry-gate.js" integrity="sha384-"#, Assets::bundle_hash())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// With axum, `Router::merge(consentry_server::axum::assets_router(&assets))`; with actix-web,
/// `App::service(consentry_server::actix::assets_service(&assets))`.
///
/// Responses: `200` with the file's `Content-Type`, [`Assets::CACHE_CONTROL`],
/// `X-Content-Type-Options: nosniff`, `Vary: Accept-Encoding` and an `ETag` (`304` for a
/// matching `If-None-Match`), gzip-compressed at build time (`Content-Encoding: gzip`) when the
/// request's `Accept-Encoding` allows gzip (a compression middleware of the app leaves such a
/// response alone); `404` with `Cache-Control: no-store` for another hash (an older or newer build: see
/// "Deploys" below) or another file. `GET` and `HEAD` only. No cookies.
///
/// # Deploys
///
/// Only the current hash is served. While two builds answer side by side (a rolling
/// deploy), a page from the new build can ask an old server for the new hash and get a `404`
/// (not cached: `no-store`): the gate and the module do not run on that page load, and the
/// marked tags stay inert (nothing is released, nothing tracks). Deploy
/// all at once, route by version, or keep the old build's files available elsewhere if that
/// matters.
#[derive(Clone, Debug)]
pub struct Assets {
    prefix: String,
}

impl Default for Assets {
    fn default() -> Self {
        Self::new()
    }
}

impl Assets {
    /// Where the bundle is served unless [`Assets::at`] says otherwise.
    pub const DEFAULT_PREFIX: &'static str = "/consentry/";

    /// `Cache-Control` of every file: the URL changes whenever a byte does.
    pub const CACHE_CONTROL: &'static str = "public, max-age=31536000, immutable";

    /// The bundle served at [`Assets::DEFAULT_PREFIX`].
    pub fn new() -> Self {
        Assets {
            prefix: Self::DEFAULT_PREFIX.to_owned(),
        }
    }

    /// The bundle served at `prefix`: a path that starts and ends with `/` (`/static/consentry/`),
    /// of letters, digits, `-`, `.`, `_`, `~` and `/`, with no empty, `.` or `..` segment.
    ///
    /// ```
    /// use consentry_server::Assets;
    /// assert_eq!(Assets::at("/static/consentry/")?.prefix(), "/static/consentry/");
    /// assert!(Assets::at("static").is_err());
    /// # Ok::<(), consentry_server::AssetsPrefixError>(())
    /// ```
    pub fn at(prefix: &str) -> Result<Self, AssetsPrefixError> {
        let inner = prefix
            .strip_prefix('/')
            .and_then(|p| p.strip_suffix('/'))
            .ok_or_else(|| AssetsPrefixError(prefix.to_owned()))?;
        let good_char = |c: char| c.is_ascii_alphanumeric() || "-._~/".contains(c);
        let good_segment = |s: &str| !s.is_empty() && s != "." && s != "..";
        if !inner.chars().all(good_char) || !inner.split('/').all(good_segment) {
            return Err(AssetsPrefixError(prefix.to_owned()));
        }
        Ok(Assets {
            prefix: prefix.to_owned(),
        })
    }

    /// The prefix, with its leading and trailing `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The hex hash of the whole bundle: the folder of every file's URL.
    pub fn bundle_hash() -> &'static str {
        BUNDLE_HASH
    }

    /// The files of the bundle: gate, loader, glue, wasm.
    pub fn files() -> &'static [Asset] {
        &FILES
    }

    /// The URL path of a file of the bundle (`/consentry/<hash>/consentry.js`), if it is one.
    pub fn url(&self, file: &str) -> Option<String> {
        let asset = file_named(file)?;
        Some(format!("{}{BUNDLE_HASH}/{}", self.prefix, asset.name))
    }

    /// The `<head>` snippet, in the order the browser needs: the gate (a classic script, so it
    /// runs before anything after it), the policy tag ([`policy_script_tag`](crate::policy_script_tag):
    /// canonical JSON, `data-sha256`, `data-region`), then the module's loader, `async`: it
    /// runs as soon as it has loaded, starts loading the module while the page still parses
    /// when it needs it, and waits for the parsed page before touching it. `nonce`, when
    /// given, goes on all three (attribute-escaped), for a Content-Security-Policy with nonces.
    /// On a page that will show the banner, add [`Assets::preload`].
    ///
    /// The gate and the loader carry `integrity` (SHA-384): the browser refuses them if their
    /// bytes are not these. No `crossorigin` attribute: they are served by the same site, and
    /// SRI on a same-origin script needs none. The glue and the wasm, which the loader loads
    /// itself, have no `integrity` check (an `import()` and a `fetch()` in the loader); they are
    /// fixed by their content-hashed, immutable URL, from the same origin.
    ///
    /// With a nonce-based Content-Security-Policy, the loader's `import()` of the glue is
    /// allowed by `'strict-dynamic'` (or `'self'`) in `script-src`, and compiling the wasm
    /// needs `'wasm-unsafe-eval'`: the nonce covers only the tags written here.
    ///
    /// ```
    /// # let policy = consentry_server::Policy::from_json(include_str!("../policies/packagetrack.json"))?;
    /// let head = consentry_server::Assets::new().head(&policy, Some("DE"), Some("r4nd0m"));
    /// assert_eq!(head.matches(r#" nonce="r4nd0m""#).count(), 3);
    /// assert!(head.contains(r#"<script type="module" async src="/consentry/"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn head(&self, policy: &Policy, region: Option<&str>, nonce: Option<&str>) -> String {
        self.head_with(&PolicyTag::new(policy), region, nonce)
    }

    /// [`head`](Assets::head) with the policy tag prepared once ([`PolicyTag`]): for a head
    /// per request, with the region hint the server read for this visitor
    /// ([`Consentry::region`](crate::Consentry::region), or [`Consent::region`](crate::Consent::region)
    /// from the adapters' extractor) and a fresh nonce. The browser decides with the region
    /// written here, so the banner and the server's Set-Cookie gate apply the same profile.
    ///
    /// ```
    /// use consentry_server::{Assets, Consentry, PolicyTag};
    /// # let policy = consentry::Policy::from_json(include_str!("../policies/p4p-packing.json"))?;
    /// let (assets, tag) = (Assets::new(), PolicyTag::new(&policy)); // at start-up
    /// let consentry = Consentry::new(policy).region_header("cf-ipcountry");
    /// let headers: &[(&str, &[u8])] = &[("cf-ipcountry", b"US")]; // a request
    /// let head = assets.head_with(&tag, consentry.region(headers).as_deref(), None);
    /// assert!(head.contains(r#"id="consentry-policy" data-sha256=""#));
    /// assert!(head.contains(r#" data-region="US">"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn head_with(&self, tag: &PolicyTag, region: Option<&str>, nonce: Option<&str>) -> String {
        let mut out = String::with_capacity(1024);
        self.push_script(&mut out, "<script", "", &FILES[0], nonce);
        out.push_str("></script>\n");
        tag.push_to(&mut out, region, nonce);
        out.push('\n');
        self.push_script(
            &mut out,
            "<script",
            r#" type="module" async"#,
            &FILES[1],
            nonce,
        );
        out.push_str("></script>");
        out
    }

    /// For a page that will show the banner ([`Consent::needs_prompt`](crate::Consent::needs_prompt)):
    /// `<link>`s that load the module (glue and wasm) with the page, in parallel with the gate
    /// and the loader, instead of after the loader has run. Put them in `<head>` after
    /// [`Assets::head`]. Leave them out for a visitor with a standing choice: the loader then
    /// carries out the plan it kept and never loads the module (`consentry_web` docs,
    /// "Returning visitors"), which the links would download for nothing.
    ///
    /// The glue's `modulepreload` carries `integrity` and, when given, `nonce` (it is checked
    /// against `script-src` like a script); the wasm's is `as="fetch" crossorigin`, the request
    /// the loader's `fetch()` then finds.
    ///
    /// ```
    /// let links = consentry_server::Assets::new().preload(None);
    /// assert!(links.starts_with(r#"<link rel="modulepreload" href="/consentry/"#));
    /// assert!(links.ends_with(r#"/consentry_bg.wasm" as="fetch" crossorigin>"#));
    /// ```
    pub fn preload(&self, nonce: Option<&str>) -> String {
        let mut out = String::with_capacity(400);
        self.push_script(
            &mut out,
            r#"<link rel="modulepreload""#,
            "",
            &FILES[2],
            nonce,
        );
        out.push_str(">\n<link rel=\"preload\" href=\"");
        out.push_str(&self.prefix);
        out.push_str(BUNDLE_HASH);
        out.push('/');
        out.push_str(FILES[3].name);
        out.push_str(r#"" as="fetch" crossorigin>"#);
        out
    }

    /// `<tag kind src|href="…" integrity="…" nonce="…"`, without the end of the tag.
    fn push_script(
        &self,
        out: &mut String,
        tag: &str,
        kind: &str,
        asset: &Asset,
        nonce: Option<&str>,
    ) {
        out.push_str(tag);
        out.push_str(kind);
        out.push_str(if tag == "<script" {
            r#" src=""#
        } else {
            r#" href=""#
        });
        out.push_str(&self.prefix);
        out.push_str(BUNDLE_HASH);
        out.push('/');
        out.push_str(asset.name);
        out.push_str(r#"" integrity=""#);
        out.push_str(asset.integrity);
        out.push('"');
        if let Some(n) = nonce {
            out.push_str(r#" nonce=""#);
            push_attr(out, n);
            out.push('"');
        }
    }

    /// What to answer to a `GET` or `HEAD` of `<prefix><hash>/<file>` (the adapters' routes
    /// match the prefix and pass the two segments), given the request's `If-None-Match` and
    /// `Accept-Encoding`.
    pub fn answer(
        hash: &str,
        file: &str,
        if_none_match: Option<&str>,
        accept_encoding: Option<&str>,
    ) -> AssetAnswer {
        let Some(asset) = file_named(file).filter(|_| hash == BUNDLE_HASH) else {
            return AssetAnswer {
                asset: None,
                gzip: false,
                not_modified: false,
            };
        };
        let gzip = accept_encoding.is_some_and(accepts_gzip);
        let etag = if gzip { asset.gzip_etag } else { asset.etag };
        let not_modified = if_none_match.is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == etag)
        });
        AssetAnswer {
            asset: Some(asset),
            gzip,
            not_modified,
        }
    }
}

/// Does this `Accept-Encoding` allow gzip (`gzip` or `x-gzip`, not with `q=0`)?
fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip")) && !refused
    })
}

/// The answer to a request for a file of the bundle ([`Assets::answer`]): `200` with the
/// file, `304` when `If-None-Match` named its `ETag` (same headers, no body), or `404` with
/// `Cache-Control: no-store` for another hash or an unknown file.
#[derive(Debug)]
pub struct AssetAnswer {
    asset: Option<&'static Asset>,
    gzip: bool,
    not_modified: bool,
}

impl AssetAnswer {
    /// The status code: `200`, `304` or `404`.
    pub fn status(&self) -> u16 {
        match self.asset {
            None => 404,
            Some(_) if self.not_modified => 304,
            Some(_) => 200,
        }
    }

    /// The file answered with (`None` for a `404`).
    pub fn asset(&self) -> Option<&'static Asset> {
        self.asset
    }

    /// Is the body the gzip copy (`Content-Encoding: gzip`)?
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// The response headers, names in lower case.
    pub fn headers(&self) -> Vec<(&'static str, &'static str)> {
        let Some(a) = self.asset else {
            return vec![
                ("content-type", "text/plain; charset=utf-8"),
                ("cache-control", "no-store"),
                ("x-content-type-options", "nosniff"),
            ];
        };
        let mut h = vec![
            ("content-type", a.content_type),
            ("cache-control", Assets::CACHE_CONTROL),
            ("x-content-type-options", "nosniff"),
            ("vary", "accept-encoding"),
            ("etag", if self.gzip { a.gzip_etag } else { a.etag }),
        ];
        if self.gzip {
            h.push(("content-encoding", "gzip"));
        }
        h
    }

    /// The body (for `GET`; a `HEAD` answer has the same headers and no body).
    pub fn body(&self) -> &'static [u8] {
        match self.asset {
            None => b"not found\n",
            Some(_) if self.not_modified => b"",
            Some(a) if self.gzip => a.gzip,
            Some(a) => a.bytes,
        }
    }
}

/// A prefix [`Assets::at`] refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetsPrefixError(String);

impl fmt::Display for AssetsPrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "asset prefix {:?}: must start and end with '/' (e.g. \"/consentry/\") and hold only \
             letters, digits, '-', '.', '_', '~' and '/', with no empty, '.' or '..' segment",
            self.0
        )
    }
}

impl std::error::Error for AssetsPrefixError {}

/// The embedded file of this name, if the bundle has one.
fn file_named(name: &str) -> Option<&'static Asset> {
    FILES.iter().find(|a| a.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_must_be_plain_absolute_folders() {
        for good in ["/consentry/", "/static/consentry-1.0/", "/a_b~c/d/"] {
            assert_eq!(Assets::at(good).unwrap().prefix(), good);
        }
        for bad in [
            "",
            "/",
            "consentry/",
            "/consentry",
            "//x/",
            "/a//b/",
            "/./",
            "/a/../",
            "/{x}/",
            "/a b/",
            "/a\"/",
            "/a%2f/",
            "/*/",
        ] {
            let e = Assets::at(bad).unwrap_err();
            assert!(
                e.to_string().contains("must start and end with '/'"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn only_the_current_hash_and_known_files_are_found() {
        let hash = Assets::bundle_hash();
        assert_eq!(hash.len(), 10);
        assert!(hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        for a in Assets::files() {
            let answer = Assets::answer(hash, a.name(), None, None);
            assert_eq!(answer.status(), 200);
            assert_eq!(answer.asset().map(Asset::name), Some(a.name()));
            assert_eq!(answer.body(), a.bytes());
        }
        for (h, file) in [
            ("0000000000", "consentry.js"),
            (hash, "consentry.css"),
            (hash, ""),
            (hash, "../Cargo.toml"),
        ] {
            let answer = Assets::answer(h, file, None, Some("gzip"));
            assert_eq!(answer.status(), 404, "{h}/{file}");
            assert!(answer.asset().is_none() && !answer.is_gzip());
        }
    }

    #[test]
    fn if_none_match_with_the_etag_is_not_modified() {
        let hash = Assets::bundle_hash();
        let etag = Assets::files()[1].etag();
        for inm in [
            etag.to_owned(),
            format!("W/{etag}"),
            format!("\"x\", {etag}"),
            "*".into(),
        ] {
            let a = Assets::answer(hash, "consentry.js", Some(&inm), None);
            assert_eq!(a.status(), 304, "{inm}");
            assert!(a.body().is_empty());
        }
        let other = Assets::answer(hash, "consentry.js", Some("\"other\""), None);
        assert_eq!(other.status(), 200);
        // The gzip copy is another representation, with its own tag.
        let gz = Assets::answer(hash, "consentry.js", Some(etag), Some("gzip"));
        assert_eq!(gz.status(), 200);
        let gz_etag = format!("{}-gz\"", etag.trim_end_matches('"'));
        assert!(gz.headers().contains(&("etag", gz_etag.as_str())));
        let again = Assets::answer(hash, "consentry.js", Some(&gz_etag), Some("gzip"));
        assert_eq!(again.status(), 304);
    }

    #[test]
    fn gzip_only_when_accepted() {
        for yes in [
            "gzip",
            "gzip, deflate, br, zstd",
            "br;q=1, GZIP;q=0.5",
            "x-gzip",
        ] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in [
            "",
            "br",
            "identity",
            "gzip;q=0",
            "gzip; q=0.0, br",
            "*",
            "gzipx",
        ] {
            assert!(!accepts_gzip(no), "{no}");
        }
        let hash = Assets::bundle_hash();
        let a = Assets::answer(hash, "consentry_bg.wasm", None, Some("gzip, br"));
        assert!(a.is_gzip());
        assert!(a.headers().contains(&("content-encoding", "gzip")));
        assert_eq!(a.body(), Assets::files()[3].gzip());
        assert!(a.body().len() < Assets::files()[3].bytes().len());
    }
}
