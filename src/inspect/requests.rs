//! `GET /__inspect/requests`: the journal of every request to the emulated API.

use super::query::Params;
use super::Page;
use crate::domain::Outcome;
use crate::startup::AppState;
use crate::store::JournalFilter;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The filter a query asks for: `outcome`, `method`, `app`, `finding`, `after`, `limit`, `order`.
pub fn filter(params: &Params) -> Result<JournalFilter, HttpResponse> {
    let outcome = match params.text("outcome") {
        None => None,
        Some(o) => Some(Outcome::parse(&o).ok_or_else(|| {
            super::error(
                StatusCode::BAD_REQUEST,
                "outcome",
                &format!("`outcome` must be accepted or rejected, not {o:?}"),
            )
        })?),
    };
    Ok(JournalFilter {
        outcome,
        method: params.text("method"),
        app: params.text("app"),
        finding: params.text("finding"),
        after: params.parsed("after", "a journal seq")?,
        limit: params.limit()?,
        descending: params.descending()?,
    })
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let filter = match Params::parse(req.query_string()).and_then(|p| filter(&p)) {
        Ok(filter) => filter,
        Err(answer) => return answer,
    };
    match state.store.run(move |tx| tx.journal(&filter)).await {
        Ok((total, items)) => super::json(StatusCode::OK, &Page { total, items }),
        Err(e) => super::error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
    }
}
