//! `/__inspect/state` and runtime changes, followed by sends that use them.

use crate::helpers::{notification, signed, spawn_app, TestApp};
use serde_json::{json, Value};

async fn call(app: &TestApp, method: &str, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}/__inspect/{path}", app.url),
        )
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn state_shows_users_chats_with_members_and_apps() {
    let app = spawn_app().await;
    let state = app.inspect("state").await;
    assert_eq!(state["users"].as_array().unwrap().len(), 6);
    let first = &state["chats"][0];
    assert_eq!(first["gid"], "30683aea-7a1f-4ec8-a6d6-834e0310fd7d");
    assert_eq!(first["members"], json!([1, 3, 4]));
    assert_eq!(first["quit"], json!([6]));
    assert_eq!(state["apps"][0]["key"], "3cd0914d656e90ab181f1d52ff352cfe");
}

#[tokio::test]
async fn a_user_added_at_run_time_can_be_notified() {
    let app = spawn_app().await;
    let (status, _) = call(
        &app,
        "POST",
        "users",
        json!({"id": 42, "account": "ops", "realname": "运维"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.send_notification(&notification(json!(["ops"])))
            .await
            .json()["result"],
        "success"
    );
    let n = &app.inspect("notifications").await["items"][0];
    assert_eq!(
        n["recipients"],
        json!([{"id": 42, "account": "ops", "realname": "运维"}])
    );
    // Updated by id.
    call(
        &app,
        "POST",
        "users",
        json!([{"id": 42, "account": "ops", "realname": "值班", "deleted": true}]),
    )
    .await;
    let state = app.inspect("state").await;
    let ops = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == 42)
        .unwrap()
        .clone();
    assert_eq!(
        (ops["realname"].as_str(), ops["deleted"].as_bool()),
        (Some("值班"), Some(true))
    );
}

#[tokio::test]
async fn a_group_added_at_run_time_is_listed_and_reachable() {
    let app = spawn_app().await;
    let (status, _) = call(
        &app,
        "POST",
        "groups",
        json!({"gid": "release", "name": "发布群", "members": ["admin", 4]}),
    )
    .await;
    assert_eq!(status, 200);
    let a = app
        .get(&signed("m=im&f=getChatUsers&gid=release&code=myAppCode"))
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","4":"\u674e\u56db"}}"#
    );
    let a = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await;
    assert_eq!(a.json()["data"]["release"], "发布群");
}

