//! Strict validation (SPEC 2): each rule rejects in strict mode and is a warning in faithful mode;
//! the real server's answers always win; strict is never more permissive than faithful.

use crate::helpers::{notification, signed, spawn_app, spawn_faithful_app, TestApp, GROUP};
use proptest::prelude::*;
use serde_json::{json, Value};

const SENT: &str = r#"{"result":"success","message":""}"#;

/// A valid chat message body.
fn chat(gid: &str) -> Value {
    let mut body = notification(json!(null));
    body.as_object_mut().unwrap().remove("users");
    body["gid"] = json!(gid);
    body
}

/// The severity of the finding `code` on a journal entry, if it carries one.
fn severity_of<'a>(entry: &'a Value, code: &str) -> Option<&'a str> {
    entry["findings"]
        .as_array()?
        .iter()
        .find(|f| f["code"] == code)?["severity"]
        .as_str()
}

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

fn without(mut body: Value, field: &str) -> Value {
    body.as_object_mut().unwrap().remove(field);
    body
}

enum Call {
    Notification(Value),
    Chat(Value),
}

async fn send(app: &TestApp, call: &Call) -> String {
    match call {
        Call::Notification(body) => app.send_notification(body).await.text(),
        Call::Chat(body) => app.send_chat_message(body).await.text(),
    }
}

fn rules() -> Vec<(&'static str, Call)> {
    vec![
        (
            "users_not_array",
            Call::Notification(notification(json!("admin"))),
        ),
        (
            "users_not_array",
            Call::Notification(notification(json!(GROUP))),
        ),
        (
            "users_mixed",
            Call::Notification(notification(json!([1, "zhangsan"]))),
        ),
        (
            "unknown_users",
            Call::Notification(notification(json!(["admin", "nobody"]))),
        ),
        (
            "unknown_users",
            Call::Notification(notification(json!([1, 99]))),
        ),
        (
            "not_a_string",
            Call::Notification(with(notification(json!([1])), "title", json!(42))),
        ),
        (
            "not_a_string",
            Call::Notification(with(notification(json!([1])), "subtitle", json!({"a": 1}))),
        ),
        (
            "not_a_string",
            Call::Notification(with(notification(json!([1])), "content", json!(12))),
        ),
        (
            "not_a_string",
            Call::Notification(with(notification(json!([1])), "url", json!(true))),
        ),
        (
            "content_type",
            Call::Notification(without(notification(json!([1])), "contentType")),
        ),
        (
            "content_type",
            Call::Notification(with(
                notification(json!([1])),
                "contentType",
                json!("markdown"),
            )),
        ),
        (
            "content_type",
            Call::Notification(with(notification(json!([1])), "contentType", json!("code"))),
        ),
        (
            "actions_not_array",
            Call::Notification(with(
                notification(json!([1])),
                "actions",
                json!({"label": "x"}),
            )),
        ),
        (
            "action_invalid",
            Call::Notification(with(
                notification(json!([1])),
                "actions",
                json!([{"label": "x"}]),
            )),
        ),
        (
            "action_invalid",
            Call::Notification(with(
                notification(json!([1])),
                "actions",
                json!([{"url": "https://x"}]),
            )),
        ),
        (
            "action_invalid",
            Call::Notification(with(
                notification(json!([1])),
                "actions",
                json!(["https://x"]),
            )),
        ),
        (
            "sender_invalid",
            Call::Notification(with(notification(json!([1])), "sender", json!("ci"))),
        ),
        (
            "sender_invalid",
            Call::Notification(with(
                notification(json!([1])),
                "sender",
                json!({"id": "ci"}),
            )),
        ),
        (
            "sender_invalid",
            Call::Notification(with(
                notification(json!([1])),
                "sender",
                json!({"avatar": "https://a"}),
            )),
        ),
        (
            "characters_lost",
            Call::Notification(with(notification(json!([1])), "content", json!("上线 🎉"))),
        ),
        (
            "unknown_chat",
            Call::Chat(chat("f3de9ff9-dcb4-49de-915b-377ee9143418")),
        ),
        (
            "chat_dismissed",
            Call::Chat(chat("d2a5c7e1-0b3f-4d8e-9a6c-5e4f3b2a1c0d")),
        ),
        ("chat_not_group", Call::Chat(chat("3&4"))),
        (
            "chat_not_group",
            Call::Chat(chat("8c0b1bd5-5a0e-4e52-9d2b-0c6ad5a1f0d1")),
        ),
        (
            "not_a_string",
            Call::Chat(with(chat(GROUP), "title", json!(1))),
        ),
    ]
}

