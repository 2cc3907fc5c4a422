//! `/__inspect/state` and the runtime changes: the organisation as stored, and users, chats,
//! members and applications added or changed while the server runs. Bodies use the fixture
//! formats (one entry or an array of them); errors answer 400 naming the field. Users, chats and
//! applications can also be removed again, so a test that added them can leave the server as it
//! found it.

use super::InspectError;
use crate::domain::{Change, Removal};
use crate::emulator::{Applied, Emulator};
use crate::fixtures::{self, EntryError};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::Value;

/// `GET /__inspect/state`: users, chats with members, applications (keys included: this is a test double).
pub async fn get(emulator: web::Data<Emulator>) -> Result<HttpResponse, InspectError> {
    super::json(StatusCode::OK, &emulator.state().await?)
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
                InspectError::unknown(&field, e.problem, e.nearest)
            })
        })
        .collect()
}

/// Applies `change` and answers how many entries were saved.
async fn save(emulator: &Emulator, change: Change) -> Result<HttpResponse, InspectError> {
    let saved = match emulator.apply(change).await? {
        Applied::Saved(saved) => saved,
        Applied::Chat(_) => 1,
        Applied::Removed(removed) => usize::from(removed),
    };
    super::json(StatusCode::OK, &serde_json::json!({"saved": saved}))
}

/// `POST /__inspect/users`: add users, or update them by id.
pub async fn post_users(
    body: web::Bytes,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let users = entries(&body, fixtures::entry::user)?;
    save(&emulator, Change::Users(users)).await
}

/// `POST /__inspect/groups`: add chats, or replace them (flags and members) by gid.
pub async fn post_groups(
    body: web::Bytes,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let chats = entries(&body, fixtures::entry::group)?;
    save(&emulator, Change::Groups(chats)).await
}

/// `POST /__inspect/apps`: add applications, or update them by code.
pub async fn post_apps(
    body: web::Bytes,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let apps = entries(&body, fixtures::entry::app_spec)?;
    save(&emulator, Change::Apps(apps)).await
}

/// `PATCH /__inspect/groups/{gid}`: change a chat's `name`, `type`, `dismissed`, `archived`, and
/// `add`, `remove` or `quit` members (by id or account).
pub async fn patch_group(
    gid: web::Path<String>,
    body: web::Bytes,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| InspectError::bad_request("body", format!("invalid JSON: {e}")))?;
    let patch = fixtures::entry::chat_patch(value).map_err(|e| {
        let field = if e.field.is_empty() {
            "body".to_string()
        } else {
            e.field
        };
        InspectError::unknown(&field, e.problem, e.nearest)
    })?;
    let change = Change::Group {
        gid: gid.into_inner(),
        patch,
    };
    match emulator.apply(change).await? {
        Applied::Chat(chat) => super::json(StatusCode::OK, &chat),
        Applied::Saved(_) | Applied::Removed(_) => {
            Err(InspectError::internal("gid", "the chat was not read back"))
        }
    }
}

/// Removes what `removal` names; 404 naming `field` when there is nothing to remove.
async fn remove(
    emulator: &Emulator,
    removal: Removal,
    field: &str,
) -> Result<HttpResponse, InspectError> {
    let missing = match &removal {
        Removal::User(id) => format!("there is no user {id}"),
        Removal::Group(gid) => format!("there is no chat {gid:?}"),
        Removal::App(code) => format!("there is no application {code:?}"),
    };
    match emulator.apply(Change::Remove(removal)).await? {
        Applied::Removed(true) => super::json(StatusCode::OK, &serde_json::json!({"deleted": 1})),
        _ => Err(InspectError::not_found(field, missing)),
    }
}

/// `DELETE /__inspect/users/{id}`: remove a user and their memberships (notifications they
/// received stay).
pub async fn delete_user(
    id: web::Path<String>,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let id: i64 = id.parse().map_err(|_| {
        InspectError::bad_request("id", format!("`id` must be a user id, not {id:?}"))
    })?;
    remove(&emulator, Removal::User(id), "id").await
}

/// `DELETE /__inspect/groups/{gid}`: remove a chat and its memberships (its messages stay).
pub async fn delete_group(
    gid: web::Path<String>,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    remove(&emulator, Removal::Group(gid.into_inner()), "gid").await
}

/// `DELETE /__inspect/apps/{code}`: remove an application.
pub async fn delete_app(
    code: web::Path<String>,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    remove(&emulator, Removal::App(code.into_inner()), "code").await
}
