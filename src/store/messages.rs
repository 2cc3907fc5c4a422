//! Stored messages and their recipients: written by accepted sends, read by the inspection API.
//!
//! Beside each message, its title in a trigram index (`message_titles`, which the `title` filter
//! reads) and the counts of messages by kind, chat, application and API (`message_counts`), from
//! which the total of a filter made of those equalities is read instead of counted. Every write and
//! delete here keeps them exact.

use super::{Context, Sides, StoreError, Tx};
use crate::domain::{Api, MessageData, MessageKind, NewMessage, Notification, Recipient, UserRef};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter};
use std::collections::HashMap;

/// Which notifications to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotificationFilter {
    /// A recipient's id or account.
    pub user: Option<String>,
    pub gid: Option<String>,
    pub kind: Option<MessageKind>,
    pub app: Option<String>,
    /// A substring of the title.
    pub title: Option<String>,
    /// The API the send came through.
    pub api: Option<Api>,
    /// Only notifications with a greater `seq`.
    pub after: Option<i64>,
    pub limit: usize,
    pub descending: bool,
}

impl NotificationFilter {
    /// Whether it matches every notification (its page size and order aside).
    pub fn matches_everything(&self) -> bool {
        let NotificationFilter {
            user,
            gid,
            kind,
            app,
            title,
            api,
            after,
            limit: _,
            descending: _,
        } = self;
        user.is_none()
            && gid.is_none()
            && kind.is_none()
            && app.is_none()
            && title.is_none()
            && api.is_none()
            && after.is_none()
    }
}

impl NotificationFilter {
    /// The filter as the parameters of `/__inspect/notifications` name it (its page size and
    /// order aside), in that order.
    pub fn parameters(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut parameters = serde_json::Map::new();
        let texts = [
            ("user", &self.user),
            ("gid", &self.gid),
            ("kind", &self.kind.map(|k| k.as_str().to_string())),
            ("app", &self.app),
            ("title", &self.title),
            ("api", &self.api.map(|a| a.as_str().to_string())),
        ];
        for (name, value) in texts {
            if let Some(value) = value {
                parameters.insert(name.into(), value.clone().into());
            }
        }
        if let Some(after) = self.after {
            parameters.insert("after".into(), after.into());
        }
        parameters
    }
}

/// How many matches a total counts at most when it has to count them one by one (a filter with
/// `title`, or `after` with another filter): past it, `total` is this number and a lower bound
/// (as Elasticsearch's `track_total_hits` has it). The largest page: whatever a total says exactly,
/// one page can list. Every other total is exact at any size. Counting costs the rows read to
/// find this many matches: a title a tenth of whose matches have a user and an application reads
/// 10,000 of them, which at a million rows takes a few milliseconds, where 10,000 matches took
/// hundreds.
pub const TOTAL_BOUND: usize = 1_000;

/// How many notifications a filter matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Total {
    pub count: usize,
    /// False when the count stopped at [`TOTAL_BOUND`]: there are at least `count`.
    pub exact: bool,
}

/// The character two of which end every title in the trigram index, so that each character of a
/// title begins a trigram (the last two begin `x\u{1}\u{1}` and `xy\u{1}`): a substring of one or
/// two characters is then found among the trigrams that begin with it. A pattern that holds it
/// (or NUL) is looked for in every title instead.
const TITLE_END: char = '\u{1}';

/// One way to the matching notifications: the tables to read, the column of the message's seq,
/// and the conditions with their arguments. A filter is one branch, or with `title` two: the
/// indexed titles, and those not indexed yet.
struct Branch {
    from: String,
    seq: &'static str,
    clauses: Vec<String>,
    args: Vec<SqlValue>,
}

