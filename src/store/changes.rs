//! Runtime changes to the organisation (users, chats, members, applications) from the inspection
//! API, and the whole state as it shows it.

use super::{Context, StoreError, Tx};
use crate::domain::{
    App, ChatPatch, ChatState, ChatUpsert, Notification, Removal, State, User, UserRef,
};
use crate::store::NotificationFilter;
use rusqlite::{params, OptionalExtension};

impl Tx<'_> {
    /// The whole organisation: users, chats with their memberships, applications.
    pub fn state(&self) -> Result<State, StoreError> {
        let mut chats = Vec::new();
        for chat in self.chats()? {
            let (members, quit) = self.memberships(&chat.gid)?;
            chats.push(ChatState {
                chat,
                members,
                quit,
            });
        }
        Ok(State {
            users: self.all_users()?,
            chats,
            apps: self.apps()?,
        })
    }

    /// Current members and former (quit) members of a chat, by id.
    fn memberships(&self, gid: &str) -> Result<(Vec<i64>, Vec<i64>), StoreError> {
        const CONTEXT: &str = "reading memberships";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT m.user_id, m.quit FROM chat_members m JOIN chats c ON c.id = m.chat_id
                 WHERE c.gid = ?1 ORDER BY m.user_id",
            )
            .context(CONTEXT)?;
        let rows = stmt
            .query_map([gid], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?)))
            .context(CONTEXT)?;
        let (mut members, mut quit) = (Vec::new(), Vec::new());
        for row in rows {
            let (id, has_quit) = row.context(CONTEXT)?;
            if has_quit {
                quit.push(id)
            } else {
                members.push(id)
            }
        }
        Ok((members, quit))
    }

    /// The id of a referenced user, or a rejection naming `field`.
    pub fn resolve(&self, user: &UserRef, field: &str) -> Result<i64, StoreError> {
        self.find_user(user)?
            .map(|u| u.id)
            .ok_or_else(|| StoreError::Rejected {
                field: field.to_string(),
                message: format!("there is no user with {user}"),
            })
    }

    /// The ids of referenced users, or a rejection naming `field`.
    fn resolve_all(&self, users: &[UserRef], field: &str) -> Result<Vec<i64>, StoreError> {
        users.iter().map(|u| self.resolve(u, field)).collect()
    }

    /// Adds users, or updates them by id.
    pub fn upsert_users(&self, users: &[User]) -> Result<(), StoreError> {
        self.organisation_changed();
        const CONTEXT: &str = "saving a user";
        for u in users {
            if let Some(other) = self
                .find_user(&UserRef::Account(u.account.to_string()))?
                .filter(|other| other.id != u.id)
            {
                return Err(StoreError::Rejected {
                    field: "account".into(),
                    message: format!(
                        "the account {:?} already belongs to user {}",
                        u.account, other.id
                    ),
                });
            }
            self.conn
                .prepare_cached(
                    "INSERT INTO users (id, account, realname, avatar, deleted, admin) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (id) DO UPDATE SET account = ?2, realname = ?3, avatar = ?4, deleted = ?5, admin = ?6",
                )
                .context(CONTEXT)?
                .execute(params![u.id, u.account, u.realname, u.avatar, u.deleted, u.admin])
                .context(CONTEXT)?;
        }
        Ok(())
    }

    /// Adds applications, or updates them by code.
    pub fn upsert_apps(&self, apps: &[App]) -> Result<(), StoreError> {
        self.organisation_changed();
        const CONTEXT: &str = "saving an application";
        for a in apps {
            self.conn
                .prepare_cached(
                    "INSERT INTO apps (code, key, ip, account) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (code) DO UPDATE SET key = ?2, ip = ?3, account = ?4",
                )
                .context(CONTEXT)?
                .execute(params![a.code, a.key, a.ip, a.account])
                .context(CONTEXT)?;
        }
        Ok(())
    }

    /// Adds a chat, or replaces one (its flags and all its memberships) by gid.
    pub fn upsert_chat(&self, chat: &ChatUpsert) -> Result<(), StoreError> {
        self.organisation_changed();
        const CONTEXT: &str = "saving a chat";
        let members = self.resolve_all(&chat.members, "members")?;
        let quit = self.resolve_all(&chat.quit, "quit")?;
        self.conn
            .prepare_cached(
                "INSERT INTO chats (gid, name, type, dismissed, archived) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (gid) DO UPDATE SET name = ?2, type = ?3, dismissed = ?4, archived = ?5",
            )
            .context(CONTEXT)?
            .execute(params![chat.gid, chat.name, chat.chat_type.as_str(), chat.dismissed, chat.archived])
            .context(CONTEXT)?;
        let chat_id = self
            .chat_id(&chat.gid)?
            .ok_or_else(|| StoreError::Invalid("the chat vanished".into()))?;
        self.conn
            .execute("DELETE FROM chat_members WHERE chat_id = ?1", [chat_id])
            .context(CONTEXT)?;
        for (ids, has_quit) in [(&members, false), (&quit, true)] {
            for id in ids {
                self.set_membership(chat_id, *id, Some(has_quit))?;
            }
        }
        Ok(())
    }

    /// Applies a partial change to the chat `gid`; `false` when there is no such chat.
    pub fn patch_chat(&self, gid: &str, patch: &ChatPatch) -> Result<bool, StoreError> {
        const CONTEXT: &str = "changing a chat";
        let Some(chat_id) = self.chat_id(gid)? else {
            return Ok(false);
        };
        self.organisation_changed();
        let add = self.resolve_all(&patch.add, "add")?;
        let remove = self.resolve_all(&patch.remove, "remove")?;
        let quit = self.resolve_all(&patch.quit, "quit")?;
        self.conn
            .prepare_cached(
                "UPDATE chats SET name = coalesce(?2, name), type = coalesce(?3, type),
                     dismissed = coalesce(?4, dismissed), archived = coalesce(?5, archived)
                 WHERE id = ?1",
            )
            .context(CONTEXT)?
            .execute(params![
                chat_id,
                patch.name,
                patch.chat_type.map(|t| t.as_str()),
                patch.dismissed,
                patch.archived
            ])
            .context(CONTEXT)?;
        for id in add {
            self.set_membership(chat_id, id, Some(false))?;
        }
        for id in quit {
            self.set_membership(chat_id, id, Some(true))?;
        }
        for id in remove {
            self.set_membership(chat_id, id, None)?;
        }
        Ok(true)
    }

    /// Removes a user (with their memberships), a chat (with its memberships) or an application;
    /// `false` when there was none. Stored messages and deliveries stay.
    pub fn remove(&self, removal: &Removal) -> Result<bool, StoreError> {
        const CONTEXT: &str = "removing from the organisation";
        let removed = match removal {
            Removal::User(id) => {
                self.conn
                    .execute("DELETE FROM chat_members WHERE user_id = ?1", [id])
                    .context(CONTEXT)?;
                self.conn
                    .execute("DELETE FROM users WHERE id = ?1", [id])
                    .context(CONTEXT)?
            }
            Removal::Group(gid) => match self.chat_id(gid)? {
                None => 0,
                Some(chat_id) => {
                    self.conn
                        .execute("DELETE FROM chat_members WHERE chat_id = ?1", [chat_id])
                        .context(CONTEXT)?;
                    self.conn
                        .execute("DELETE FROM chats WHERE id = ?1", [chat_id])
                        .context(CONTEXT)?
                }
            },
            Removal::App(code) => self
                .conn
                .execute("DELETE FROM apps WHERE code = ?1", [code])
                .context(CONTEXT)?,
        };
        if removed > 0 {
            self.organisation_changed();
        }
        Ok(removed > 0)
    }

    fn chat_id(&self, gid: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .prepare_cached("SELECT id FROM chats WHERE gid = ?1")
            .context("finding a chat")?
            .query_row([gid], |r| r.get(0))
            .optional()
            .context("finding a chat")
    }

    /// Makes `user` a member (`Some(false)`), a former member (`Some(true)`), or neither (`None`).
    fn set_membership(
        &self,
        chat_id: i64,
        user: i64,
        quit: Option<bool>,
    ) -> Result<(), StoreError> {
        const CONTEXT: &str = "changing a membership";
        match quit {
            Some(quit) => self
                .conn
                .prepare_cached("INSERT OR REPLACE INTO chat_members (chat_id, user_id, quit) VALUES (?1, ?2, ?3)")
                .context(CONTEXT)?
                .execute(params![chat_id, user, quit]),
            None => self
                .conn
                .prepare_cached("DELETE FROM chat_members WHERE chat_id = ?1 AND user_id = ?2")
                .context(CONTEXT)?
                .execute(params![chat_id, user]),
        }
        .context(CONTEXT)?;
        Ok(())
    }

    /// One notification by its `seq`.
    pub fn notification(&self, seq: i64) -> Result<Option<Notification>, StoreError> {
        let filter = NotificationFilter {
            after: Some(seq - 1),
            limit: 1,
            ..NotificationFilter::default()
        };
        Ok(self
            .notifications(&filter)?
            .1
            .into_iter()
            .find(|n| n.seq == seq))
    }
}
