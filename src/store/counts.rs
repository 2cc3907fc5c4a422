//! The tables of counts (`message_counts`, `delivery_counts`, `journal_counts`,
//! `journal_finding_counts`) follow the writes in aggregate: each write adds to [`Pending`], in
//! memory, and [`Tx::flush_counts`] adds what a transaction wrote to the tables before it commits,
//! one statement per table whatever the number of rows. A batch of 500 sends to a handful of users
//! thus costs a few dozen upserts instead of one per message, per delivery and per journal entry.
//!
//! Trimming (retention) takes its rows off the same way, through [`Pending::message_gone`] and
//! [`Pending::request_gone`]; other deletes take theirs off the tables directly, counted by
//! `GROUP BY`, after a flush.

use super::{Context, StoreError, Tx};
use std::collections::HashMap;

/// What the writes of the transaction in progress add to the tables of counts, not yet written.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// By kind, chat, application and API.
    messages: HashMap<[String; 4], i64>,
    /// By recipient, then the message's kind, chat, application and API.
    deliveries: HashMap<(i64, [String; 4]), i64>,
    /// By outcome, method, application and API (a missing method or application as `''`).
    journal: HashMap<[String; 4], i64>,
    /// By finding code, then as `journal`.
    findings: HashMap<(String, [String; 4]), i64>,
}

impl Pending {
    /// A message of `columns` (kind, chat, application, API), delivered once to each of `users`.
    pub(crate) fn message(&mut self, columns: [&str; 4], users: &[i64]) {
        self.count_message(columns, users, 1);
    }

    /// A message of `columns`, delivered to `users`, deleted.
    pub(crate) fn message_gone(&mut self, columns: [&str; 4], users: &[i64]) {
        self.count_message(columns, users, -1);
    }

    fn count_message(&mut self, columns: [&str; 4], users: &[i64], by: i64) {
        let key = columns.map(str::to_string);
        for &user in users {
            *self.deliveries.entry((user, key.clone())).or_default() += by;
        }
        *self.messages.entry(key).or_default() += by;
    }

    /// A journal entry of `columns` (outcome, method, application, API) with the distinct
    /// finding codes `codes`.
    pub(crate) fn request(&mut self, columns: [&str; 4], codes: &[&str]) {
        self.count_request(columns, codes, 1);
    }

    /// A journal entry of `columns` with the finding codes `codes`, deleted.
    pub(crate) fn request_gone(&mut self, columns: [&str; 4], codes: &[&str]) {
        self.count_request(columns, codes, -1);
    }

    fn count_request(&mut self, columns: [&str; 4], codes: &[&str], by: i64) {
        let key = columns.map(str::to_string);
        for &code in codes {
            *self
                .findings
                .entry((code.to_string(), key.clone()))
                .or_default() += by;
        }
        *self.journal.entry(key).or_default() += by;
    }

    /// The transaction rolled back: what it wrote is gone.
    pub(crate) fn clear(&mut self) {
        *self = Pending::default();
    }

    fn is_empty(&self) -> bool {
        self.messages.is_empty()
            && self.deliveries.is_empty()
            && self.journal.is_empty()
            && self.findings.is_empty()
    }
}

/// Each table of counts with the upsert that adds a JSON array of rows (its key columns, then
/// the number to add) to it: one statement, prepared once, for any number of rows.
const UPSERTS: [&str; 4] = [
    "INSERT INTO message_counts (kind, cgid, app, api, n)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?1) WHERE 1
     ON CONFLICT DO UPDATE SET n = n + excluded.n",
    "INSERT INTO delivery_counts (user_id, kind, cgid, app, api, n)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
     FROM json_each(?1) WHERE 1
     ON CONFLICT DO UPDATE SET n = n + excluded.n",
    "INSERT INTO journal_counts (outcome, method, app, api, n)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?1) WHERE 1
     ON CONFLICT DO UPDATE SET n = n + excluded.n",
    "INSERT INTO journal_finding_counts (code, outcome, method, app, api, n)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
     FROM json_each(?1) WHERE 1
     ON CONFLICT DO UPDATE SET n = n + excluded.n",
];

impl Tx<'_> {
    /// Adds what the transaction's writes counted so far to the tables of counts. Called before
    /// every commit of the writer, and before anything that reads or changes the tables within
    /// a transaction.
    pub(crate) fn flush_counts(&self) -> Result<(), StoreError> {
        const CONTEXT: &str = "updating the counts";
        let pending = std::mem::take(&mut self.tallies.borrow_mut().counts);
        if pending.is_empty() {
            return Ok(());
        }
        let Pending {
            messages,
            deliveries,
            journal,
            findings,
        } = pending;
        let rows = |rows: Vec<serde_json::Value>| serde_json::Value::from(rows).to_string();
        let keyed = |map: HashMap<[String; 4], i64>| {
            rows(
                map.into_iter()
                    .map(|([a, b, c, d], n)| serde_json::json!([a, b, c, d, n]))
                    .collect(),
            )
        };
        let tables = [
            keyed(messages),
            rows(
                deliveries
                    .into_iter()
                    .map(|((user, [a, b, c, d]), n)| serde_json::json!([user, a, b, c, d, n]))
                    .collect(),
            ),
            keyed(journal),
            rows(
                findings
                    .into_iter()
                    .map(|((code, [a, b, c, d]), n)| serde_json::json!([code, a, b, c, d, n]))
                    .collect(),
            ),
        ];
        for (sql, rows) in UPSERTS.iter().zip(tables) {
            if rows == "[]" {
                continue;
            }
            self.conn
                .prepare_cached(sql)
                .context(CONTEXT)?
                .execute([rows])
                .context(CONTEXT)?;
        }
        Ok(())
    }
}