impl Branch {
    fn condition(&self) -> String {
        if self.clauses.is_empty() {
            "1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

/// A notification filter in SQL: its branches, and the recipient it names.
struct Selection {
    recipient: Option<i64>,
    branches: Vec<Branch>,
}

/// How the `title` filter reads the titles.
enum TitleSearch {
    /// An FTS5 query of the trigram index (the titles up to `message_titles_upto`).
    Index(String),
    /// No indexed title can hold it: only the titles not indexed yet are read.
    Unindexed,
    /// Every title is read (a pattern holding NUL or [`TITLE_END`]).
    Scan,
}

/// Where the number of notifications a filter matches can be read from a table of counts
/// instead of counted: its table, condition and arguments. Only for equalities on the columns
/// they count by (with a recipient, `delivery_counts`): not with a title or `after`.
fn counted(
    filter: &NotificationFilter,
    recipient: Option<i64>,
) -> Option<(&'static str, String, Vec<SqlValue>)> {
    if filter.title.is_some() || filter.after.is_some() {
        return None;
    }
    let mut clauses: Vec<&str> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(id) = recipient {
        clauses.push("user_id = ?");
        args.push(id.into());
    }
    if let Some(gid) = &filter.gid {
        clauses.push("cgid = ?");
        args.push(gid.clone().into());
    }
    if let Some(kind) = filter.kind {
        clauses.push("kind = ?");
        args.push(kind.as_str().to_string().into());
    }
    if let Some(app) = &filter.app {
        clauses.push("app = ?");
        args.push(app.clone().into());
    }
    match filter.api {
        None => {}
        Some(Api::Xxd) => clauses.push("api = 'xxd'"),
        Some(Api::XPhp) => clauses.push("api <> 'xxd'"),
    }
    let table = match recipient {
        Some(_) => "delivery_counts",
        None => "message_counts",
    };
    if clauses.is_empty() {
        return Some((table, "1".into(), args));
    }
    Some((table, clauses.join(" AND "), args))
}

/// An FTS5 query string that matches any of `terms`.
fn any_of<'a>(terms: impl IntoIterator<Item = &'a str>) -> String {
    terms
        .into_iter()
        .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The most recipients one `INSERT` writes.
const RECIPIENTS_PER_INSERT: usize = 400;

thread_local! {
    /// The text of the recipients' `INSERT` by how many rows it writes, made once: the statement
    /// cache finds a statement by its text, and the store's thread writes every message.
    static RECIPIENTS_SQL: std::cell::RefCell<std::collections::HashMap<usize, String>> =
        std::cell::RefCell::default();
}

impl Tx<'_> {
    /// Stores an accepted send the way the real server does: the message with the chat's next
    /// index, one waiting delivery per recipient, and the chat's last-message fields. Answers the
    /// message's `seq` and index.
    pub(super) fn insert_message(
        &self,
        message: &NewMessage,
        request_seq: i64,
        received_at: &str,
    ) -> Result<(i64, i64), StoreError> {
        const CONTEXT: &str = "storing a message";
        // The chat was found in the decision (under the server's collation), so its row is read by
        // its own gid: a gid written in another case continues the chat's index.
        let index = match &message.chat {
            None => 1,
            Some(gid) => {
                let mut stmt = self
                    .conn
                    .prepare_cached("SELECT last_index FROM chats WHERE gid = ?1")
                    .context(CONTEXT)?;
                let last: Option<i64> = stmt.query_row([gid], |r| r.get(0)).ok();
                last.unwrap_or(0) + 1
            }
        };
        let mut insert = self
            .conn
            .prepare_cached(
                "INSERT INTO messages (kind, cgid, idx, content, content_type, data, app, received_at, request_seq, api)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .context(CONTEXT)?;
        insert
            .execute(params![
                message.kind.as_str(),
                message.cgid,
                index,
                message.content,
                message.content_type,
                message.data_json,
                message.app,
                received_at,
                request_seq,
                message.api.as_str()
            ])
            .context(CONTEXT)?;
        let seq = self.conn.last_insert_rowid();
        // The title reaches the trigram index later, with others (`index_titles`).
        // One statement per chunk of recipients, cached per chunk length.
        for chunk in message.recipients.chunks(RECIPIENTS_PER_INSERT) {
            let mut deliver = RECIPIENTS_SQL
                .with_borrow_mut(|made| {
                    let sql = made.entry(chunk.len()).or_insert_with(|| {
                        let rows = (0..chunk.len())
                            .map(|i| format!("(?1, ?{})", i + 2))
                            .collect::<Vec<_>>()
                            .join(",");
                        format!(
                            "INSERT OR IGNORE INTO recipients (message_seq, user_id) VALUES {rows}"
                        )
                    });
                    self.conn.prepare_cached(sql)
                })
                .context(CONTEXT)?;
            let args = std::iter::once(seq).chain(chunk.iter().map(|r| r.id));
            deliver
                .execute(rusqlite::params_from_iter(args))
                .context(CONTEXT)?;
        }
        {
            let mut tallies = self.tallies.borrow_mut();
            if let Some(all) = &mut tallies.all {
                *all += 1;
            }
            for user in &message.recipients {
                if let Some(n) = tallies.per_user.get_mut(&user.id) {
                    *n += 1;
                }
            }
            tallies.added.messages += 1;
            // One delivery per user, as `INSERT OR IGNORE` stores them.
            let mut users: Vec<i64> = message.recipients.iter().map(|r| r.id).collect();
            users.sort_unstable();
            users.dedup();
            tallies.counts.message(
                [
                    message.kind.as_str(),
                    &message.cgid,
                    &message.app,
                    message.api.as_str(),
                ],
                &users,
            );
            tallies.added.deliveries.extend(users);
        }
        // The notification centre is no chat row: only real chats keep last-message fields.
        if let Some(gid) = &message.chat {
            let mut last = self
                .conn
                .prepare_cached(
                    "UPDATE chats SET last_index = ?2, last_message = ?3 WHERE gid = ?1",
                )
                .context(CONTEXT)?;
            last.execute(params![gid, index, seq]).context(CONTEXT)?;
        }
        Ok((seq, index))
    }

    /// Adds the titles of the messages written since the last call to the trigram index (each
    /// followed by two [`TITLE_END`]), in one statement: the index grows by one segment for them all, where a segment per commit made
    /// every write pay for the index. Answers how many titles it added.
    pub(super) fn index_titles(&self) -> Result<usize, StoreError> {
        const CONTEXT: &str = "indexing titles";
        let added = self
            .conn
            .prepare_cached(
                "INSERT INTO message_titles (rowid, title)
                 SELECT seq, json_extract(data, '$.title') || char(1, 1) FROM messages
                 WHERE seq > (SELECT upto FROM message_titles_upto)
                   AND json_valid(data, 2) AND json_extract(data, '$.title') IS NOT NULL",
            )
            .context(CONTEXT)?
            .execute([])
            .context(CONTEXT)?;
        self.conn
            .prepare_cached(
                "UPDATE message_titles_upto SET upto = (SELECT coalesce(max(seq), upto) FROM messages)",
            )
            .context(CONTEXT)?
            .execute([])
            .context(CONTEXT)?;
        Ok(added)
    }

    /// The highest `seq` of a stored message (0 when there is none).
    pub fn last_message_seq(&self) -> Result<i64, StoreError> {
        self.conn
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM messages")
            .context("reading the last message")?
            .query_row([], |r| r.get(0))
            .context("reading the last message")
    }

    /// Where the notifications matching `filter` are, in SQL; `None` when nothing can match (a
    /// recipient account that names nobody).
    fn selection(&self, filter: &NotificationFilter) -> Result<Option<Selection>, StoreError> {
        // A user's deliveries are one range of the `recipients_by_user` index, so the user filter
        // drives the query from there; counting them alone never touches the messages.
        let recipient = match &filter.user {
            None => None,
            Some(user) => match user.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => match self.find_user(&UserRef::Account(user.clone()))? {
                    Some(found) => Some(found.id),
                    None => return Ok(None),
                },
            },
        };
        let Some(title) = &filter.title else {
            let (from, seq) = match recipient {
                Some(_) => (
                    "recipients r JOIN messages m ON m.seq = r.message_seq",
                    "r.message_seq",
                ),
                None => ("messages m", "m.seq"),
            };
            let branch = self.branch(filter, recipient, from.into(), seq, Vec::new(), Vec::new());
            return Ok(Some(Selection {
                recipient,
                branches: vec![branch],
            }));
        };
        // The messages' own columns are read only when a condition names them: a title alone is
        // answered from the index.
        let equalities = filter.gid.is_some()
            || filter.kind.is_some()
            || filter.app.is_some()
            || filter.api.is_some();
        // The index's matches, or the few titles above it, drive the query (`CROSS JOIN` keeps
        // them first): reading a user's deliveries first and looking up the title of each would
        // read them all. A scan is left to the planner.
        let joined = |first: &str, seq: &str, join: &str| {
            let mut from = first.to_string();
            if equalities && first != "messages m" {
                from += &format!(" {join} messages m ON m.seq = {seq}");
            }
            if recipient.is_some() {
                from += &format!(" {join} recipients r ON r.message_seq = {seq}");
            }
            from
        };
        // What `json_extract` reads of readable `data`, as the index holds it (without its end).
        let scanned = "CASE WHEN json_valid(m.data, 2) THEN instr(json_extract(m.data, '$.title'), ?) > 0 END";
        let mut branches = Vec::new();
        let unindexed = match self.title_search(title)? {
            TitleSearch::Scan => {
                branches.push(self.branch(
                    filter,
                    recipient,
                    joined("messages m", "m.seq", "JOIN"),
                    "m.seq",
                    vec![scanned.into()],
                    vec![title.clone().into()],
                ));
                return Ok(Some(Selection {
                    recipient,
                    branches,
                }));
            }
            TitleSearch::Unindexed => true,
            TitleSearch::Index(query) => {
                branches.push(self.branch(
                    filter,
                    recipient,
                    joined("message_titles t", "t.rowid", "CROSS JOIN"),
                    "t.rowid",
                    vec!["message_titles MATCH ?".into()],
                    vec![query.into()],
                ));
                true
            }
        };
        if unindexed {
            // The messages above the index, at most a fraction of a second's worth, read directly.
            branches.push(self.branch(
                filter,
                recipient,
                joined("messages m", "m.seq", "CROSS JOIN"),
                "m.seq",
                vec![
                    "m.seq > (SELECT upto FROM message_titles_upto)".into(),
                    scanned.into(),
                ],
                vec![title.clone().into()],
            ));
        }
        Ok(Some(Selection {
            recipient,
            branches,
        }))
    }

    /// How the trigram index answers a title substring. Three characters or more are a phrase of
    /// their trigrams, which matches exactly where the pattern occurs; one or two are any of the
    /// indexed trigrams that begin with them (read from `message_title_trigrams`, in order), since
    /// every character of an indexed title begins one.
    fn title_search(&self, title: &str) -> Result<TitleSearch, StoreError> {
        const CONTEXT: &str = "reading the title index";
        if title.contains(['\0', TITLE_END]) {
            return Ok(TitleSearch::Scan);
        }
        if title.chars().count() >= 3 {
            return Ok(TitleSearch::Index(any_of([title])));
        }
        // The trigrams are three characters: the last one that begins with `title` is at most
        // `title` followed by the greatest characters. (The vocabulary reads each term's list of
        // titles to count them, so its range stops there, not at the first term after it.)
        let last: String = title
            .chars()
            .chain(std::iter::repeat(char::MAX))
            .take(3)
            .collect();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT term FROM message_title_trigrams WHERE term >= ?1 AND term <= ?2",
            )
            .context(CONTEXT)?;
        let mut rows = stmt.query([title, &last]).context(CONTEXT)?;
        let mut terms = Vec::new();
        while let Some(row) = rows.next().context(CONTEXT)? {
            let term: String = row.get(0).context(CONTEXT)?;
            if !term.starts_with(title) {
                break;
            }
            terms.push(term);
        }
        if terms.is_empty() {
            return Ok(TitleSearch::Unindexed);
        }
        Ok(TitleSearch::Index(any_of(terms.iter().map(String::as_str))))
    }

    /// A branch reading `from` (which names the messages `m` if the filter has an equality, and the
    /// deliveries `r` if it has a recipient) under the conditions `clauses` and the filter's others.
    fn branch(
        &self,
        filter: &NotificationFilter,
        recipient: Option<i64>,
        from: String,
        seq: &'static str,
        mut clauses: Vec<String>,
        mut args: Vec<SqlValue>,
    ) -> Branch {
        if let Some(id) = recipient {
            clauses.push("r.user_id = ?".into());
            args.push(id.into());
        }
        if let Some(after) = filter.after {
            clauses.push(format!("{seq} > ?"));
            args.push(after.into());
        }
        if let Some(gid) = &filter.gid {
            clauses.push("m.cgid = ?".into());
            args.push(gid.clone().into());
        }
        if let Some(kind) = filter.kind {
            clauses.push("m.kind = ?".into());
            args.push(kind.as_str().to_string().into());
        }
        if let Some(app) = &filter.app {
            clauses.push("m.app = ?".into());
            args.push(app.clone().into());
        }
        match filter.api {
            None => {}
            // Literals, not parameters: the partial index of the direct API's rows needs them.
            Some(Api::Xxd) => clauses.push("m.api = 'xxd'".into()),
            Some(Api::XPhp) => clauses.push("m.api <> 'xxd'".into()),
        }
        Branch {
            from,
            seq,
            clauses,
            args,
        }
    }

    /// The notifications matching `filter`: how many match in all, and the page asked for.
    pub fn notifications(
        &self,
        filter: &NotificationFilter,
    ) -> Result<(usize, Vec<Notification>), StoreError> {
        self.notifications_counted(filter)
            .map(|(total, items)| (total.count, items))
    }

    /// [`Tx::notifications`], saying whether the total is exact. It is, read from the tables of
    /// counts, for any combination of equalities (`user` included) and for `after` alone; a filter
    /// with `title`, or `after` with another filter, counts its matches up to [`TOTAL_BOUND`].
    pub fn notifications_counted(
        &self,
        filter: &NotificationFilter,
    ) -> Result<(Total, Vec<Notification>), StoreError> {
        self.notifications_within(filter, TOTAL_BOUND)
    }

    /// [`Tx::notifications_counted`] for a wait for `count` matches: a total counted one by one
    /// goes up to `count` when that is past [`TOTAL_BOUND`], so that whether there are `count`
    /// matches is always known.
    pub fn notifications_at_least(
        &self,
        filter: &NotificationFilter,
        count: usize,
    ) -> Result<(Total, Vec<Notification>), StoreError> {
        self.notifications_within(filter, count.max(TOTAL_BOUND))
    }

    /// [`Tx::notifications_counted`], counting one by one up to `bound`.
    pub(super) fn notifications_within(
        &self,
        filter: &NotificationFilter,
        bound: usize,
    ) -> Result<(Total, Vec<Notification>), StoreError> {
        const CONTEXT: &str = "listing notifications";
        if self.snapshot.is_none() {
            self.flush_counts()?;
        }
        if let Some(found) = self.dense_title(filter, bound)? {
            return Ok(found);
        }
        let Some(Selection {
            recipient,
            branches,
        }) = self.selection(filter)?
        else {
            return Ok((
                Total {
                    count: 0,
                    exact: true,
                },
                Vec::new(),
            ));
        };
        // With no filter but the recipient, or none, a read may know the total without counting.
        let cacheable = filter.matches_everything()
            || (recipient.is_some()
                && NotificationFilter {
                    user: None,
                    ..filter.clone()
                }
                .matches_everything());
        let snapshot = self.snapshot.filter(|_| cacheable);
        let cached = snapshot.and_then(|s| s.total(recipient));
        let counted = match (cached, counted(filter, recipient)) {
            (None, Some((table, condition, args))) => {
                let total = self
                    .conn
                    .prepare_cached(&format!(
                        "SELECT coalesce(sum(n), 0) FROM {table} WHERE {condition}"
                    ))
                    .context(CONTEXT)?
                    .query_row(params_from_iter(args.iter()), |r| r.get(0))
                    .context(CONTEXT)?;
                if let Some(snapshot) = snapshot {
                    snapshot.remember(recipient, total);
                }
                Some(total)
            }
            _ => None,
        };
        let after_only = match filter {
            NotificationFilter {
                user: None,
                gid: None,
                kind: None,
                app: None,
                title: None,
                api: None,
                after: Some(after),
                ..
            } => Some(self.messages_after(*after)?),
            _ => None,
        };
        let total = match cached.or(counted).or(after_only) {
            Some(total) => Total {
                count: usize::try_from(total).unwrap_or(0),
                exact: true,
            },
            None => self.count_up_to(&branches, bound)?,
        };
        if total.count == 0 && total.exact {
            return Ok((total, Vec::new()));
        }
        let order = if filter.descending { "DESC" } else { "ASC" };
        let limit = filter.limit;
        let items = match branches.as_slice() {
            [branch] if branch.from.contains("messages m") => self.read_messages(
                &format!(
                    "FROM {} WHERE {} ORDER BY {} {order} LIMIT {limit}",
                    branch.from,
                    branch.condition(),
                    branch.seq
                ),
                &branch.args,
            )?,
            // Each branch's page, in its own order (an FTS5 query reads the index in rowid
            // order, and stops at the page's end), then the page of them all.
            _ => {
                let pages: Vec<String> = branches
                    .iter()
                    .map(|b| {
                        format!(
                            "SELECT seq FROM (SELECT {seq} AS seq FROM {} WHERE {} ORDER BY {seq} {order} LIMIT {limit})",
                            b.from,
                            b.condition(),
                            seq = b.seq
                        )
                    })
                    .collect();
                let args: Vec<SqlValue> = branches.iter().flat_map(|b| b.args.clone()).collect();
                self.read_messages(
                    &format!(
                        "FROM messages m WHERE m.seq IN ({}) ORDER BY m.seq {order} LIMIT {limit}",
                        pages.join(" UNION ALL ")
                    ),
                    &args,
                )?
            }
        };
        Ok((total, items))
    }

    /// A title of one or two characters that many titles hold, answered by reading the messages
    /// the rest of the filter selects, in the page's order: when the first rows hold more matches
    /// than `bound` (and a page), the total is `bound`, at least, and the page is theirs. Listing
    /// the trigrams that begin with such a title reads every title that holds it (the vocabulary
    /// counts each term's titles), which for a digit is most of them; here an eighth of the rows
    /// read must match. `None` when they do not: the index answers.
    fn dense_title(
        &self,
        filter: &NotificationFilter,
        bound: usize,
    ) -> Result<Option<(Total, Vec<Notification>)>, StoreError> {
        const CONTEXT: &str = "listing notifications";
        let Some(title) = &filter.title else {
            return Ok(None);
        };
        if title.chars().count() >= 3 {
            return Ok(None);
        }
        let rest = NotificationFilter {
            title: None,
            ..filter.clone()
        };
        let Some(Selection { branches, .. }) = self.selection(&rest)? else {
            return Ok(None);
        };
        let [branch] = branches.as_slice() else {
            return Ok(None);
        };
        let wanted = (bound + 1).max(filter.limit);
        let order = if filter.descending { "DESC" } else { "ASC" };
        // The title as `json_extract` reads it of readable `data`, as the scan and the index do.
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {seq}, CASE WHEN json_valid(m.data, 2)
                     THEN instr(json_extract(m.data, '$.title'), ?) > 0 END
                 FROM {} WHERE {} ORDER BY {seq} {order} LIMIT ?",
                branch.from,
                branch.condition(),
                seq = branch.seq
            ))
            .context(CONTEXT)?;
        let rows = i64::try_from(wanted.saturating_mul(8)).unwrap_or(i64::MAX);
        let args = std::iter::once(SqlValue::from(title.clone()))
            .chain(branch.args.iter().cloned())
            .chain([rows.into()]);
        let mut read = stmt.query(params_from_iter(args)).context(CONTEXT)?;
        let mut found: Vec<i64> = Vec::with_capacity(wanted);
        while let Some(row) = read.next().context(CONTEXT)? {
            if row.get::<_, Option<bool>>(1).context(CONTEXT)? == Some(true) {
                found.push(row.get(0).context(CONTEXT)?);
                if found.len() == wanted {
                    break;
                }
            }
        }
        if found.len() < wanted {
            return Ok(None);
        }
        found.truncate(filter.limit);
        let seqs = serde_json::Value::from(found).to_string();
        let items = self.read_messages(
            &format!(
                "FROM messages m WHERE m.seq IN (SELECT value FROM json_each(?)) ORDER BY m.seq {order}"
            ),
            &[seqs.into()],
        )?;
        Ok(Some((
            Total {
                count: bound,
                exact: false,
            },
            items,
        )))
    }

    /// How many notifications the branches select, counted one by one up to `bound`.
    fn count_up_to(&self, branches: &[Branch], bound: usize) -> Result<Total, StoreError> {
        const CONTEXT: &str = "counting notifications";
        let mut count = 0;
        for branch in branches {
            // The deliveries of one recipient, after a seq, are counted on their index alone.
            let from = if branch.seq == "r.message_seq"
                && branch.clauses.iter().all(|c| c.starts_with("r."))
            {
                "recipients r"
            } else {
                &branch.from
            };
            let left = i64::try_from(bound + 1 - count).unwrap_or(i64::MAX);
            let args = branch.args.iter().cloned().chain([left.into()]);
            let n: i64 = self
                .conn
                .prepare_cached(&format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {} LIMIT ?)",
                    branch.condition()
                ))
                .context(CONTEXT)?
                .query_row(params_from_iter(args), |r| r.get(0))
                .context(CONTEXT)?;
            count += usize::try_from(n).unwrap_or(0);
            if count > bound {
                return Ok(Total {
                    count: bound,
                    exact: false,
                });
            }
        }
        Ok(Total { count, exact: true })
    }

    /// How many messages come after `after` (see [`Tx::count_after`]), through the narrow index
    /// `messages_by_kind`, whose two kinds hold every message.
    fn messages_after(&self, after: i64) -> Result<i64, StoreError> {
        self.count_after(
            &Sides {
                table: "messages",
                index: "messages_by_kind",
                every_row: "kind IN ('notification', 'chat')",
                counts: "message_counts",
                context: "counting notifications",
            },
            after,
        )
    }

    /// The notifications the journal entries `requests` stored (at most one each), by the entry's
    /// seq.
    pub fn notifications_stored_by(
        &self,
        requests: &[i64],
    ) -> Result<HashMap<i64, Notification>, StoreError> {
        let mut found = HashMap::with_capacity(requests.len());
        for chunk in requests.chunks(500) {
            let placeholders = vec!["?"; chunk.len()].join(",");
            let args: Vec<SqlValue> = chunk.iter().map(|&seq| seq.into()).collect();
            let sql = format!("FROM messages m WHERE m.request_seq IN ({placeholders})");
            for notification in self.read_messages(&sql, &args)? {
                found.insert(notification.request_seq, notification);
            }
        }
        Ok(found)
    }

    /// The messages `SELECT ... {tail}` reads, with their recipients; `tail` names the messages
    /// table `m`.
    fn read_messages(
        &self,
        tail: &str,
        args: &[SqlValue],
    ) -> Result<Vec<Notification>, StoreError> {
        const CONTEXT: &str = "reading notifications";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT m.seq, m.kind, m.cgid, m.idx, m.content, m.content_type, m.data, m.app, m.received_at, m.request_seq, m.api
                 {tail}"
            ))
            .context(CONTEXT)?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |row| {
                let kind: String = row.get(1)?;
                let data: String = row.get(6)?;
                Ok((
                    row.get::<_, i64>(0)?,
                    kind,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    data,
                    row.get::<_, String>(7)?,
                    row.get::<_, String>(8)?,
                    row.get::<_, i64>(9)?,
                    row.get::<_, String>(10)?,
                ))
            })
            .context(CONTEXT)?;
        let mut items = Vec::new();
        for row in rows {
            let (
                seq,
                kind,
                cgid,
                index,
                content,
                content_type,
                data,
                app,
                received_at,
                request_seq,
                api,
            ) = row.context(CONTEXT)?;
            let data = MessageData::read(&data);
            items.push(Notification {
                seq,
                kind: MessageKind::parse(&kind).unwrap_or(MessageKind::Notification),
                cgid,
                index,
                title: data.title.0,
                subtitle: data.subtitle.0,
                content,
                content_type,
                url: data.url.0,
                actions: data.actions.0,
                sender: data.sender.0,
                recipients: Vec::new(),
                app: app.into(),
                api: api.parse().unwrap_or_default(),
                received_at,
                request_seq,
            });
        }
        let seqs: Vec<i64> = items.iter().map(|n| n.seq).collect();
        let mut recipients = self.recipients(&seqs)?;
        for item in &mut items {
            item.recipients = recipients.remove(&item.seq).unwrap_or_default();
        }
        Ok(items)
    }

    /// Deletes the notifications `filter` lists (every page; its limit and order aside), with
    /// their deliveries; answers how many. A chat's last-message fields then name its latest
    /// remaining message, so its next message takes the index after that one. The journal stays.
    pub fn delete_notifications(&self, filter: &NotificationFilter) -> Result<usize, StoreError> {
        const CONTEXT: &str = "deleting notifications";
        self.flush_counts()?;
        self.tallies.borrow_mut().forget();
        if filter.matches_everything() {
            // Unfiltered deletes let SQLite truncate the tables rather than delete row by row.
            let deleted = self
                .conn
                .execute("DELETE FROM messages", [])
                .context(CONTEXT)?;
            self.conn
                .execute_batch(
                    "DELETE FROM recipients; DELETE FROM message_counts; DELETE FROM delivery_counts;
                     DELETE FROM message_titles;
                     UPDATE message_titles_upto SET upto = 0;",
                )
                .context(CONTEXT)?;
            self.conn
                .execute("UPDATE chats SET last_index = 0, last_message = NULL", [])
                .context(CONTEXT)?;
            return Ok(deleted);
        }
        let Some(selection) = self.selection(filter)? else {
            return Ok(0);
        };
        let mut doomed: Vec<(i64, String)> = Vec::new();
        for branch in &selection.branches {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT m.seq, m.cgid FROM messages m WHERE m.seq IN (SELECT {} FROM {} WHERE {})",
                    branch.seq,
                    branch.from,
                    branch.condition()
                ))
                .context(CONTEXT)?;
            let rows = stmt
                .query_map(params_from_iter(branch.args.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .context(CONTEXT)?;
            for row in rows {
                doomed.push(row.context(CONTEXT)?);
            }
        }
        for chunk in doomed.chunks(500) {
            let seqs: Vec<i64> = chunk.iter().map(|(seq, _)| *seq).collect();
            self.delete_messages(&seqs)?;
        }
        let chats: std::collections::BTreeSet<&str> = doomed
            .iter()
            .map(|(_, cgid)| cgid.as_str())
            .filter(|cgid| *cgid != "notification")
            .collect();
        let mut last = self
            .conn
            .prepare_cached(
                "UPDATE chats SET
                     last_index = coalesce((SELECT idx FROM messages WHERE cgid = ?1 ORDER BY seq DESC LIMIT 1), 0),
                     last_message = (SELECT max(seq) FROM messages WHERE cgid = ?1)
                 WHERE gid = ?1",
            )
            .context(CONTEXT)?;
        for gid in chats {
            last.execute([gid]).context(CONTEXT)?;
        }
        Ok(doomed.len())
    }

    /// Deletes the messages `seqs` (at most 500) with their deliveries and titles, and takes them
    /// off the counts. The tallies and the chats' last-message fields are the caller's.
    pub(super) fn delete_messages(&self, seqs: &[i64]) -> Result<(), StoreError> {
        const CONTEXT: &str = "deleting notifications";
        self.flush_counts()?;
        let placeholders = vec!["?"; seqs.len()].join(",");
        let statements = [
            format!(
                "INSERT INTO message_counts (kind, cgid, app, api, n)
                 SELECT kind, cgid, app, api, -count(*) FROM messages
                 WHERE seq IN ({placeholders}) GROUP BY 1, 2, 3, 4
                 ON CONFLICT DO UPDATE SET n = n + excluded.n"
            ),
            format!(
                "INSERT INTO delivery_counts (user_id, kind, cgid, app, api, n)
                 SELECT r.user_id, m.kind, m.cgid, m.app, m.api, -count(*)
                 FROM messages m JOIN recipients r ON r.message_seq = m.seq
                 WHERE m.seq IN ({placeholders}) GROUP BY 1, 2, 3, 4, 5
                 ON CONFLICT DO UPDATE SET n = n + excluded.n"
            ),
            format!("DELETE FROM message_titles WHERE rowid IN ({placeholders})"),
            format!("DELETE FROM recipients WHERE message_seq IN ({placeholders})"),
            format!("DELETE FROM messages WHERE seq IN ({placeholders})"),
        ];
        self.execute_each(&statements, params_from_iter(seqs), CONTEXT)?;
        self.drop_empty_message_counts(CONTEXT)
    }

    /// Removes the keys of the messages' tables of counts that no message has any more:
    /// `delivery_counts` through its partial index of the rows at 0 (it is not read whole);
    /// `message_counts` holds a few rows per application and chat.
    pub(super) fn drop_empty_message_counts(
        &self,
        context: &'static str,
    ) -> Result<(), StoreError> {
        self.execute_each(
            &[
                "DELETE FROM message_counts WHERE n = 0",
                "DELETE FROM delivery_counts WHERE n = 0",
            ],
            [],
            context,
        )
        .map(drop)
    }

    /// The recipients of a page of messages, in one statement per 500 messages.
    fn recipients(&self, seqs: &[i64]) -> Result<HashMap<i64, Vec<Recipient>>, StoreError> {
        const CONTEXT: &str = "listing recipients";
        let mut found: HashMap<i64, Vec<Recipient>> = HashMap::with_capacity(seqs.len());
        for chunk in seqs.chunks(500) {
            let placeholders = vec!["?"; chunk.len()].join(",");
            let mut stmt = self
                .conn
                .prepare_cached(&format!(
                    "SELECT r.message_seq, r.user_id, coalesce(u.account, ''), coalesce(u.realname, '')
                     FROM recipients r LEFT JOIN users u ON u.id = r.user_id
                     WHERE r.message_seq IN ({placeholders}) ORDER BY r.message_seq, r.user_id"
                ))
                .context(CONTEXT)?;
            let rows = stmt
                .query_map(params_from_iter(chunk), |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        Recipient {
                            id: row.get(1)?,
                            account: row.get(2)?,
                            realname: row.get(3)?,
                        },
                    ))
                })
                .context(CONTEXT)?;
            for row in rows {
                let (seq, recipient) = row.context(CONTEXT)?;
                found.entry(seq).or_default().push(recipient);
            }
        }
        Ok(found)
    }
}