#[tokio::test]
async fn every_rule_rejects_in_strict_mode_and_warns_in_faithful_mode() {
    let strict = spawn_app().await;
    let faithful = spawn_faithful_app().await;
    for (code, call) in rules() {
        let answer = send(&strict, &call).await;
        assert!(
            answer.starts_with(r#"{"result":"fail","message":""#),
            "{code}: strict answered {answer}"
        );
        let entry = strict.last_request().await;
        assert_eq!(entry["outcome"], "rejected", "{code}");
        assert_eq!(severity_of(&entry, code), Some("error"), "{code}: {entry}");

        assert_eq!(
            send(&faithful, &call).await,
            SENT,
            "{code}: faithful must accept"
        );
        let entry = faithful.last_request().await;
        assert_eq!(entry["outcome"], "accepted");
        assert_eq!(
            severity_of(&entry, code),
            Some("warning"),
            "{code}: {entry}"
        );
    }
    assert_eq!(
        strict.inspect("notifications").await["total"],
        0,
        "strict stored nothing"
    );
}

#[tokio::test]
async fn a_valid_request_passes_strict_mode_untouched() {
    let app = spawn_app().await;
    assert_eq!(
        app.send_notification(&notification(json!([1, 3])))
            .await
            .text(),
        SENT
    );
    assert_eq!(
        app.send_notification(&notification(json!(["admin", "lisi"])))
            .await
            .text(),
        SENT
    );
    assert_eq!(app.send_chat_message(&chat(GROUP)).await.text(), SENT);
    assert_eq!(app.last_findings().await, Vec::<String>::new());
}

#[tokio::test]
async fn strict_messages_name_the_field_and_value_in_the_requests_language() {
    let app = spawn_app().await;
    let q = signed("m=im&f=sendNotification&code=myAppCode");
    let body = notification(json!(["admin", "nobody", "ghost"])).to_string();
    let a = app
        .request(
            "POST",
            &format!("/x.php?{q}"),
            body.as_bytes(),
            &[("Accept-Language", "en")],
        )
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"fail","message":"`users` names unknown users: \"nobody\", \"ghost\"."}"#
    );
    let a = app
        .request("POST", &format!("/x.php?{q}"), body.as_bytes(), &[])
        .await;
    let message = a.json()["message"].as_str().unwrap().to_string();
    assert_eq!(message, "users 中有不存在的用户：\"nobody\", \"ghost\"");
    // PHP-encoded like every other answer.
    assert!(a.text().is_ascii());
}

/// A sendNotification in English; the answer's text.
async fn send_in_english(app: &TestApp, users: Value) -> String {
    let q = signed("m=im&f=sendNotification&code=myAppCode");
    app.request(
        "POST",
        &format!("/x.php?{q}"),
        notification(users).to_string().as_bytes(),
        &[("Accept-Language", "en")],
    )
    .await
    .text()
}

