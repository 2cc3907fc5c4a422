//! The names the organisation is looked up by: an application's [`AppCode`], a chat's [`Gid`], a
//! user's [`Account`]; and a user's [`Role`].
//!
//! A name is text as the real server's database holds it, and it carries that database's rule for
//! finding it: MariaDB compares these columns under `utf8_general_ci` with PAD SPACE, so `ADMIN`,
//! `admin ` and `Àdmin` name one user. [`AppCode::key`] and its siblings give the [`CollationKey`]
//! a stored name is indexed by; [`AppCode::sought`] the key of a name as a client writes it, in the
//! request's charset. Equality of the types themselves stays exact (`Admin` and `admin` are two
//! fixture rows, as they could be two rows of a table without a unique index): only lookups go
//! through the collation.

use crate::mysql::{Charset, CollationKey};
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use std::fmt;

/// Defines a name type over `String` with the lookup rule of its column.
macro_rules! name {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The key the stored name is found by (stored values are `utf8mb4`, whose weights
            /// equal the `utf8` ones on every character a `utf8` column can hold).
            pub fn key(&self) -> CollationKey {
                CollationKey::new(Charset::Utf8mb4, &self.0)
            }

            /// The key of a name as a client gives it over a connection of `charset`: equal to a
            /// stored name's [`key`](Self::key) exactly when the real server's lookup finds it.
            pub fn sought(text: &str, charset: Charset) -> CollationKey {
                CollationKey::new(charset, text)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                $name(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name(text.to_string())
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        /// As the text: messages quote a name as they quote a string.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                String::column_result(value).map($name)
            }
        }
    };
}

name!(
    /// An application's code (`zt_entry.code`): what a caller sends as `code`.
    AppCode
);
name!(
    /// A chat's gid (`zt_im_chat.gid`): a group's UUID, a one-to-one chat's `&`-joined ids.
    Gid
);
name!(
    /// A user's account (`zt_user.account`): the login name accounts lists and bindings use.
    Account
);

/// What a user may do in the XXB back office: `zt_user.admin`, an `enum('no','common','super')`.
/// An application is bound, by default, to the first `super` user (see `fixtures`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    No,
    Common,
    Super,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::No, Role::Common, Role::Super];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::No => "no",
            Role::Common => "common",
            Role::Super => "super",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| format!("unknown role {text:?}: use no, common or super"))
    }
}

impl ToSql for Role {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Role {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse()
            .map_err(|e: String| rusqlite::types::FromSqlError::Other(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deliberate: lookups go through the collation (case, accents and trailing spaces do not
    /// matter), while the names themselves stay exact.
    #[test]
    fn a_stored_name_is_found_as_the_collation_finds_it() {
        let stored = Account::from("Zoë");
        for sought in ["zoe", "ZOË ", "Zoë"] {
            assert_eq!(
                Account::sought(sought, Charset::Utf8),
                stored.key(),
                "{sought}"
            );
        }
        assert_ne!(Account::sought("zoé x", Charset::Utf8), stored.key());
        assert_ne!(stored, Account::from("zoe"));
        // A utf8 connection cannot carry an emoji, so such a name finds nothing stored...
        let emoji = Gid::from("g😀");
        assert_ne!(Gid::sought("g😀", Charset::Utf8), emoji.key());
        // ...while a utf8mb4 one finds it.
        assert_eq!(Gid::sought("g😀", Charset::Utf8mb4), emoji.key());
    }

    #[test]
    fn names_serialise_and_store_as_plain_text() {
        let code = AppCode::from("myAppCode");
        assert_eq!(serde_json::to_string(&code).unwrap(), r#""myAppCode""#);
        assert_eq!(format!("{code:?} {code}"), r#""myAppCode" myAppCode"#);
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: AppCode = conn.query_row("SELECT ?1", [&code], |r| r.get(0)).unwrap();
        assert_eq!(back, code);
    }

    #[test]
    fn roles_are_the_columns_enum() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{}\"", role.as_str())
            );
        }
        assert!("superuser".parse::<Role>().is_err());
        assert!(serde_json::from_str::<Role>(r#""Super""#).is_err());
        assert_eq!(Role::default(), Role::No);
    }
}
