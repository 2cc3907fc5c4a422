//! The request journal in the store: one row per request to the emulated API.
//!
//! Beside each row, the codes of its findings (`journal_findings`, which the `finding` filter reads)
//! and the counts of rows by outcome, method, application and API, and by finding code with them
//! (`journal_counts`, `journal_finding_counts`), from which the total of a filter made of
//! equalities is read instead of counted. Every write and delete here keeps them exact.

use super::{Context, Sides, StoreError, Tx};
use crate::domain::{Api, Finding, JournalEntry, JournalRecord, Outcome};
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
    /// The API the request came through.
    pub api: Option<Api>,
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
                     body_size, body_truncated, status, response, outcome, findings, duration_us, api)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
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
            record.api.as_str(),
        ])
        .context(CONTEXT)?;
        let seq = self.conn.last_insert_rowid();
        if let Some(n) = &mut self.tallies.borrow_mut().requests {
            *n += 1;
        }
        let mut codes: Vec<&str> = record.findings.iter().map(|f| f.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        for code in &codes {
            self.conn
                .prepare_cached("INSERT INTO journal_findings (seq, code) VALUES (?1, ?2)")
                .context(CONTEXT)?
                .execute(params![seq, code])
                .context(CONTEXT)?;
        }
        self.tallies.borrow_mut().counts.request(
            [
                record.outcome.as_str(),
                record.method.as_deref().unwrap_or(""),
                record.app.as_deref().unwrap_or(""),
                record.api.as_str(),
            ],
            &codes,
        );
        Ok(seq)
    }

    /// The journal entries matching `filter`: how many match in all, and the page asked for.
    pub fn journal(
        &self,
        filter: &JournalFilter,
    ) -> Result<(usize, Vec<JournalEntry>), StoreError> {
        const CONTEXT: &str = "reading the journal";
        if self.snapshot.is_none() {
            self.flush_counts()?;
        }
        let total: i64 = match counted(filter) {
            Some((table, condition, args)) => self
                .conn
                .prepare_cached(&format!(
                    "SELECT coalesce(sum(n), 0) FROM {table} WHERE {condition}"
                ))
                .context(CONTEXT)?
                .query_row(params_from_iter(args.iter()), |r| r.get(0))
                .context(CONTEXT)?,
            None => match only_after(filter) {
                Some(after) => self.journal_after(after)?,
                None => {
                    let (from, _, condition, args) = selection(filter);
                    self.conn
                        .prepare_cached(&format!("SELECT count(*) FROM {from} WHERE {condition}"))
                        .context(CONTEXT)?
                        .query_row(params_from_iter(args.iter()), |r| r.get(0))
                        .context(CONTEXT)?
                }
            },
        };
        let (from, seq, condition, args) = selection(filter);
        let order = if filter.descending { "DESC" } else { "ASC" };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT journal.seq, received_at, http_method, path, query, app, method, lang, client_ip, body,
                        body_size, body_truncated, status, response, outcome, findings, duration_us, api
                 FROM {from} WHERE {condition} ORDER BY {seq} {order} LIMIT {}",
                filter.limit
            ))
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |row| {
                let outcome: String = row.get(14)?;
                let findings: String = row.get(15)?;
                let api: String = row.get(17)?;
                let record = JournalRecord {
                    received_at: row.get(1)?,
                    http_method: row.get(2)?,
                    api: api.parse().unwrap_or_default(),
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

/// The tables a journal filter reads, the column of the entries' seq a listing orders by, and the
/// SQL condition, with its arguments. A finding code drives the query from the findings index
/// (`CROSS JOIN` keeps it first), whose order by seq then serves a page without sorting.
fn selection(filter: &JournalFilter) -> (&'static str, &'static str, String, Vec<SqlValue>) {
    let (mut clauses, mut args) = equalities(filter, "journal.");
    let (from, seq) = match &filter.finding {
        Some(code) => {
            clauses.insert(0, "f.code = ?".into());
            args.insert(0, code.clone().into());
            (
                "journal_findings f CROSS JOIN journal ON journal.seq = f.seq",
                "f.seq",
            )
        }
        None => ("journal", "journal.seq"),
    };
    if let Some(after) = filter.after {
        clauses.push(format!("{seq} > ?"));
        args.push(after.into());
    }
    (from, seq, conjunction(clauses), args)
}

/// `after`, when it is all the filter asks for.
fn only_after(filter: &JournalFilter) -> Option<i64> {
    let JournalFilter {
        outcome: None,
        method: None,
        app: None,
        finding: None,
        api: None,
        after: Some(after),
        ..
    } = filter
    else {
        return None;
    };
    Some(*after)
}

impl Tx<'_> {
    /// How many entries come after `after` (see [`Tx::count_after`]), through the narrow index
    /// `journal_by_outcome`, whose two outcomes hold every entry.
    fn journal_after(&self, after: i64) -> Result<i64, StoreError> {
        self.count_after(
            &Sides {
                table: "journal",
                index: "journal_by_outcome",
                every_row: "outcome IN ('accepted', 'rejected')",
                counts: "journal_counts",
                context: "counting the journal",
            },
            after,
        )
    }
}

/// The conditions on the columns `journal_counts` counts by, on the columns named with `prefix`.
fn equalities(filter: &JournalFilter, prefix: &str) -> (Vec<String>, Vec<SqlValue>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(outcome) = filter.outcome {
        clauses.push(format!("{prefix}outcome = ?"));
        args.push(outcome.as_str().to_string().into());
    }
    if let Some(method) = &filter.method {
        clauses.push(format!("{prefix}method = ?"));
        args.push(method.clone().into());
    }
    if let Some(app) = &filter.app {
        clauses.push(format!("{prefix}app = ?"));
        args.push(app.clone().into());
    }
    match filter.api {
        None => {}
        // Literals, not parameters: the partial index of the direct API's rows needs them.
        Some(Api::Xxd) => clauses.push(format!("{prefix}api = 'xxd'")),
        Some(Api::XPhp) => clauses.push(format!("{prefix}api <> 'xxd'")),
    }
    (clauses, args)
}

/// Where the number of entries a filter matches can be read from the tables of counts instead of
/// counted: the table, its condition and arguments. Not with `after` (the counts are not by seq),
/// nor with an empty method or app (the counts hold a missing one as the empty string).
fn counted(filter: &JournalFilter) -> Option<(&'static str, String, Vec<SqlValue>)> {
    let empty = |text: &Option<String>| text.as_deref() == Some("");
    if filter.after.is_some() || empty(&filter.method) || empty(&filter.app) {
        return None;
    }
    let (mut clauses, mut args) = equalities(filter, "");
    let table = match &filter.finding {
        Some(code) => {
            clauses.insert(0, "code = ?".into());
            args.insert(0, code.clone().into());
            "journal_finding_counts"
        }
        None => "journal_counts",
    };
    Some((table, conjunction(clauses), args))
}

fn conjunction(clauses: Vec<String>) -> String {
    if clauses.is_empty() {
        "1".to_string()
    } else {
        clauses.join(" AND ")
    }
}

impl Tx<'_> {
    /// Deletes the journal entries `filter` lists (every page; its limit and order aside);
    /// answers how many. The notifications they stored stay (their `request_seq` then names an
    /// entry that is gone).
    pub fn delete_journal(&self, filter: &JournalFilter) -> Result<usize, StoreError> {
        self.flush_counts()?;
        if *filter
            == (JournalFilter {
                limit: filter.limit,
                descending: filter.descending,
                ..JournalFilter::default()
            })
        {
            return self.delete_all_journal();
        }
        let (from, seq, condition, args) = selection(filter);
        self.delete_journal_where(
            &format!("SELECT {seq} FROM {from} WHERE {condition}"),
            &args,
        )
    }

    /// Empties the journal. Unfiltered deletes let SQLite truncate the tables rather than delete
    /// row by row.
    pub(super) fn delete_all_journal(&self) -> Result<usize, StoreError> {
        const CONTEXT: &str = "deleting journal entries";
        self.flush_counts()?;
        self.tallies.borrow_mut().requests = None;
        let deleted = self
            .conn
            .execute("DELETE FROM journal", [])
            .context(CONTEXT)?;
        self.conn
            .execute_batch(
                "DELETE FROM journal_findings; DELETE FROM journal_counts;
                 DELETE FROM journal_finding_counts;",
            )
            .context(CONTEXT)?;
        Ok(deleted)
    }

    /// Deletes the journal entries whose seqs `seqs` (a SELECT) answers, with their findings, and
    /// takes them off the counts; answers how many.
    pub(super) fn delete_journal_where(
        &self,
        seqs: &str,
        args: &[SqlValue],
    ) -> Result<usize, StoreError> {
        const CONTEXT: &str = "deleting journal entries";
        self.flush_counts()?;
        self.tallies.borrow_mut().requests = None;
        // The seqs are set aside first: the statements below change what `seqs` would answer.
        self.conn
            .prepare_cached("DELETE FROM temp.doomed")
            .context(CONTEXT)?
            .execute([])
            .context(CONTEXT)?;
        self.conn
            .prepare_cached(&format!("INSERT INTO temp.doomed (seq) {seqs}"))
            .context(CONTEXT)?
            .execute(params_from_iter(args.iter()))
            .context(CONTEXT)?;
        let deleted = self
            .conn
            .prepare_cached(
                "INSERT INTO journal_finding_counts (code, outcome, method, app, api, n)
                 SELECT f.code, j.outcome, ifnull(j.method, ''), ifnull(j.app, ''), j.api, -count(*)
                 FROM temp.doomed d JOIN journal j ON j.seq = d.seq JOIN journal_findings f ON f.seq = d.seq
                 WHERE true GROUP BY 1, 2, 3, 4, 5
                 ON CONFLICT DO UPDATE SET n = n + excluded.n",
            )
            .and_then(|mut s| s.execute([]))
            .and_then(|_| {
                self.conn.prepare_cached(
                    "INSERT INTO journal_counts (outcome, method, app, api, n)
                     SELECT j.outcome, ifnull(j.method, ''), ifnull(j.app, ''), j.api, -count(*)
                     FROM temp.doomed d JOIN journal j ON j.seq = d.seq
                     WHERE true GROUP BY 1, 2, 3, 4
                     ON CONFLICT DO UPDATE SET n = n + excluded.n",
                )
            })
            .and_then(|mut s| s.execute([]))
            .and_then(|_| {
                self.conn.prepare_cached(
                    "DELETE FROM journal_findings WHERE seq IN (SELECT seq FROM temp.doomed)",
                )
            })
            .and_then(|mut s| s.execute([]))
            .and_then(|_| {
                self.conn.prepare_cached(
                    "DELETE FROM journal WHERE seq IN (SELECT seq FROM temp.doomed)",
                )
            })
            .and_then(|mut s| s.execute([]))
            .context(CONTEXT)?;
        self.drop_empty_journal_counts(CONTEXT)?;
        Ok(deleted)
    }

    /// Removes the keys of the journal's tables of counts that no entry has any more.
    pub(super) fn drop_empty_journal_counts(
        &self,
        context: &'static str,
    ) -> Result<(), StoreError> {
        self.execute_each(
            &[
                "DELETE FROM journal_counts WHERE n = 0",
                "DELETE FROM journal_finding_counts WHERE n = 0",
            ],
            [],
            context,
        )
        .map(drop)
    }
}
