//! What the two send methods share: the checks after the recipient check (`sender`, `title`),
//! where PHP stops on a value it cannot use, whom a send reaches, and the message the real server
//! stores for an accepted send (defaults filled in, its columns' rules applied).
//!
//! Deliberate, as the real server does it (observed):
//! - `users` (and sendChatMessage's `gid`, which the same code reads) becomes users or a chat gid
//!   through [`mysql::selector`]: a list by ids or accounts, compared as MariaDB compares them; a
//!   scalar is a gid, looked up under `utf8_general_ci`, whose members, or every user who is not
//!   deleted when it has none, are the recipients. An object, or a list holding a list or an
//!   object, is a PHP fatal error (HTTP 500, nothing stored).
//! - A gid in another case reaches its chat, is stored as written (trailing spaces dropped by the
//!   `CHAR` column), and continues that chat's message index.
//! - `content` as a list stops the server quietly (HTTP 200, empty body, nothing stored).
//! - `content` and the `data` JSON keep at most 65,535 bytes each ([`mysql::column`]).

use super::{Call, Verdict};
use crate::domain::{
    Api, AppCode, Chat, ClientJson, Directory, Finding, Gid, MessageData, MessageKind, NewMessage,
    Recipient, User,
};
use crate::mysql::column::{self, CGID_WIDTH};
use crate::mysql::selector::{self, Target};
use crate::php::fatal;
use crate::php::value::to_php_string;
use crate::xxb::answer::Answer;
use crate::xxb::body::SendBody;
use crate::xxb::findings;
use crate::xxb::lang::SendError;
use crate::xxb::request::BodyAccess;
use crate::xxb::strict::Violation;
use serde_json::{json, Value};

/// The refusal for `error`, with its finding.
pub fn fail(call: &mut Call, error: SendError, finding: Finding) -> Verdict {
    call.findings.push(finding);
    Verdict::answer(Answer::Fail(error.message(call.req.lang).to_string()))
}

/// The refusal of an empty `field` (`users` or `gid`), the first check of both methods, with
/// the finding that says why it is empty: a body the server cannot read, one that is no JSON
/// object, or an object without the field.
pub fn fail_empty(call: &mut Call, body: &SendBody, error: SendError, field: &str) -> Verdict {
    let finding = match call.req.body_access {
        BodyAccess::Multipart => findings::multipart_body(),
        BodyAccess::OverReadCap => findings::body_too_large(call.req.arrival.body_size),
        BodyAccess::Raw if body.is_object() => findings::missing_field(field),
        BodyAccess::Raw => findings::body_not_object(call.req.app_body(), body.json_error()),
    };
    fail(call, error, finding)
}

/// The strict rejection for `violation`, in the request's language (its findings are already journaled).
pub fn refuse(call: &Call, violation: &Violation) -> Verdict {
    Verdict::answer(Answer::Fail(violation.message(call.req.lang).to_string()))
}

/// The checks that follow the recipient check in both methods: `empty(sender)`, then `empty(title)`.
pub fn check_sender_and_title(call: &mut Call, body: &SendBody) -> Option<Verdict> {
    if body.is_empty("sender") {
        return Some(fail(
            call,
            SendError::NoSender,
            findings::missing_field("sender"),
        ));
    }
    if body.is_empty("title") {
        return Some(fail(
            call,
            SendError::NoTitle,
            findings::missing_field("title"),
        ));
    }
    None
}

/// What `field` (`users` or sendChatMessage's `gid`, not empty) names, or where PHP stops: a
/// fatal error on a value it cannot use, then the quiet stop on a `content` list (`Err`: the answer).
pub fn target_or_stop(call: &mut Call, body: &SendBody, field: &str) -> Result<Target, Answer> {
    let value = body.get(field).unwrap_or(&Value::Null);
    let target = selector::target(call.charset, field, value).map_err(|fatal| {
        call.findings.push(findings::php_fatal(&fatal));
        Answer::Fatal
    })?;
    if body.fields().and_then(fatal::content_stop).is_some() {
        call.findings.push(findings::content_array());
        return Err(Answer::Empty);
    }
    Ok(target)
}

/// Whom a send reaches and where it is stored.
pub struct Reach {
    /// `notification`, or the gid as the message's `cgid` column holds it.
    pub cgid: String,
    /// The existing chat the gid names (found under `utf8_general_ci`).
    pub chat: Option<Chat>,
    pub recipients: Vec<User>,
    /// For a list: the positions of the entries that found nobody.
    pub unmatched: Vec<usize>,
    /// For a gid: whether every user who is not deleted was reached because the gid has no
    /// members (an unknown gid, or a chat whose members all quit).
    pub everyone: bool,
}

/// Whom `target` reaches in `directory`.
pub fn reach(call: &Call, directory: &Directory, target: &Target) -> Reach {
    match target {
        Target::Users(users) => {
            let recipients = if users.by_id() {
                directory.users_with_ids(&users.ids())
            } else {
                directory.users_with_accounts(users.accounts())
            };
            let unmatched = users.unmatched(
                |id| directory.user(id).is_some(),
                |account| directory.has_account(account),
            );
            Reach {
                cgid: "notification".into(),
                chat: None,
                recipients,
                unmatched,
                everyone: false,
            }
        }
        Target::Chat(gid) => {
            let key = Gid::sought(gid, call.charset);
            let members = directory.chat_members(&key);
            let everyone = members.is_empty();
            Reach {
                cgid: column::char_column(call.charset, gid, CGID_WIDTH),
                chat: directory.chat(&key).cloned(),
                recipients: if everyone {
                    directory.active_users()
                } else {
                    members
                },
                unmatched: Vec::new(),
                everyone,
            }
        }
    }
}

