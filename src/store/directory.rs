//! The organisation in the store: users, chats, memberships and applications, their seeding from
//! fixtures (with a fingerprint of them, so a database is never silently kept with other
//! fixtures), and the resets back to them: whole, or of one application's traffic.

use super::{Context, JournalFilter, NotificationFilter, StoreError, Tx};
use crate::domain::{App, Chat, ChatType, Directory, DirectoryChat, User, UserRef};
use crate::fixtures::Fixtures;
use rusqlite::{params, OptionalExtension, Row};
use std::collections::HashMap;

const USER_COLUMNS: &str = "u.id, u.account, u.realname, u.avatar, u.deleted, u.admin";

fn user_from(row: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        account: row.get(1)?,
        realname: row.get(2)?,
        avatar: row.get(3)?,
        deleted: row.get(4)?,
        admin: row.get(5)?,
    })
}

fn chat_from(row: &Row) -> rusqlite::Result<Chat> {
    let chat_type: String = row.get(2)?;
    Ok(Chat {
        gid: row.get(0)?,
        name: row.get(1)?,
        chat_type: chat_type.parse().unwrap_or(ChatType::Group),
        dismissed: row.get(3)?,
        archived: row.get(4)?,
    })
}

fn app_from(row: &Row) -> rusqlite::Result<App> {
    Ok(App {
        code: row.get(0)?,
        key: row.get(1)?,
        ip: row.get(2)?,
        account: row.get(3)?,
        called_time: row.get(4)?,
    })
}

