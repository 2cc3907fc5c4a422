//! Stored messages and their recipients: written by accepted sends, read by the inspection API.

use super::{Context, StoreError, Tx};
use crate::domain::{MessageData, MessageKind, NewMessage, Notification, Recipient, UserRef};
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
    /// Only notifications with a greater `seq`.
    pub after: Option<i64>,
    pub limit: usize,
    pub descending: bool,
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
        let index = if message.cgid == "notification" {
            1
        } else {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT last_index FROM chats WHERE gid = ?1")
                .context(CONTEXT)?;
            let last: Option<i64> = stmt.query_row([&message.cgid], |r| r.get(0)).ok();
            last.unwrap_or(0) + 1
        };
        let data = serde_json::to_string(&message.data)
            .map_err(|e| StoreError::Invalid(format!("encoding a message's data: {e}")))?;
        let mut insert = self
            .conn
            .prepare_cached(
                "INSERT INTO messages (kind, cgid, idx, content, content_type, data, app, received_at, request_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .context(CONTEXT)?;
        insert
            .execute(params![
                message.kind.as_str(),
                message.cgid,
                index,
                message.content,
                message.content_type,
                data,
                message.app,
                received_at,
                request_seq
            ])
            .context(CONTEXT)?;
        let seq = self.conn.last_insert_rowid();
        // One statement per chunk of recipients, cached per chunk length.
        for chunk in message.recipients.chunks(400) {
            let rows = (0..chunk.len())
                .map(|i| format!("(?1, ?{})", i + 2))
                .collect::<Vec<_>>()
                .join(",");
            let mut deliver = self
                .conn
                .prepare_cached(&format!(
                    "INSERT OR IGNORE INTO recipients (message_seq, user_id) VALUES {rows}"
                ))
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
        }
        // The notification centre is no chat row: only real chats keep last-message fields.
        if message.cgid != "notification" {
            let mut last = self
                .conn
                .prepare_cached(
                    "UPDATE chats SET last_index = ?2, last_message = ?3 WHERE gid = ?1",
                )
                .context(CONTEXT)?;
            last.execute(params![message.cgid, index, seq])
                .context(CONTEXT)?;
        }
        Ok((seq, index))
    }

    /// The highest `seq` of a stored message (0 when there is none).
    pub fn last_message_seq(&self) -> Result<i64, StoreError> {
        self.conn
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM messages")
            .context("reading the last message")?
            .query_row([], |r| r.get(0))
            .context("reading the last message")
    }

    /// The notifications matching `filter`: how many match in all, and the page asked for.
    pub fn notifications(
        &self,
        filter: &NotificationFilter,
    ) -> Result<(usize, Vec<Notification>), StoreError> {
        const CONTEXT: &str = "listing notifications";
        // A user's deliveries are one range of the `recipients_by_user` index, so the user filter
        // drives the query from there; counting them alone never touches the messages.
        let recipient = match &filter.user {
            None => None,
            Some(user) => match user.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => match self.find_user(&UserRef::Account(user.clone()))? {
                    Some(found) => Some(found.id),
                    None => return Ok((0, Vec::new())),
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
            clauses.push("instr(json_extract(m.data, '$.title'), ?) > 0".into());
            args.push(title.clone().into());
        }
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
        // With no filter but the recipient, the total comes from the store thread's tallies.
        let cacheable = clauses.len() == usize::from(recipient.is_some());
        let cached = match (cacheable, recipient) {
            (true, Some(id)) => self.tallies.borrow().per_user.get(&id).copied(),
            (true, None) => self.tallies.borrow().all,
            _ => None,
        };
        let total: i64 = match cached {
            Some(total) => total,
            None => {
                let mut stmt = self.conn.prepare_cached(&count_sql).context(CONTEXT)?;
                let total = stmt
                    .query_row(params_from_iter(args.iter()), |r| r.get(0))
                    .context(CONTEXT)?;
                if cacheable {
                    let mut tallies = self.tallies.borrow_mut();
                    match recipient {
                        Some(id) => {
                            tallies.per_user.insert(id, total);
                        }
                        None => tallies.all = Some(total),
                    }
                }
                total
            }
        };
        let order = if filter.descending { "DESC" } else { "ASC" };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT m.seq, m.kind, m.cgid, m.idx, m.content, m.content_type, m.data, m.app, m.received_at, m.request_seq
                 FROM {from} WHERE {condition} ORDER BY {seq} {order} LIMIT {}",
                filter.limit
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
            ) = row.context(CONTEXT)?;
            let data: MessageData = serde_json::from_str(&data).unwrap_or_default();
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
                app,
                received_at,
                request_seq,
            });
        }
        let seqs: Vec<i64> = items.iter().map(|n| n.seq).collect();
        let mut recipients = self.recipients(&seqs)?;
        for item in &mut items {
            item.recipients = recipients.remove(&item.seq).unwrap_or_default();
        }
        Ok((usize::try_from(total).unwrap_or(0), items))
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
