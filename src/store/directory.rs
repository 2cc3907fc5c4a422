//! The organisation in the store: users, chats, memberships and applications, their seeding from
//! fixtures, and the reset back to them.

use super::{Context, Directory, StoreError, Tx};
use crate::domain::{App, Chat, ChatType, User};
use crate::fixtures::Fixtures;
use rusqlite::{params, OptionalExtension, Row};

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

    /// Writes the fixtures into an empty organisation.
    pub fn seed(&self, fixtures: &Fixtures) -> Result<(), StoreError> {
        self.memo.borrow_mut().forget();
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
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('seeded', '1')",
                [],
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
                 DELETE FROM chat_members; DELETE FROM chats; DELETE FROM users; DELETE FROM apps;
                 DELETE FROM meta; DELETE FROM sqlite_sequence;",
            )
            .context("emptying the database")?;
        self.memo.borrow_mut().forget();
        self.seed(fixtures)
    }

    /// The directory of users and applications, loaded once into the store thread's memo.
    fn with_directory<T>(&self, read: impl FnOnce(&Directory) -> T) -> Result<T, StoreError> {
        if self.memo.borrow().directory.is_none() {
            let users = self.all_users()?;
            let apps = self.apps()?;
            let directory = Directory {
                by_account: users.iter().map(|u| (u.account.clone(), u.id)).collect(),
                users: users.into_iter().map(|u| (u.id, u)).collect(),
                apps: apps.into_iter().map(|a| (a.code.clone(), a)).collect(),
            };
            self.memo.borrow_mut().directory = Some(directory);
        }
        let memo = self.memo.borrow();
        Ok(read(memo.directory.as_ref().expect("loaded above")))
    }

    /// The application with this code.
    pub fn app(&self, code: &str) -> Result<Option<App>, StoreError> {
        self.with_directory(|d| d.apps.get(code).cloned())
    }

    /// Remembers the last timestamp accepted in time mode.
    pub fn set_called_time(&self, code: &str, timestamp: i64) -> Result<(), StoreError> {
        if let Some(app) = self
            .memo
            .borrow_mut()
            .directory
            .as_mut()
            .and_then(|d| d.apps.get_mut(code))
        {
            app.called_time = timestamp;
        }
        let mut stmt = self
            .conn
            .prepare_cached("UPDATE apps SET called_time = ?2 WHERE code = ?1")
            .context("updating an application's called time")?;
        stmt.execute(params![code, timestamp])
            .context("updating an application's called time")?;
        Ok(())
    }

    pub fn user_by_account(&self, account: &str) -> Result<Option<User>, StoreError> {
        self.with_directory(|d| {
            d.by_account
                .get(account)
                .and_then(|id| d.users.get(id))
                .cloned()
        })
    }

    /// Users with these ids, ascending by id, each once.
    pub fn users_with_ids(&self, ids: &[i64]) -> Result<Vec<User>, StoreError> {
        self.with_directory(|d| {
            let mut found: Vec<User> = ids
                .iter()
                .filter_map(|id| d.users.get(id).cloned())
                .collect();
            found.sort_by_key(|u| u.id);
            found.dedup_by_key(|u| u.id);
            found
        })
    }

    /// Users with these accounts, ascending by id, each once.
    pub fn users_with_accounts(&self, accounts: &[String]) -> Result<Vec<User>, StoreError> {
        self.with_directory(|d| {
            let mut found: Vec<User> = accounts
                .iter()
                .filter_map(|a| d.by_account.get(a).and_then(|id| d.users.get(id)).cloned())
                .collect();
            found.sort_by_key(|u| u.id);
            found.dedup_by_key(|u| u.id);
            found
        })
    }

    /// Every user that is not deleted, ascending by id.
    pub fn active_users(&self) -> Result<Vec<User>, StoreError> {
        self.users_where(
            "reading active users",
            "WHERE u.deleted = 0 ORDER BY u.id",
            [],
        )
    }

    /// Every user, ascending by id.
    pub fn all_users(&self) -> Result<Vec<User>, StoreError> {
        self.users_where("reading users", "ORDER BY u.id", [])
    }

    /// Current (not quit) members of the chat `gid`, ascending by id; deleted users included.
    pub fn chat_members(&self, gid: &str) -> Result<Vec<User>, StoreError> {
        self.users_where(
            "reading a chat's members",
            "JOIN chat_members m ON m.user_id = u.id JOIN chats c ON c.id = m.chat_id
             WHERE c.gid = ?1 AND m.quit = 0 ORDER BY u.id",
            [gid],
        )
    }

    /// Users who are current members of at least one chat of any type, ascending by id.
    pub fn users_in_any_chat(&self) -> Result<Vec<User>, StoreError> {
        self.users_where(
            "reading chat members",
            "WHERE EXISTS (SELECT 1 FROM chat_members m WHERE m.user_id = u.id AND m.quit = 0) ORDER BY u.id",
            [],
        )
    }

    /// The chat `gid`.
    pub fn chat(&self, gid: &str) -> Result<Option<Chat>, StoreError> {
        const CONTEXT: &str = "reading a chat";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT gid, name, type, dismissed, archived FROM chats WHERE gid = ?1")
            .context(CONTEXT)?;
        stmt.query_row([gid], chat_from).optional().context(CONTEXT)
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
