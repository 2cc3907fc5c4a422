//! The indexed filters against plain scans: the title filter against `instr` over every title
//! (what it was before the trigram index), and the tables of counts, the findings index and the
//! tallies against counting the rows themselves, after any sequence of writes, deletes and trims.

use super::files::DbFile;
use super::readers::Shared;
use super::retention::{Retain, Retention};
use super::{schema, JournalFilter, NotificationFilter, Tallies, Total, Tx};
use crate::domain::{
    Api, Finding, JournalRecord, MessageData, MessageKind, NewMessage, Outcome, Recipient,
};
use crate::xxb::findings::{FindingCode, Severity};
use proptest::prelude::*;
use rusqlite::Connection;
use std::cell::RefCell;
use std::sync::Arc;

fn message(data_json: String, kind: MessageKind, app: &str, api: Api, to: &[i64]) -> NewMessage {
    NewMessage {
        kind,
        cgid: match kind {
            MessageKind::Notification => "notification".into(),
            MessageKind::Chat => "g1".into(),
        },
        chat: None,
        content: String::new(),
        content_type: "text".into(),
        data: MessageData::read(&data_json),
        data_json,
        recipients: to
            .iter()
            .map(|&id| Recipient {
                id,
                account: "".into(),
                realname: "".into(),
            })
            .collect(),
        app: app.into(),
        api,
    }
}

fn record(
    outcome: Outcome,
    method: Option<&str>,
    app: Option<&str>,
    api: Api,
    codes: &[FindingCode],
) -> JournalRecord {
    JournalRecord {
        received_at: "t".into(),
        http_method: "POST".into(),
        api,
        path: "/x.php".into(),
        query: String::new(),
        app: app.map(Into::into),
        method: method.map(Into::into),
        lang: "zh-cn".into(),
        client_ip: "127.0.0.1".into(),
        body: Vec::new(),
        body_size: 0,
        body_truncated: false,
        status: 200,
        response: Vec::new(),
        outcome,
        findings: codes
            .iter()
            .map(|&code| Finding {
                code,
                severity: Severity::Error,
                message: String::new(),
                hint: String::new(),
            })
            .collect(),
        duration_us: 1,
    }
}

/// What the title filter was before the index: `instr` over what `json_extract` reads, on every
/// message whose `data` it can read (on the others `json_extract` failed the whole query), with
/// the filter's other conditions as plain comparisons.
fn scanned(conn: &Connection, pattern: &str, f: &NotificationFilter) -> Vec<i64> {
    let mut sql = "SELECT seq FROM messages m WHERE json_valid(data, 2)
                   AND instr(json_extract(data, '$.title'), ?) > 0"
        .to_string();
    let mut args: Vec<rusqlite::types::Value> = vec![pattern.to_string().into()];
    if let Some(u) = &f.user {
        sql += " AND EXISTS (SELECT 1 FROM recipients r WHERE r.message_seq = m.seq AND r.user_id = ?)";
        args.push(u.parse::<i64>().unwrap().into());
    }
    if let Some(k) = f.kind {
        sql += " AND kind = ?";
        args.push(k.as_str().to_string().into());
    }
    if let Some(a) = &f.app {
        sql += " AND app = ?";
        args.push(a.clone().into());
    }
    if let Some(after) = f.after {
        sql += " AND seq > ?";
        args.push(after.into());
    }
    let mut stmt = conn.prepare(&(sql + " ORDER BY seq")).unwrap();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| r.get(0))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Titles made of what makes substring matching hard: case, characters of one to four bytes,
/// combining marks, quotes, backslashes, spaces, and the FTS5 query syntax's own characters.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            "a",
            "A",
            "b",
            "B",
            "ab",
            "é",
            "e\u{301}",
            "构",
            "建",
            "成功",
            "😀",
            "\"",
            "\\",
            " ",
            "*",
            ":",
            "-",
            "(",
            "NEAR",
            "OR",
            "#4",
            "2",
            "\u{1}",
            "\u{10FFFF}",
        ]),
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

