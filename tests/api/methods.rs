//! The four methods (SPEC 1.5) in faithful mode: exact answers, check order, messages, recipient
//! resolution, quirks included.

use crate::helpers::{notification, signed, spawn_faithful_app as spawn_app, GROUP};
use serde_json::{json, Value};

const THREE_GROUPS: &str = r#"{"result":"success","data":{"30683aea-7a1f-4ec8-a6d6-834e0310fd7d":"\u7b2c\u56db\u671f\u9879\u76ee\u8ba8\u8bba","81c6ba89-00ab-4431-8e47-063556ae4886":"\u7814\u53d1\u90e8","64da14c3-c07a-45af-9c61-4e638de4af26":"\u516c\u53f8\u603b\u7fa4"}}"#;

fn recipient_ids(n: &Value) -> Vec<i64> {
    n["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn get_group_chats_lists_the_docs_three_groups() {
    let app = spawn_app().await;
    // Not the one-to-one chat, the dismissed group or the system chat of the fixtures.
    let a = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await;
    assert_eq!(a.text(), THREE_GROUPS);
}

#[tokio::test]
async fn get_chat_users_of_the_docs_group() {
    let app = spawn_app().await;
    let a = app
        .get(&signed(&format!(
            "m=im&f=getChatUsers&gid={GROUP}&code=myAppCode"
        )))
        .await;
    // 孙七 quit this group and is not listed.
    assert_eq!(
        a.text(),
        r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","3":"\u5f20\u4e09","4":"\u674e\u56db"}}"#
    );
}

#[tokio::test]
async fn get_chat_users_keeps_deleted_members() {
    let app = spawn_app().await;
    let a = app
        .get(&signed(
            "m=im&f=getChatUsers&gid=81c6ba89-00ab-4431-8e47-063556ae4886&code=myAppCode",
        ))
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","3":"\u5f20\u4e09","5":"\u8d75\u516d"}}"#
    );
}

#[tokio::test]
async fn get_chat_users_without_gid_lists_members_of_any_chat_not_everyone() {
    let app = spawn_app().await;
    // 王五 (2) is in no chat and 孙七 (6) only quit one: neither is listed. 赵六 (5) is deleted but listed.
    let expected = r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","3":"\u5f20\u4e09","4":"\u674e\u56db","5":"\u8d75\u516d"}}"#;
    assert_eq!(
        app.get(&signed("m=im&f=getChatUsers&code=myAppCode"))
            .await
            .text(),
        expected
    );
    assert_eq!(
        app.get(&signed("m=im&f=getChatUsers&gid=&code=myAppCode"))
            .await
            .text(),
        expected
    );
    assert_eq!(
        app.get(&signed("m=im&f=getChatUsers&gid=0&code=myAppCode"))
            .await
            .text(),
        expected
    );
}

#[tokio::test]
async fn get_chat_users_of_an_unknown_gid_is_an_empty_php_array() {
    let app = spawn_app().await;
    let a = app
        .get(&signed("m=im&f=getChatUsers&gid=nope&code=myAppCode"))
        .await;
    assert_eq!(a.text(), r#"{"result":"success","data":[]}"#);
}

#[tokio::test]
async fn send_notification_checks_users_then_sender_then_title() {
    let app = spawn_app().await;
    let users = r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8005\u7528\u6237\u5217\u8868\u3002"}"#;
    let sender = r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u53d1\u9001\u65b9\u4fe1\u606f\u3002"}"#;
    let title = r#"{"result":"fail","message":"\u8bf7\u63d0\u4f9b\u901a\u77e5\u4fe1\u606f\u7684\u6807\u9898\u3002"}"#;
    let cases = [
        (json!({}), users),
        (
            json!({"users": [], "sender": {"id": 1}, "title": "t"}),
            users,
        ),
        (
            json!({"users": "0", "sender": {"id": 1}, "title": "t"}),
            users,
        ),
        (
            json!({"userList": [1], "sender": {"id": 1}, "title": "t"}),
            users,
        ),
        (json!({"users": [1]}), sender),
        (json!({"users": [1], "sender": "", "title": "t"}), sender),
        (json!({"users": [1], "sender": 0, "title": "t"}), sender),
        (json!({"users": [1], "sender": {"id": 1}}), title),
        (
            json!({"users": [1], "sender": {"id": 1}, "title": "0"}),
            title,
        ),
        (
            json!({"users": [1], "sender": {"id": 1}, "title": ""}),
            title,
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            app.send_notification(&body).await.text(),
            expected,
            "{body}"
        );
    }
    // An object is not empty, even `{}`: the sender check passes.
    assert_eq!(
        app.send_notification(&json!({"users": [1], "sender": {}, "title": "t"}))
            .await
            .text(),
        r#"{"result":"success","message":""}"#
    );
    assert_eq!(app.inspect("notifications").await["total"], 1);
}

#[tokio::test]
async fn send_failures_in_every_language() {
    let app = spawn_app().await;
    let q = signed("m=im&f=sendNotification&code=myAppCode");
    let cq = signed("m=im&f=sendChatMessage&code=myAppCode");
    let cases: [(&str, &str, Value, &str); 8] = [
        (
            "zh-tw",
            &q,
            json!({}),
            r#"\u61c9\u7576\u8a2d\u7f6e\u63a5\u6536\u8005\u7528\u6236\u5217\u8868\u3002"#,
        ),
        ("fr", &q, json!({}), "Should set user list."),
        (
            "zh-tw",
            &q,
            json!({"users": [1]}),
            r#"\u61c9\u7576\u8a2d\u7f6e\u767c\u9001\u65b9\u4fe1\u606f\u3002"#,
        ),
        ("en", &q, json!({"users": [1]}), "Should set sender info."),
        (
            "zh-tw",
            &q,
            json!({"users": [1], "sender": 1}),
            r#"\u8acb\u63d0\u4f9b\u901a\u77e5\u4fe1\u606f\u7684\u6a19\u984c\u3002"#,
        ),
        (
            "de",
            &q,
            json!({"users": [1], "sender": 1}),
            "Notification title not set.",
        ),
        (
            "zh-cn",
            &cq,
            json!({}),
            r#"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8ba8\u8bba\u7ec4\u3002"#,
        ),
        (
            "zh-tw",
            &cq,
            json!({}),
            r#"\u61c9\u7576\u8a2d\u7f6e\u63a5\u6536\u8a0e\u8ad6\u7d44\u3002"#,
        ),
    ];
    for (lang, query, body, message) in cases {
        let a = app
            .request(
                "POST",
                &format!("/x.php?{query}"),
                body.to_string().as_bytes(),
                &[("Accept-Language", lang)],
            )
            .await;
        assert_eq!(
            a.text(),
            format!(r#"{{"result":"fail","message":"{message}"}}"#),
            "{lang} {body}"
        );
    }
    let a = app
        .request(
            "POST",
            &format!("/x.php?{cq}"),
            b"{}",
            &[("Accept-Language", "en")],
        )
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"fail","message":"Should set chat group."}"#
    );
}

