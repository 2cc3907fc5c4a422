-- The organisation: users, chats and their members, applications.
CREATE TABLE users (
    id       INTEGER PRIMARY KEY,
    account  TEXT NOT NULL UNIQUE,
    realname TEXT NOT NULL,
    avatar   TEXT NOT NULL DEFAULT '',
    deleted  INTEGER NOT NULL DEFAULT 0,
    admin    TEXT NOT NULL DEFAULT 'no'
);

-- `id` keeps fixture order, which is the order the real server lists chats in.
CREATE TABLE chats (
    id         INTEGER PRIMARY KEY,
    gid        TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    type       TEXT NOT NULL,
    dismissed  INTEGER NOT NULL DEFAULT 0,
    archived   INTEGER NOT NULL DEFAULT 0,
    last_index INTEGER NOT NULL DEFAULT 0,
    last_message INTEGER
);

CREATE TABLE chat_members (
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    quit    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX chat_members_by_user ON chat_members (user_id, quit);

CREATE TABLE apps (
    position    INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    key         TEXT,
    ip          TEXT NOT NULL DEFAULT '*',
    account     TEXT,
    called_time INTEGER NOT NULL DEFAULT 0
);

-- What accepted sends stored: the message, and one delivery row per recipient.
CREATE TABLE messages (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    cgid         TEXT NOT NULL,
    idx          INTEGER NOT NULL,
    content      TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data         TEXT NOT NULL,
    app          TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    request_seq  INTEGER NOT NULL
);
CREATE INDEX messages_by_cgid ON messages (cgid, seq);

CREATE TABLE recipients (
    message_seq INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'waiting',
    PRIMARY KEY (message_seq, user_id)
) WITHOUT ROWID;
CREATE INDEX recipients_by_user ON recipients (user_id, message_seq);

-- Every request the emulated API received.
CREATE TABLE journal (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at    TEXT NOT NULL,
    http_method    TEXT NOT NULL,
    path           TEXT NOT NULL,
    query          TEXT NOT NULL,
    app            TEXT,
    method         TEXT,
    lang           TEXT NOT NULL,
    client_ip      TEXT NOT NULL,
    body           BLOB NOT NULL,
    body_size      INTEGER NOT NULL,
    body_truncated INTEGER NOT NULL,
    status         INTEGER NOT NULL,
    response       BLOB NOT NULL,
    outcome        TEXT NOT NULL,
    findings       TEXT NOT NULL,
    duration_us    INTEGER NOT NULL
);
CREATE INDEX journal_by_outcome ON journal (outcome, seq);

-- Facts about the database itself, such as whether it has been seeded.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
