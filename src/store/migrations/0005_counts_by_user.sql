-- Every combination of equalities has an exact `total` from a table of counts, `user` included: how
-- many deliveries each user has of each combination of the messages' filtered columns.
CREATE TABLE delivery_counts (
    user_id INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    cgid    TEXT NOT NULL,
    app     TEXT NOT NULL,
    api     TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, cgid, app, api)
) WITHOUT ROWID;
INSERT INTO delivery_counts (user_id, kind, cgid, app, api, n)
    SELECT r.user_id, m.kind, m.cgid, m.app, m.api, count(*)
    FROM recipients r JOIN messages m ON m.seq = r.message_seq GROUP BY 1, 2, 3, 4, 5;
-- A delete leaves the combinations it emptied at 0, and then removes them through this: only the
-- rows at 0 are read, however many users and combinations there are.
CREATE INDEX delivery_counts_at_zero ON delivery_counts (user_id) WHERE n = 0;

-- One- and two-character title substrings from the trigram index: every indexed title ends with two
-- U+0001, so that each of its characters begins a trigram (the last two `x` U+0001 U+0001 and `xy`
-- U+0001), and a substring of one or two characters is any of the trigrams that begin with it,
-- which `message_title_trigrams` lists in order. The index is made again with its titles so ended.
DROP TABLE message_titles;
CREATE VIRTUAL TABLE message_titles USING fts5 (title, tokenize = 'trigram case_sensitive 1');
INSERT INTO message_titles (rowid, title)
    SELECT seq, json_extract(data, '$.title') || char(1, 1) FROM messages
    WHERE seq <= (SELECT upto FROM message_titles_upto)
      AND json_valid(data, 2) AND json_extract(data, '$.title') IS NOT NULL;
CREATE VIRTUAL TABLE message_title_trigrams USING fts5vocab (message_titles, 'row');