#[tokio::test]
async fn patching_a_group_changes_what_the_api_answers() {
    let app = spawn_app().await;
    let gid = "64da14c3-c07a-45af-9c61-4e638de4af26";
    let (status, chat) = call(
        &app,
        "PATCH",
        &format!("groups/{gid}"),
        json!({"add": ["wangwu"], "quit": [4], "remove": [3], "name": "全员"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (chat["members"].clone(), chat["quit"].clone()),
        (json!([1, 2]), json!([4]))
    );
    let a = app
        .get(&signed(&format!(
            "m=im&f=getChatUsers&gid={gid}&code=myAppCode"
        )))
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","2":"\u738b\u4e94"}}"#
    );
    // Dismissed: gone from getGroupChats, and strict mode refuses to post there.
    call(
        &app,
        "PATCH",
        &format!("groups/{gid}"),
        json!({"dismissed": true}),
    )
    .await;
    let groups = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await
        .json();
    assert!(groups["data"].get(gid).is_none());
    let mut body = notification(json!(null));
    body.as_object_mut().unwrap().remove("users");
    body["gid"] = json!(gid);
    assert_eq!(app.send_chat_message(&body).await.json()["result"], "fail");
    assert_eq!(app.last_findings().await, vec!["chat_dismissed"]);
}

#[tokio::test]
async fn an_app_added_at_run_time_can_call() {
    let app = spawn_app().await;
    let (status, _) = call(
        &app,
        "POST",
        "apps",
        json!({"code": "ci", "key": "00112233445566778899aabbccddeeff"}),
    )
    .await;
    assert_eq!(status, 200);
    let q = "m=im&f=getGroupChats&code=ci";
    let a = app
        .get(&format!(
            "{q}&token={}",
            crate::helpers::token(q, "00112233445566778899aabbccddeeff")
        ))
        .await;
    assert_eq!(a.json()["result"], "success");
}

#[tokio::test]
async fn invalid_changes_answer_400_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        ("POST", "users", json!({"id": "x", "account": "a"}), "id"),
        (
            "POST",
            "users",
            json!([{"id": 1, "account": "a"}, {"account": "b"}]),
            "[1]",
        ),
        (
            "POST",
            "users",
            json!({"id": 50, "account": "admin"}),
            "account",
        ),
        (
            "POST",
            "groups",
            json!({"gid": "g", "name": "n", "members": ["nobody"]}),
            "members",
        ),
        (
            "POST",
            "groups",
            json!({"gid": "g", "name": "n", "members": [true]}),
            "members[0]",
        ),
        (
            "PATCH",
            "groups/30683aea-7a1f-4ec8-a6d6-834e0310fd7d",
            json!({"dismissed": "yes"}),
            "dismissed",
        ),
        (
            "PATCH",
            "groups/30683aea-7a1f-4ec8-a6d6-834e0310fd7d",
            json!({"add": [99]}),
            "add",
        ),
        ("POST", "apps", json!({"code": ""}), "code"),
    ];
    for (method, path, body, field) in cases {
        let (status, error) = call(&app, method, path, body.clone()).await;
        assert_eq!(
            (status, error["field"].as_str()),
            (400, Some(field)),
            "{method} {path} {body}: {error}"
        );
    }
    let (status, error) = call(&app, "PATCH", "groups/nope", json!({"archived": true})).await;
    assert_eq!((status, error["field"].as_str()), (404, Some("gid")));
    // Nothing was half-applied.
    assert_eq!(
        app.inspect("state").await["users"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

#[tokio::test]
async fn one_notification_by_seq_and_deleting_them_all() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    let n = app.inspect("notifications/1").await;
    assert_eq!(n["seq"], 1);
    let missing = reqwest::get(format!("{}/__inspect/notifications/99", app.url))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let (status, deleted) = call(&app, "DELETE", "notifications", json!(null)).await;
    assert_eq!((status, deleted["deleted"].clone()), (200, json!(1)));
    assert_eq!(app.inspect("notifications").await["total"], 0);
    assert_eq!(
        app.inspect("requests").await["total"],
        1,
        "the journal stays"
    );
    // Sequences keep growing until a reset.
    app.send_notification(&notification(json!([1]))).await;
    assert_eq!(app.inspect("notifications").await["items"][0]["seq"], 2);
}

#[tokio::test]
async fn notification_filters() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    let mut other = notification(json!([3, 4]));
    other["title"] = json!("部署失败");
    app.send_notification(&other).await;
    let mut chat = notification(json!(null));
    chat.as_object_mut().unwrap().remove("users");
    chat["gid"] = json!("30683aea-7a1f-4ec8-a6d6-834e0310fd7d");
    app.send_chat_message(&chat).await;
    let total = |q: &'static str| {
        let app = &app;
        async move {
            app.inspect(&format!("notifications?{q}")).await["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(total("user=1").await, 2);
    assert_eq!(total("user=admin").await, 2);
    assert_eq!(total("user=lisi").await, 2);
    assert_eq!(total("kind=chat").await, 1);
    assert_eq!(total("kind=notification").await, 2);
    assert_eq!(total("gid=notification").await, 2);
    assert_eq!(total("gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d").await, 1);
    assert_eq!(total("app=myAppCode").await, 3);
    assert_eq!(total("app=other").await, 0);
    assert_eq!(total("title=%E5%A4%B1%E8%B4%A5").await, 1);
    let desc = app.inspect("notifications?order=desc").await;
    assert_eq!(desc["items"][0]["seq"], 3);
}

#[tokio::test]
async fn totals_stay_right_across_sends_deletes_resets_and_rejections() {
    let app = spawn_app().await;
    let total = |q: &'static str| {
        let app = &app;
        async move {
            app.inspect(&format!("notifications?{q}")).await["total"]
                .as_i64()
                .unwrap()
        }
    };
    for _ in 0..3 {
        app.send_notification(&notification(json!(["lisi"]))).await;
    }
    assert_eq!((total("user=lisi").await, total("").await), (3, 3));
    app.send_notification(&notification(json!([4, 1]))).await;
    assert_eq!(
        (
            total("user=4").await,
            total("user=admin").await,
            total("").await
        ),
        (4, 1, 4)
    );
    // A rejected send stores nothing and counts nothing.
    app.send_notification(&json!({"users": [4], "title": "no sender"}))
        .await;
    assert_eq!((total("user=lisi").await, total("").await), (4, 4));
    call(&app, "DELETE", "notifications", json!(null)).await;
    assert_eq!((total("user=lisi").await, total("").await), (0, 0));
    app.send_notification(&notification(json!(["lisi"]))).await;
    assert_eq!((total("user=lisi").await, total("").await), (1, 1));
    reqwest::Client::new()
        .post(format!("{}/__inspect/reset", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!((total("user=lisi").await, total("").await), (0, 0));
    app.send_notification(&notification(json!(["lisi"]))).await;
    assert_eq!(
        (
            total("user=4").await,
            total("after=0").await,
            total("user=4&after=1").await
        ),
        (1, 1, 0)
    );
}