fn title() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        6 => text().prop_map(serde_json::Value::from),
        1 => any::<i32>().prop_map(serde_json::Value::from),
        1 => Just(serde_json::Value::Null),
        1 => Just(serde_json::json!(true)),
        1 => text().prop_map(|t| serde_json::json!({"a": t})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The title filter, whatever the pattern's length (one or two characters from the trigrams
    /// that begin with them) and however many titles the trigram index holds yet, alone or with a
    /// recipient, a kind, an application or `after`, lists exactly the messages the scan finds,
    /// newest or oldest first, a page of any size; and counts them, exactly up to the bound and
    /// past it as at least the bound.
    #[test]
    fn the_title_filter_finds_what_a_scan_finds(
        titles in proptest::collection::vec((title(), any::<bool>(), 0usize..4), 1..25),
        patterns in proptest::collection::vec(text(), 1..6),
        picks in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..6, 1usize..6), 0..6),
        indexed in 0usize..26,
        others in proptest::collection::vec(
            (prop::option::of(prop::sample::select(vec!["1", "2"])),
             prop::option::of(prop::sample::select(vec![MessageKind::Notification, MessageKind::Chat])),
             prop::option::of(prop::sample::select(vec!["a1", "a2"])),
             prop::option::of(0i64..20)),
            1..4),
        // Small ones too, so that the first rows read can hold more matches than the bound.
        bound in prop_oneof![0usize..4, 0usize..30],
        limit in prop_oneof![1usize..4, 1usize..30],
    ) {
        let conn = schema::open_in_memory();
        let tallies = RefCell::new(Tallies::default());
        let tx = Tx::writer(&conn, &tallies);
        let mut texts = Vec::new();
        for (i, (title, cut, variant)) in titles.iter().enumerate() {
            let mut data = serde_json::json!({"title": title, "subtitle": "s"}).to_string();
            if *cut {
                // The real server's cut can leave `data` unreadable.
                data.truncate(data.len() - 3);
            }
            if let Some(t) = title.as_str() {
                texts.push(t.to_string());
            }
            let (kind, app, to): (_, _, &[i64]) = match variant {
                0 => (MessageKind::Notification, "a1", &[1]),
                1 => (MessageKind::Chat, "a2", &[1, 2]),
                2 => (MessageKind::Notification, "a2", &[2]),
                _ => (MessageKind::Chat, "a1", &[]),
            };
            tx.insert_message(&message(data, kind, app, Api::XPhp, to), i as i64, "t")
                .unwrap();
            // The first `indexed` titles reach the trigram index; the rest are read directly.
            if i + 1 == indexed {
                tx.index_titles().unwrap();
            }
        }
        // Substrings of the stored titles too, so that most patterns match something.
        let mut patterns = patterns;
        for (index, start, len) in picks {
            if texts.is_empty() {
                break;
            }
            let chars: Vec<char> = index.get(&texts).chars().collect();
            let start = start.min(chars.len());
            let end = (start + len).min(chars.len());
            patterns.push(chars[start..end].iter().collect());
        }
        for pattern in patterns.into_iter().filter(|p| !p.is_empty()) {
            let alone = (None, None, None, None);
            for (user, kind, app, after) in others.iter().cloned().chain([alone]) {
                let filter = NotificationFilter {
                    title: Some(pattern.clone()),
                    user: user.map(Into::into),
                    kind,
                    app: app.map(Into::into),
                    after,
                    limit: 1000,
                    ..NotificationFilter::default()
                };
                let expected = scanned(&conn, &pattern, &filter);
                for descending in [false, true] {
                    let filter = NotificationFilter { descending, ..filter.clone() };
                    let (total, items) = tx.notifications(&filter).unwrap();
                    let mut seqs: Vec<i64> = items.iter().map(|n| n.seq).collect();
                    if descending {
                        seqs.reverse();
                    }
                    prop_assert_eq!(&seqs, &expected, "{:?}", filter);
                    prop_assert_eq!(total, expected.len(), "{:?}", filter);
                    // A page, and a total that stops counting at `bound`.
                    let (total, items) = tx
                        .notifications_within(&NotificationFilter { limit, ..filter.clone() }, bound)
                        .unwrap();
                    let page: Vec<i64> = items.iter().map(|n| n.seq).collect();
                    let mut wanted = expected.clone();
                    if descending {
                        wanted.reverse();
                    }
                    wanted.truncate(limit);
                    prop_assert_eq!(page, wanted, "{:?}", filter);
                    if expected.len() <= bound {
                        prop_assert_eq!(total, Total { count: expected.len(), exact: true }, "{:?}", filter);
                    } else {
                        prop_assert_eq!(total, Total { count: bound, exact: false }, "{:?}", filter);
                    }
                }
            }
        }
    }
}

