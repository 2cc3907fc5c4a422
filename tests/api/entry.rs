//! The entry check (SPEC 1.2): every row of both tables, in every language, and the order.

use crate::helpers::{signed, spawn_app, time_token, token, KEY};

const T32: &str = "0123456789abcdef0123456789abcdef";

const LANGS: [&str; 5] = ["zh-cn", "zh-tw", "en", "de", "fr"];

/// (errcode, texts in zh-cn, zh-tw, en, de, fr), as the upstream language files have them.
const EMPTY_ENTRY: (u16, [&str; 5]) = (
    404,
    [
        "应用不存在",
        "應用不存在",
        "Application does not exist.",
        "Key des Eintrags fehlt.",
        "Application innexistante.",
    ],
);
const EMPTY_KEY: (u16, [&str; 5]) = (
    401,
    [
        "应用未设置密钥",
        "應用未設置密鑰",
        "Secret key is missing.",
        "Key des Eintrags fehlt.",
        "Cl? Secr?te manquante.",
    ],
);
const IP_DENIED: (u16, [&str; 5]) = (
    403,
    [
        "该IP被限制访问",
        "該IP被限制訪問",
        "IP is denied.",
        "IP ist unzulässig.",
        "IP interdite.",
    ],
);
const INVALID_TOKEN: (u16, [&str; 5]) = (
    401,
    [
        "无效的token参数",
        "無效的token參數",
        "Invalid token.",
        "Ungültiger token.",
        "Token Invalide.",
    ],
);
const ACCOUNT_UNBOUND: (u16, [&str; 5]) = (
    403,
    [
        "未绑定用户",
        "未綁定用戶",
        "Account is not bound.",
        "Account is not bound.",
        "Compte non li?.",
    ],
);
const INVALID_ACCOUNT: (u16, [&str; 5]) = (
    406,
    [
        "用户不存在",
        "用戶不存在",
        "Invalid account.",
        "Account is not exists",
        "Compte Invalide.",
    ],
);
const CALLED_TIME: (u16, [&str; 5]) = (
    405,
    [
        "Token已失效",
        "Token已失效",
        "Token has expired",
        "Token has expired",
        "Token expir?",
    ],
);
const ERROR_TIMESTAMP: (u16, [&str; 5]) = (
    407,
    [
        "错误的时间戳。",
        "錯誤的時間戳。",
        "Timestamp Error",
        "Timestamp Error",
        "Timestamp Error",
    ],
);

fn errcode_body(row: (u16, [&str; 5]), lang_index: usize) -> String {
    format!(
        "{{\"errcode\":{},\"errmsg\":\"{}\"}}",
        row.0, row.1[lang_index]
    )
}

#[tokio::test]
async fn bare_errors_come_before_the_application_is_looked_up() {
    let app = spawn_app().await;
    let cases = [
        (
            format!("f=getGroupChats&code=myAppCode&token={T32}"),
            r#"{"error":"EMPTY_ENTRY"}"#,
        ),
        (
            format!("m=im&code=myAppCode&token={T32}"),
            r#"{"error":"EMPTY_ENTRY"}"#,
        ),
        (
            format!("m=im&f=getGroupChats&token={T32}"),
            r#"{"error":"PARAM_CODE_MISSING"}"#,
        ),
        (
            format!("m=im&f=getGroupChats&code=&token={T32}"),
            r#"{"error":"PARAM_CODE_MISSING"}"#,
        ),
        (
            format!("m=im&f=getGroupChats&code=0&token={T32}"),
            r#"{"error":"PARAM_CODE_MISSING"}"#,
        ),
        (
            format!("m=im&f=getGroupChats&code=myAppCode&xtoken={T32}"),
            r#"{"error":"PARAM_TOKEN_MISSING"}"#,
        ),
        (
            format!("m=im&f=getGroupChats&code=myAppCode&token=&xtoken={T32}"),
            r#"{"error":"PARAM_TOKEN_MISSING"}"#,
        ),
        (
            format!("m=im&f=getGroupChats&code=myAppCode&token=0&xtoken={T32}"),
            r#"{"error":"PARAM_TOKEN_MISSING"}"#,
        ),
    ];
    for lang in LANGS {
        for (query, expected) in &cases {
            let answer = app.get_in(query, lang).await;
            assert_eq!(answer.status, 200);
            assert_eq!(answer.text(), *expected, "{query} in {lang}");
        }
    }
}

