//! What the vendor's guide does not say about the direct API, decided once. Each [`Assumption`] is
//! a row of the README's table "The direct API: documented and assumed" (a unit test holds the two
//! together), and every request whose answer rests on one carries the warning finding
//! `unverified_answer` naming it, so that nobody mistakes the mock's choice for the daemon's
//! behaviour. The choices are what a Go daemon in front of the XXB database most plausibly does;
//! a recording of a real xxd (`replay --target`) settles them.

/// A behaviour of the direct API that the guide leaves open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, strum::VariantArray)]
pub enum Assumption {
    /// Every answer of the four operations is HTTP 200, `{"result":"fail"}` ones included.
    Status,
    /// Go's `encoding/json` encoder writes the answers.
    Encoding,
    /// The keys of `data` are sorted as text, as Go sorts a map's.
    KeyOrder,
    /// An empty `data` is `{}`.
    EmptyMap,
    /// The failure texts, always in English.
    Messages,
    /// Which checks run before the operation, in which order.
    Checks,
    /// The IP allow-list is checked against the connection's address.
    CallerAddress,
    /// How the query is read (Go's `net/url`), and the token compared.
    Query,
    /// How a send's body is decoded (Go's `encoding/json` into typed fields).
    Body,
    /// Ids in `users` that name nobody, and deleted users.
    UnknownUsers,
    /// Which chats sendChatMessage posts into, and to whom.
    Chat,
    /// getChatUsers of a gid that names no chat.
    UnknownGid,
    /// What an accepted send stores.
    Storage,
    /// A path under `/im/` that is none of the four.
    UnknownPath,
    /// An operation called with another HTTP method than the guide's.
    HttpMethod,
}

impl Assumption {
    /// The name the README's table and the finding give it.
    pub fn name(self) -> &'static str {
        match self {
            Assumption::Status => "status",
            Assumption::Encoding => "encoding",
            Assumption::KeyOrder => "key_order",
            Assumption::EmptyMap => "empty_map",
            Assumption::Messages => "messages",
            Assumption::Checks => "checks",
            Assumption::CallerAddress => "caller_address",
            Assumption::Query => "query",
            Assumption::Body => "body",
            Assumption::UnknownUsers => "unknown_users",
            Assumption::Chat => "chat",
            Assumption::UnknownGid => "unknown_gid",
            Assumption::Storage => "storage",
            Assumption::UnknownPath => "unknown_path",
            Assumption::HttpMethod => "http_method",
        }
    }

    /// What the mock assumes, in a sentence (the finding quotes it).
    pub fn choice(self) -> &'static str {
        match self {
            Assumption::Status => "HTTP 200 for every answer of the four operations, failures included",
            Assumption::Encoding => "Go's encoding/json: UTF-8 as is, `<`, `>`, `&`, U+2028 and U+2029 as \\u escapes, `/` unescaped, a final newline, Content-Type application/json; charset=utf-8, no cookies",
            Assumption::KeyOrder => "the keys of `data` sorted as text, as Go sorts a map's (\"1\", \"10\", \"3\")",
            Assumption::EmptyMap => "an empty `data` is {}",
            Assumption::Messages => "failures in English whatever Accept-Language says, with the XXB server's English texts where it has one (\"Invalid token.\", \"Should set user list.\")",
            Assumption::Checks => "the HTTP method, then `code`, `token`, the application (exists, has a key, allows the address), the token, the bound account, then the body",
            Assumption::CallerAddress => "the IP allow-list is checked against the connection's address; X-Forwarded-For and Client-IP are not read",
            Assumption::Query => "the query read as Go's net/url reads it (the first of repeated values, a pair with `;` or a broken %-escape dropped), the token compared exactly, no time mode",
            Assumption::Body => "the body decoded as Go's encoding/json decodes into typed fields: one JSON value, names matched without regard to case, null as missing, `users` elements whole numbers (\"3\", 3.0 and accounts refused), text fields strings, `actions` a list, a title \"0\" is a title",
            Assumption::UnknownUsers => "ids that name no user are dropped and the send succeeds, even for nobody; deleted users receive it",
            Assumption::Chat => "sendChatMessage refuses a gid that names no chat (\"Chat does not exist.\") and posts to the members who did not quit, in any chat (dismissed, archived and one-to-one included)",
            Assumption::UnknownGid => "getChatUsers of a gid that names no chat answers success with an empty map",
            Assumption::Storage => "stored as the XXB server stores a send: content through the utf8 column (????), an unknown contentType as \"\", missing texts as \"\", actions as [], sender as sent",
            Assumption::UnknownPath => "another name under /im/ answers Go's 404: `404 page not found` and a newline, text/plain",
            Assumption::HttpMethod => "another HTTP method answers Go's 405: `Method Not Allowed` and a newline, text/plain, with Allow (HEAD is served as GET for the lookups)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Assumption;
    use strum::VariantArray;

    /// The backticked names of the first column of the README's table of the direct API.
    fn readme_names() -> Vec<String> {
        let readme = include_str!("../../README.md");
        let heading = "### The direct API: documented and assumed";
        let after = &readme[readme.find(heading).expect(heading)..];
        after
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .filter_map(|row| {
                let assumed = row.split('|').nth(3)?.trim();
                let name = assumed.strip_prefix('`')?.split('`').next()?;
                Some(name.to_string())
            })
            .collect()
    }

    #[test]
    fn every_assumption_is_a_row_of_the_readme_and_every_row_one() {
        let rows = readme_names();
        for assumption in Assumption::VARIANTS {
            assert!(
                rows.iter().any(|r| r == assumption.name()),
                "{} is not in the README's table of the direct API",
                assumption.name()
            );
        }
        for row in &rows {
            assert!(
                Assumption::VARIANTS.iter().any(|a| a.name() == row),
                "the README's table names {row:?}, which is no assumption"
            );
        }
    }
}
