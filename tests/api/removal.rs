//! Taking users, chats and applications out again (`DELETE /__inspect/users/{id}`,
//! `/groups/{gid}`, `/apps/{code}`), as a scenario does when it leaves a running server, and the
//! `X-Xxb-Mock-Validation` header with which a call picks its validation mode.

use crate::helpers::{notification, signed, spawn_app, TestApp};
use serde_json::{json, Value};

async fn call(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{}/__inspect/{path}", app.url),
    );
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_removed_user_is_gone_from_lookups_and_sends_but_not_from_history() {
    let app = spawn_app().await;
    let ops = json!({"id": 42, "account": "ops", "realname": "运维"});
    assert_eq!(call(&app, "POST", "users", Some(ops)).await.0, 200);
    let (status, _) = call(
        &app,
        "PATCH",
        "groups/30683aea-7a1f-4ec8-a6d6-834e0310fd7d",
        Some(json!({"add": [42]})),
    )
    .await;
    assert_eq!(status, 200);
    app.send_notification(&notification(json!(["ops"]))).await;

    assert_eq!(
        call(&app, "DELETE", "users/42", None).await,
        (200, json!({"deleted": 1}))
    );
    let members = app
        .get(&signed(
            "m=im&f=getChatUsers&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=myAppCode",
        ))
        .await;
    assert_eq!(
        members.text(),
        r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","3":"\u5f20\u4e09","4":"\u674e\u56db"}}"#
    );
    // Strict mode no longer knows the account.
    let refused = app.send_notification(&notification(json!(["ops"]))).await;
    assert_eq!(refused.json()["result"], "fail");
    // The notification it received stays.
    assert_eq!(app.inspect("notifications").await["total"], 1);
    let state = app.inspect("state").await;
    assert!(state["users"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["id"] != 42));

    let (status, error) = call(&app, "DELETE", "users/42", None).await;
    assert_eq!((status, &error["field"]), (404, &json!("id")));
    assert_eq!(error["error"], "there is no user 42");
    let (status, error) = call(&app, "DELETE", "users/ops", None).await;
    assert_eq!((status, &error["field"]), (400, &json!("id")));
}

#[tokio::test]
async fn a_removed_group_and_app_are_gone() {
    let app = spawn_app().await;
    let group = json!({"gid": "a b&c", "name": "临时", "members": [1, 3]});
    assert_eq!(call(&app, "POST", "groups", Some(group)).await.0, 200);
    let groups_query = signed("m=im&f=getGroupChats&code=myAppCode");
    let groups = || app.get(&groups_query);
    assert!(groups().await.text().contains(r#""a b&c""#));
    // A gid with a space and `&` travels percent-encoded in the path.
    assert_eq!(
        call(&app, "DELETE", "groups/a%20b%26c", None).await,
        (200, json!({"deleted": 1}))
    );
    assert!(!groups().await.text().contains("a b&c"));
    let (status, error) = call(&app, "DELETE", "groups/a%20b%26c", None).await;
    assert_eq!(
        (status, &error["error"]),
        (404, &json!("there is no chat \"a b&c\""))
    );

    let spare = json!({"code": "spareApp", "key": "0123456789abcdef0123456789abcdef"});
    assert_eq!(call(&app, "POST", "apps", Some(spare)).await.0, 200);
    assert_eq!(
        call(&app, "DELETE", "apps/spareApp", None).await,
        (200, json!({"deleted": 1}))
    );
    let query = "m=im&f=getGroupChats&code=spareApp";
    let token = crate::helpers::token(query, "0123456789abcdef0123456789abcdef");
    let answer = app.get(&format!("{query}&token={token}")).await;
    assert_eq!(answer.text(), r#"{"errcode":404,"errmsg":"应用不存在"}"#);
    assert_eq!(call(&app, "DELETE", "apps/spareApp", None).await.0, 404);
}

/// The header a scenario replayed against a running mock uses to ask for its validation mode.
#[tokio::test]
async fn a_call_picks_its_validation_mode_with_a_header() {
    let app = spawn_app().await; // strict
    let nobody = notification(json!(["nobody"]));
    let send = |mode: &'static str| {
        let body = nobody.to_string();
        let app = &app;
        async move {
            app.request(
                "POST",
                &format!(
                    "/x.php?{}",
                    signed("m=im&f=sendNotification&code=myAppCode")
                ),
                body.as_bytes(),
                &[("X-Xxb-Mock-Validation", mode)],
            )
            .await
            .json()
        }
    };
    assert_eq!(
        send("faithful").await,
        json!({"result": "success", "message": ""})
    );
    assert_eq!(send("FAITHFUL").await["result"], "success");
    assert_eq!(send("strict").await["result"], "fail");
    // Anything else leaves the server's own mode.
    assert_eq!(send("lenient").await["result"], "fail");
    let plain = app.send_notification(&nobody).await;
    assert_eq!(plain.json()["result"], "fail");
}