#[tokio::test]
async fn every_errcode_row_in_every_language() {
    let app = spawn_app().await;
    for (i, lang) in LANGS.iter().enumerate() {
        let q = "m=im&f=getGroupChats&code=nope";
        assert_eq!(
            app.get_in(&format!("{q}&token={T32}"), lang).await.text(),
            errcode_body(EMPTY_ENTRY, i)
        );

        let q = "m=im&f=getGroupChats&code=noKeyApp";
        assert_eq!(
            app.get_in(&format!("{q}&token={T32}"), lang).await.text(),
            errcode_body(EMPTY_KEY, i)
        );

        let q = "m=im&f=getGroupChats&code=lanOnlyApp";
        let t = token(q, "0c5d1e2f3a4b5c6d7e8f90a1b2c3d4e5");
        assert_eq!(
            app.get_in(&format!("{q}&token={t}"), lang).await.text(),
            errcode_body(IP_DENIED, i)
        );

        let q = "m=im&f=getGroupChats&code=myAppCode";
        assert_eq!(
            app.get_in(&format!("{q}&token={T32}"), lang).await.text(),
            errcode_body(INVALID_TOKEN, i)
        );

        let q = "m=im&f=getGroupChats&code=unboundApp";
        let t = token(q, "6f1ed002ab5595859014ebf0951522d9");
        assert_eq!(
            app.get_in(&format!("{q}&token={t}"), lang).await.text(),
            errcode_body(ACCOUNT_UNBOUND, i)
        );

        let q = "m=im&f=getGroupChats&code=ghostApp";
        let t = token(q, "9b2e0c4d4f7a6a5b1c3d2e1f0a9b8c7d");
        assert_eq!(
            app.get_in(&format!("{q}&token={t}"), lang).await.text(),
            errcode_body(INVALID_ACCOUNT, i)
        );

        // Bound to a deleted user: the same answer.
        let q = "m=im&f=getGroupChats&code=retiredApp";
        let t = token(q, "a1b2c3d4e5f60718293a4b5c6d7e8f90");
        assert_eq!(
            app.get_in(&format!("{q}&token={t}"), lang).await.text(),
            errcode_body(INVALID_ACCOUNT, i)
        );

        let q = "m=im&f=getGroupChats&code=myAppCode&time=123";
        assert_eq!(
            app.get_in(&format!("{q}&token={T32}"), lang).await.text(),
            errcode_body(ERROR_TIMESTAMP, i)
        );

        let time = format!("17000000{i:02}");
        let t = time_token("myAppCode", KEY, &time);
        let query = format!("m=im&f=getGroupChats&code=myAppCode&time={time}&token={t}");
        assert_eq!(app.get_in(&query, lang).await.json()["result"], "success");
        assert_eq!(
            app.get_in(&query, lang).await.text(),
            errcode_body(CALLED_TIME, i)
        );
    }
}

#[tokio::test]
async fn errmsg_is_raw_utf8_not_escaped() {
    let app = spawn_app().await;
    let answer = app
        .get(&format!("m=im&f=getGroupChats&code=nope&token={T32}"))
        .await;
    assert_eq!(
        answer.body,
        "{\"errcode\":404,\"errmsg\":\"应用不存在\"}".as_bytes()
    );
}

