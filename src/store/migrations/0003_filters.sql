-- Every filter of /__inspect/requests and /__inspect/notifications reads an index, and every
-- `total` of a filter made of equalities comes from a table of counts, so neither grows with the
-- number of stored rows.

-- `/requests?method=` and `?app=`: newest or oldest first, straight from the index.
CREATE INDEX journal_by_method ON journal (method, seq);
CREATE INDEX journal_by_app ON journal (app, seq);

-- `/requests?finding=`: each distinct finding code of each entry (an entry's `findings` column
-- stays the record; this is its index).
CREATE TABLE journal_findings (
    seq  INTEGER NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (seq, code)
) WITHOUT ROWID;
CREATE INDEX journal_findings_by_code ON journal_findings (code, seq);
INSERT OR IGNORE INTO journal_findings (seq, code)
    SELECT j.seq, json_extract(f.value, '$.code')
    FROM journal j, json_each(j.findings) f
    WHERE json_valid(j.findings) AND json_extract(f.value, '$.code') IS NOT NULL;

-- How many journal entries there are of each combination of the filtered columns (a missing
-- method or app as '', which no filter can name), and of each finding code with them.
CREATE TABLE journal_counts (
    outcome TEXT NOT NULL,
    method  TEXT NOT NULL,
    app     TEXT NOT NULL,
    api     TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (outcome, method, app, api)
) WITHOUT ROWID;
INSERT INTO journal_counts (outcome, method, app, api, n)
    SELECT outcome, ifnull(method, ''), ifnull(app, ''), api, count(*)
    FROM journal GROUP BY 1, 2, 3, 4;
CREATE TABLE journal_finding_counts (
    code    TEXT NOT NULL,
    outcome TEXT NOT NULL,
    method  TEXT NOT NULL,
    app     TEXT NOT NULL,
    api     TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (code, outcome, method, app, api)
) WITHOUT ROWID;
INSERT INTO journal_finding_counts (code, outcome, method, app, api, n)
    SELECT f.code, j.outcome, ifnull(j.method, ''), ifnull(j.app, ''), j.api, count(*)
    FROM journal_findings f JOIN journal j ON j.seq = f.seq GROUP BY 1, 2, 3, 4, 5;

-- `/notifications?kind=` and `?app=` (`gid` has `messages_by_cgid`, `user` `recipients_by_user`).
CREATE INDEX messages_by_kind ON messages (kind, seq);
CREATE INDEX messages_by_app ON messages (app, seq);

-- How many messages there are of each combination of the filtered columns.
CREATE TABLE message_counts (
    kind TEXT NOT NULL,
    cgid TEXT NOT NULL,
    app  TEXT NOT NULL,
    api  TEXT NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (kind, cgid, app, api)
) WITHOUT ROWID;
INSERT INTO message_counts (kind, cgid, app, api, n)
    SELECT kind, cgid, app, api, count(*) FROM messages GROUP BY 1, 2, 3, 4;

-- `/notifications?title=` (a substring, case-sensitive): the title each message's `data` holds,
-- as `json_extract` reads it, under the message's seq, indexed by trigrams. A message whose `data`
-- the real server's 65,535-byte cut left unreadable, or that has no title, has no row.
CREATE VIRTUAL TABLE message_titles USING fts5 (title, tokenize = 'trigram case_sensitive 1');
INSERT INTO message_titles (rowid, title)
    SELECT seq, json_extract(data, '$.title') FROM messages
    WHERE json_valid(data, 2) AND json_extract(data, '$.title') IS NOT NULL;