/// The message of the finding `code` on the last journal entry.
async fn finding_message(app: &TestApp, code: &str) -> String {
    let entry = app.last_request().await;
    let finding = entry["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["code"] == code).cloned());
    finding.map_or_else(
        || panic!("no {code} in {entry}"),
        |f| f["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn a_mixed_list_reports_what_the_server_drops_and_no_unknown_user() {
    let strict = spawn_app().await;
    let faithful = spawn_faithful_app().await;
    // zhangsan exists: it is the mixed list that drops it, not an unknown account.
    assert_eq!(
        send_in_english(&strict, json!([1, "zhangsan"])).await,
        r#"{"result":"fail","message":"`users` mixes user ids and accounts; the server reads every entry as an id, as it reads the first, so it drops \"zhangsan\"."}"#
    );
    assert_eq!(strict.last_findings().await, ["users_mixed"]);

    assert_eq!(
        faithful
            .send_notification(&notification(json!([1, "zhangsan"])))
            .await
            .text(),
        SENT
    );
    assert_eq!(faithful.last_findings().await, ["users_mixed"]);
    assert!(finding_message(&faithful, "users_mixed")
        .await
        .contains(r#"so it drops "zhangsan"."#));
    let sent = &faithful.inspect("notifications").await["items"][0];
    assert_eq!(sent["recipients"][0]["id"], 1);
    assert_eq!(sent["recipients"].as_array().map(Vec::len), Some(1));

    // An account list with an id: 3 is dropped, and user 3 exists.
    assert_eq!(
        send_in_english(&strict, json!(["admin", 3])).await,
        r#"{"result":"fail","message":"`users` mixes user ids and accounts; the server reads every entry as an account, as it reads the first, so it drops 3."}"#
    );
    assert_eq!(strict.last_findings().await, ["users_mixed"]);

    // An entry that is dropped and names nobody either is reported by both rules.
    send_in_english(&strict, json!([1, "nobody"])).await;
    assert_eq!(
        strict.last_findings().await,
        ["users_mixed", "unknown_users"]
    );
    assert_eq!(
        finding_message(&strict, "unknown_users").await,
        r#"`users` names unknown users: "nobody". The real server drops them silently and answers success."#
    );
}

#[tokio::test]
async fn unknown_users_are_only_the_unknown_ones_each_with_the_nearest_account() {
    let app = spawn_app().await;
    assert_eq!(
        send_in_english(&app, json!(["admin", "zhangsna", "nobody", "lisi"])).await,
        r#"{"result":"fail","message":"`users` names unknown users: \"zhangsna\" (did you mean \"zhangsan\"?), \"nobody\"."}"#
    );
    assert_eq!(app.last_findings().await, ["unknown_users"]);
    let zh = app
        .send_notification(&notification(json!(["adimn"])))
        .await
        .json();
    assert_eq!(
        zh["message"],
        "users 中有不存在的用户：\"adimn\"（是否应为 \"admin\"？）"
    );
    // Ids get no suggestion.
    assert_eq!(
        send_in_english(&app, json!([1, 99])).await,
        r#"{"result":"fail","message":"`users` names unknown users: 99."}"#
    );
    // A deleted user is known: the server delivers to it (with its own warning).
    assert_eq!(
        send_in_english(&app, json!(["admin", "zhaoliu"])).await,
        SENT
    );
    assert_eq!(app.last_findings().await, ["deleted_recipient"]);
}

#[tokio::test]
async fn the_real_servers_answer_wins_over_strict_rules() {
    let app = spawn_app().await;
    let faithful = spawn_faithful_app().await;
    // Each breaks strict rules too, but the real server rejects it first: both modes answer alike.
    let cases = [
        Call::Notification(json!({"users": "", "title": 1, "contentType": "markdown"})),
        Call::Notification(json!({"userList": [1], "sender": "x", "title": "t"})),
        Call::Notification(json!({"users": "nobody", "title": "t"})),
        Call::Notification(json!({"users": [1, "x"], "sender": "s", "title": "0"})),
        Call::Chat(json!({"gid": "", "sender": "s", "title": "t"})),
        Call::Chat(json!({"gid": "3&4", "sender": {}, "title": ""})),
    ];
    for call in &cases {
        let strict_answer = send(&app, call).await;
        assert_eq!(strict_answer, send(&faithful, call).await);
        assert!(
            strict_answer.starts_with(r#"{"result":"fail","message":"\u"#),
            "{strict_answer}"
        );
    }
    // Entry failures too.
    let a = app
        .get_in(
            "m=im&f=sendNotification&code=myAppCode&token=0123456789abcdef0123456789abcdef",
            "en",
        )
        .await;
    assert_eq!(a.text(), r#"{"errcode":401,"errmsg":"Invalid token."}"#);
    // And the missing-users error in strict mode is still the real one.
    let a = app
        .post(&signed("m=im&f=sendNotification&code=myAppCode"), "{}")
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8005\u7528\u6237\u5217\u8868\u3002"}"#
    );
}

#[tokio::test]
async fn warnings_in_both_modes() {
    for app in [spawn_app().await, spawn_faithful_app().await] {
        let cases = [
            (
                "action_type",
                with(
                    notification(json!([1])),
                    "actions",
                    json!([{"label": "l", "url": "https://x", "type": "normal"}]),
                ),
            ),
            (
                "url_not_absolute",
                with(notification(json!([1])), "url", json!("/builds/42")),
            ),
            (
                "sender_without_name",
                with(
                    notification(json!([1])),
                    "sender",
                    json!({"id": "ci", "avatar": "https://a"}),
                ),
            ),
            ("deleted_recipient", notification(json!([1, 5]))),
        ];
        for (code, body) in cases {
            assert_eq!(app.send_notification(&body).await.text(), SENT, "{code}");
            let entry = app.last_request().await;
            assert_eq!(
                severity_of(&entry, code),
                Some("warning"),
                "{code}: {entry}"
            );
        }
    }
}

#[tokio::test]
async fn the_journal_filters_by_finding() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1, "lisi"])))
        .await;
    app.send_notification(&notification(json!([1]))).await;
    let page = app.inspect("requests?finding=users_mixed").await;
    assert_eq!(page["total"], 1);
    assert_eq!(
        app.inspect("requests?method=sendNotification&outcome=accepted")
            .await["total"],
        1
    );
    assert_eq!(app.inspect("requests?app=myAppCode").await["total"], 2);
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-z0-9 😀]{0,6}".prop_map(Value::String),
        Just(json!("0")),
        Just(json!("admin")),
        Just(json!(GROUP)),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A body that keeps the documented contract and that the real server accepts (SPEC 1 and 2):
/// existing recipients all by id or all by account, or an existing group chat; non-empty string
/// title, content and url; `contentType` `plain` or `text`; actions with `label` and `url`; a sender
/// with `id` and `avatar`; no character above U+FFFF.
fn valid_body() -> impl Strategy<Value = (Value, bool)> {
    let text = "[a-z1-9 \u{4e00}-\u{4e2f}]{0,8}";
    let recipients = prop_oneof![
        proptest::sample::subsequence(vec![1, 2, 3, 4], 1..=4).prop_map(|ids| json!(ids)),
        proptest::sample::subsequence(vec!["admin", "wangwu", "zhangsan", "lisi"], 1..=4)
            .prop_map(|accounts| json!(accounts)),
    ];
    let target = prop_oneof![
        recipients.prop_map(|users| ("users", users)),
        proptest::sample::select(vec![GROUP, "64da14c3-c07a-45af-9c61-4e638de4af26"])
            .prop_map(|gid| ("gid", json!(gid))),
    ];
    let action = (text, "[a-z]{1,6}").prop_map(|(label, path)| {
        json!({"label": format!("查看{label}"), "url": format!("https://ci.example.com/{path}")})
    });
    (
        target,
        (text, text).prop_map(|(a, b)| format!("构建{a}{b}")),
        text,
        proptest::sample::select(vec!["plain", "text"]),
        proptest::collection::vec(action, 0..3),
        "[a-z]{1,6}",
    )
        .prop_map(
            |((field, to), title, content, content_type, actions, sender)| {
                let mut body = notification(json!(null));
                body.as_object_mut().unwrap().remove("users");
                body[field] = to;
                body["title"] = json!(title);
                body["content"] = json!(format!("内容{content}"));
                body["contentType"] = json!(content_type);
                body["actions"] = json!(actions);
                body["sender"] = json!({"id": sender, "avatar": "https://ci.example.com/a.png"});
                (body, field == "gid")
            },
        )
}

/// A valid body as it is, or with one field replaced by any JSON value or removed; whether it was
/// left valid.
fn send_case() -> impl Strategy<Value = (Value, bool, bool)> {
    let field = proptest::sample::select(vec![
        "users",
        "gid",
        "title",
        "subtitle",
        "sender",
        "contentType",
        "content",
        "url",
        "actions",
    ]);
    prop_oneof![
        valid_body().prop_map(|(body, as_chat)| (body, as_chat, true)),
        (valid_body(), field, proptest::option::of(json_value())).prop_map(
            |((mut body, as_chat), field, value)| {
                match value {
                    Some(value) => body[field] = value,
                    None => {
                        body.as_object_mut().unwrap().remove(field);
                    }
                }
                (body, as_chat, false)
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A valid body is sent in both modes; a changed one is rejected by strict whenever faithful
    /// rejects it, with the same answer, and strict never accepts what faithful rejects.
    #[test]
    fn strict_accepts_valid_bodies_and_never_accepts_what_faithful_rejects((body, as_chat, valid) in send_case()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let strict = spawn_app().await;
            let faithful = spawn_faithful_app().await;
            let method = if as_chat { "sendChatMessage" } else { "sendNotification" };
            let query = signed(&format!("m=im&f={method}&code=myAppCode"));
            let s = strict.request("POST", &format!("/x.php?{query}"), body.to_string().as_bytes(), &[]).await;
            let f = faithful.request("POST", &format!("/x.php?{query}"), body.to_string().as_bytes(), &[]).await;
            // Where the real server's PHP stops (a fatal error: HTTP 500; a `content` list: an
            // empty 200), both modes answer exactly as it does; nothing else is a 5xx.
            if f.status == 500 || f.body.is_empty() {
                assert_eq!((s.status, &s.body), (f.status, &f.body), "{body}");
                assert!(s.body.is_empty());
                return;
            }
            assert_eq!((s.status, f.status), (200, 200));
            if valid {
                assert_eq!((s.text(), f.text()), (SENT.to_string(), SENT.to_string()), "{body}");
                return;
            }
            let (s, f) = (s.json(), f.json());
            if f["result"] == "fail" {
                assert_eq!(s, f, "faithful rejected {body}, strict must answer the same");
            }
            if s["result"] == "success" {
                assert_eq!(f["result"], "success");
            }
        });
    }
}

#[tokio::test]
async fn posting_to_an_archived_chat_is_a_warning() {
    let dir = crate::helpers::tempdir("archived");
    std::fs::write(
        dir.join("users.json"),
        r#"[{"id":1,"account":"admin","admin":"super"}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("groups.json"),
        r#"[{"gid":"old","name":"旧群","members":[1],"archived":true}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("apps.json"),
        r#"[{"code":"myAppCode","key":"3cd0914d656e90ab181f1d52ff352cfe"}]"#,
    )
    .unwrap();
    let config = xxb_mock::Config {
        fixtures: xxb_mock::FixtureSource::Directory(dir.to_path_buf()),
        ..Default::default()
    };
    let app = crate::helpers::spawn_app_with(config).await;
    // Archived groups are still listed by getGroupChats, as upstream.
    let a = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"success","data":{"old":"\u65e7\u7fa4"}}"#
    );
    assert_eq!(app.send_chat_message(&chat("old")).await.text(), SENT);
    assert_eq!(app.last_findings().await, vec!["chat_archived"]);
}
