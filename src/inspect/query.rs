//! Reading the inspection API's query parameters, with an error that names the bad one.

use super::InspectError;
use std::collections::HashMap;
use std::str::FromStr;

/// The default and the largest page size.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

/// The query parameters of one request.
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(raw: &str) -> Result<Self, InspectError> {
        let pairs: Vec<(String, String)> =
            actix_web::web::Query::<Vec<(String, String)>>::from_query(raw)
                .map_err(|e| InspectError::bad_request("query", e.to_string()))?
                .into_inner();
        Ok(Params(pairs.into_iter().collect()))
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    pub fn parsed<T: FromStr>(&self, name: &str, what: &str) -> Result<Option<T>, InspectError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                InspectError::bad_request(name, format!("`{name}` must be {what}, not {v:?}"))
            }),
        }
    }

    /// `limit`: 1 to 1000, 100 by default.
    pub fn limit(&self) -> Result<usize, InspectError> {
        let limit = self
            .parsed::<usize>("limit", "a whole number from 1 to 1000")?
            .unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(InspectError::bad_request(
                "limit",
                "`limit` must be a whole number from 1 to 1000",
            ));
        }
        Ok(limit)
    }

    /// `order`: `asc` (default) or `desc`; true for descending.
    pub fn descending(&self) -> Result<bool, InspectError> {
        match self.0.get("order").map(String::as_str) {
            None | Some("asc") => Ok(false),
            Some("desc") => Ok(true),
            Some(other) => Err(InspectError::bad_request(
                "order",
                format!("`order` must be asc or desc, not {other:?}"),
            )),
        }
    }
}