/// One write, delete or trim.
#[derive(Clone, Debug)]
enum Step {
    Request(
        Outcome,
        Option<&'static str>,
        Option<&'static str>,
        Api,
        Vec<FindingCode>,
    ),
    Message(MessageKind, &'static str, Api, Vec<i64>),
    DeleteRequests(JournalFilter),
    DeleteNotifications(NotificationFilter),
    Trim(u64),
    /// The titles written since the last time reach the trigram index.
    IndexTitles,
}

fn step() -> impl Strategy<Value = Step> {
    let outcome = prop::sample::select(vec![Outcome::Accepted, Outcome::Rejected]);
    let api = prop::sample::select(vec![Api::XPhp, Api::Xxd]);
    let name = prop::sample::select(vec![None, Some("m1"), Some("m2"), Some("")]);
    let code = prop::sample::select(vec![
        FindingCode::MissingSender,
        FindingCode::WrongPath,
        FindingCode::ContentType,
    ]);
    let kind = prop::sample::select(vec![MessageKind::Notification, MessageKind::Chat]);
    prop_oneof![
        8 => (outcome.clone(), name.clone(), name.clone(), api.clone(), proptest::collection::vec(code.clone(), 0..3))
            .prop_map(|(o, m, a, api, c)| Step::Request(o, m, a, api, c)),
        8 => (kind.clone(), prop::sample::select(vec!["a1", "a2"]), api.clone(), proptest::collection::vec(1i64..5, 0..4))
            .prop_map(|(k, app, api, mut to)| {
                to.sort_unstable();
                to.dedup();
                Step::Message(k, app, api, to)
            }),
        1 => journal_filter().prop_map(Step::DeleteRequests),
        1 => notification_filter().prop_map(Step::DeleteNotifications),
        2 => Just(Step::IndexTitles),
        2 => (0u64..6).prop_map(Step::Trim),
    ]
}

fn journal_filter() -> impl Strategy<Value = JournalFilter> {
    (
        prop::option::of(prop::sample::select(vec![
            Outcome::Accepted,
            Outcome::Rejected,
        ])),
        prop::option::of(prop::sample::select(vec!["m1", "m2", ""])),
        prop::option::of(prop::sample::select(vec!["m1", "m2", ""])),
        prop::option::of(prop::sample::select(vec!["missing_sender", "wrong_path"])),
        prop::option::of(prop::sample::select(vec![Api::XPhp, Api::Xxd])),
        prop::option::of(0i64..20),
    )
        .prop_map(
            |(outcome, method, app, finding, api, after)| JournalFilter {
                outcome,
                method: method.map(Into::into),
                app: app.map(Into::into),
                finding: finding.map(Into::into),
                api,
                after,
                limit: 1000,
                descending: false,
            },
        )
}

fn notification_filter() -> impl Strategy<Value = NotificationFilter> {
    (
        prop::option::of(prop::sample::select(vec!["1", "2", "4"])),
        prop::option::of(prop::sample::select(vec!["g1", "notification"])),
        prop::option::of(prop::sample::select(vec![
            MessageKind::Notification,
            MessageKind::Chat,
        ])),
        prop::option::of(prop::sample::select(vec!["a1", "a2"])),
        prop::option::of(prop::sample::select(vec![Api::XPhp, Api::Xxd])),
        prop::option::of(0i64..20),
        // The titles are `t` and the step's number: two characters, one, three.
        prop::option::of(prop::sample::select(vec!["t1", "1", "t12", "t"])),
    )
        .prop_map(
            |(user, gid, kind, app, api, after, title)| NotificationFilter {
                user: user.map(Into::into),
                gid: gid.map(Into::into),
                kind,
                app: app.map(Into::into),
                api,
                after,
                title: title.map(Into::into),
                limit: 1000,
                ..NotificationFilter::default()
            },
        )
}

/// How many journal entries `filter` matches, counted the way the filter was written before the
/// findings index and the counts: over the journal itself.
fn journal_scanned(conn: &Connection, f: &JournalFilter) -> i64 {
    let mut sql = "SELECT count(*) FROM journal WHERE 1".to_string();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(o) = f.outcome {
        sql += " AND outcome = ?";
        args.push(o.as_str().to_string().into());
    }
    if let Some(m) = &f.method {
        sql += " AND method = ?";
        args.push(m.clone().into());
    }
    if let Some(a) = &f.app {
        sql += " AND app = ?";
        args.push(a.clone().into());
    }
    if let Some(c) = &f.finding {
        sql += " AND EXISTS (SELECT 1 FROM json_each(journal.findings) f WHERE json_extract(f.value, '$.code') = ?)";
        args.push(c.clone().into());
    }
    match f.api {
        Some(Api::Xxd) => sql += " AND api = 'xxd'",
        Some(Api::XPhp) => sql += " AND api <> 'xxd'",
        None => {}
    }
    if let Some(after) = f.after {
        sql += " AND seq > ?";
        args.push(after.into());
    }
    conn.query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0))
        .unwrap()
}

