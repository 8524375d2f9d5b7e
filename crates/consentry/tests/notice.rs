//! The cookie and tracking section of a privacy notice, written from the example policies.
#![cfg(all(feature = "json", feature = "notice"))]

mod common;

use consentry::Policy;

/// Every cookie (and the consent cookie, when there is a choice) appears in both formats.
fn names_every_cookie(p: &Policy) {
    let md = p.notice_markdown();
    let html = p.notice_html();
    for r in p.cookie_rows() {
        assert!(
            html.contains(&format!(
                "<td><code>{}</code></td>",
                consentry::escape_html(&r.name)
            )),
            "{}",
            r.name
        );
        assert!(
            md.contains(&format!(
                "| {} |",
                r.name.replace('_', "\\_").replace('*', "\\*")
            )),
            "{}",
            r.name
        );
    }
}

#[test]
fn p4p_notice_names_controller_cookies_storage_key_withdrawal_gpc_and_retention() {
    let p = common::example("p4p-packing");
    names_every_cookie(&p);
    let md = p.notice_markdown();
    assert!(md.contains("Pro4Soft Inc. is responsible"), "{md}");
    assert!(md.contains("support@pro4soft.com"));
    // The loader's storage key is listed beside the cookies.
    assert!(
        md.contains("| consentry | Local storage | This site |"),
        "{md}"
    );
    // Withdrawal through the site's control, not the browser settings.
    assert!(md.contains("withdraw your consent at any time with “Cookie settings”"));
    assert!(md.contains("You do not need to change your browser settings"));
    assert!(md.contains("Global Privacy Control (GPC)"));
    assert!(md.contains("GPC is never read as consent"));
    assert!(md.contains("We do not sell your personal information"));
    // Analytics rests on consent, not legitimate interest (the seed's contradiction).
    assert!(md.contains("Analytics (analytics): Consent (Art. 6(1)(a)); only with your consent"));
    assert!(!md.contains("Legitimate interests"));
    assert!(md.contains("kept in the consent cookie for 182 days (6 months)"));
    assert!(md.contains("kept on our servers for 1095 days (36 months)"));
    // The US opt-out region is stated as it works.
    assert!(md.contains(
        "except for visitors from US: they are told, and the optional categories start on"
    ));
    assert!(md.contains("Google LLC (analytics): Measures unique visitors"));
    assert!(md.contains("Their privacy policy: https://policies.google.com/privacy"));
}

#[test]
fn proecommerce_notice_lists_stripe_as_necessary_with_its_justification() {
    let p = common::example("proecommerce");
    names_every_cookie(&p);
    let md = p.notice_markdown();
    assert!(md.contains("ProEcommerce is responsible"));
    assert!(md.contains("Strictly necessary (security and fraud prevention): Card payments cannot be taken without Stripe's fraud prevention"), "{md}");
    assert!(md.contains("there is no consent to give or withdraw"));
    assert!(
        !md.contains("Local storage"),
        "no consent module, no storage key"
    );
    assert!(md.contains("GPC is never read as consent"));
}

#[test]
fn packagetrack_notice_explains_the_keep_me_signed_in_opt_in() {
    let p = common::example("packagetrack");
    names_every_cookie(&p);
    let md = p.notice_markdown();
    assert!(
        md.contains("\\_\\_Host-PTP\\_AUTH is set only if you tick “Keep me signed in”"),
        "{md}"
    );
    assert!(md.contains("support@packagetrackpro.com"));
}

#[test]
fn markdown_and_html_escape_what_the_policy_says() {
    let p = Policy::from_json(
        r#"{"revision":1,"categories":{"necessary":{"required":true,"lawful_basis":"contract"}},
        "controller":{"name":"<b>Evil</b> | Co","contact":"a*b_c","dpo":"[x](y)"},
        "cookies":[{"name":"__Host-s","category":"necessary","exemption":"session","http_only":true,"same_site":"strict","purpose":"<script>"}]}"#,
    )
    .unwrap();
    let html = p.notice_html();
    assert!(html.contains("&lt;b&gt;Evil&lt;/b&gt; | Co is responsible"));
    assert!(html.contains("&lt;script&gt;"));
    assert!(!html.contains("<script>") && !html.contains("<b>"));
    let md = p.notice_markdown();
    assert!(md.contains("&lt;b&gt;Evil&lt;/b&gt; \\| Co is responsible"));
    assert!(md.contains("a\\*b\\_c") && md.contains("\\[x\\](y)"));
    assert!(md.contains("Data protection officer"));
}

#[test]
fn a_policy_with_a_sale_or_sharing_category_says_so_and_how_gpc_opts_out() {
    let p = common::full();
    let md = p.notice_markdown();
    assert!(
        md.contains(
            "we share personal information for cross-context behavioural advertising with Ad Co"
        ),
        "{md}"
    );
    assert!(md.contains("marketing stays off and is recorded as refused"));
    assert!(
        md.contains("The operator of this site is responsible"),
        "no controller declared"
    );
}
