//! The chat daemon's direct API (`/im/...`) over HTTP: the guide's signature and its vectors, the
//! answers (documented shapes, assumed status and encoding), the findings of the mistakes the guide
//! warns about, strict mode, and `unverified_answer` on every answer that rests on an assumption.

use crate::helpers::{spawn_app, spawn_faithful_app, Answer, TestApp, GROUP, KEY};
use serde_json::{json, Value};

/// The guide's key and application code.
pub const GUIDE_KEY: &str = "dgqfkys6lq6v9xm7n1xofhgwkvcat12n";

/// `md5(md5(P) + key)`, written here independently of the server's code; `P` is given already
/// canonical (path without its slash, `?`, the parameters sorted by name).
pub fn xxd_token(signed: &str, key: &str) -> String {
    let inner = format!("{:x}", md5::compute(signed.as_bytes()));
    format!("{:x}", md5::compute(format!("{inner}{key}").as_bytes()))
}

/// Adds the guide's application, `appcode`, bound to admin.
pub async fn add_guide_app(app: &TestApp) {
    let body = json!({"code": "appcode", "key": GUIDE_KEY, "ip": "*", "account": "admin"});
    let answer = app
        .request(
            "POST",
            "/__inspect/apps",
            body.to_string().as_bytes(),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
}

/// The codes of the last journal entry's findings.
async fn codes(app: &TestApp) -> Vec<String> {
    app.last_findings().await
}

/// The message of the last journal entry's finding `code`.
async fn finding(app: &TestApp, code: &str) -> String {
    let entry = app.last_request().await;
    entry["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {entry}"))["message"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A signed call of the default application (`myAppCode`): `P` is the canonical text, `query` the
/// query as sent (without the token).
async fn call(app: &TestApp, method: &str, path: &str, query: &str, p: &str, body: &str) -> Answer {
    let token = xxd_token(p, KEY);
    let separator = if query.is_empty() { "" } else { "&" };
    app.request(
        method,
        &format!("{path}?{query}{separator}token={token}"),
        body.as_bytes(),
        &[("Content-Type", "application/json")],
    )
    .await
}

async fn send(app: &TestApp, operation: &str, body: &Value) -> Answer {
    call(
        app,
        "POST",
        &format!("/im/{operation}"),
        "code=myAppCode",
        &format!("im/{operation}?code=myAppCode"),
        &body.to_string(),
    )
    .await
}

fn notification(users: Value) -> Value {
    json!({
        "users": users,
        "title": "部署完成",
        "content": "**v2.4.0**",
        "contentType": "text",
        "url": "https://cd.example.com/deploys/7",
        "actions": [{"label": "查看", "url": "https://cd.example.com/deploys/7", "type": "primary"}],
        "sender": {"id": "cd", "displayName": "CD", "avatar": "https://cd.example.com/logo.png"}
    })
}

const SUCCESS: &str = "{\"result\":\"success\",\"message\":\"\"}\n";

fn fail(message: &str) -> String {
    format!("{{\"result\":\"fail\",\"message\":{}}}\n", json!(message))
}

#[tokio::test]
async fn the_guides_five_signature_vectors_are_accepted() {
    let app = spawn_app().await;
    add_guide_app(&app).await;
    let body = notification(json!([3])).to_string();
    let chat = json!({"gid": GROUP, "title": "t", "sender": {"id": "cd", "displayName": "CD", "avatar": "https://a/b.png"}}).to_string();
    let vectors = [
        ("GET", "/im/getChatGroups?code=appcode&token=1a95a530d263cc19d51405566c00910b", ""),
        ("GET", "/im/getChatUsers?code=appcode&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&token=5d2d87e7fed3c51e6d599e4cc74fcdf8", ""),
        ("GET", "/im/getChatUsers?code=appcode&token=6de85774f3ab629fcebf9ac284acc336", ""),
        ("POST", "/im/sendNotification?code=appcode&token=e5f94a972bb6693e5e546c3f17a44e6a", body.as_str()),
        ("POST", "/im/sendChatMessage?code=appcode&token=7211b3be50c9a2c7760afc48f8041bcf", chat.as_str()),
    ];
    for (method, target, body) in vectors {
        let answer = app.request(method, target, body.as_bytes(), &[]).await;
        assert_eq!(answer.status, 200, "{target}");
        assert_eq!(
            answer.json()["result"],
            "success",
            "{target}: {}",
            answer.text()
        );
        assert_eq!(app.last_request().await["outcome"], "accepted");
    }
    let journal = app.inspect("requests?api=xxd&app=appcode").await;
    assert_eq!(journal["total"], 5);
}

#[tokio::test]
async fn the_order_of_the_parameters_in_the_url_does_not_matter() {
    let app = spawn_app().await;
    add_guide_app(&app).await;
    // gid before code: the vector was computed over the canonical, sorted, query.
    let answer = app
        .request(
            "GET",
            "/im/getChatUsers?gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&token=5d2d87e7fed3c51e6d599e4cc74fcdf8&code=appcode",
            b"",
            &[],
        )
        .await;
    assert_eq!(
        answer.text(),
        "{\"result\":\"success\",\"data\":{\"1\":\"管理员\",\"3\":\"张三\",\"4\":\"李四\"}}\n"
    );
    // The same parameters signed in the order sent are not the canonical text.
    let unsorted = xxd_token(
        "im/getChatUsers?gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=appcode",
        GUIDE_KEY,
    );
    let answer = app
        .request(
            "GET",
            &format!("/im/getChatUsers?gid={GROUP}&code=appcode&token={unsorted}"),
            b"",
            &[],
        )
        .await;
    assert_eq!(answer.text(), fail("Invalid token."));
    let message = finding(&app, "invalid_token").await;
    assert!(
        message.contains(&format!("`im/getChatUsers?code=appcode&gid={GROUP}`")),
        "{message}"
    );
}

#[tokio::test]
async fn values_are_signed_form_encoded() {
    let app = spawn_app().await;
    // A space is `+`, `~` is kept, `:` is `%3A`, names sorted bytewise (upper case first).
    let answer = call(
        &app,
        "GET",
        "/im/getChatGroups",
        "code=myAppCode&note=a%20b~c:d&Z=1",
        "im/getChatGroups?Z=1&code=myAppCode&note=a+b~c%3Ad",
        "",
    )
    .await;
    assert_eq!(answer.json()["result"], "success", "{}", answer.text());
}

#[tokio::test]
async fn lookups_answer_go_encoded_maps() {
    let app = spawn_app().await;
    let answer = call(
        &app,
        "GET",
        "/im/getChatGroups",
        "code=myAppCode",
        "im/getChatGroups?code=myAppCode",
        "",
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert!(answer.headers.get("set-cookie").is_none());
    // Keys sorted as Go sorts a map's; UTF-8 as is; a final newline.
    assert_eq!(
        answer.text(),
        "{\"result\":\"success\",\"data\":{\"30683aea-7a1f-4ec8-a6d6-834e0310fd7d\":\"第四期项目讨论\",\"64da14c3-c07a-45af-9c61-4e638de4af26\":\"公司总群\",\"81c6ba89-00ab-4431-8e47-063556ae4886\":\"研发部\"}}\n"
    );
    let unverified = finding(&app, "unverified_answer").await;
    for assumption in ["status:", "encoding:", "key_order:"] {
        assert!(unverified.contains(assumption), "{unverified}");
    }
    // An unknown gid: an empty map, `{}`.
    let answer = call(
        &app,
        "GET",
        "/im/getChatUsers",
        "code=myAppCode&gid=nope",
        "im/getChatUsers?code=myAppCode&gid=nope",
        "",
    )
    .await;
    assert_eq!(answer.text(), "{\"result\":\"success\",\"data\":{}}\n");
    let unverified = finding(&app, "unverified_answer").await;
    assert!(
        unverified.contains("empty_map:") && unverified.contains("unknown_gid:"),
        "{unverified}"
    );
}

#[tokio::test]
async fn the_sends_answer_and_store() {
    let app = spawn_app().await;
    let answer = send(&app, "sendNotification", &notification(json!([3, 4]))).await;
    assert_eq!(answer.text(), SUCCESS);
    let stored = app.inspect("notifications?api=xxd").await;
    assert_eq!(stored["total"], 1);
    let n = &stored["items"][0];
    assert_eq!(n["api"], "xxd");
    assert_eq!(n["cgid"], "notification");
    assert_eq!(n["sender"]["displayName"], "CD");
    assert_eq!(n["recipients"].as_array().unwrap().len(), 2);
    assert_eq!(codes(&app).await, ["unverified_answer"]);
    let message = finding(&app, "unverified_answer").await;
    assert!(message.contains("storage:"), "{message}");

    let chat = json!({"gid": GROUP, "title": "发布", "content": "@#3 请验收", "sender": {"id": "cd", "displayName": "CD", "avatar": "https://a/b.png"}});
    assert_eq!(send(&app, "sendChatMessage", &chat).await.text(), SUCCESS);
    let stored = app.inspect(&format!("notifications?gid={GROUP}")).await;
    assert_eq!(stored["items"][0]["kind"], "chat");
    assert_eq!(stored["items"][0]["contentType"], "text", "missing is text");
    let members: Vec<i64> = stored["items"][0]["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(members, [1, 3, 4]);
}

#[tokio::test]
async fn the_mistakes_the_guide_warns_about_have_findings() {
    let app = spawn_app().await;
    // sender.name without displayName: accepted, but the daemon shows no name.
    let mut body = notification(json!([3]));
    body["sender"] = json!({"id": "cd", "name": "CD", "avatar": "https://a/b.png"});
    assert_eq!(send(&app, "sendNotification", &body).await.text(), SUCCESS);
    assert!(codes(&app)
        .await
        .contains(&"sender_without_display_name".to_string()));
    assert!(finding(&app, "sender_without_display_name")
        .await
        .contains("has `name` but no `displayName`"));

    // getGroupChats is /x.php's name: Go's 404, and the finding names getChatGroups.
    let answer = call(
        &app,
        "GET",
        "/im/getGroupChats",
        "code=myAppCode",
        "im/getGroupChats?code=myAppCode",
        "",
    )
    .await;
    assert_eq!(
        (answer.status, answer.text()),
        (404, "404 page not found\n".to_string())
    );
    assert_eq!(answer.headers["content-type"], "text/plain; charset=utf-8");
    let entry = app.last_request().await;
    let unknown = &entry["findings"][0];
    assert_eq!(unknown["code"], "unknown_operation");
    assert!(unknown["message"]
        .as_str()
        .unwrap()
        .contains("calls it getChatGroups"));
    assert_eq!(unknown["hint"], "Call /im/getChatGroups.");
    assert!(finding(&app, "unverified_answer")
        .await
        .contains("unknown_path:"));

    // An x.php query on /im/, signed as the direct API signs: ignored parameters, a warning.
    let answer = call(
        &app,
        "GET",
        "/im/getChatGroups",
        "m=im&f=getGroupChats&code=myAppCode",
        "im/getChatGroups?code=myAppCode&f=getGroupChats&m=im",
        "",
    )
    .await;
    assert_eq!(answer.json()["result"], "success");
    assert!(codes(&app).await.contains(&"x_php_query".to_string()));
}

#[tokio::test]
async fn a_token_of_the_other_api_says_so_in_both_directions() {
    let app = spawn_app().await;
    // /x.php's formula on /im/: the query as /x.php would have it.
    let php = crate::helpers::token("m=im&f=getGroupChats&code=myAppCode", KEY);
    let answer = app
        .request(
            "GET",
            &format!("/im/getChatGroups?code=myAppCode&token={php}"),
            b"",
            &[],
        )
        .await;
    assert_eq!(answer.text(), fail("Invalid token."));
    assert_eq!(
        codes(&app).await,
        ["invalid_token", "other_api_signature", "unverified_answer"]
    );
    let message = finding(&app, "other_api_signature").await;
    assert!(message.contains("/x.php's formula"), "{message}");
    assert!(
        message.contains("`m=im&f=getGroupChats&code=myAppCode`"),
        "{message}"
    );
    assert!(message.contains("md5(md5(P) + key)"), "{message}");
    assert!(
        message.contains("`im/getChatGroups?code=myAppCode`"),
        "{message}"
    );

    // The direct API's formula on /x.php: rejected as the real server rejects it, and explained.
    let direct = xxd_token("im/getChatGroups?code=myAppCode", KEY);
    let answer = app
        .get(&format!(
            "m=im&f=getGroupChats&code=myAppCode&token={direct}"
        ))
        .await;
    assert_eq!(answer.json()["errcode"], 401);
    let entry = app.last_request().await;
    assert_eq!(entry["api"], "x.php");
    let message = finding(&app, "other_api_signature").await;
    assert!(
        message.contains("the direct API (/im/...)'s formula"),
        "{message}"
    );
    assert!(
        message.contains("`im/getChatGroups?code=myAppCode`"),
        "{message}"
    );
    assert!(message.contains("md5(md5(query) + key)"), "{message}");
    assert!(codes(&app).await.contains(&"invalid_token".to_string()));
    // The direct API's formula over the /x.php URL itself is recognised too.
    let literal = xxd_token("x.php?code=myAppCode&f=getGroupChats&m=im", KEY);
    app.get(&format!(
        "m=im&f=getGroupChats&code=myAppCode&token={literal}"
    ))
    .await;
    assert!(finding(&app, "other_api_signature")
        .await
        .contains("`x.php?code=myAppCode&f=getGroupChats&m=im`"));
}

#[tokio::test]
async fn the_authentication_refusals() {
    let app = spawn_app().await;
    let cases: [(&str, &str, &str); 5] = [
        (
            "/im/getChatGroups",
            "Missing parameter: code.",
            "missing_code",
        ),
        (
            "/im/getChatGroups?code=myAppCode",
            "Missing parameter: token.",
            "missing_token",
        ),
        (
            "/im/getChatGroups?code=nope&token=x",
            "Application does not exist.",
            "unknown_app",
        ),
        (
            "/im/getChatGroups?code=noKeyApp&token=x",
            "Secret key is missing.",
            "app_without_key",
        ),
        (
            "/im/getChatGroups?code=lanOnlyApp&token=x",
            "IP is denied.",
            "ip_denied",
        ),
    ];
    for (target, message, code) in cases {
        // In English whatever the client asks for (assumed).
        let answer = app
            .request("GET", target, b"", &[("Accept-Language", "zh-CN")])
            .await;
        assert_eq!(
            (answer.status, answer.text()),
            (200, fail(message)),
            "{target}"
        );
        assert_eq!(codes(&app).await[0], code, "{target}");
        let unverified = finding(&app, "unverified_answer").await;
        assert!(
            unverified.contains("checks:") && unverified.contains("messages:"),
            "{unverified}"
        );
    }
    // A forwarding header does not pass an allow-list: the daemon reads the connection.
    let token = xxd_token(
        "im/getChatGroups?code=lanOnlyApp",
        "0c5d1e2f3a4b5c6d7e8f90a1b2c3d4e5",
    );
    let answer = app
        .request(
            "GET",
            &format!("/im/getChatGroups?code=lanOnlyApp&token={token}"),
            b"",
            &[("X-Forwarded-For", "10.1.2.3")],
        )
        .await;
    assert_eq!(answer.text(), fail("IP is denied."));
    assert!(finding(&app, "unverified_answer")
        .await
        .contains("caller_address:"));
    // Bound accounts are checked as on /x.php.
    for (code, key, message) in [
        (
            "unboundApp",
            "6f1ed002ab5595859014ebf0951522d9",
            "Account is not bound.",
        ),
        (
            "retiredApp",
            "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "Invalid account.",
        ),
    ] {
        let token = xxd_token(&format!("im/getChatGroups?code={code}"), key);
        let answer = app
            .request(
                "GET",
                &format!("/im/getChatGroups?code={code}&token={token}"),
                b"",
                &[],
            )
            .await;
        assert_eq!(answer.text(), fail(message), "{code}");
    }
    // The token is compared exactly: the right one in upper case is wrong.
    let upper = xxd_token("im/getChatGroups?code=myAppCode", KEY).to_uppercase();
    let answer = app
        .request(
            "GET",
            &format!("/im/getChatGroups?code=myAppCode&token={upper}"),
            b"",
            &[],
        )
        .await;
    assert_eq!(answer.text(), fail("Invalid token."));
    assert!(finding(&app, "unverified_answer").await.contains("query:"));
}

#[tokio::test]
async fn the_http_method_is_the_guides() {
    let app = spawn_app().await;
    let answer = call(
        &app,
        "GET",
        "/im/sendNotification",
        "code=myAppCode",
        "im/sendNotification?code=myAppCode",
        &notification(json!([3])).to_string(),
    )
    .await;
    assert_eq!(
        (answer.status, answer.text()),
        (405, "Method Not Allowed\n".to_string())
    );
    assert_eq!(answer.headers["allow"], "POST");
    assert_eq!(
        codes(&app).await,
        ["wrong_http_method", "unverified_answer"]
    );
    assert_eq!(app.inspect("notifications").await["total"], 0);
    let answer = call(
        &app,
        "POST",
        "/im/getChatGroups",
        "code=myAppCode",
        "im/getChatGroups?code=myAppCode",
        "",
    )
    .await;
    assert_eq!(
        (answer.status, &answer.headers["allow"]),
        (405, &"GET, HEAD".parse().unwrap())
    );
}

#[tokio::test]
async fn what_the_guide_marks_required_or_typed_is_refused_in_both_modes() {
    for app in [spawn_app().await, spawn_faithful_app().await] {
        let sender = json!({"id": "cd", "displayName": "CD", "avatar": "https://a/b.png"});
        let cases = [
            (json!({"users": ["zhangsan"], "title": "t", "sender": sender}), "sendNotification",
             "Invalid request body: users[0] must be a user id (a whole number), not \"zhangsan\".", "wrong_field_type"),
            (json!({"users": [3, "4"], "title": "t", "sender": sender}), "sendNotification",
             "Invalid request body: users[1] must be a user id (a whole number), not \"4\".", "wrong_field_type"),
            (json!({"users": "3", "title": "t", "sender": sender}), "sendNotification",
             "Invalid request body: users must be a list of user ids, not \"3\".", "wrong_field_type"),
            (json!({"users": [3], "sender": sender}), "sendNotification", "Notification title not set.", "missing_title"),
            (json!({"users": [3], "title": "t", "sender": null}), "sendNotification", "Should set sender info.", "missing_sender"),
            (json!({"users": [], "title": "t", "sender": sender}), "sendNotification", "Should set user list.", "missing_users"),
            (json!({"users": [3], "title": "t", "sender": sender, "actions": {"label": "x"}}), "sendNotification",
             "Invalid request body: actions must be a list, not {\"label\":\"x\"}.", "wrong_field_type"),
            (json!({"title": "t", "sender": sender}), "sendChatMessage", "Should set chat group.", "missing_gid"),
            (json!({"gid": "nope", "title": "t", "sender": sender}), "sendChatMessage", "Chat does not exist.", "unknown_chat"),
        ];
        for (body, operation, message, code) in cases {
            let answer = send(&app, operation, &body).await;
            assert_eq!(answer.text(), fail(message), "{body}");
            let entry = app.last_request().await;
            assert_eq!(entry["outcome"], "rejected");
            assert_eq!(entry["findings"][0]["code"], code, "{body}");
            assert_eq!(entry["findings"][0]["severity"], "error", "{body}");
        }
        let answer = app
            .request(
                "POST",
                &format!(
                    "/im/sendNotification?code=myAppCode&token={}",
                    xxd_token("im/sendNotification?code=myAppCode", KEY)
                ),
                b"users=3",
                &[],
            )
            .await;
        assert!(answer.text().starts_with(
            "{\"result\":\"fail\",\"message\":\"Invalid request body: it is not JSON"
        ));
        assert_eq!(codes(&app).await[0], "body_not_json_object");
        assert_eq!(app.inspect("notifications").await["total"], 0);
    }
}

#[tokio::test]
async fn strict_mode_refuses_what_the_daemon_is_assumed_to_mishandle_and_faithful_warns() {
    let strict = spawn_app().await;
    let faithful = spawn_faithful_app().await;
    let cases = [
        (notification(json!([3, 999])), "sendNotification", "`users` names unknown user ids: 999.", "unknown_users"),
        ({ let mut b = notification(json!([3])); b["contentType"] = json!("markdown"); b }, "sendNotification",
         "`contentType` must be \"text\" (Markdown) or \"plain\", not \"markdown\".", "content_type"),
        ({ let mut b = notification(json!([3])); b["sender"] = json!({"displayName": "CD"}); b }, "sendNotification",
         "`sender` must be an object with an `id` and an `avatar`, not {\"displayName\":\"CD\"}.", "sender_invalid"),
        ({ let mut b = notification(json!([3])); b["content"] = json!("🎉"); b }, "sendNotification",
         "`content` has characters above U+FFFF (emoji); the server's utf8 column stores each as `????`.", "characters_lost"),
        (json!({"gid": "d2a5c7e1-0b3f-4d8e-9a6c-5e4f3b2a1c0d", "title": "t", "sender": {"id": "cd", "displayName": "CD", "avatar": "https://a/b.png"}}),
         "sendChatMessage", "The chat \"d2a5c7e1-0b3f-4d8e-9a6c-5e4f3b2a1c0d\" is dismissed.", "chat_dismissed"),
    ];
    for (body, operation, message, code) in cases {
        let answer = send(&strict, operation, &body).await;
        assert_eq!(answer.text(), fail(message), "{body}");
        let entry = strict.last_request().await;
        assert_eq!(entry["findings"][0]["code"], code);
        assert_eq!(entry["findings"][0]["severity"], "error");

        let answer = send(&faithful, operation, &body).await;
        assert_eq!(answer.text(), SUCCESS, "{body}");
        let entry = faithful.last_request().await;
        let flagged = entry["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("{code} in {entry}"));
        assert_eq!(flagged["severity"], "warning");
    }
    // An id of nobody is dropped by the faithful mock, as the daemon is assumed to.
    let stored = faithful
        .inspect("notifications?kind=notification&limit=1")
        .await;
    assert_eq!(stored["items"][0]["recipients"][0]["id"], 3);
    assert_eq!(
        stored["items"][0]["recipients"].as_array().unwrap().len(),
        1
    );
    let dismissed = faithful.inspect("notifications?kind=chat").await;
    assert_eq!(dismissed["total"], 1, "posted into the dismissed chat");
}

#[tokio::test]
async fn go_reads_names_without_regard_to_case_and_null_as_missing() {
    let app = spawn_app().await;
    let body = json!({"Users": [3], "TITLE": "大写", "sender": {"id": "cd", "displayName": "CD", "avatar": "https://a/b.png"}, "actions": null, "subtitle": null});
    assert_eq!(send(&app, "sendNotification", &body).await.text(), SUCCESS);
    let n = &app.inspect("notifications").await["items"][0];
    assert_eq!(
        (
            n["title"].clone(),
            n["actions"].clone(),
            n["subtitle"].clone()
        ),
        (json!("大写"), json!([]), json!(""))
    );
    assert!(finding(&app, "unverified_answer").await.contains("body:"));
}

#[tokio::test]
async fn every_answer_of_the_direct_api_is_flagged_unverified_and_nothing_of_x_php_is() {
    let app = spawn_app().await;
    send(&app, "sendNotification", &notification(json!([3]))).await;
    app.request("GET", "/im/getChatGroups", b"", &[]).await;
    app.request("GET", "/im/nothing", b"", &[]).await;
    app.send_notification(&crate::helpers::notification(json!([3])))
        .await;
    let direct = app.inspect("requests?api=xxd").await;
    assert_eq!(direct["total"], 3);
    for entry in direct["items"].as_array().unwrap() {
        let last = entry["findings"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(
            (last["code"].clone(), last["severity"].clone()),
            (json!("unverified_answer"), json!("warning"))
        );
        assert_eq!(entry["lang"], "en");
    }
    let php = app.inspect("requests?api=x.php").await;
    assert_eq!(php["total"], 1);
    assert_eq!(php["items"][0]["findings"], json!([]));
    let flagged = app.inspect("requests?finding=unverified_answer").await;
    assert_eq!(flagged["total"], 3);
}

#[tokio::test]
async fn a_fault_armed_for_a_method_faults_the_direct_apis_operation() {
    let app = spawn_app().await;
    let fault = json!({"method": "getGroupChats", "respond": {"body": {"result": "fail", "message": "<维护>"}}});
    let armed = app
        .request(
            "POST",
            "/__inspect/faults",
            fault.to_string().as_bytes(),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(armed.status, 201, "{}", armed.text());
    let answer = call(
        &app,
        "GET",
        "/im/getChatGroups",
        "code=myAppCode",
        "im/getChatGroups?code=myAppCode",
        "",
    )
    .await;
    // Encoded as the daemon encodes.
    assert_eq!(
        answer.text(),
        "{\"result\":\"fail\",\"message\":\"\\u003c维护\\u003e\"}\n"
    );
    assert_eq!(codes(&app).await, ["fault_injected"]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..proptest::prelude::ProptestConfig::default() })]

    /// Model: the path and the HTTP method alone decide the status (an unknown operation 404,
    /// another method 405, otherwise 200 with a JSON `result`), whatever the query and the body;
    /// every request is journaled as the direct API's.
    #[test]
    fn any_request_to_the_direct_api_is_answered_by_the_model_and_journaled(
        segment in proptest::prop_oneof![
            proptest::strategy::Just("getChatGroups".to_string()),
            proptest::strategy::Just("getChatUsers".to_string()),
            proptest::strategy::Just("sendNotification".to_string()),
            proptest::strategy::Just("sendChatMessage".to_string()),
            "[a-zA-Z]{1,16}",
        ],
        method in proptest::prop_oneof![
            proptest::strategy::Just("GET"), proptest::strategy::Just("POST"),
            proptest::strategy::Just("PUT"), proptest::strategy::Just("DELETE"),
        ],
        // What a request target may hold (RFC 3986; the HTTP layer refuses `<`, `"`, spaces...).
        query in "[A-Za-z0-9._~:/?@!$&'()*+,;=%-]{0,80}",
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        signed in proptest::prelude::any::<bool>(),
    ) {
        // Signed, the random body reaches the operation itself; unsigned, the random query
        // reaches the checks.
        let query = if signed {
            format!("code=myAppCode&token={}", xxd_token(&format!("im/{segment}?code=myAppCode"), KEY))
        } else {
            query
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let app = spawn_app().await;
            let head = format!(
                "{method} /im/{segment}?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&body);
            let answer = crate::reliability::raw(&app, &bytes).await;
            let status = crate::reliability::status_of(&answer);
            let sends = segment.starts_with("send");
            let known = ["getChatGroups", "getChatUsers", "sendNotification", "sendChatMessage"].contains(&segment.as_str());
            let expected = if !known {
                404
            } else if (sends && method != "POST") || (!sends && method != "GET") {
                405
            } else {
                200
            };
            assert_eq!(status, expected, "{}", String::from_utf8_lossy(&answer));
            let journal = app.inspect("requests").await;
            assert_eq!(journal["total"], 1);
            assert_eq!(journal["items"][0]["api"], "xxd");
            if status == 200 {
                let text = String::from_utf8_lossy(&answer).into_owned();
                let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
                let json: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
                assert!(json["result"] == "success" || json["result"] == "fail", "{json}");
            }
        });
    }
}

#[tokio::test]
async fn the_shared_tables_compare_and_cut_as_for_x_php() {
    let strict = spawn_app().await;
    let faithful = spawn_faithful_app().await;
    // A gid in another case finds its chat under the table's collation.
    let upper = GROUP.to_uppercase();
    let answer = call(
        &strict,
        "GET",
        "/im/getChatUsers",
        &format!("code=myAppCode&gid={upper}"),
        &format!("im/getChatUsers?code=myAppCode&gid={upper}"),
        "",
    )
    .await;
    assert_eq!(
        answer.text(),
        "{\"result\":\"success\",\"data\":{\"1\":\"管理员\",\"3\":\"张三\",\"4\":\"李四\"}}\n"
    );
    // So does an application code.
    let answer = call(
        &strict,
        "GET",
        "/im/getChatGroups",
        "code=MYAPPCODE",
        "im/getChatGroups?code=MYAPPCODE",
        "",
    )
    .await;
    assert_eq!(answer.json()["result"], "success", "{}", answer.text());
    // Content over the column's 65,535 bytes: refused in strict mode, cut in faithful mode.
    let mut long = notification(json!([3]));
    long["content"] = json!("长".repeat(30_000));
    let answer = send(&strict, "sendNotification", &long).await;
    assert!(answer.text().contains("65,535"), "{}", answer.text());
    assert_eq!(
        strict.last_request().await["findings"][0]["code"],
        "too_long"
    );
    assert_eq!(
        send(&faithful, "sendNotification", &long).await.text(),
        SUCCESS
    );
    let stored = faithful.inspect("notifications").await;
    assert_eq!(
        stored["items"][0]["content"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        21_845
    );
}
