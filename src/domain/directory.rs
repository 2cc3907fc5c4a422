//! The directory: the organisation as one immutable, in-memory value (users, chats with their
//! members, applications), which the emulated API decides from without touching the store.
//!
//! The store builds it from SQL after every committed change to the organisation and publishes it
//! as a whole; a request takes the current one (an `Arc`) and reads it without a lock for as long as
//! it decides. Lookups answer in the order the real server's queries do: users by ascending id, chats
//! in fixture order.

use super::{App, Chat, ChatType, User};
use std::collections::HashMap;
use std::sync::Arc;

/// A chat with its current (not quit) members, ascending by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryChat {
    pub chat: Chat,
    pub members: Vec<i64>,
}

/// The organisation a request is decided against. Cheap to clone: the users and chats are shared.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    people: Arc<People>,
    apps: Arc<HashMap<String, App>>,
}

/// Users and chats, with the indexes the four methods need.
#[derive(Debug, Default)]
struct People {
    /// Ascending by id.
    users: Vec<User>,
    position: HashMap<i64, usize>,
    by_account: HashMap<String, usize>,
    /// In fixture order.
    chats: Vec<DirectoryChat>,
    by_gid: HashMap<String, usize>,
    /// Users who are current members of at least one chat, ascending by id.
    in_any_chat: Vec<i64>,
}

impl Directory {
    /// The directory of these users, chats (in fixture order, with current members) and applications.
    pub fn new(mut users: Vec<User>, chats: Vec<DirectoryChat>, apps: Vec<App>) -> Self {
        users.sort_by_key(|u| u.id);
        let position = users.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let by_account = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.account.clone(), i))
            .collect();
        let by_gid = chats
            .iter()
            .enumerate()
            .map(|(i, c)| (c.chat.gid.clone(), i))
            .collect();
        let mut in_any_chat: Vec<i64> = chats
            .iter()
            .flat_map(|c| c.members.iter().copied())
            .collect();
        in_any_chat.sort_unstable();
        in_any_chat.dedup();
        Directory {
            people: Arc::new(People {
                users,
                position,
                by_account,
                chats,
                by_gid,
                in_any_chat,
            }),
            apps: Arc::new(apps.into_iter().map(|a| (a.code.clone(), a)).collect()),
        }
    }

    /// The same users and chats with these applications (after a time-mode call moved one's clock).
    pub fn with_apps(&self, apps: Vec<App>) -> Self {
        Directory {
            people: self.people.clone(),
            apps: Arc::new(apps.into_iter().map(|a| (a.code.clone(), a)).collect()),
        }
    }

    /// The application with this code.
    pub fn app(&self, code: &str) -> Option<&App> {
        self.apps.get(code)
    }

    pub fn user(&self, id: i64) -> Option<&User> {
        self.people
            .position
            .get(&id)
            .map(|&i| &self.people.users[i])
    }

    pub fn user_by_account(&self, account: &str) -> Option<&User> {
        self.people
            .by_account
            .get(account)
            .map(|&i| &self.people.users[i])
    }

    /// Every user, ascending by id.
    pub fn users(&self) -> &[User] {
        &self.people.users
    }

    /// Users with these ids, ascending by id, each once.
    pub fn users_with_ids(&self, ids: &[i64]) -> Vec<User> {
        self.collect(ids.iter().filter_map(|id| self.user(*id)))
    }

    /// Users with these accounts, ascending by id, each once.
    pub fn users_with_accounts(&self, accounts: &[String]) -> Vec<User> {
        self.collect(accounts.iter().filter_map(|a| self.user_by_account(a)))
    }

    /// Every user that is not deleted, ascending by id.
    pub fn active_users(&self) -> Vec<User> {
        self.people
            .users
            .iter()
            .filter(|u| !u.deleted)
            .cloned()
            .collect()
    }

    /// The chat `gid`.
    pub fn chat(&self, gid: &str) -> Option<&Chat> {
        self.chat_entry(gid).map(|c| &c.chat)
    }

    /// Every chat, in fixture order.
    pub fn chats(&self) -> impl Iterator<Item = &Chat> {
        self.people.chats.iter().map(|c| &c.chat)
    }

    /// Group chats that are not dismissed, in fixture order: what `getGroupChats` lists.
    pub fn open_groups(&self) -> impl Iterator<Item = &Chat> {
        self.chats()
            .filter(|c| c.chat_type == ChatType::Group && !c.dismissed)
    }

    /// Current (not quit) members of the chat `gid`, ascending by id; deleted users included.
    pub fn chat_members(&self, gid: &str) -> Vec<User> {
        match self.chat_entry(gid) {
            Some(chat) => self.collect(chat.members.iter().filter_map(|id| self.user(*id))),
            None => Vec::new(),
        }
    }

    /// Users who are current members of at least one chat of any type, ascending by id.
    pub fn users_in_any_chat(&self) -> Vec<User> {
        self.collect(
            self.people
                .in_any_chat
                .iter()
                .filter_map(|id| self.user(*id)),
        )
    }

    fn chat_entry(&self, gid: &str) -> Option<&DirectoryChat> {
        self.people.by_gid.get(gid).map(|&i| &self.people.chats[i])
    }

    fn collect<'a>(&self, users: impl Iterator<Item = &'a User>) -> Vec<User> {
        let mut found: Vec<User> = users.cloned().collect();
        found.sort_by_key(|u| u.id);
        found.dedup_by_key(|u| u.id);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, account: &str, deleted: bool) -> User {
        User {
            id,
            account: account.into(),
            realname: account.to_uppercase(),
            avatar: String::new(),
            deleted,
            admin: "no".into(),
        }
    }

    fn chat(gid: &str, chat_type: ChatType, dismissed: bool, members: &[i64]) -> DirectoryChat {
        DirectoryChat {
            chat: Chat {
                gid: gid.into(),
                name: gid.into(),
                chat_type,
                dismissed,
                archived: false,
            },
            members: members.to_vec(),
        }
    }

    fn directory() -> Directory {
        Directory::new(
            vec![
                user(4, "lisi", false),
                user(1, "admin", false),
                user(9, "gone", true),
            ],
            vec![
                chat("g2", ChatType::Group, false, &[4, 1]),
                chat("o", ChatType::One2one, false, &[9]),
                chat("g1", ChatType::Group, true, &[1]),
            ],
            Vec::new(),
        )
    }

    fn ids(users: &[User]) -> Vec<i64> {
        users.iter().map(|u| u.id).collect()
    }

    #[test]
    fn lookups_answer_in_the_servers_order() {
        let d = directory();
        assert_eq!(ids(d.users()), [1, 4, 9]);
        assert_eq!(ids(&d.users_with_ids(&[9, 4, 4, 77])), [4, 9]);
        assert_eq!(
            ids(&d.users_with_accounts(&["lisi".into(), "admin".into(), "nobody".into()])),
            [1, 4]
        );
        assert_eq!(ids(&d.active_users()), [1, 4]);
        assert_eq!(ids(&d.chat_members("g2")), [1, 4]);
        assert!(d.chat_members("unknown").is_empty());
        assert_eq!(ids(&d.users_in_any_chat()), [1, 4, 9]);
        let open: Vec<&str> = d.open_groups().map(|c| c.gid.as_str()).collect();
        assert_eq!(open, ["g2"]);
    }
}
