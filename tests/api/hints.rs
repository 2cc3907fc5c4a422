//! The findings real clients needed (issue 12 items 14 to 16), over HTTP: unknown action keys with
//! the nearest known one, getChatUsers without a gid, and the docs' placeholder token.

use crate::helpers::{notification, signed, spawn_app, spawn_faithful_app, TestApp, GROUP};
use serde_json::{json, Value};

const SENT: &str = r#"{"result":"success","message":""}"#;

async fn findings(app: &TestApp) -> Vec<Value> {
    app.last_request().await["findings"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn an_unknown_action_key_gets_the_nearest_known_one() {
    let mut body = notification(json!([1]));
    body["actions"] = json!([{"label": "查看", "url": "https://ci/1", "actionType": "primary"}]);
    // Strict mode rejects it, naming the key and the key it probably meant.
    let app = spawn_app().await;
    let answer = app
        .request(
            "POST",
            &format!(
                "/x.php?{}",
                signed("m=im&f=sendNotification&code=myAppCode")
            ),
            body.to_string().as_bytes(),
            &[("Accept-Language", "en")],
        )
        .await;
    assert_eq!(
        answer.json()["message"],
        r#"actions[0] has the key "actionType" (did you mean "type"?); an action has only `label`, `url`, `type` and `icon`."#
    );
    assert_eq!(findings(&app).await[0]["code"], "action_unknown_key");
    // Faithful mode stores it (clients ignore the key) and warns.
    let app = spawn_faithful_app().await;
    assert_eq!(app.send_notification(&body).await.text(), SENT);
    let found = findings(&app).await;
    assert_eq!(found[0]["code"], "action_unknown_key");
    assert_eq!(found[0]["severity"], "warning");
}

#[tokio::test]
async fn get_chat_users_without_a_gid_warns_that_it_is_not_every_user() {
    let app = spawn_app().await;
    let a = app.get(&signed("m=im&f=getChatUsers&code=myAppCode")).await;
    // Deliberate: the members of every chat (deleted zhaoliu included), not wangwu who is in none.
    let data = a.json()["data"].clone();
    assert!(data.get("5").is_some() && data.get("2").is_none(), "{data}");
    let found = findings(&app).await;
    assert_eq!(found[0]["code"], "chat_users_without_gid");
    assert_eq!(found[0]["severity"], "warning");
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains("not every user"));
    // With a gid, no such warning.
    app.get(&signed(&format!(
        "m=im&f=getChatUsers&gid={GROUP}&code=myAppCode"
    )))
    .await;
    assert!(findings(&app).await.is_empty());
}

#[tokio::test]
async fn the_docs_placeholder_token_is_named_in_the_hint() {
    let app = spawn_app().await;
    let a = app
        .get("m=im&f=getGroupChats&code=myAppCode&token=xxx")
        .await;
    assert!(a.text().starts_with("<html>"));
    let found = findings(&app).await;
    assert_eq!(found[0]["code"], "not_api_call");
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains("placeholder of the XXB docs' examples (`token=xxx`)"));
    // No token at all: the hint says how to make one, and that `xxx` is only a placeholder.
    app.get("m=im&f=getGroupChats&code=myAppCode").await;
    let found = findings(&app).await;
    assert!(found[0]["hint"]
        .as_str()
        .unwrap()
        .contains("`token=xxx` is only a placeholder"));
}
