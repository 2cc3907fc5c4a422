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

/// A notification filter in SQL: the tables to read, the column of the message's seq, and the
/// conditions with their arguments (the first `index_only` of them read only `recipients`).
struct Selection {
    recipient: Option<i64>,
    from: &'static str,
    seq: &'static str,
    index_only: usize,
    clauses: Vec<String>,
    args: Vec<SqlValue>,
}

/// The condition on `seq` (the messages' seq) that their title contains `title`, with its
/// arguments: one list of seqs, so that the query is driven by it. The trigram index holds the
/// titles up to `message_titles_upto` (see [`Tx::index_titles`]); the messages above it, at most a
/// fraction of a second's worth, are read directly, their title as the index would hold it (what
/// `json_extract` reads of readable `data`).
fn title_clause(seq: &str, title: &str) -> (String, [SqlValue; 2]) {
    let (indexed, pattern) = title_condition(title);
    (
        format!(
            "{seq} IN ({indexed} UNION ALL SELECT seq FROM messages
              WHERE seq > (SELECT upto FROM message_titles_upto)
                AND CASE WHEN json_valid(data, 2) THEN instr(json_extract(data, '$.title'), ?) > 0 END)"
        ),
        [pattern.into(), title.to_string().into()],
    )
}

/// The SQL that selects the seqs of the indexed messages whose title contains `title`, with its
/// argument. Three characters or more are looked up in the trigram index (a phrase of the
/// pattern's trigrams, which matches exactly where the pattern occurs); shorter ones, which have
/// no trigram, are searched for in every indexed title, as is one with a NUL character.
fn title_condition(title: &str) -> (&'static str, String) {
    if title.chars().count() >= 3 && !title.contains('\0') {
        (
            "SELECT rowid FROM message_titles WHERE message_titles MATCH ?",
            format!("title:\"{}\"", title.replace('"', "\"\"")),
        )
    } else {
        (
            "SELECT rowid FROM message_titles WHERE instr(title, ?) > 0",
            title.to_string(),
        )
    }
}