/// How many notifications `filter` matches, counted over the messages and their deliveries.
fn notifications_scanned(conn: &Connection, f: &NotificationFilter) -> i64 {
    let mut sql = "SELECT count(*) FROM messages m WHERE 1".to_string();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(u) = &f.user {
        sql += " AND EXISTS (SELECT 1 FROM recipients r WHERE r.message_seq = m.seq AND r.user_id = ?)";
        args.push(u.parse::<i64>().unwrap().into());
    }
    if let Some(g) = &f.gid {
        sql += " AND cgid = ?";
        args.push(g.clone().into());
    }
    if let Some(k) = f.kind {
        sql += " AND kind = ?";
        args.push(k.as_str().to_string().into());
    }
    if let Some(a) = &f.app {
        sql += " AND app = ?";
        args.push(a.clone().into());
    }
    match f.api {
        Some(Api::Xxd) => sql += " AND api = 'xxd'",
        Some(Api::XPhp) => sql += " AND api <> 'xxd'",
        None => {}
    }
    if let Some(after) = f.after {
        sql += " AND seq > ?";
        args.push(after.into());
    }
    if let Some(t) = &f.title {
        sql += " AND instr(json_extract(data, '$.title'), ?) > 0";
        args.push(t.clone().into());
    }
    conn.query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0))
        .unwrap()
}

