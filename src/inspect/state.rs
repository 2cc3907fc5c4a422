//! `/__inspect/state` and the runtime changes: the organisation as stored, and users, chats,
//! members and applications added or changed while the server runs. Bodies use the fixture
//! formats (one entry or an array of them); errors answer 400 naming the field.

use super::InspectError;
use crate::fixtures::{self, EntryError};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::Value;

/// `GET /__inspect/state`: users, chats with members, applications (keys included: this is a test double).
pub async fn get(state: web::Data<AppState>) -> Result<HttpResponse, InspectError> {
    let snapshot = state.store.run(|tx| tx.state()).await?;
    super::json(StatusCode::OK, &snapshot)
}

/// One entry or an array of entries, each parsed by `parse`; the field of an error is prefixed
/// with its position in an array.
fn entries<T>(
    body: &[u8],
    parse: impl Fn(Value) -> Result<T, EntryError>,
) -> Result<Vec<T>, InspectError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| InspectError::bad_request("body", format!("invalid JSON: {e}")))?;
    let (items, in_array) = match value {
        Value::Array(items) => (items, true),
        other => (vec![other], false),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            parse(item).map_err(|e| {
                let field = match (in_array, e.field.is_empty()) {
                    (true, true) => format!("[{i}]"),
                    (true, false) => format!("[{i}].{}", e.field),
                    (false, _) => e.field.clone(),
                };
                InspectError::bad_request(&field, e.problem)
            })
        })
        .collect()
}

/// `POST /__inspect/users`: add users, or update them by id.
pub async fn post_users(
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, InspectError> {
    let users = entries(&body, fixtures::entry::user)?;
    let saved = users.len();
    state.store.run(move |tx| tx.upsert_users(&users)).await?;
    super::json(StatusCode::OK, &serde_json::json!({"saved": saved}))
}

/// `POST /__inspect/groups`: add chats, or replace them (flags and members) by gid.
pub async fn post_groups(
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, InspectError> {
    let chats = entries(&body, fixtures::entry::group)?;
    let saved = chats.len();
    state
        .store
        .run(move |tx| chats.iter().try_for_each(|chat| tx.upsert_chat(chat)))
        .await?;
    super::json(StatusCode::OK, &serde_json::json!({"saved": saved}))
}

/// `POST /__inspect/apps`: add applications, or update them by code.
pub async fn post_apps(
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, InspectError> {
    let users = state.store.run(|tx| tx.all_users()).await?;
    let default_account = fixtures::entry::default_account(&users);
    let apps = entries(&body, |v| {
        fixtures::entry::app(v, default_account.as_deref())
    })?;
    let saved = apps.len();
    state.store.run(move |tx| tx.upsert_apps(&apps)).await?;
    super::json(StatusCode::OK, &serde_json::json!({"saved": saved}))
}

/// `PATCH /__inspect/groups/{gid}`: change a chat's `name`, `type`, `dismissed`, `archived`, and
/// `add`, `remove` or `quit` members (by id or account).
pub async fn patch_group(
    gid: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, InspectError> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| InspectError::bad_request("body", format!("invalid JSON: {e}")))?;
    let patch = fixtures::entry::chat_patch(value).map_err(|e| {
        let field = if e.field.is_empty() {
            "body".to_string()
        } else {
            e.field
        };
        InspectError::bad_request(&field, e.problem)
    })?;
    let gid = gid.into_inner();
    let target = gid.clone();
    if !state
        .store
        .run(move |tx| tx.patch_chat(&target, &patch))
        .await?
    {
        return Err(InspectError::not_found(
            "gid",
            format!("there is no chat {gid:?}"),
        ));
    }
    let chat = state
        .store
        .run(|tx| tx.state())
        .await?
        .chats
        .into_iter()
        .find(|c| c.chat.gid == gid);
    super::json(StatusCode::OK, &chat)
}
