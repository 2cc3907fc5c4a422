//! Whom a send reaches, as the real server's MariaDB decides it (SPEC 1.6, issue 12 items 9, 10 and
//! 13), over HTTP in faithful mode: text compared under `utf8_general_ci` with PAD SPACE (accounts,
//! gids, application codes), ids compared as doubles with MySQL's casts, and the shapes of
//! sendChatMessage's `gid`. Every case was observed on the real server; each quirk is reproduced
//! deliberately. A property test checks random `users` values against a small model of those rules
//! written here.

use crate::helpers::{signed, spawn_faithful_app, token, TestApp, GROUP, KEY};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::{json, Value};

const SENT: &str = r#"{"result":"success","message":""}"#;
const SENDER: &str = r#"{"id":"ci","name":"CI","avatar":"https://ci.example.com/logo.png"}"#;
/// Every user of the embedded fixtures who is not deleted (5, zhaoliu, is).
const ACTIVE: [i64; 5] = [1, 2, 3, 4, 6];

/// A send's body with `field` set to `value` (raw JSON text, so that `1.0` stays `1.0`).
fn body(field: &str, value: &str) -> String {
    format!(r#"{{"{field}":{value},"title":"t","contentType":"text","sender":{SENDER}}}"#)
}

async fn send(app: &TestApp, method: &str, body: &str) -> String {
    app.post(&signed(&format!("m=im&f={method}&code=myAppCode")), body)
        .await
        .text()
}

/// The latest notification.
async fn latest(app: &TestApp) -> Value {
    app.inspect("notifications?order=desc&limit=1").await["items"][0].clone()
}

fn ids(notification: &Value) -> Vec<i64> {
    notification["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

/// sendNotification with `users` (raw JSON): the answer, and the stored cgid and recipients.
async fn notify(app: &TestApp, users: &str) -> (String, String, Vec<i64>) {
    let answer = send(app, "sendNotification", &body("users", users)).await;
    assert_eq!(answer, SENT, "users {users}");
    let n = latest(app).await;
    (answer, n["cgid"].as_str().unwrap().to_string(), ids(&n))
}

async fn change(app: &TestApp, method: &str, path: &str, body: Value) {
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}/__inspect/{path}", app.url),
        )
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{method} {path}");
}

#[tokio::test]
async fn accounts_compare_without_case_and_trailing_spaces() {
    // Deliberate: utf8_general_ci with PAD SPACE; a leading space or a tab still counts.
    let app = spawn_faithful_app().await;
    for (users, reached) in [
        (r#"["ZHANGSAN"]"#, vec![3]),
        (r#"["zhangsan   "]"#, vec![3]),
        (r#"["ZhÀngSan"]"#, vec![3]),
        (r#"["Admin","LISI "]"#, vec![1, 4]),
        (r#"[" zhangsan"]"#, vec![]),
        (r#"["zhangsan\t"]"#, vec![]),
    ] {
        let (_, cgid, got) = notify(&app, users).await;
        assert_eq!((cgid.as_str(), got), ("notification", reached), "{users}");
    }
}

#[tokio::test]
async fn ids_are_compared_as_mysql_casts_them() {
    // Deliberate: `id IN ('1','3.5',...)` compares an integer column with strings as doubles.
    let app = spawn_faithful_app().await;
    let many: Vec<String> = (1..=2000).map(|i| i.to_string()).collect();
    let many = format!("[{}]", many.join(","));
    for (users, reached) in [
        ("[1.0, 3.5]", vec![1]),
        (r#"[" 3"]"#, vec![3]),
        (r#"["3abc"]"#, vec![]),
        (r#"[4, "3abc"]"#, vec![3, 4]),
        ("[1e400]", vec![]),
        ("[0]", vec![]),
        (r#"[""]"#, vec![]),
        ("[null]", vec![]),
        ("[true]", vec![]),
        ("[1, 1, 3]", vec![1, 3]),
        // Every existing id among 2,000, the deleted user 5 included.
        (many.as_str(), vec![1, 2, 3, 4, 5, 6]),
    ] {
        let (_, cgid, got) = notify(&app, users).await;
        assert_eq!((cgid.as_str(), got), ("notification", reached), "{users}");
    }
    // One delivery row per user, however often the id is repeated.
    let state = app.inspect("notifications?user=1").await;
    assert!(state["total"].as_u64().unwrap() >= 3);
}

#[tokio::test]
async fn a_scalar_users_is_a_chat_gid() {
    // Deliberate (an upstream bug): the scalar is PHP's string of it, taken as a gid; a gid
    // without members reaches every user who is not deleted.
    let app = spawn_faithful_app().await;
    assert_eq!(notify(&app, "3").await.1, "3");
    assert_eq!(notify(&app, "3").await.2, ACTIVE);
    let (_, cgid, reached) = notify(&app, "true").await;
    assert_eq!((cgid.as_str(), reached), ("1", ACTIVE.to_vec()));
    // A gid in another case reaches that chat's members and is stored as written.
    let upper = GROUP.to_uppercase();
    let (_, cgid, reached) = notify(&app, &format!("\"{upper}\"")).await;
    assert_eq!((cgid, reached), (upper, vec![1, 3, 4]));
}

#[tokio::test]
async fn a_gid_in_another_case_reaches_its_chat_and_continues_its_index() {
    // Deliberate: the chat is found under utf8_general_ci; the message keeps the gid as written,
    // without the trailing spaces its CHAR column drops, and takes that chat's next index.
    let app = spawn_faithful_app().await;
    let upper = GROUP.to_uppercase();
    for (gid, cgid, index) in [
        (GROUP.to_string(), GROUP.to_string(), 1),
        (upper.clone(), upper.clone(), 2),
        (format!("{GROUP}  "), GROUP.to_string(), 3),
        (format!("{upper} "), upper.clone(), 4),
    ] {
        let answer = send(&app, "sendChatMessage", &body("gid", &format!("\"{gid}\""))).await;
        assert_eq!(answer, SENT, "{gid:?}");
        let n = latest(&app).await;
        assert_eq!(n["cgid"], cgid.as_str(), "{gid:?}");
        assert_eq!(n["index"], index, "{gid:?}");
        assert_eq!(ids(&n), [1, 3, 4], "{gid:?}");
    }
    // getChatUsers finds it in any case too.
    let a = app
        .get(&signed(&format!(
            "m=im&f=getChatUsers&gid={upper}&code=myAppCode"
        )))
        .await;
    assert_eq!(a.json()["data"].as_object().unwrap().len(), 3);
}

#[tokio::test]
async fn application_codes_compare_without_case() {
    // Deliberate: the application is looked up under utf8_general_ci; the token signs the code
    // as sent.
    let app = spawn_faithful_app().await;
    for code in ["MYAPPCODE", "myappcode"] {
        let query = format!("m=im&f=getGroupChats&code={code}");
        let a = app
            .get(&format!("{query}&token={}", token(&query, KEY)))
            .await;
        assert_eq!(a.json()["result"], "success", "{code}");
        assert_eq!(app.last_request().await["app"], code);
    }
}

#[tokio::test]
async fn send_chat_message_reads_its_gid_as_users_are_read() {
    // Deliberate: the server reads `gid` with the code that reads `users`.
    let app = spawn_faithful_app().await;
    // A list is a list of accounts: the notification centre, and nobody (no account is a gid).
    assert_eq!(
        send(
            &app,
            "sendChatMessage",
            &body("gid", &format!("[\"{GROUP}\"]"))
        )
        .await,
        SENT
    );
    let n = latest(&app).await;
    assert_eq!(
        (n["cgid"].as_str(), ids(&n)),
        (Some("notification"), vec![])
    );
    assert_eq!(n["kind"], "chat");
    // A number is a gid: no such chat, so every user who is not deleted.
    assert_eq!(send(&app, "sendChatMessage", &body("gid", "7")).await, SENT);
    let n = latest(&app).await;
    assert_eq!((n["cgid"].as_str(), ids(&n)), (Some("7"), ACTIVE.to_vec()));
}

#[tokio::test]
async fn archived_dismissed_and_deserted_chats() {
    // Deliberate: archived and dismissed chats keep their members; a chat whose members all quit
    // has none, so a post reaches every user who is not deleted and getChatUsers lists nobody.
    let app = spawn_faithful_app().await;
    let dismissed = "d2a5c7e1-0b3f-4d8e-9a6c-5e4f3b2a1c0d";
    let a = app
        .get(&signed(&format!(
            "m=im&f=getChatUsers&gid={dismissed}&code=myAppCode"
        )))
        .await;
    assert_eq!(a.json()["data"].as_object().unwrap().len(), 2);
    change(
        &app,
        "PATCH",
        &format!("groups/{GROUP}"),
        json!({"archived": true}),
    )
    .await;
    assert_eq!(
        send(
            &app,
            "sendChatMessage",
            &body("gid", &format!("\"{GROUP}\""))
        )
        .await,
        SENT
    );
    assert_eq!(
        send(
            &app,
            "sendChatMessage",
            &body("gid", &format!("\"{GROUP}\""))
        )
        .await,
        SENT
    );
    let n = latest(&app).await;
    assert_eq!((ids(&n), n["index"].as_i64()), (vec![1, 3, 4], Some(2)));
    let a = app
        .get(&signed(&format!(
            "m=im&f=getChatUsers&gid={GROUP}&code=myAppCode"
        )))
        .await;
    assert_eq!(a.json()["data"].as_object().unwrap().len(), 3);
    let deserted = "64da14c3-c07a-45af-9c61-4e638de4af26";
    change(
        &app,
        "PATCH",
        &format!("groups/{deserted}"),
        json!({"quit": [1, 3, 4]}),
    )
    .await;
    let a = app
        .get(&signed(&format!(
            "m=im&f=getChatUsers&gid={deserted}&code=myAppCode"
        )))
        .await;
    assert_eq!(a.text(), r#"{"result":"success","data":[]}"#);
    assert_eq!(
        send(
            &app,
            "sendChatMessage",
            &body("gid", &format!("\"{deserted}\""))
        )
        .await,
        SENT
    );
    let n = latest(&app).await;
    assert_eq!(
        (n["cgid"].as_str(), ids(&n)),
        (Some(deserted), ACTIVE.to_vec())
    );
}

// The property: random `users` against a model of the rules, written from the observations and
// independent of the server's code.

/// The users of the embedded fixtures: (id, account); 5 is deleted.
const USERS: [(i64, &str); 6] = [
    (1, "admin"),
    (2, "wangwu"),
    (3, "zhangsan"),
    (4, "lisi"),
    (5, "zhaoliu"),
    (6, "sunqi"),
];

/// What the real server answers for a `users` value.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// `应当设置接收者用户列表。`
    NoUsers,
    /// PHP's fatal error: HTTP 500.
    Fatal,
    /// Stored under `cgid` for these users.
    Sent(String, Vec<i64>),
}

const BLANKS: [char; 6] = [' ', '\t', '\n', '\r', '\u{b}', '\u{c}'];

/// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`, the whole of `s`.
fn decimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |d: &str| d.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// PHP's `is_numeric` (PHP 8: blanks allowed around the number).
fn php_numeric(v: &Value) -> bool {
    match v {
        Value::Number(_) => true,
        Value::String(s) => decimal(s.trim_matches(BLANKS)),
        _ => false,
    }
}

/// PHP's `empty()` on the decoded value.
fn php_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty() || s == "0",
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// PHP's string of a scalar; the floats are the few the generator makes.
fn php_text(v: &Value) -> String {
    match v {
        Value::Null | Value::Bool(false) => String::new(),
        Value::Bool(true) => "1".into(),
        Value::Number(n) if n.is_f64() => match n.as_f64().unwrap() {
            1e20 => "1.0E+20".into(),
            f if f.fract() == 0.0 => format!("{f:.0}"),
            f => f.to_string(),
        },
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => panic!("no string of {other}"),
    }
}

/// MySQL's double of a string: blanks skipped, then the longest decimal prefix, 0 without one.
fn mysql_double(s: &str) -> f64 {
    let t = s.trim_start_matches(BLANKS);
    (1..=t.len())
        .rev()
        .filter(|&n| t.is_char_boundary(n))
        .map(|n| &t[..n])
        .find(|p| decimal(p) || (p.ends_with('.') && decimal(&p[..p.len() - 1])))
        .map_or(0.0, |p| p.trim_end_matches('.').parse().unwrap())
}

/// utf8_general_ci with PAD SPACE, on the ASCII the generator makes.
fn fold(s: &str) -> String {
    s.trim_end_matches(' ').to_ascii_lowercase()
}

fn model(users: &Value) -> Outcome {
    if php_empty(users) {
        return Outcome::NoUsers;
    }
    match users {
        Value::Object(_) => Outcome::Fatal,
        Value::Array(list) if list.iter().any(|e| e.is_array() || e.is_object()) => Outcome::Fatal,
        Value::Array(list) => {
            let by_id = php_numeric(&list[0]);
            let texts: Vec<String> = list.iter().map(php_text).collect();
            let reached = USERS
                .iter()
                .filter(|(id, account)| {
                    texts.iter().any(|t| {
                        if by_id {
                            mysql_double(t) == *id as f64
                        } else {
                            fold(t) == fold(account)
                        }
                    })
                })
                .map(|(id, _)| *id)
                .collect();
            Outcome::Sent("notification".into(), reached)
        }
        scalar => {
            let gid = php_text(scalar);
            let members = if fold(&gid) == fold(GROUP) {
                vec![1, 3, 4]
            } else {
                ACTIVE.to_vec()
            };
            Outcome::Sent(gid.trim_end_matches(' ').to_string(), members)
        }
    }
}

fn element() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (-2i64..9).prop_map(Value::from),
        1 => prop::sample::select(vec![0.5, 1.0, 2.0, 3.5, 1e20]).prop_map(Value::from),
        3 => "[ ]{0,2}[0-7](\\.[05])?[a-c ]{0,2}".prop_map(Value::from),
        3 => prop::sample::select(USERS.iter().map(|(_, a)| *a).collect::<Vec<_>>()).prop_flat_map(
            |account| {
                (
                    proptest::collection::vec(any::<bool>(), account.len()),
                    prop::sample::select(vec!["", " ", "   ", "\t"]),
                    prop::sample::select(vec!["", " "]),
                )
                    .prop_map(move |(upper, tail, head)| {
                        let cased: String = account
                            .chars()
                            .zip(upper)
                            .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                            .collect();
                        Value::from(format!("{head}{cased}{tail}"))
                    })
            }
        ),
        1 => prop::sample::select(vec![json!(""), json!("nobody"), json!(null), json!(true), json!(false)]),
        1 => prop::sample::select(vec![json!([1]), json!({"a": 1})]),
    ]
}

fn users_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => proptest::collection::vec(element(), 0..6).prop_map(Value::Array),
        1 => Just(json!({"0": 1})),
        1 => prop::sample::select(vec![json!(3), json!(true), json!("3"), json!(0), json!("0"), json!(GROUP.to_uppercase()), json!(format!("{GROUP} "))]),
    ]
}

#[test]
fn recipients_match_a_model_of_mysqls_comparison_and_casts() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(spawn_faithful_app());
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 160,
        ..ProptestConfig::default()
    });
    runner
        .run(&users_value(), |users| {
            let expected = model(&users);
            let got = runtime.block_on(async {
                let before = app.inspect("notifications").await["total"]
                    .as_u64()
                    .unwrap();
                let answer = app
                    .post(
                        &signed("m=im&f=sendNotification&code=myAppCode"),
                        &json!({"users": users, "title": "t", "sender": {"id": 1}}).to_string(),
                    )
                    .await;
                if answer.status == 500 {
                    return Outcome::Fatal;
                }
                if answer.json()["result"] == "fail" {
                    return Outcome::NoUsers;
                }
                let n = latest(&app).await;
                assert_eq!(n["seq"].as_u64(), Some(before + 1));
                Outcome::Sent(n["cgid"].as_str().unwrap().to_string(), ids(&n))
            });
            prop_assert_eq!(got, expected, "users {}", users);
            Ok(())
        })
        .unwrap();
}
