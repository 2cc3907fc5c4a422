//! Transport quirks (SPEC 1.4): status, headers, cookies, methods, body, language.

use crate::helpers::{notification, signed, spawn_app, spawn_app_with, spawn_faithful_app, GROUP};
use serde_json::json;
use xxb_mock::Config;
use xxb_mock::Lang;

#[tokio::test]
async fn every_answer_has_the_real_servers_headers_and_cookies() {
    let app = spawn_app().await;
    for query in [
        "m=im".to_string(),
        signed("m=im&f=getGroupChats&code=myAppCode"),
        signed("m=im&f=nope&code=myAppCode"),
    ] {
        let a = app.get(&query).await;
        assert_eq!(a.status, 200);
        let h = &a.headers;
        assert_eq!(h["content-type"], "text/html; Language=UTF-8;charset=UTF-8");
        assert_eq!(h["expires"], "Thu, 19 Nov 1981 08:52:00 GMT");
        assert_eq!(h["pragma"], "no-cache");
        assert_eq!(h["cache-control"], "private");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-xss-protection"], "1; mode=block");
        assert_eq!(h["x-frame-options"], "SAMEORIGIN");
        let cookies: Vec<&str> = h
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(cookies.len(), 4, "{cookies:?}");
        let sid = cookies[0]
            .strip_prefix("zentaosid=")
            .unwrap()
            .strip_suffix("; path=/; HttpOnly")
            .unwrap();
        assert_eq!(sid.len(), 26);
        assert!(cookies[1].starts_with("lang=zh-cn; expires=") && cookies[1].ends_with("; path=/"));
        assert!(
            cookies[2].starts_with("device=desktop; ")
                && cookies[2].ends_with("; path=/; HttpOnly")
        );
        assert!(cookies[3].starts_with("theme=default; ") && cookies[3].ends_with("; path=/"));
    }
}

#[tokio::test]
async fn the_http_method_is_never_checked_and_the_body_is_read_raw() {
    let app = spawn_app().await;
    let body = notification(json!([1])).to_string();
    let path = format!(
        "/x.php?{}",
        signed("m=im&f=sendNotification&code=myAppCode")
    );
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        for content_type in [
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
        ] {
            let a = app
                .request(
                    method,
                    &path,
                    body.as_bytes(),
                    &[("Content-Type", content_type)],
                )
                .await;
            assert_eq!(
                a.text(),
                r#"{"result":"success","message":""}"#,
                "{method} {content_type}"
            );
        }
    }
    let listed = app.inspect("notifications?limit=1000").await;
    assert_eq!(listed["total"], 15);
}

#[tokio::test]
async fn language_comes_from_accept_language_up_to_the_first_comma() {
    let app = spawn_app().await;
    let q = signed("m=im&f=sendNotification&code=myAppCode");
    let cases = [
        (
            "en,zh;q=0.5",
            r#"{"result":"fail","message":"Should set user list."}"#,
        ),
        (
            "de",
            r#"{"result":"fail","message":"Should set user list."}"#,
        ),
        (
            "zh-TW,en",
            r#"{"result":"fail","message":"\u61c9\u7576\u8a2d\u7f6e\u63a5\u6536\u8005\u7528\u6236\u5217\u8868\u3002"}"#,
        ),
        (
            "zh-Hant-HK",
            r#"{"result":"fail","message":"\u61c9\u7576\u8a2d\u7f6e\u63a5\u6536\u8005\u7528\u6236\u5217\u8868\u3002"}"#,
        ),
        // Deliberate: `en-US` is not one of the five, so the default (zh-cn) applies.
        (
            "en-US,en;q=0.9",
            r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8005\u7528\u6237\u5217\u8868\u3002"}"#,
        ),
    ];
    for (header, expected) in cases {
        let a = app
            .request(
                "POST",
                &format!("/x.php?{q}"),
                b"{}",
                &[("Accept-Language", header)],
            )
            .await;
        assert_eq!(a.text(), expected, "{header}");
    }
    // The lang cookie names the language used.
    let a = app
        .request(
            "POST",
            &format!("/x.php?{q}"),
            b"{}",
            &[("Accept-Language", "fr")],
        )
        .await;
    assert!(a.headers["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("zentaosid="));
    let cookies: Vec<_> = a
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(cookies[1].starts_with("lang=fr;"));
}

#[tokio::test]
async fn the_default_language_is_configurable() {
    let app = spawn_app_with(Config {
        lang: Lang::En,
        ..Config::default()
    })
    .await;
    let a = app
        .post(&signed("m=im&f=sendNotification&code=myAppCode"), "{}")
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"fail","message":"Should set user list."}"#
    );
    let a = app.get("m=im").await;
    assert!(a.text().contains("XXB is error."));
}

#[tokio::test]
async fn characters_above_the_bmp_are_lost_in_content_but_not_in_title() {
    let app = spawn_faithful_app().await;
    let mut body = notification(json!([3]));
    body["content"] = json!("发布 🎉 完成😀");
    body["title"] = json!("上线 🚀");
    app.send_notification(&body).await;
    let n = &app.inspect("notifications").await["items"][0];
    assert_eq!(n["content"], "发布 ???? 完成????");
    assert_eq!(n["title"], "上线 🚀");
    assert!(app
        .last_findings()
        .await
        .contains(&"characters_lost".to_string()));
}

#[tokio::test]
async fn answers_are_php_json_encoded() {
    let app = spawn_faithful_app().await;
    let a = app
        .get(&signed(&format!(
            "m=im&f=getChatUsers&gid={GROUP}&code=myAppCode"
        )))
        .await;
    // Lower-case \u escapes, no spaces, keys in database order.
    assert_eq!(
        a.text(),
        r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","3":"\u5f20\u4e09","4":"\u674e\u56db"}}"#
    );
    let a = app
        .send_notification(&json!({"users": [1], "title": "x", "sender": "s"}))
        .await;
    assert_eq!(a.text(), r#"{"result":"success","message":""}"#);
}
