//! API-mode detection, the retired entry, the parameter filter, positional parameters and unknown
//! methods (SPEC 1.1 and 1.3).

use crate::helpers::{signed, spawn_app, token, KEY};

const PAGE_ZH_CN: &str = "<html><meta charset='utf-8'/><style>body{background:white}</style><script>alert('XXB参数设置不正确。')\n</script>\n";

#[tokio::test]
async fn without_a_token_pattern_the_server_answers_its_web_page() {
    let app = spawn_app().await;
    for query in [
        "",
        "m=im&f=getGroupChats&code=myAppCode",
        "m=im&f=getGroupChats&code=myAppCode&token=short",
        "token=0123456789abcdef0123456789abcde",
    ] {
        let a = app.get(query).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.text(), PAGE_ZH_CN, "query {query:?}");
    }
    assert!(app
        .get_in("m=im", "zh-tw")
        .await
        .text()
        .contains("XXB參數設置不正確。"));
    for lang in ["en", "de", "fr"] {
        assert!(
            app.get_in("m=im", lang)
                .await
                .text()
                .contains("alert('XXB is error.')"),
            "{lang}"
        );
    }
}

#[tokio::test]
async fn the_token_pattern_counts_anywhere_and_in_any_case() {
    let app = spawn_app().await;
    // `xtoken=` and upper-case hex both make it an API call.
    let a = app
        .get("m=im&f=getGroupChats&code=myAppCode&xtoken=0123456789ABCDEF0123456789ABCDEF")
        .await;
    assert_eq!(a.text(), r#"{"error":"PARAM_TOKEN_MISSING"}"#);
}

#[tokio::test]
async fn the_retired_api_php_runs_the_entry_check_then_answers_nothing() {
    let app = spawn_app().await;
    let a = app
        .request("GET", "/api.php?m=chat&f=getChatGroups", b"", &[])
        .await;
    assert_eq!(
        (a.status, a.text()),
        (200, r#"{"error":"PARAM_CODE_MISSING"}"#.to_string())
    );
    let q = "m=chat&f=notifyMSG&code=myAppCode";
    let a = app
        .request(
            "POST",
            &format!("/api.php?{q}&token={}", token(q, KEY)),
            b"data={}",
            &[],
        )
        .await;
    assert_eq!((a.status, a.body.len()), (200, 0));
    assert!(app.last_findings().await.contains(&"old_api".to_string()));
}

#[tokio::test]
async fn unknown_modules_and_methods_answer_an_empty_body() {
    let app = spawn_app().await;
    for q in [
        "m=im&f=nope&code=myAppCode",
        "m=chat&f=getGroupChats&code=myAppCode",
        "m=im&f=getGroupChat&code=myAppCode",
    ] {
        let a = app.get(&signed(q)).await;
        assert_eq!((a.status, a.body.len()), (200, 0), "{q}");
    }
    assert_eq!(app.last_findings().await, vec!["unknown_method"]);
}

#[tokio::test]
async fn the_parameter_filter_answers_bad_request() {
    let app = spawn_app().await;
    // Values with a space, `~`, `&`, `:` or `@`, names outside [a-zA-Z0-9_.]; signed correctly. Each
    // pair is (what is sent, what the server signs), the second written out by hand from PHP's rules:
    // `parse_str` decodes `+` to a space and `%XX` (names included) before anything else; a name
    // ending in `[]` appends to an array at index 0; `http_build_query` writes an array element as
    // `name[0]` and passes names and values through `urlencode`, which keeps `A-Z a-z 0-9 - _ .`,
    // writes a space as `+` and everything else as upper-case `%XX`.
    for (extra, php_signs) in [
        // `%26` decodes to `&` inside the value, and `&` is encoded back as `%26`.
        ("gid=3%264", "gid=3%264"),
        // `+` and `%20` both decode to a space, which is encoded as `+`.
        ("gid=a+b", "gid=a+b"),
        ("gid=a%20b", "gid=a+b"),
        // `~`, `:` and `@` are outside urlencode's kept set, in upper-case hex whatever was sent.
        ("gid=a%7Eb", "gid=a%7Eb"),
        ("gid=a%7eb", "gid=a%7Eb"),
        ("gid=a~b", "gid=a%7Eb"),
        ("gid=a%3Ab", "gid=a%3Ab"),
        ("gid=a:b", "gid=a%3Ab"),
        ("gid=a%40b", "gid=a%40b"),
        ("gid=a@b", "gid=a%40b"),
        // `-` is kept in a name.
        ("bad-name=1", "bad-name=1"),
        // `gid[]` is the array [0 => "1"], rebuilt as `gid[0]` with its brackets encoded; an encoded
        // `%5B%5D` is decoded first and is the same array.
        ("gid[]=1", "gid%5B0%5D=1"),
        ("gid%5B%5D=1", "gid%5B0%5D=1"),
    ] {
        let sent = format!("m=im&f=getChatUsers&{extra}&code=myAppCode");
        let signed = format!("m=im&f=getChatUsers&{php_signs}&code=myAppCode");
        let a = app
            .get(&format!("{sent}&token={}", token(&signed, KEY)))
            .await;
        assert_eq!(
            (a.status, a.text()),
            (200, "Bad Request!".to_string()),
            "{extra} signed as {php_signs}"
        );
        assert_eq!(app.last_findings().await, vec!["param_refused"], "{extra}");
        if extra != php_signs {
            // Signing the bytes as sent is refused: the server signs its own re-encoding.
            let a = app
                .get(&format!("{sent}&token={}", token(&sent, KEY)))
                .await;
            assert_eq!(
                a.text(),
                r#"{"errcode":401,"errmsg":"无效的token参数"}"#,
                "{extra} signed as sent"
            );
        }
    }
    // Empty and "0" values are not filtered.
    let a = app
        .get(&signed("m=im&f=getChatUsers&gid=&code=myAppCode"))
        .await;
    assert_eq!(a.json()["result"], "success");
}

#[tokio::test]
async fn the_filter_runs_after_the_entry_check() {
    let app = spawn_app().await;
    let a = app
        .get_in(
            "m=im&f=getChatUsers&gid=a%7Eb&code=myAppCode&token=0123456789abcdef0123456789abcdef",
            "en",
        )
        .await;
    assert_eq!(a.text(), r#"{"errcode":401,"errmsg":"Invalid token."}"#);
}

#[tokio::test]
async fn method_parameters_are_taken_by_position() {
    let app = spawn_app().await;
    let expected = r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","3":"\u5f20\u4e09","4":"\u674e\u56db"}}"#;
    let a = app
        .get(&signed(
            "m=im&f=getChatUsers&group=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=myAppCode",
        ))
        .await;
    assert_eq!(a.text(), expected);
    assert_eq!(app.last_findings().await, vec!["positional_param"]);
    // A parameter before `gid` is taken instead of it.
    let a = app
        .get(&signed(
            "m=im&f=getChatUsers&x=nothing&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=myAppCode",
        ))
        .await;
    assert_eq!(a.text(), r#"{"result":"success","data":[]}"#);
    // `t`, `m`, `f`, `code` and `token` are not parameters.
    let a = app
        .get(&signed(
            "t=json&m=im&f=getChatUsers&code=myAppCode&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d",
        ))
        .await;
    assert_eq!(a.text(), expected);
}

#[tokio::test]
async fn the_query_is_signed_as_php_re_encodes_it() {
    let app = spawn_app().await;
    // `a.b` arrives as `a_b` and `%7e` as `~`, so the server signs `a_b=x%7Ey`.
    let sent = "m=im&f=getGroupChats&code=myAppCode&a.b=x%7ey";
    let php_signed = "m=im&f=getGroupChats&code=myAppCode&a_b=x%7Ey";
    let a = app
        .get(&format!("{sent}&token={}", token(php_signed, KEY)))
        .await;
    // `~` is then refused by the filter, which proves the token passed.
    assert_eq!(a.text(), "Bad Request!");
    let a = app.get(&format!("{sent}&token={}", token(sent, KEY))).await;
    assert_eq!(a.text(), r#"{"errcode":401,"errmsg":"无效的token参数"}"#);
}
