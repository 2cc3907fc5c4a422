//! The request journal in the store: one row per request to the emulated API.

use super::{Context, StoreError, Tx};
use crate::domain::{Finding, JournalEntry, JournalRecord, Outcome};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter};

/// Which journal entries to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalFilter {
    pub outcome: Option<Outcome>,
    /// The emulated method name (`sendNotification`, ...).
    pub method: Option<String>,
    pub app: Option<String>,
    /// A finding code that the entry must carry.
    pub finding: Option<String>,
    pub after: Option<i64>,
    pub limit: usize,
    pub descending: bool,
}

impl Tx<'_> {
    /// Appends a journal entry and returns its `seq`.
    pub fn insert_journal(&self, record: &JournalRecord) -> Result<i64, StoreError> {
        const CONTEXT: &str = "writing the journal";
        let findings = serde_json::to_string(&record.findings).unwrap_or_else(|_| "[]".into());
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO journal (received_at, http_method, path, query, app, method, lang, client_ip, body,
                     body_size, body_truncated, status, response, outcome, findings, duration_us)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .context(CONTEXT)?;
        stmt.execute(params![
            record.received_at,
            record.http_method,
            record.path,
            record.query,
            record.app,
            record.method,
            record.lang,
            record.client_ip,
            record.body,
            record.body_size as i64,
            record.body_truncated,
            record.status,
            record.response,
            record.outcome.as_str(),
            findings,
            record.duration_us as i64,
        ])
        .context(CONTEXT)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The journal entries matching `filter`: how many match in all, and the page asked for.
    pub fn journal(
        &self,
        filter: &JournalFilter,
    ) -> Result<(usize, Vec<JournalEntry>), StoreError> {
        const CONTEXT: &str = "reading the journal";
        let (condition, args) = condition(filter);
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM journal WHERE {condition}"))
            .context(CONTEXT)?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))
            .context(CONTEXT)?;
        let order = if filter.descending { "DESC" } else { "ASC" };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT seq, received_at, http_method, path, query, app, method, lang, client_ip, body, body_size,
                        body_truncated, status, response, outcome, findings, duration_us
                 FROM journal WHERE {condition} ORDER BY seq {order} LIMIT {}",
                filter.limit
            ))
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |row| {
                let outcome: String = row.get(14)?;
                let findings: String = row.get(15)?;
                let record = JournalRecord {
                    received_at: row.get(1)?,
                    http_method: row.get(2)?,
                    path: row.get(3)?,
                    query: row.get(4)?,
                    app: row.get(5)?,
                    method: row.get(6)?,
                    lang: row.get(7)?,
                    client_ip: row.get(8)?,
                    body: row.get(9)?,
                    body_size: row.get::<_, i64>(10)? as usize,
                    body_truncated: row.get(11)?,
                    status: row.get(12)?,
                    response: row.get(13)?,
                    outcome: Outcome::parse(&outcome).unwrap_or(Outcome::Rejected),
                    findings: serde_json::from_str::<Vec<Finding>>(&findings).unwrap_or_default(),
                    duration_us: row.get::<_, i64>(16)? as u64,
                };
                Ok(record.entry(row.get(0)?))
            })
            .context(CONTEXT)?;
        let items = rows.collect::<Result<Vec<_>, _>>().context(CONTEXT)?;
        Ok((usize::try_from(total).unwrap_or(0), items))
    }
}

/// The SQL condition of a journal filter, with its arguments.
fn condition(filter: &JournalFilter) -> (String, Vec<SqlValue>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(outcome) = filter.outcome {
        clauses.push("outcome = ?");
        args.push(outcome.as_str().to_string().into());
    }
    if let Some(method) = &filter.method {
        clauses.push("method = ?");
        args.push(method.clone().into());
    }
    if let Some(app) = &filter.app {
        clauses.push("app = ?");
        args.push(app.clone().into());
    }
    if let Some(code) = &filter.finding {
        clauses.push("EXISTS (SELECT 1 FROM json_each(journal.findings) f WHERE json_extract(f.value, '$.code') = ?)");
        args.push(code.clone().into());
    }
    if let Some(after) = filter.after {
        clauses.push("seq > ?");
        args.push(after.into());
    }
    let condition = if clauses.is_empty() {
        "1".to_string()
    } else {
        clauses.join(" AND ")
    };
    (condition, args)
}

impl Tx<'_> {
    /// Deletes the journal entries `filter` lists (every page; its limit and order aside);
    /// answers how many. The notifications they stored stay (their `request_seq` then names an
    /// entry that is gone).
    pub fn delete_journal(&self, filter: &JournalFilter) -> Result<usize, StoreError> {
        let (condition, args) = condition(filter);
        self.conn
            .prepare_cached(&format!("DELETE FROM journal WHERE {condition}"))
            .context("deleting journal entries")?
            .execute(params_from_iter(args.iter()))
            .context("deleting journal entries")
    }
}
