//! The battery of `parity --api xxd`: the chat daemon's direct API (`/im/...`, SPEC §10). Its
//! answers to what the vendor's guide leaves open are the mock's assumptions (the README's table
//! "The direct API: documented and assumed"); this battery is how a user settles them against a
//! real daemon: where the daemon answers otherwise, the probe differs, and the probe's name says
//! which assumption it tests.
//!
//! Non-destructive like the `/x.php` battery: every send lacks a field the guide documents as
//! required (`title`, or a non-null `sender`), so a daemon refuses it whatever else it does, and
//! the rest are lookups or refused before the operation runs. [`XXD_WRITES`] store one
//! notification and one chat message, and run only when asked.

use super::probes::{Api, Needs, Probe, Sign, EVERY_LANG};

const GET: Probe = Probe {
    api: Api::Xxd,
    path: "/im/getChatGroups",
    query: "code={code}",
    ..Probe::GET
};

const USERS: Probe = Probe {
    path: "/im/getChatUsers",
    ..GET
};

const SEND: Probe = Probe {
    http_method: "POST",
    path: "/im/sendNotification",
    content_type: Some("application/json"),
    ..GET
};

const CHAT: Probe = Probe {
    path: "/im/sendChatMessage",
    ..SEND
};

/// The direct API's battery: non-destructive, and data-independent once the mock holds the
/// target's groups and members.
pub const XXD: &[Probe] = &[
    // Authentication (assumption `checks`, `messages`).
    Probe {
        name: "xxd.entry.no_code",
        about: "no code",
        query: "token=00000000000000000000000000000000",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "xxd.entry.no_token",
        about: "no token",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "xxd.entry.unknown_app",
        about: "no such application, in each language (the mock answers in English)",
        query: "code=xxbMockParityNoSuchApp&token=00000000000000000000000000000000",
        sign: Sign::Not,
        langs: EVERY_LANG,
        ..GET
    },
    // The signature (documented), and how a wrong one is answered (assumed).
    Probe {
        name: "xxd.token.invalid",
        about: "a wrong token",
        query: "code={code}&token=00000000000000000000000000000000",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "xxd.token.upper_case",
        about: "the right token in upper case (assumption `query`: compared exactly)",
        sign: Sign::UpperCase,
        ..GET
    },
    Probe {
        name: "xxd.token.single_md5",
        about: "md5(P + key), one md5 instead of two",
        sign: Sign::SingleMd5,
        ..GET
    },
    Probe {
        name: "xxd.token.x_php_formula",
        about: "/x.php's token of the same call: m=im&f=getGroupChats&code=...",
        sign: Sign::XPhpToken("m=im&f=getGroupChats&code={code}"),
        ..GET
    },
    Probe {
        name: "xxd.token.reordered",
        about: "the parameters in another order than the canonical one (documented: accepted)",
        query: "gid={gid}&code={code}",
        needs: Needs::Group,
        ..USERS
    },
    Probe {
        name: "xxd.query.x_php_parameters",
        about: "/x.php's m and f in the query, signed: ignored",
        query: "m=im&f=getGroupChats&code={code}",
        ..GET
    },
    Probe {
        name: "xxd.query.repeated",
        about: "a repeated parameter (assumption `query`: the first value is read)",
        query: "code={code}&gid=xxb-mock-parity-no-such-gid&gid={gid}",
        needs: Needs::Group,
        ..USERS
    },
    // Paths and methods (assumptions `unknown_path`, `http_method`).
    Probe {
        name: "xxd.route.x_php_name",
        about: "/im/getGroupChats, /x.php's name of getChatGroups",
        path: "/im/getGroupChats",
        ..GET
    },
    Probe {
        name: "xxd.route.case",
        about: "/im/getchatgroups in lower case",
        path: "/im/getchatgroups",
        ..GET
    },
    Probe {
        name: "xxd.http.post_lookup",
        about: "a lookup by POST",
        http_method: "POST",
        content_type: Some("application/json"),
        body: Some("{}"),
        ..GET
    },
    Probe {
        name: "xxd.http.get_send",
        about: "sendNotification by GET, without a body",
        http_method: "GET",
        content_type: None,
        ..SEND
    },
    Probe {
        name: "xxd.http.head",
        about: "HEAD of a lookup",
        http_method: "HEAD",
        ..GET
    },
    // Lookups (documented shapes; assumptions `encoding`, `key_order`, `empty_map`, `unknown_gid`).
    Probe {
        name: "xxd.lookup.groups",
        about: "getChatGroups",
        ..GET
    },
    Probe {
        name: "xxd.lookup.members",
        about: "getChatUsers of the first group",
        query: "code={code}&gid={gid}",
        needs: Needs::Group,
        ..USERS
    },
    Probe {
        name: "xxd.lookup.gid_upper_case",
        about: "the gid in upper case",
        query: "code={code}&gid={GID}",
        needs: Needs::Group,
        ..USERS
    },
    Probe {
        name: "xxd.lookup.everyone",
        about: "getChatUsers without a gid: the users of every chat membership",
        ..USERS
    },
    Probe {
        name: "xxd.lookup.unknown_gid",
        about: "getChatUsers of an unknown gid",
        query: "code={code}&gid=xxb-mock-parity-no-such-gid",
        ..USERS
    },
    // Sends, each without a title or with a null sender (assumptions `body`, `checks`, `messages`).
    Probe {
        name: "xxd.send.empty",
        about: "sendNotification {}, in each language",
        body: Some("{}"),
        langs: EVERY_LANG,
        ..SEND
    },
    Probe {
        name: "xxd.send.no_title",
        about: "no title",
        body: Some(
            "{\"users\":[1],\"sender\":{\"id\":\"p\",\"displayName\":\"p\",\"avatar\":\"\"}}",
        ),
        ..SEND
    },
    Probe {
        name: "xxd.send.null_sender",
        about: "sender null (documented: refused)",
        body: Some("{\"users\":[1],\"title\":\"t\",\"sender\":null}"),
        ..SEND
    },
    Probe {
        name: "xxd.send.accounts",
        about: "users as accounts, no title: which is refused first",
        body: Some("{\"users\":[\"xxb-mock-parity\"],\"sender\":{\"id\":\"p\"}}"),
        ..SEND
    },
    Probe {
        name: "xxd.send.id_as_text",
        about: "an id written as text, no title",
        body: Some("{\"users\":[\"1\"],\"sender\":{\"id\":\"p\"}}"),
        ..SEND
    },
    Probe {
        name: "xxd.send.actions_object",
        about: "actions an object (documented: must be a list), no title",
        body: Some("{\"users\":[1],\"sender\":{\"id\":\"p\"},\"actions\":{}}"),
        ..SEND
    },
    Probe {
        name: "xxd.send.invalid_json",
        about: "a body that is not JSON",
        body: Some("{\"users\":[1],"),
        ..SEND
    },
    Probe {
        name: "xxd.send.name_case",
        about: "field names in another case, no title: are they read?",
        body: Some("{\"Users\":[],\"Sender\":{\"id\":\"p\"}}"),
        ..SEND
    },
    Probe {
        name: "xxd.chat.empty",
        about: "sendChatMessage {}",
        body: Some("{}"),
        ..CHAT
    },
    Probe {
        name: "xxd.chat.no_title",
        about: "a gid and a sender but no title",
        body: Some("{\"gid\":\"xxb-mock-parity-no-such-gid\",\"sender\":{\"id\":\"p\"}}"),
        ..CHAT
    },
];

