//! `/__inspect/notifications`: every accepted send, as the real server would have stored it;
//! listed, one by one, or deleted by the same filters.

use super::query::{concat, Params, PAGE};
use super::{InspectError, Page};
use crate::domain::MessageKind;
use crate::emulator::Emulator;
use crate::store::NotificationFilter;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The filters, which `DELETE` reads too.
pub const FILTERS: [&str; 7] = ["user", "gid", "kind", "app", "title", "api", "after"];
/// What a list reads: the filters and the page.
pub const LIST: [&str; 9] = concat(&FILTERS, &PAGE);

/// The filter a query asks for: the [`FILTERS`] and the page (`limit`, `order`).
pub fn filter(params: &Params) -> Result<NotificationFilter, InspectError> {
    let kind = match params.text("kind") {
        None => None,
        Some(k) => Some(MessageKind::parse(&k).ok_or_else(|| {
            InspectError::bad_request(
                "kind",
                format!("`kind` must be notification or chat, not {k:?}"),
            )
        })?),
    };
    Ok(NotificationFilter {
        user: params.text("user"),
        gid: params.text("gid"),
        kind,
        app: params.text("app"),
        title: params.text("title"),
        api: params.api()?,
        after: params.parsed("after", "a notification seq")?,
        limit: params.limit()?,
        descending: params.descending()?,
    })
}

pub async fn list(
    req: HttpRequest,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let filter = filter(&Params::parse(req.query_string())?)?;
    let (total, items) = emulator.notifications_counted(filter).await?;
    super::json(
        StatusCode::OK,
        &Page {
            total: total.count,
            total_relation: super::total_relation(total),
            items,
        },
    )
}

/// `GET /__inspect/notifications/{seq}`.
pub async fn get(
    seq: web::Path<String>,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let seq: i64 = seq.parse().map_err(|_| {
        InspectError::bad_request(
            "seq",
            format!("`seq` must be a notification seq, not {seq:?}"),
        )
    })?;
    match emulator.notification(seq).await? {
        Some(notification) => super::json(StatusCode::OK, &notification),
        None => Err(InspectError::not_found(
            "seq",
            format!("there is no notification {seq}"),
        )),
    }
}

/// `DELETE /__inspect/notifications`: forget the notifications the filters match, every one when
/// there are none (the journal stays).
pub async fn delete(
    req: HttpRequest,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let filter = filter(&Params::parse(req.query_string())?)?;
    let deleted = emulator.delete_notifications(filter).await?;
    super::json(StatusCode::OK, &serde_json::json!({"deleted": deleted}))
}
