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

use crate::policy_tag::push_attr;

/// One file of the bundle, as served.
#[derive(Debug)]
pub struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    integrity: &'static str,
    etag: &'static str,
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

    /// The `ETag` (quoted).
    pub fn etag(&self) -> &'static str {
        self.etag
    }
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The bundle and where it is served: URLs for the page's `<head>` ([`Assets::head`]) and the
/// file for a request ([`Assets::answer`]).
///
/// ```
/// # let policy = consentry_server::Policy::from_json(include_str!("../../../examples/policies/packagetrack.json"))?;
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
/// `X-Content-Type-Options: nosniff` and an `ETag` (`304` for a matching `If-None-Match`);
/// `404` with `Cache-Control: no-store` for another hash (an older or newer build: see
/// "Deploys" below) or another file. `GET` and `HEAD` only. No cookies.
///
/// # Deploys
///
/// Only the current hash is served. While two builds answer side by side (a rolling
/// deploy), a page from the new build can ask an old server for the new hash and get a `404`
/// (not cached: `no-store`), and the browser module does not start on that page load. Deploy
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
        let asset = FILES.iter().find(|a| a.name == file)?;
        Some(format!("{}{BUNDLE_HASH}/{}", self.prefix, asset.name))
    }

    /// The `<head>` snippet, in the order the browser needs: the gate (a classic script, so it
    /// runs before anything after it), the policy tag ([`policy_script_tag`](crate::policy_script_tag):
    /// canonical JSON, `data-sha256`, `data-region`), then the module's loader. `nonce`, when
    /// given, goes on all three (attribute-escaped), for a Content-Security-Policy with nonces.
    ///
    /// The gate and the loader carry `integrity` (SHA-384): the browser refuses them if their
    /// bytes are not these. No `crossorigin` attribute: they are served by the same site, and
    /// SRI on a same-origin script needs none. The glue and the wasm, which the loader loads
    /// itself, have no `integrity` check (an `import()` and a `fetch()` in the loader); they are
    /// fixed by their content-hashed, immutable URL, from the same origin.
    ///
    /// ```
    /// # let policy = consentry_server::Policy::from_json(include_str!("../../../examples/policies/packagetrack.json"))?;
    /// let head = consentry_server::Assets::new().head(&policy, Some("DE"), Some("r4nd0m"));
    /// assert_eq!(head.matches(r#" nonce="r4nd0m""#).count(), 3);
    /// assert!(head.contains(r#"<script type="module" src="/consentry/"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn head(&self, policy: &Policy, region: Option<&str>, nonce: Option<&str>) -> String {
        let mut out = String::with_capacity(1024);
        self.push_script(&mut out, "", &FILES[0], nonce);
        out.push('\n');
        out.push_str(&crate::policy_script_tag(policy, region, nonce));
        out.push('\n');
        self.push_script(&mut out, r#" type="module""#, &FILES[1], nonce);
        out
    }

    fn push_script(&self, out: &mut String, kind: &str, asset: &Asset, nonce: Option<&str>) {
        out.push_str("<script");
        out.push_str(kind);
        out.push_str(r#" src=""#);
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
        out.push_str("></script>");
    }

    /// What to answer to a `GET` or `HEAD` of `<prefix><hash>/<file>` (the adapters' routes
    /// match the prefix and pass the two segments), given the request's `If-None-Match`.
    pub fn answer(hash: &str, file: &str, if_none_match: Option<&str>) -> AssetAnswer {
        let Some(asset) = FILES
            .iter()
            .find(|a| a.name == file)
            .filter(|_| hash == BUNDLE_HASH)
        else {
            return AssetAnswer::NotFound;
        };
        let matches = if_none_match.is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == asset.etag)
        });
        if matches {
            AssetAnswer::NotModified(asset)
        } else {
            AssetAnswer::Found(asset)
        }
    }
}

/// The answer to a request for a file of the bundle ([`Assets::answer`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum AssetAnswer {
    /// `200`, with the file's headers and bytes.
    Found(&'static Asset),
    /// `304`: the `If-None-Match` named this file's `ETag`. Same headers, no body.
    NotModified(&'static Asset),
    /// `404`, `Cache-Control: no-store`: another hash or an unknown file.
    NotFound,
}

impl AssetAnswer {
    /// The status code.
    pub fn status(&self) -> u16 {
        match self {
            AssetAnswer::Found(_) => 200,
            AssetAnswer::NotModified(_) => 304,
            AssetAnswer::NotFound => 404,
        }
    }

    /// The response headers, names in lower case.
    pub fn headers(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            AssetAnswer::Found(a) | AssetAnswer::NotModified(a) => vec![
                ("content-type", a.content_type),
                ("cache-control", Assets::CACHE_CONTROL),
                ("x-content-type-options", "nosniff"),
                ("etag", a.etag),
            ],
            AssetAnswer::NotFound => vec![
                ("content-type", "text/plain; charset=utf-8"),
                ("cache-control", "no-store"),
                ("x-content-type-options", "nosniff"),
            ],
        }
    }

    /// The body (for `GET`; a `HEAD` answer has the same headers and no body).
    pub fn body(&self) -> &'static [u8] {
        match self {
            AssetAnswer::Found(a) => a.bytes,
            AssetAnswer::NotModified(_) => b"",
            AssetAnswer::NotFound => b"not found\n",
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
            assert!(
                matches!(Assets::answer(hash, a.name(), None), AssetAnswer::Found(f) if f.name() == a.name())
            );
        }
        assert!(matches!(
            Assets::answer("0000000000", "consentry.js", None),
            AssetAnswer::NotFound
        ));
        assert!(matches!(
            Assets::answer(hash, "consentry.css", None),
            AssetAnswer::NotFound
        ));
        assert!(matches!(
            Assets::answer(hash, "", None),
            AssetAnswer::NotFound
        ));
        assert!(matches!(
            Assets::answer(hash, "../Cargo.toml", None),
            AssetAnswer::NotFound
        ));
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
            let a = Assets::answer(hash, "consentry.js", Some(&inm));
            assert_eq!(a.status(), 304, "{inm}");
            assert!(a.body().is_empty());
        }
        assert_eq!(
            Assets::answer(hash, "consentry.js", Some("\"other\"")).status(),
            200
        );
    }
}