impl Tx<'_> {
    fn users_where(
        &self,
        context: &'static str,
        sql_tail: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u {sql_tail}");
        let mut stmt = self.conn.prepare_cached(&sql).context(context)?;
        let rows = stmt.query_map(args, user_from).context(context)?;
        rows.collect::<Result<_, _>>().context(context)
    }

    /// Whether the database has been seeded (a file reopened keeps its data).
    pub fn is_seeded(&self) -> Result<bool, StoreError> {
        self.conn
            .query_row("SELECT 1 FROM meta WHERE key = 'seeded'", [], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
            .context("reading the seed marker")
    }

    /// The fingerprint of the fixtures the database was seeded with (see
    /// [`Fixtures::fingerprint`]); `None` when it was seeded before fingerprints were kept.
    pub fn seeded_fingerprint(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'fixtures'", [], |r| {
                r.get(0)
            })
            .optional()
            .context("reading the fixtures' fingerprint")
    }

    /// Writes the fixtures into an empty organisation, with their fingerprint.
    pub fn seed(&self, fixtures: &Fixtures) -> Result<(), StoreError> {
        self.tallies.borrow_mut().forget();
        self.organisation_changed();
        const CONTEXT: &str = "seeding the fixtures";
        let mut users = self
            .conn
            .prepare_cached("INSERT INTO users (id, account, realname, avatar, deleted, admin) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .context(CONTEXT)?;
        for u in &fixtures.users {
            users
                .execute(params![
                    u.id, u.account, u.realname, u.avatar, u.deleted, u.admin
                ])
                .context(CONTEXT)?;
        }
        let mut chats = self
            .conn
            .prepare_cached("INSERT INTO chats (gid, name, type, dismissed, archived) VALUES (?1, ?2, ?3, ?4, ?5)")
            .context(CONTEXT)?;
        let mut members = self
            .conn
            .prepare_cached(
                "INSERT OR REPLACE INTO chat_members (chat_id, user_id, quit) VALUES (?1, ?2, ?3)",
            )
            .context(CONTEXT)?;
        for c in &fixtures.chats {
            let chat = &c.chat;
            chats
                .execute(params![
                    chat.gid,
                    chat.name,
                    chat.chat_type.as_str(),
                    chat.dismissed,
                    chat.archived
                ])
                .context(CONTEXT)?;
            let chat_id = self.conn.last_insert_rowid();
            for user in &c.members {
                members
                    .execute(params![chat_id, user, false])
                    .context(CONTEXT)?;
            }
            for user in &c.quit {
                members
                    .execute(params![chat_id, user, true])
                    .context(CONTEXT)?;
            }
        }
        let mut apps = self
            .conn
            .prepare_cached("INSERT INTO apps (code, key, ip, account, called_time) VALUES (?1, ?2, ?3, ?4, ?5)")
            .context(CONTEXT)?;
        for a in &fixtures.apps {
            apps.execute(params![a.code, a.key, a.ip, a.account, a.called_time])
                .context(CONTEXT)?;
        }
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('seeded', '1'), ('fixtures', ?1)",
                [fixtures.fingerprint()],
            )
            .context(CONTEXT)?;
        Ok(())
    }

    /// Empties everything (organisation, messages, journal), restarts the sequences, and seeds the
    /// fixtures again.
    /// Unfiltered deletes let SQLite truncate each table rather than delete row by row.
    pub fn reset(&self, fixtures: &Fixtures) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "DELETE FROM recipients; DELETE FROM messages; DELETE FROM journal;
                 DELETE FROM journal_findings; DELETE FROM journal_counts;
                 DELETE FROM journal_finding_counts; DELETE FROM message_counts;
                 DELETE FROM message_titles; UPDATE message_titles_upto SET upto = 0;
                 DELETE FROM chat_members; DELETE FROM chats; DELETE FROM users; DELETE FROM apps;
                 DELETE FROM meta; DELETE FROM sqlite_sequence;",
            )
            .context("emptying the database")?;
        self.tallies.borrow_mut().forget();
        self.tallies.borrow_mut().restarted = true;
        self.seed(fixtures)
    }

    /// The application `code`, or a rejection of the field `app` naming the nearest code.
    pub fn require_app(&self, code: &str) -> Result<App, StoreError> {
        let mut apps = self.apps()?;
        if let Some(at) = apps.iter().position(|a| a.code == code) {
            return Ok(apps.swap_remove(at));
        }
        let nearest = crate::suggest::closest(
            code,
            apps.iter().map(|a| a.code.as_str()),
            crate::suggest::tolerance(code),
        );
        let hint = match nearest {
            Some(nearest) => format!("; did you mean {nearest:?}?"),
            None => String::new(),
        };
        Err(StoreError::Rejected {
            field: "app".into(),
            message: format!("there is no application {code:?}{hint}"),
        })
    }

    /// Forgets what the application `code` did, and nothing else: its notifications (with their
    /// deliveries) and journal entries are deleted and its time-mode clock goes back to
    /// `called_time`. The organisation and the sequences stay. Answers how many notifications and
    /// journal entries were deleted; an application the store does not hold is refused, with the
    /// nearest code.
    pub fn reset_app(&self, code: &str, called_time: i64) -> Result<(usize, usize), StoreError> {
        self.require_app(code)?;
        let notifications = self.delete_notifications(&NotificationFilter {
            app: Some(code.to_string()),
            ..NotificationFilter::default()
        })?;
        let requests = self.delete_journal(&JournalFilter {
            app: Some(code.to_string()),
            ..JournalFilter::default()
        })?;
        let moved = self
            .conn
            .prepare_cached(
                "UPDATE apps SET called_time = ?2 WHERE code = ?1 AND called_time != ?2",
            )
            .context("resetting an application's clock")?
            .execute(params![code, called_time])
            .context("resetting an application's clock")?;
        if moved > 0 {
            self.tallies.borrow_mut().clocks_moved = true;
        }
        Ok((notifications, requests))
    }

    /// The organisation as one value, for the emulated API to decide from.
    pub fn load_directory(&self) -> Result<Directory, StoreError> {
        const CONTEXT: &str = "reading current memberships";
        let mut chats: Vec<DirectoryChat> = self
            .chats()?
            .into_iter()
            .map(|chat| DirectoryChat {
                chat,
                members: Vec::new(),
            })
            .collect();
        let position: HashMap<String, usize> = chats
            .iter()
            .enumerate()
            .map(|(i, c)| (c.chat.gid.to_string(), i))
            .collect();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.gid, m.user_id FROM chat_members m JOIN chats c ON c.id = m.chat_id
                 WHERE m.quit = 0 ORDER BY c.id, m.user_id",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .context(CONTEXT)?;
        for row in rows {
            let (gid, user) = row.context(CONTEXT)?;
            if let Some(&i) = position.get(&gid) {
                chats[i].members.push(user);
            }
        }
        Ok(Directory::new(self.all_users()?, chats, self.apps()?))
    }

    /// Says that the organisation changed, so the store publishes a new directory once committed.
    pub(super) fn organisation_changed(&self) {
        self.tallies.borrow_mut().organisation_changed = true;
    }

    /// The user with this id or account, read from the table (a change in progress included).
    pub fn find_user(&self, user: &UserRef) -> Result<Option<User>, StoreError> {
        match user {
            UserRef::Id(id) => Ok(self
                .users_where("reading a user", "WHERE u.id = ?1", [id])?
                .pop()),
            UserRef::Account(account) => Ok(self
                .users_where("reading a user", "WHERE u.account = ?1", [account])?
                .pop()),
        }
    }

    /// Every user, ascending by id.
    pub fn all_users(&self) -> Result<Vec<User>, StoreError> {
        self.users_where("reading users", "ORDER BY u.id", [])
    }

    /// Every chat, in fixture order.
    pub fn chats(&self) -> Result<Vec<Chat>, StoreError> {
        const CONTEXT: &str = "reading chats";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT gid, name, type, dismissed, archived FROM chats ORDER BY id")
            .context(CONTEXT)?;
        let rows = stmt.query_map([], chat_from).context(CONTEXT)?;
        rows.collect::<Result<_, _>>().context(CONTEXT)
    }

    /// Every application, in fixture order.
    pub fn apps(&self) -> Result<Vec<App>, StoreError> {
        const CONTEXT: &str = "reading applications";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT code, key, ip, account, called_time FROM apps ORDER BY position",
            )
            .context(CONTEXT)?;
        let rows = stmt.query_map([], app_from).context(CONTEXT)?;
        rows.collect::<Result<_, _>>().context(CONTEXT)
    }
}