fn rows(conn: &Connection, sql: &str) -> Vec<(String, i64)> {
    let mut stmt = conn.prepare(sql).unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// After any writes, deletes and trims: the counts hold what counting the rows gives, the
    /// findings index and the titles hold exactly the remaining rows', the tallies are right, and
    /// every filter's total is what a scan counts.
    #[test]
    fn counts_indexes_and_tallies_follow_every_write_delete_and_trim(
        steps in proptest::collection::vec(step(), 1..40),
        journal_filters in proptest::collection::vec(journal_filter(), 4),
        notification_filters in proptest::collection::vec(notification_filter(), 4),
    ) {
        let conn = schema::open_in_memory();
        let tallies = RefCell::new(Tallies::default());
        let tx = Tx::writer(&conn, &tallies);
        let shared = Shared::new(Arc::new(DbFile::durable(":memory:".into())));
        // Cached before the writes, so that they must keep them right.
        tx.notifications(&NotificationFilter { limit: 1, ..NotificationFilter::default() }).unwrap();
        for user in ["1", "2", "4"] {
            tx.notifications(&NotificationFilter { user: Some(user.into()), limit: 1, ..NotificationFilter::default() }).unwrap();
        }
        for (i, step) in steps.into_iter().enumerate() {
            match step {
                Step::Request(outcome, method, app, api, codes) => {
                    tx.insert_journal(&record(outcome, method, app, api, &codes)).unwrap();
                }
                Step::Message(kind, app, api, to) => {
                    let data = serde_json::json!({"title": format!("t{i}")}).to_string();
                    tx.insert_message(&message(data, kind, app, api, &to), i as i64, "t").unwrap();
                }
                Step::DeleteRequests(filter) => {
                    tx.delete_journal(&filter).unwrap();
                }
                Step::DeleteNotifications(filter) => {
                    tx.delete_notifications(&filter).unwrap();
                }
                Step::Trim(limit) => Retention::new(Retain::Limit(limit)).trim(&conn, &tallies, &shared),
                Step::IndexTitles => {
                    tx.index_titles().unwrap();
                }
            }
            // As each commit does.
            tx.flush_counts().unwrap();
        }
        prop_assert_eq!(
            rows(&conn, "SELECT outcome || '|' || method || '|' || app || '|' || api, n FROM journal_counts ORDER BY 1"),
            rows(&conn, "SELECT outcome || '|' || ifnull(method, '') || '|' || ifnull(app, '') || '|' || api, count(*) FROM journal GROUP BY 1 ORDER BY 1")
        );
        prop_assert_eq!(
            rows(&conn, "SELECT code || '|' || outcome || '|' || method || '|' || app || '|' || api, n FROM journal_finding_counts ORDER BY 1"),
            rows(&conn, "SELECT c || '|' || outcome || '|' || ifnull(method, '') || '|' || ifnull(app, '') || '|' || api, count(*)
                         FROM (SELECT DISTINCT j.seq, json_extract(f.value, '$.code') AS c, j.outcome, j.method, j.app, j.api
                               FROM journal j, json_each(j.findings) f)
                         GROUP BY 1 ORDER BY 1")
        );
        prop_assert_eq!(
            rows(&conn, "SELECT code, seq FROM journal_findings ORDER BY 1, 2"),
            rows(&conn, "SELECT DISTINCT json_extract(f.value, '$.code'), j.seq FROM journal j, json_each(j.findings) f ORDER BY 1, 2")
        );
        prop_assert_eq!(
            rows(&conn, "SELECT kind || '|' || cgid || '|' || app || '|' || api, n FROM message_counts ORDER BY 1"),
            rows(&conn, "SELECT kind || '|' || cgid || '|' || app || '|' || api, count(*) FROM messages GROUP BY 1 ORDER BY 1")
        );
        prop_assert_eq!(
            rows(&conn, "SELECT user_id || '|' || kind || '|' || cgid || '|' || app || '|' || api, n FROM delivery_counts ORDER BY 1"),
            rows(&conn, "SELECT r.user_id || '|' || kind || '|' || cgid || '|' || app || '|' || api, count(*)
                         FROM messages m JOIN recipients r ON r.message_seq = m.seq GROUP BY 1 ORDER BY 1")
        );
        prop_assert_eq!(
            rows(&conn, "SELECT title, rowid FROM message_titles ORDER BY 2"),
            rows(&conn, "SELECT json_extract(data, '$.title') || char(1, 1), seq FROM messages
                         WHERE seq <= (SELECT upto FROM message_titles_upto) ORDER BY 2")
        );
        // `after` alone is counted on the smaller side of it: every position.
        let afters = (-1..45).map(|after| JournalFilter { after: Some(after), limit: 1000, ..JournalFilter::default() });
        for filter in journal_filters.iter().cloned().chain(afters) {
            let filter = &filter;
            let (total, items) = tx.journal(filter).unwrap();
            let expected = journal_scanned(&conn, filter);
            prop_assert_eq!(total as i64, expected, "{:?}", filter);
            prop_assert_eq!(items.len() as i64, expected, "{:?}", filter);
        }
        let everything = NotificationFilter { limit: 1000, ..NotificationFilter::default() };
        let afters = (-1..45).map(|after| NotificationFilter { after: Some(after), limit: 1000, ..NotificationFilter::default() });
        for filter in notification_filters.iter().cloned().chain([everything]).chain(afters) {
            let filter = &filter;
            let (total, items) = tx.notifications(filter).unwrap();
            let expected = notifications_scanned(&conn, filter);
            prop_assert_eq!(total as i64, expected, "{:?}", filter);
            prop_assert_eq!(items.len() as i64, expected, "{:?}", filter);
        }
        for user in ["1", "2", "4"] {
            let filter = NotificationFilter { user: Some(user.into()), limit: 1000, ..NotificationFilter::default() };
            let (total, _) = tx.notifications(&filter).unwrap();
            prop_assert_eq!(total as i64, notifications_scanned(&conn, &filter), "user {}", user);
        }
    }
}