#[tokio::test]
async fn checks_run_in_the_upstream_order() {
    let app = spawn_app().await;
    // Unknown application wins over a bad timestamp and a bad token.
    let a = app
        .get_in(
            &format!("m=im&f=getGroupChats&code=nope&time=9&token={T32}"),
            "en",
        )
        .await;
    assert_eq!(
        a.text(),
        r#"{"errcode":404,"errmsg":"Application does not exist."}"#
    );
    // No key wins over the IP and the timestamp.
    let a = app
        .get_in(
            &format!("m=im&f=getGroupChats&code=noKeyApp&time=9&token={T32}"),
            "en",
        )
        .await;
    assert_eq!(
        a.text(),
        r#"{"errcode":401,"errmsg":"Secret key is missing."}"#
    );
    // The IP wins over the timestamp.
    let a = app
        .get_in(
            &format!("m=im&f=getGroupChats&code=lanOnlyApp&time=9&token={T32}"),
            "en",
        )
        .await;
    assert_eq!(a.text(), r#"{"errcode":403,"errmsg":"IP is denied."}"#);
    // The timestamp is checked before the token.
    let a = app
        .get_in(
            &format!("m=im&f=getGroupChats&code=myAppCode&time=4000000000&token={T32}"),
            "en",
        )
        .await;
    assert_eq!(a.text(), r#"{"errcode":407,"errmsg":"Timestamp Error"}"#);
    // The token is checked before the account.
    let a = app
        .get_in(
            &format!("m=im&f=getGroupChats&code=unboundApp&token={T32}"),
            "en",
        )
        .await;
    assert_eq!(a.text(), r#"{"errcode":401,"errmsg":"Invalid token."}"#);
}

#[tokio::test]
async fn time_mode() {
    let app = spawn_app().await;
    let call = |time: &str, token: &str| {
        format!("m=im&f=getGroupChats&code=myAppCode&time={time}&token={token}")
    };
    // Not 10 characters, or a first character of 4 or more: ERROR_TIMESTAMP.
    for bad in ["123456789", "4000000000", "9999999999", "a123456789", ""] {
        let a = app.get_in(&call(bad, T32), "en").await;
        assert_eq!(
            a.text(),
            r#"{"errcode":407,"errmsg":"Timestamp Error"}"#,
            "time={bad}"
        );
    }
    // Longer values are cut to 10 characters for the check, but signed in full.
    let long = "17000000001234";
    let a = app
        .get(&call(long, &time_token("myAppCode", KEY, long)))
        .await;
    assert_eq!(a.json()["result"], "success");
    // The same 10-character timestamp again: CALLED_TIME, even with a different suffix.
    let again = "17000000009";
    let a = app
        .get_in(&call(again, &time_token("myAppCode", KEY, again)), "en")
        .await;
    assert_eq!(a.text(), r#"{"errcode":405,"errmsg":"Token has expired"}"#);
    // An earlier one too.
    let a = app
        .get_in(
            &call("1600000000", &time_token("myAppCode", KEY, "1600000000")),
            "en",
        )
        .await;
    assert_eq!(a.text(), r#"{"errcode":405,"errmsg":"Token has expired"}"#);
    // A later one is accepted.
    let a = app
        .get(&call(
            "1700000001",
            &time_token("myAppCode", KEY, "1700000001"),
        ))
        .await;
    assert_eq!(a.json()["result"], "success");
    // When the time formula does not match, the query formula is tried with `time` in the query.
    let q = "m=im&f=getGroupChats&code=myAppCode&time=1500000000";
    let a = app.get(&format!("{q}&token={}", token(q, KEY))).await;
    assert_eq!(a.json()["result"], "success");
}

#[tokio::test]
async fn an_accepted_time_is_removed_from_the_method_parameters() {
    let app = spawn_app().await;
    let gid = "30683aea-7a1f-4ec8-a6d6-834e0310fd7d";
    let t = time_token("myAppCode", KEY, "1700000000");
    let a = app
        .get(&format!(
            "m=im&f=getChatUsers&code=myAppCode&time=1700000000&gid={gid}&token={t}"
        ))
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","3":"\u5f20\u4e09","4":"\u674e\u56db"}}"#
    );
    // Signed by the query formula instead, `time` stays and is the first positional parameter,
    // so it is taken as the gid (deliberately faithful).
    let q = format!("m=im&f=getChatUsers&code=myAppCode&time=1500000000&gid={gid}");
    let a = app.get(&format!("{q}&token={}", token(&q, KEY))).await;
    assert_eq!(a.text(), r#"{"result":"success","data":[]}"#);
}

#[tokio::test]
async fn forwarded_addresses_override_the_connection() {
    let app = spawn_app().await;
    let q = "m=im&f=getGroupChats&code=lanOnlyApp";
    let path = format!(
        "/x.php?{q}&token={}",
        token(q, "0c5d1e2f3a4b5c6d7e8f90a1b2c3d4e5")
    );
    let denied = r#"{"errcode":403,"errmsg":"IP is denied."}"#;
    let call = |headers: Vec<(&'static str, &'static str)>| {
        let app = &app;
        let path = path.clone();
        async move {
            app.request(
                "GET",
                &path,
                b"",
                &[&[("Accept-Language", "en")][..], &headers].concat(),
            )
            .await
            .text()
        }
    };
    assert_eq!(call(vec![]).await, denied);
    assert!(call(vec![("X-Forwarded-For", "192.168.1.7")])
        .await
        .starts_with(r#"{"result":"success""#));
    assert!(call(vec![("Client-IP", "10.20.30.40")])
        .await
        .starts_with(r#"{"result":"success""#));
    // Client-IP wins over X-Forwarded-For.
    assert_eq!(
        call(vec![
            ("X-Forwarded-For", "192.168.1.7"),
            ("Client-IP", "8.8.8.8")
        ])
        .await,
        denied
    );
    assert!(app
        .last_findings()
        .await
        .contains(&"forwarded_address".to_string()));
}

#[tokio::test]
async fn the_docs_token_is_only_valid_for_its_own_query() {
    let app = spawn_app().await;
    let docs = "f5633c34c0c551a16c1d63bceb38d6a8";
    let a = app
        .get_in(
            &format!("m=im&f=getGroupChats&code=myAppCode&token={docs}"),
            "en",
        )
        .await;
    assert_eq!(a.text(), r#"{"errcode":401,"errmsg":"Invalid token."}"#);
    let entry = app.last_request().await;
    let finding = &entry["findings"][0];
    assert_eq!(finding["code"], "invalid_token");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("m=im&f=getGroupChats&code=myAppCode"),
        "{message}"
    );
    assert!(message.contains("docs"), "{message}");
    assert!(!message.contains(KEY), "the key must never be shown");
    // The docs' own query with the docs' token is accepted (and then an unknown module: empty).
    let a = app
        .get(&format!(
            "m=chat&f=getChatUsers&code=myAppCode&token={docs}"
        ))
        .await;
    assert_eq!(a.body, b"");
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn a_token_of_another_method_is_named() {
    let app = spawn_app().await;
    let other = token("m=im&f=getGroupChats&code=myAppCode", KEY);
    app.get(&format!(
        "m=im&f=sendNotification&code=myAppCode&token={other}"
    ))
    .await;
    let entry = app.last_request().await;
    assert!(entry["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("different query"));
    // Sanity: the right token passes.
    let a = app
        .post(&signed("m=im&f=sendNotification&code=myAppCode"), "{}")
        .await;
    assert_eq!(a.json()["result"], "fail");
}
