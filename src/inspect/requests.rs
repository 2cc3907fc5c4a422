//! `/__inspect/requests`: the journal of every request to the emulated API; listed, or deleted by
//! the same filters.

use super::query::{concat, Params, PAGE};
use super::{InspectError, Page};
use crate::domain::{FindingCode, Outcome};
use crate::emulator::Emulator;
use crate::store::JournalFilter;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The filters, which `DELETE` reads too.
pub const FILTERS: [&str; 6] = ["outcome", "method", "app", "finding", "api", "after"];
/// What a list reads: the filters and the page.
pub const LIST: [&str; 8] = concat(&FILTERS, &PAGE);

/// The filter a query asks for: the [`FILTERS`] and the page (`limit`, `order`).
pub fn filter(params: &Params) -> Result<JournalFilter, InspectError> {
    let outcome = match params.text("outcome") {
        None => None,
        Some(o) => Some(Outcome::parse(&o).ok_or_else(|| {
            InspectError::bad_request(
                "outcome",
                format!("`outcome` must be accepted or rejected, not {o:?}"),
            )
        })?),
    };
    Ok(JournalFilter {
        outcome,
        method: params.text("method"),
        app: params.text("app"),
        finding: match params.text("finding") {
            None => None,
            Some(code) => Some(
                code.parse::<FindingCode>()
                    .map_err(|e| InspectError::bad_request("finding", e.to_string()))?
                    .to_string(),
            ),
        },
        api: params.api()?,
        after: params.parsed("after", "a journal seq")?,
        limit: params.limit()?,
        descending: params.descending()?,
    })
}

pub async fn list(
    req: HttpRequest,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let filter = filter(&Params::parse(req.query_string())?)?;
    let (total, items) = emulator.requests(filter).await?;
    super::json(
        StatusCode::OK,
        &Page {
            total,
            total_relation: None,
            items,
        },
    )
}

/// `DELETE /__inspect/requests`: forget the journal entries the filters match, every one when
/// there are none (the notifications they stored stay).
pub async fn delete(
    req: HttpRequest,
    emulator: web::Data<Emulator>,
) -> Result<HttpResponse, InspectError> {
    let filter = filter(&Params::parse(req.query_string())?)?;
    let deleted = emulator.delete_requests(filter).await?;
    super::json(StatusCode::OK, &serde_json::json!({"deleted": deleted}))
}
