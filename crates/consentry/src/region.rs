//! Regions and their consent profiles.
//!
//! The region always comes from the site (a server hint or an option), never from a guess in
//! the browser. Unknown regions get the opt-in profile.

use serde::{Deserialize, Serialize};

use crate::policy::Policy;

/// How consent works in a region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RegionProfile {
    /// Nothing optional before the visitor opts in (EEA, UK, Switzerland, Brazil, Quebec,
    /// unknown regions). The default.
    #[default]
    OptIn,
    /// Optional categories may start on, with notice; Global Privacy Control opts out of
    /// sale and sharing without asking (US states).
    OptOut,
}

impl RegionProfile {
    /// Both profiles.
    pub const ALL: [RegionProfile; 2] = [RegionProfile::OptIn, RegionProfile::OptOut];

    /// `opt-in` or `opt-out`.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionProfile::OptIn => "opt-in",
            RegionProfile::OptOut => "opt-out",
        }
    }
}

/// EEA member states plus the UK, Switzerland, Brazil and `EU`: opt-in by law. Two letters
/// each, in one string rather than a table of `&str` (smaller in the browser module); `EEA`
/// is checked on its own.
const OPT_IN_COUNTRIES: &[u8; 70] =
    b"ATBEBGHRCYCZDKEEFIFRDEGRHUIEITLVLTLUMTNLPLPTROSKSIESSEISLINOGBUKCHBREU";

/// True if the law of this region (ISO 3166 code, `CC` or `CC-SUB`, case-insensitive,
/// ASCII white space around it ignored) requires opt-in consent, whatever a policy says.
///
/// ```
/// use consentry::region::requires_opt_in;
/// assert!(requires_opt_in("DE"));
/// assert!(requires_opt_in("ca-qc"));
/// assert!(!requires_opt_in("US-CA"));
/// ```
pub fn requires_opt_in(code: &str) -> bool {
    // Case-insensitive comparisons rather than an uppercased copy: no allocation per request.
    // On bytes: every code compared is ASCII.
    let code = code.trim_ascii().as_bytes();
    let country = code.split(|b| *b == b'-').next().unwrap_or_default();
    code.eq_ignore_ascii_case(b"CA-QC")
        || country.eq_ignore_ascii_case(b"EEA")
        || OPT_IN_COUNTRIES
            .chunks_exact(2)
            .any(|c| c.eq_ignore_ascii_case(country))
}

impl Policy {
    /// The profile for a region code (`"DE"`, `"US-CA"`), or for an unknown region (`None`).
    ///
    /// Order: regions that require opt-in by law; then the policy's `regions` by exact code,
    /// then by country; then `default_region` (opt-in). Codes are ISO 3166, so ASCII: white
    /// space around them is ignored, and a code that is empty or not ASCII is an unknown
    /// region (the law's regions are never missed because of it: they only get stricter).
    ///
    /// ```
    /// # #[cfg(feature = "json")] {
    /// use consentry::{Policy, RegionProfile};
    /// let p = Policy::from_json(r#"{"revision":1,"regions":{"US":"opt-out"},
    ///   "categories":{"necessary":{"required":true,"lawful_basis":"contract"}}}"#).unwrap();
    /// assert_eq!(p.profile_for(Some("US-CA")), RegionProfile::OptOut);
    /// assert_eq!(p.profile_for(Some("FR")), RegionProfile::OptIn);
    /// assert_eq!(p.profile_for(None), RegionProfile::OptIn);
    /// # }
    /// ```
    pub fn profile_for(&self, region: Option<&str>) -> RegionProfile {
        // ASCII trimming and a byte loop: `str::trim` (Unicode white space, here and in the
        // module's cookie parsing) measured 220 B gzip larger in the browser module,
        // `str::is_ascii` 61 B.
        let Some(code) = region
            .map(str::trim_ascii)
            .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii()))
        else {
            return self.default_region;
        };
        if requires_opt_in(code) {
            return RegionProfile::OptIn;
        }
        // One pass: the first entry naming the exact code wins, else the first naming the
        // country (what comes before the first `-`). On bytes: `str::split`'s searcher is
        // large in the browser module.
        let code = code.as_bytes();
        let country = match code.iter().position(|&b| b == b'-') {
            Some(i) => code.get(..i).unwrap_or_default(),
            None => code,
        };
        let mut by_country = None;
        for (r, p) in &self.regions {
            let r = r.as_bytes();
            if r.eq_ignore_ascii_case(code) {
                return *p;
            }
            if by_country.is_none() && r.eq_ignore_ascii_case(country) {
                by_country = Some(*p);
            }
        }
        by_country.unwrap_or(self.default_region)
    }
}