/// Warnings about who a message reaches; says whether it reaches deleted users.
pub fn recipient_findings(findings: &mut Vec<Finding>, recipients: &[User]) -> bool {
    if recipients.is_empty() {
        findings.push(findings::no_recipients());
    }
    let deleted: Vec<String> = recipients
        .iter()
        .filter(|u| u.deleted)
        .map(|u| u.account.to_string())
        .collect();
    if deleted.is_empty() {
        return false;
    }
    findings.push(findings::deleted_recipients(&deleted));
    true
}

/// The message the server stores, and what its columns cut: `content` through the text column
/// (characters above U+FFFF `????` in `utf8`, at most 65,535 bytes), `contentType` through the enum
/// column (missing or empty means `text`), `subtitle` and `url` default `""`, `actions` `[]`, and
/// the `data` column PHP's JSON of them, at most 65,535 bytes.
pub struct Built {
    pub message: NewMessage,
    /// The byte length of `content` before its column cut it, when it did.
    pub content_cut_from: Option<usize>,
    /// The byte length of the `data` JSON before its column cut it, when it did.
    pub data_cut_from: Option<usize>,
}

/// A send's message before its columns cut it, whichever API it came through: both store into
/// the same tables.
pub struct Unstored<'a> {
    pub kind: MessageKind,
    /// `notification`, or the gid as the message's `cgid` column holds it.
    pub cgid: String,
    /// The existing chat the message goes into.
    pub chat: Option<Gid>,
    pub content: column::StoredText<'a>,
    pub content_type: String,
    /// `title`, `subtitle`, `url`, `actions` and `sender`, in that order (the recipients' ids
    /// follow them as `target`).
    pub fields: [Value; 5],
    pub recipients: &'a [User],
    pub app: AppCode,
    pub api: Api,
}

impl Built {
    /// The message as the tables store it: the `data` column PHP's JSON of the fields and the
    /// recipients' ids, one delivery per recipient.
    pub fn store(sent: Unstored<'_>) -> Built {
        let target: Vec<i64> = sent.recipients.iter().map(|u| u.id).collect();
        let [title, subtitle, url, actions, sender] = sent.fields;
        let fields = [
            ("title", title),
            ("subtitle", subtitle),
            ("url", url),
            ("actions", actions),
            ("sender", sender),
        ];
        let (data_json, data_cut_from) = data_column(&fields, &target);
        // A whole `data` column reads back as the fields themselves (PHP's JSON of what its
        // json_decode made keeps every value); a cut one as what can still be read of it.
        let data = match data_cut_from {
            None => {
                let [title, subtitle, url, actions, sender] = fields.map(|(_, v)| ClientJson(v));
                MessageData {
                    title,
                    subtitle,
                    url,
                    actions,
                    sender,
                    target,
                }
            }
            Some(_) => MessageData::read(&data_json),
        };
        Built {
            content_cut_from: sent.content.cut_from,
            data_cut_from,
            message: NewMessage {
                kind: sent.kind,
                cgid: sent.cgid,
                chat: sent.chat,
                content: sent.content.value.into_owned(),
                content_type: sent.content_type,
                data_json,
                data,
                recipients: sent.recipients.iter().map(Recipient::from).collect(),
                app: sent.app,
                api: sent.api,
            },
        }
    }
}

/// The `data` column of `fields` (`title`, `subtitle`, `url`, `actions`, `sender`, in that
/// order) and `target`: PHP's JSON of the object `{title, subtitle, url, actions, sender,
/// target}` as stored (at most 65,535 bytes), and the JSON's length before the cut, when it was
/// cut. The direct API stores its sends the same way.
fn data_column(fields: &[(&str, Value); 5], target: &[i64]) -> (String, Option<usize>) {
    let mut encoded = String::with_capacity(256);
    encoded.push('{');
    for (name, value) in fields {
        encoded.push('"');
        encoded.push_str(name);
        encoded.push_str("\":");
        crate::php::json::encode_decoded_into(&mut encoded, value);
        encoded.push(',');
    }
    encoded.push_str("\"target\":[");
    for (i, id) in target.iter().enumerate() {
        if i > 0 {
            encoded.push(',');
        }
        encoded.push_str(itoa::Buffer::new().format(*id));
    }
    encoded.push_str("]}");
    let stored = column::data_json(&encoded);
    match stored.cut_from {
        Some(cut_from) => (stored.value.into_owned(), Some(cut_from)),
        None => {
            drop(stored);
            (encoded, None)
        }
    }
}

pub fn build(call: &Call, body: &SendBody, kind: MessageKind, reach: Reach) -> Built {
    let sent_content = body.text("content");
    let content = column::text(call.charset, &sent_content);
    let content_type = if body.is_empty("contentType") {
        "text".to_string()
    } else {
        body.get("contentType")
            .and_then(to_php_string)
            .map(|t| column::content_type_enum(&t))
            .unwrap_or_default()
    };
    Built::store(Unstored {
        kind,
        cgid: reach.cgid,
        chat: reach.chat.map(|c| c.gid),
        content,
        content_type,
        fields: [
            body.or("title", json!("")),
            body.or("subtitle", json!("")),
            body.or("url", json!("")),
            body.or("actions", json!([])),
            body.or("sender", Value::Null),
        ],
        recipients: &reach.recipients,
        app: call.auth.app.code.clone(),
        api: Api::XPhp,
    })
}
