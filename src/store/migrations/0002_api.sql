-- Which API a request and a message came through: `x.php` (the XXB server's entry) or `xxd` (the
-- chat daemon's direct API, `/im/...`). Rows written before there were two are `x.php`.
ALTER TABLE journal ADD COLUMN api TEXT NOT NULL DEFAULT 'x.php';
ALTER TABLE messages ADD COLUMN api TEXT NOT NULL DEFAULT 'x.php';

-- The `api` filters: the direct API's rows are indexed on their own, so filtering by it reads only
-- them, and `/x.php` traffic (most rows, most of the time) costs no extra index write. The queries
-- name the value as a literal (`api = 'xxd'`), which a partial index needs.
CREATE INDEX journal_xxd ON journal (seq) WHERE api = 'xxd';
CREATE INDEX messages_xxd ON messages (seq) WHERE api = 'xxd';