/// Where the number of notifications a filter matches can be read from `message_counts` instead
/// of counted: its condition and arguments. Only for equalities on the columns it counts by: not
/// with a recipient, a title or `after`.
fn counted(filter: &NotificationFilter) -> Option<(String, Vec<SqlValue>)> {
    if filter.user.is_some() || filter.title.is_some() || filter.after.is_some() {
        return None;
    }
    let mut clauses: Vec<&str> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
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
    if clauses.is_empty() {
        return Some(("1".into(), args));
    }
    Some((clauses.join(" AND "), args))
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
        self.conn
            .prepare_cached(
                "INSERT INTO message_counts (kind, cgid, app, api, n) VALUES (?1, ?2, ?3, ?4, 1)
                 ON CONFLICT DO UPDATE SET n = n + 1",
            )
            .context(CONTEXT)?
            .execute(params![
                message.kind.as_str(),
                message.cgid,
                message.app,
                message.api.as_str()
            ])
            .context(CONTEXT)?;
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
            let added = &mut tallies.added;
            added.messages += 1;
            // One delivery per user, as `INSERT OR IGNORE` stores them.
            let mut users: Vec<i64> = message.recipients.iter().map(|r| r.id).collect();
            users.sort_unstable();
            users.dedup();
            added.deliveries.extend(users);
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

    /// Adds the titles of the messages written since the last call to the trigram index, in one
    /// statement: the index grows by one segment for them all, where a segment per commit made
    /// every write pay for the index. Answers how many titles it added.
    pub(super) fn index_titles(&self) -> Result<usize, StoreError> {
        const CONTEXT: &str = "indexing titles";
        let added = self
            .conn
            .prepare_cached(
                "INSERT INTO message_titles (rowid, title)
                 SELECT seq, json_extract(data, '$.title') FROM messages
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
        let (from, seq) = match recipient {
            Some(_) => (
                "recipients r JOIN messages m ON m.seq = r.message_seq",
                "r.message_seq",
            ),
            None => ("messages m", "m.seq"),
        };
        let mut clauses: Vec<String> = Vec::new();
        let mut args: Vec<SqlValue> = Vec::new();
        if let Some(id) = recipient {
            clauses.push("r.user_id = ?".into());
            args.push(id.into());
        }
        if let Some(after) = filter.after {
            clauses.push(format!("{seq} > ?"));
            args.push(after.into());
        }
        let index_only = clauses.len();
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
        if let Some(title) = &filter.title {
            let (clause, title_args) = title_clause(seq, title);
            clauses.push(clause);
            args.extend(title_args);
        }
        match filter.api {
            None => {}
            // Literals, not parameters: the partial index of the direct API's rows needs them.
            Some(Api::Xxd) => clauses.push("m.api = 'xxd'".into()),
            Some(Api::XPhp) => clauses.push("m.api <> 'xxd'".into()),
        }
        Ok(Some(Selection {
            recipient,
            from,
            seq,
            index_only,
            clauses,
            args,
        }))
    }

    /// The notifications matching `filter`: how many match in all, and the page asked for.
    pub fn notifications(
        &self,
        filter: &NotificationFilter,
    ) -> Result<(usize, Vec<Notification>), StoreError> {
        const CONTEXT: &str = "listing notifications";
        let Some(Selection {
            recipient,
            from,
            seq,
            index_only,
            clauses,
            args,
        }) = self.selection(filter)?
        else {
            return Ok((0, Vec::new()));
        };
        let condition = if clauses.is_empty() {
            "1".to_string()
        } else {
            clauses.join(" AND ")
        };
        let count_sql = if recipient.is_some() && clauses.len() == index_only {
            format!("SELECT count(*) FROM recipients r WHERE {condition}")
        } else {
            format!("SELECT count(*) FROM {from} WHERE {condition}")
        };
        // With no filter but the recipient, a read may know the total without counting; with
        // equalities only (or none), it comes from the table of counts.
        let cacheable = clauses.len() == usize::from(recipient.is_some());
        let snapshot = self.snapshot.filter(|_| cacheable);
        let cached = snapshot.and_then(|s| s.total(recipient));
        let counted = match (cached, counted(filter)) {
            (None, Some((condition, args))) => Some(
                self.conn
                    .prepare_cached(&format!(
                        "SELECT coalesce(sum(n), 0) FROM message_counts WHERE {condition}"
                    ))
                    .context(CONTEXT)?
                    .query_row(params_from_iter(args.iter()), |r| r.get(0))
                    .context(CONTEXT)?,
            ),
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
        let total: i64 = match cached.or(counted).or(after_only) {
            Some(total) => total,
            None => {
                let mut stmt = self.conn.prepare_cached(&count_sql).context(CONTEXT)?;
                let total = stmt
                    .query_row(params_from_iter(args.iter()), |r| r.get(0))
                    .context(CONTEXT)?;
                if let Some(snapshot) = snapshot {
                    snapshot.remember(recipient, total);
                }
                total
            }
        };
        let order = if filter.descending { "DESC" } else { "ASC" };
        let items = self.read_messages(
            &format!(
                "FROM {from} WHERE {condition} ORDER BY {seq} {order} LIMIT {}",
                filter.limit
            ),
            &args,
        )?;
        Ok((usize::try_from(total).unwrap_or(0), items))
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
        self.tallies.borrow_mut().forget();
        if filter.matches_everything() {
            // Unfiltered deletes let SQLite truncate the tables rather than delete row by row.
            let deleted = self
                .conn
                .execute("DELETE FROM messages", [])
                .context(CONTEXT)?;
            self.conn
                .execute_batch(
                    "DELETE FROM recipients; DELETE FROM message_counts; DELETE FROM message_titles;
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
        let condition = selection.clauses.join(" AND ");
        let doomed: Vec<(i64, String)> = {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT {}, m.cgid FROM {} WHERE {condition}",
                    selection.seq, selection.from
                ))
                .context(CONTEXT)?;
            let rows = stmt
                .query_map(params_from_iter(selection.args.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .context(CONTEXT)?;
            rows.collect::<Result<_, _>>().context(CONTEXT)?
        };
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
        let placeholders = vec!["?"; seqs.len()].join(",");
        let statements = [
            format!(
                "INSERT INTO message_counts (kind, cgid, app, api, n)
                 SELECT kind, cgid, app, api, -count(*) FROM messages
                 WHERE seq IN ({placeholders}) GROUP BY 1, 2, 3, 4
                 ON CONFLICT DO UPDATE SET n = n + excluded.n"
            ),
            format!("DELETE FROM message_titles WHERE rowid IN ({placeholders})"),
            format!("DELETE FROM recipients WHERE message_seq IN ({placeholders})"),
            format!("DELETE FROM messages WHERE seq IN ({placeholders})"),
        ];
        for sql in &statements {
            self.conn
                .prepare_cached(sql)
                .context(CONTEXT)?
                .execute(params_from_iter(seqs))
                .context(CONTEXT)?;
        }
        self.conn
            .prepare_cached("DELETE FROM message_counts WHERE n = 0")
            .context(CONTEXT)?
            .execute([])
            .context(CONTEXT)?;
        Ok(())
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