#[tokio::test]
async fn the_old_api_body_gets_the_users_error() {
    let app = spawn_app().await;
    for body in [
        r#"data={"receiver":"user","userList":[1],"title":"t"}"#,
        "not json",
        "[1,2]",
        "",
    ] {
        let a = app
            .post(&signed("m=im&f=sendNotification&code=myAppCode"), body)
            .await;
        assert_eq!(
            a.text(),
            r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8005\u7528\u6237\u5217\u8868\u3002"}"#
        );
    }
    let journal = app.inspect("requests").await;
    assert_eq!(journal["items"][0]["findings"][0]["code"], "old_api_body");
    assert_eq!(
        journal["items"][1]["findings"][0]["code"],
        "body_not_json_object"
    );
}

#[tokio::test]
async fn users_are_matched_by_id_or_by_account_from_the_first_element() {
    let app = spawn_app().await;
    let cases = [
        (json!([1, 3]), vec![1, 3]),
        (json!(["1", "3"]), vec![1, 3]),
        (json!(["admin", "zhangsan"]), vec![1, 3]),
        // The first element decides: a numeric first element matches everything as ids.
        (json!([4, "zhangsan"]), vec![4]),
        // And a non-numeric one matches everything as accounts.
        (json!(["lisi", 1]), vec![4]),
        // Unmatched entries are dropped silently; deleted users are kept.
        (json!([3, 99, 5]), vec![3, 5]),
        // MySQL compares "3abc" with an integer id as 3.
        (json!(["1", "3abc"]), vec![1, 3]),
        // Order and duplicates do not matter: ascending ids, once each.
        (json!([4, 1, 4]), vec![1, 4]),
    ];
    for (users, expected) in cases {
        let a = app.send_notification(&notification(users.clone())).await;
        assert_eq!(a.text(), r#"{"result":"success","message":""}"#, "{users}");
        let n = &app.inspect("notifications?order=desc&limit=1").await["items"][0];
        assert_eq!(n["cgid"], "notification", "{users}");
        assert_eq!(recipient_ids(n), expected, "{users}");
    }
}

#[tokio::test]
async fn a_list_that_matches_nobody_still_succeeds() {
    let app = spawn_app().await;
    let a = app
        .send_notification(&notification(json!(["nobody", "ghost"])))
        .await;
    assert_eq!(a.text(), r#"{"result":"success","message":""}"#);
    let n = &app.inspect("notifications").await["items"][0];
    assert_eq!(recipient_ids(n), Vec::<i64>::new());
    let findings = app.last_findings().await;
    assert!(
        findings.contains(&"no_recipients".to_string())
            && findings.contains(&"unknown_users".to_string()),
        "{findings:?}"
    );
}

#[tokio::test]
async fn a_string_users_is_taken_as_a_chat_gid() {
    let app = spawn_app().await;
    // A known gid: its members, stored under that gid.
    app.send_notification(&notification(json!(GROUP))).await;
    let n = &app.inspect("notifications").await["items"][0];
    assert_eq!(
        (n["cgid"].as_str().unwrap(), recipient_ids(n)),
        (GROUP, vec![1, 3, 4])
    );
    // An unknown gid: every user who is not deleted (5 is deleted).
    let a = app.send_notification(&notification(json!("admin"))).await;
    assert_eq!(a.text(), r#"{"result":"success","message":""}"#);
    let n = &app.inspect("notifications?order=desc&limit=1").await["items"][0];
    assert_eq!(
        (n["cgid"].as_str().unwrap(), recipient_ids(n)),
        ("admin", vec![1, 2, 3, 4, 6])
    );
    assert!(app
        .last_findings()
        .await
        .contains(&"everyone_notified".to_string()));
}

#[tokio::test]
async fn what_the_server_stores_for_a_notification() {
    let app = spawn_app().await;
    app.send_notification(
        &json!({"users": ["zhangsan"], "title": "T", "sender": {"id": 1, "avatar": "a"}}),
    )
    .await;
    let n = &app.inspect("notifications").await["items"][0];
    // Defaults filled in as the server stores them.
    assert_eq!(n["contentType"], "text");
    assert_eq!(n["subtitle"], "");
    assert_eq!(n["content"], "");
    assert_eq!(n["url"], "");
    assert_eq!(n["actions"], json!([]));
    assert_eq!(n["kind"], "notification");
    assert_eq!(n["index"], 1);
    assert_eq!(
        n["recipients"],
        json!([{"id": 3, "account": "zhangsan", "realname": "张三"}])
    );
    assert_eq!(n["app"], "myAppCode");
}

#[tokio::test]
async fn content_types_go_through_the_enum_column() {
    let app = spawn_app().await;
    let cases = [
        (json!("plain"), "plain"),
        (json!("text"), "text"),
        (json!(""), "text"),
        (json!(0), "text"),
        (json!("markdown"), ""),
        (json!("html"), ""),
        (json!("code"), "code"),
    ];
    for (content_type, stored) in cases {
        let mut body = notification(json!([1]));
        body["contentType"] = content_type.clone();
        assert_eq!(
            app.send_notification(&body).await.json()["result"],
            "success"
        );
        let n = &app.inspect("notifications?order=desc&limit=1").await["items"][0];
        assert_eq!(n["contentType"], stored, "{content_type}");
    }
    let mut body = notification(json!([1]));
    body.as_object_mut().unwrap().remove("contentType");
    app.send_notification(&body).await;
    assert_eq!(
        app.inspect("notifications?order=desc&limit=1").await["items"][0]["contentType"],
        "text"
    );
}

#[tokio::test]
async fn send_chat_message_reaches_the_chats_members_whatever_its_type() {
    let app = spawn_app().await;
    let mut body = notification(json!(null));
    body.as_object_mut().unwrap().remove("users");
    let cases = [
        (GROUP, vec![1, 3, 4]),
        ("3&4", vec![3, 4]),
        ("d2a5c7e1-0b3f-4d8e-9a6c-5e4f3b2a1c0d", vec![1, 3]),
        ("8c0b1bd5-5a0e-4e52-9d2b-0c6ad5a1f0d1", vec![1]),
        // Unknown: every user who is not deleted.
        ("f3de9ff9-dcb4-49de-915b-377ee9143418", vec![1, 2, 3, 4, 6]),
    ];
    for (gid, expected) in cases {
        body["gid"] = json!(gid);
        let a = app.send_chat_message(&body).await;
        assert_eq!(a.text(), r#"{"result":"success","message":""}"#, "{gid}");
        let n = &app.inspect("notifications?order=desc&limit=1").await["items"][0];
        assert_eq!(
            (n["kind"].as_str().unwrap(), n["cgid"].as_str().unwrap()),
            ("chat", gid)
        );
        assert_eq!(recipient_ids(n), expected, "{gid}");
    }
}

#[tokio::test]
async fn send_chat_message_checks_gid_then_sender_then_title() {
    let app = spawn_app().await;
    let gid = r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8ba8\u8bba\u7ec4\u3002"}"#;
    let sender = r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u53d1\u9001\u65b9\u4fe1\u606f\u3002"}"#;
    let title = r#"{"result":"fail","message":"\u8bf7\u63d0\u4f9b\u901a\u77e5\u4fe1\u606f\u7684\u6807\u9898\u3002"}"#;
    for (body, expected) in [
        (json!({"users": [1], "sender": 1, "title": "t"}), gid),
        (json!({"gid": "", "sender": 1, "title": "t"}), gid),
        (json!({"gid": GROUP}), sender),
        (json!({"gid": GROUP, "sender": 1}), title),
    ] {
        assert_eq!(
            app.send_chat_message(&body).await.text(),
            expected,
            "{body}"
        );
    }
}

#[tokio::test]
async fn chat_messages_take_the_chats_next_index() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.send_chat_message(&json!({"gid": GROUP, "sender": {"id": 1}, "title": "t"}))
            .await;
    }
    let page = app.inspect("notifications").await;
    let indexes: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["index"].as_i64().unwrap())
        .collect();
    assert_eq!(indexes, vec![1, 2, 3]);
}
