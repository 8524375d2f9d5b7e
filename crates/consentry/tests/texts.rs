//! Banner texts in the page's language (R10), with fallbacks.
#![cfg(feature = "json")]

mod common;

#[test]
fn picks_the_page_language_then_its_base_then_english_then_built_ins() {
    let p = common::example("p4p-packing");
    let de = p.texts_for("de-AT");
    assert_eq!(de.language, "de");
    assert_eq!(de.accept_all, "Alle akzeptieren");
    assert_eq!(de.title, "Cookies bei P4P Packing");
    // Missing in German: the policy's English, then the built-in English.
    assert_eq!(de.privacy_url, Some("/privacy"));
    assert_eq!(
        de.blocked,
        "This content is blocked until you allow its cookies."
    );
    assert_eq!(de.category("analytics").0, "Statistik");

    let fr = p.texts_for("fr");
    assert_eq!(fr.language, "en");
    assert_eq!(fr.title, "Cookies on P4P Packing");
    assert_eq!(fr.accept_all, "Accept all");
    assert_eq!(fr.reject_all, "Reject all");
    assert_eq!(fr.category("analytics").0, "Analytics");

    assert_eq!(
        p.texts_for("DE").language,
        "de",
        "tags are case-insensitive"
    );
    assert_eq!(p.texts_for("").language, "en");
}

#[test]
fn built_in_texts_cover_policies_without_texts() {
    let p = common::full();
    let t = p.texts_for("en");
    assert_eq!(t.title, "Your privacy choices");
    assert_eq!(t.preferences, "Preferences");
    assert_eq!(t.save, "Save choices");
    assert_eq!(t.privacy_url, None);
    assert_eq!(t.category("necessary").0, "Strictly necessary");
    assert_eq!(t.category("marketing").0, "Marketing");
    assert_eq!(t.category("functional").0, "Functional");
}

#[test]
fn category_texts_fall_back_field_by_field() {
    let p = consentry::Policy::from_json(
        r#"{"revision":1,"categories":{
            "necessary":{"required":true,"lawful_basis":"contract"},
            "analytics":{"lawful_basis":"consent"},
            "stats":{"lawful_basis":"consent"}},
          "texts":{
            "en":{"categories":{"analytics":{"title":"Analytics (en)","description":"Counts (en)"},
                                "stats":{"description":"Numbers (en)"}}},
            "de":{"categories":{"analytics":{"title":"Statistik"}}}}}"#,
    )
    .unwrap();
    let de = p.texts_for("de_CH");
    assert_eq!(de.language, "de", "`_` separates the base language too");
    // German title, English description: each field falls back on its own.
    assert_eq!(de.category("analytics"), ("Statistik", "Counts (en)"));
    // Only a description anywhere: the built-in title for an unknown id.
    assert_eq!(de.category("stats"), ("Other", "Numbers (en)"));
    // No texts at all: the built-ins.
    assert_eq!(
        de.category("necessary").0,
        "Strictly necessary",
        "built-in title"
    );
    assert_eq!(p.texts_for("en").category("analytics").0, "Analytics (en)");
}

#[test]
fn the_page_language_wins_over_english_for_every_field() {
    let p = consentry::Policy::from_json(
        r#"{"revision":1,"categories":{"necessary":{"required":true,"lawful_basis":"contract"}},
          "texts":{
            "en":{"title":"T","body":"B","accept_all":"A","reject_all":"R","preferences":"P",
                  "save":"S","blocked":"X","allow":"L","privacy_url":"/en"},
            "DE":{"title":"t","body":"b","accept_all":"a","reject_all":"r","preferences":"p",
                  "save":"s","blocked":"x","allow":"l","privacy_url":"/de"}}}"#,
    )
    .unwrap();
    let de = p.texts_for("de-AT");
    assert_eq!(de.language, "DE", "the policy's own tag");
    let got = [
        de.title,
        de.body,
        de.accept_all,
        de.reject_all,
        de.preferences,
        de.save,
        de.blocked,
        de.allow,
    ];
    assert_eq!(got, ["t", "b", "a", "r", "p", "s", "x", "l"]);
    assert_eq!(de.privacy_url, Some("/de"));
    let fr = p.texts_for("fr");
    assert_eq!(fr.language, "en");
    assert_eq!(
        [
            fr.title,
            fr.body,
            fr.accept_all,
            fr.reject_all,
            fr.preferences,
            fr.save,
            fr.blocked,
            fr.allow
        ],
        ["T", "B", "A", "R", "P", "S", "X", "L"]
    );
    assert_eq!(fr.privacy_url, Some("/en"));
}