/// The two writes, with `--allow-writes`.
pub const XXD_WRITES: &[Probe] = &[
    Probe {
        name: "xxd.write.notification",
        about: "one notification to --user",
        body: Some("{\"users\":[{user}],\"title\":\"xxb-mock parity\",\"subtitle\":\"a check of the API, please ignore\",\"content\":\"xxb-mock parity: one notification\",\"contentType\":\"text\",\"url\":\"https://example.com/xxb-mock-parity\",\"actions\":[],\"sender\":{\"id\":\"xxb-mock\",\"displayName\":\"xxb-mock parity\",\"avatar\":\"https://example.com/xxb-mock.png\"}}"),
        needs: Needs::Writes,
        ..SEND
    },
    Probe {
        name: "xxd.write.chat_message",
        about: "one chat message to --gid (or the first group of --user)",
        body: Some("{\"gid\":\"{write_gid}\",\"title\":\"xxb-mock parity\",\"subtitle\":\"a check of the API, please ignore\",\"content\":\"xxb-mock parity: one chat message\",\"contentType\":\"text\",\"url\":\"https://example.com/xxb-mock-parity\",\"actions\":[],\"sender\":{\"id\":\"xxb-mock\",\"displayName\":\"xxb-mock parity\",\"avatar\":\"https://example.com/xxb-mock.png\"}}"),
        needs: Needs::Writes,
        ..CHAT
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parity::probes::Context;

    fn context() -> Context {
        Context {
            code: "appcode".into(),
            key: "dgqfkys6lq6v9xm7n1xofhgwkvcat12n".into(),
            gid: Some("30683aea-7a1f-4ec8-a6d6-834e0310fd7d".into()),
            ..Context::default()
        }
    }

    #[test]
    fn the_probes_are_signed_as_the_guide_says() {
        let groups = XXD.iter().find(|p| p.name == "xxd.lookup.groups").unwrap();
        assert_eq!(
            groups.requests(&context()).unwrap()[0].target,
            "/im/getChatGroups?code=appcode&token=1a95a530d263cc19d51405566c00910b"
        );
        let reordered = XXD
            .iter()
            .find(|p| p.name == "xxd.token.reordered")
            .unwrap();
        assert_eq!(
            reordered.requests(&context()).unwrap()[0].target,
            "/im/getChatUsers?gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=appcode&token=5d2d87e7fed3c51e6d599e4cc74fcdf8"
        );
    }

    #[test]
    fn every_send_lacks_a_title_or_a_sender_so_nothing_is_stored() {
        for probe in XXD
            .iter()
            .filter(|p| p.body.is_some() && p.http_method == "POST")
        {
            let body: serde_json::Value = match serde_json::from_str(probe.body.unwrap()) {
                Ok(body) => body,
                Err(_) => continue,
            };
            let title = body
                .get("title")
                .and_then(|t| t.as_str())
                .unwrap_or_default();
            let sender = body.get("sender").filter(|s| !s.is_null());
            assert!(
                title.is_empty() || sender.is_none(),
                "{} could store",
                probe.name
            );
        }
    }
}
