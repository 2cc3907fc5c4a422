//! The directory: the organisation as one immutable, in-memory value (users, chats with their
//! members, applications), which the emulated API decides from without touching the store.
//!
//! The store builds it from SQL after every committed change to the organisation and publishes it
//! as a whole; a request takes the current one (an `Arc`) and reads it without a lock for as long as
//! it decides. Lookups answer in the order the real server's queries do: users by ascending id, chats
//! in fixture order.
//!
//! Text lookups compare as the real server's MariaDB does (`utf8_general_ci`, PAD SPACE: case,
//! accents and trailing spaces do not matter), and stay one hash probe: accounts, gids and codes are
//! indexed by their [`CollationKey`], computed once when the directory is built, and a lookup
//! computes the key of the text it is given. The stored values' keys use `utf8mb4` weights, which
//! equal the `utf8` ones on every character a `utf8` column can hold.

use super::{App, Chat, ChatType, User};
use crate::mysql::CollationKey;
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
    apps: Arc<Apps>,
}

/// Users and chats, with the indexes the four methods need.
#[derive(Debug, Default)]
struct People {
    /// Ascending by id.
    users: Vec<User>,
    position: HashMap<i64, usize>,
    /// Every user whose account has the key, ascending by id. The real server's unique index
    /// allows one; fixtures may hold `Admin` and `admin`, and MySQL's `IN` would find both.
    by_account: HashMap<CollationKey, Vec<usize>>,
    /// In fixture order.
    chats: Vec<DirectoryChat>,
    /// The first chat in fixture order whose gid has the key.
    by_gid: HashMap<CollationKey, usize>,
    /// Users who are current members of at least one chat, ascending by id.
    in_any_chat: Vec<i64>,
}

/// Applications by the key of their code (the first in fixture order when two collide).
#[derive(Debug, Default)]
struct Apps {
    by_code: HashMap<CollationKey, App>,
}

impl Apps {
    fn new(apps: Vec<App>) -> Self {
        let mut by_code = HashMap::with_capacity(apps.len());
        for app in apps {
            by_code.entry(app.code.key()).or_insert(app);
        }
        Apps { by_code }
    }
}

impl Directory {
    /// The directory of these users, chats (in fixture order, with current members) and applications.
    pub fn new(mut users: Vec<User>, chats: Vec<DirectoryChat>, apps: Vec<App>) -> Self {
        users.sort_by_key(|u| u.id);
        let position = users.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let mut by_account: HashMap<CollationKey, Vec<usize>> = HashMap::with_capacity(users.len());
        for (i, u) in users.iter().enumerate() {
            by_account.entry(u.account.key()).or_default().push(i);
        }
        let mut by_gid = HashMap::with_capacity(chats.len());
        for (i, c) in chats.iter().enumerate() {
            by_gid.entry(c.chat.gid.key()).or_insert(i);
        }
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
            apps: Arc::new(Apps::new(apps)),
        }
    }

    /// The same users and chats with these applications (after a time-mode call moved one's clock).
    pub fn with_apps(&self, apps: Vec<App>) -> Self {
        Directory {
            people: self.people.clone(),
            apps: Arc::new(Apps::new(apps)),
        }
    }

    /// The application whose code has this key.
    pub fn app(&self, code: &CollationKey) -> Option<&App> {
        self.apps.by_code.get(code)
    }

    pub fn user(&self, id: i64) -> Option<&User> {
        self.people
            .position
            .get(&id)
            .map(|&i| &self.people.users[i])
    }

    /// The first user (by id) whose account has this key.
    pub fn user_by_account(&self, account: &CollationKey) -> Option<&User> {
        self.accounts(account).next()
    }

    /// Whether any user (deleted ones included) has an account with this key.
    pub fn has_account(&self, account: &CollationKey) -> bool {
        self.people.by_account.contains_key(account)
    }

    fn accounts<'a>(&'a self, account: &CollationKey) -> impl Iterator<Item = &'a User> + 'a {
        self.people
            .by_account
            .get(account)
            .into_iter()
            .flatten()
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

    /// Users whose accounts have these keys, ascending by id, each once.
    pub fn users_with_accounts<'k>(
        &self,
        accounts: impl IntoIterator<Item = &'k CollationKey>,
    ) -> Vec<User> {
        self.collect(accounts.into_iter().flat_map(|a| self.accounts(a)))
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

    /// The chat whose gid has this key.
    pub fn chat(&self, gid: &CollationKey) -> Option<&Chat> {
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

    /// Current (not quit) members of the chat whose gid has this key, ascending by id; deleted
    /// users included.
    pub fn chat_members(&self, gid: &CollationKey) -> Vec<User> {
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

    fn chat_entry(&self, gid: &CollationKey) -> Option<&DirectoryChat> {
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
    use crate::domain::Role;
    use crate::mysql::Charset;

    fn user(id: i64, account: &str, deleted: bool) -> User {
        User {
            id,
            account: account.into(),
            realname: account.to_uppercase(),
            avatar: String::new(),
            deleted,
            admin: Role::No,
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

    fn key(text: &str) -> CollationKey {
        CollationKey::new(Charset::Utf8, text)
    }

    fn ids(users: &[User]) -> Vec<i64> {
        users.iter().map(|u| u.id).collect()
    }

    #[test]
    fn lookups_answer_in_the_servers_order() {
        let d = directory();
        assert_eq!(ids(d.users()), [1, 4, 9]);
        assert_eq!(ids(&d.users_with_ids(&[9, 4, 4, 77])), [4, 9]);
        let keys = ["lisi", "admin", "nobody"].map(key);
        assert_eq!(ids(&d.users_with_accounts(&keys)), [1, 4]);
        assert_eq!(ids(&d.active_users()), [1, 4]);
        assert_eq!(ids(&d.chat_members(&key("g2"))), [1, 4]);
        assert!(d.chat_members(&key("unknown")).is_empty());
        assert_eq!(ids(&d.users_in_any_chat()), [1, 4, 9]);
        let open: Vec<&str> = d.open_groups().map(|c| c.gid.as_str()).collect();
        assert_eq!(open, ["g2"]);
    }

    /// Deliberate: the real server's lookups compare under utf8_general_ci, so an account, a gid or
    /// an application code written in another case, with accents or trailing spaces, is found.
    #[test]
    fn text_lookups_compare_as_the_collation_does() {
        let d = Directory::new(
            vec![
                user(1, "admin", false),
                user(2, "Zoë", false),
                user(3, "ADMIN", false),
            ],
            vec![chat("Group-A", ChatType::Group, false, &[1])],
            vec![App {
                code: "myAppCode".into(),
                key: None,
                ip: "*".into(),
                account: None,
                called_time: 0,
            }],
        );
        assert_eq!(ids(&d.users_with_accounts(&[key("Admin  ")])), [1, 3]);
        assert_eq!(d.user_by_account(&key("zoe")).map(|u| u.id), Some(2));
        assert!(d.has_account(&key("ZOE ")));
        assert!(!d.has_account(&key(" zoe")));
        assert_eq!(
            d.chat(&key("group-a ")).map(|c| c.gid.as_str()),
            Some("Group-A")
        );
        assert_eq!(ids(&d.chat_members(&key("GROUP-A"))), [1]);
        assert!(d.app(&key("MYAPPCODE")).is_some());
        assert!(d.app(&key("myAppCode\t")).is_none());
    }
}
