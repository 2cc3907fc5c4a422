//! The language of the answers (SPEC 1.4 and 1.6, issue 12 item 8), over HTTP: how the real server
//! reads `Accept-Language`, and the send failures in German and French. Every case below was
//! observed on the real server; the quirks are deliberate.

use crate::helpers::{signed, spawn_app_with, spawn_faithful_app, TestApp};
use xxb_mock::Config;
use xxb_mock::{Lang, ValidationMode};

const USERS_ZH_CN: &str = r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8005\u7528\u6237\u5217\u8868\u3002"}"#;
const USERS_ZH_TW: &str = r#"{"result":"fail","message":"\u61c9\u7576\u8a2d\u7f6e\u63a5\u6536\u8005\u7528\u6236\u5217\u8868\u3002"}"#;
const USERS_EN: &str = r#"{"result":"fail","message":"Should set user list."}"#;

/// A sendNotification with an empty object, in the language `accept_language` names: the answer
/// and the `lang` cookie.
async fn users_error_in(app: &TestApp, accept_language: &str) -> (String, String) {
    let a = app
        .request(
            "POST",
            &format!(
                "/x.php?{}",
                signed("m=im&f=sendNotification&code=myAppCode")
            ),
            b"{}",
            &[("Accept-Language", accept_language)],
        )
        .await;
    let lang_cookie = a
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("lang="))
        .expect("a lang cookie");
    (a.text(), lang_cookie)
}

#[tokio::test]
async fn a_header_without_a_comma_is_taken_whole_and_lower_cased() {
    let app = spawn_faithful_app().await;
    for (header, expected, cookie) in [
        ("ZH-TW", USERS_ZH_TW, "lang=zh-tw;"),
        ("EN", USERS_EN, "lang=en;"),
        ("  en", USERS_EN, "lang=en;"),
        ("zh-CN", USERS_ZH_CN, "lang=zh-cn;"),
        ("zh-Hant-TW", USERS_ZH_TW, "lang=zh-tw;"),
    ] {
        let (answer, lang) = users_error_in(&app, header).await;
        assert_eq!(answer, expected, "{header:?}");
        assert!(lang.starts_with(cookie), "{header:?}: {lang}");
    }
}

#[tokio::test]
async fn a_region_a_weight_or_a_wildcard_gets_the_default_language() {
    // Deliberate: the real server only knows the five exact codes; everything else, even a
    // language it has, gets the configured default.
    let unknown = [
        "de-DE;q=0.9",
        "fr-FR",
        "zh-TW;q=0.8",
        "zh",
        "zh-HK",
        "*",
        "",
    ];
    let app = spawn_faithful_app().await;
    for header in unknown {
        let (answer, lang) = users_error_in(&app, header).await;
        assert_eq!(answer, USERS_ZH_CN, "{header:?}");
        assert!(lang.starts_with("lang=zh-cn;"), "{header:?}: {lang}");
    }
    let english_default = spawn_app_with(Config {
        lang: Lang::En,
        validation: ValidationMode::Faithful,
        ..Config::default()
    })
    .await;
    for header in unknown {
        let (answer, _) = users_error_in(&english_default, header).await;
        assert_eq!(answer, USERS_EN, "{header:?}");
    }
    let (answer, _) = users_error_in(&english_default, "zh-tw").await;
    assert_eq!(answer, USERS_ZH_TW);
}

#[tokio::test]
async fn send_failures_in_german_and_french_are_the_english_texts() {
    // Deliberate: the upstream language files have no German or French texts for these.
    let app = spawn_faithful_app().await;
    let notify = signed("m=im&f=sendNotification&code=myAppCode");
    let chat = signed("m=im&f=sendChatMessage&code=myAppCode");
    let cases = [
        (&notify, "{}", "Should set user list."),
        (&chat, "{}", "Should set chat group."),
        (&notify, r#"{"users":["admin"]}"#, "Should set sender info."),
        (
            &chat,
            r#"{"gid":"30683aea-7a1f-4ec8-a6d6-834e0310fd7d","sender":{"id":1}}"#,
            "Notification title not set.",
        ),
    ];
    for header in ["fr", "FR", "de", "De"] {
        for (query, body, message) in &cases {
            let a = app
                .request(
                    "POST",
                    &format!("/x.php?{query}"),
                    body.as_bytes(),
                    &[("Accept-Language", header)],
                )
                .await;
            assert_eq!(
                a.text(),
                format!(r#"{{"result":"fail","message":"{message}"}}"#),
                "{header} {body}"
            );
        }
    }
    // The entry check's texts do exist in German and French.
    let a = app
        .request(
            "GET",
            "/x.php?m=im&f=getGroupChats&code=nothing&token=0123456789abcdef0123456789abcdef",
            b"",
            &[("Accept-Language", "FR")],
        )
        .await;
    assert_eq!(
        a.text(),
        r#"{"errcode":404,"errmsg":"Application innexistante."}"#
    );
}
