-- Titles are added to the trigram index in bulk, a few times a second, instead of one by one as each
-- message is written (which made every commit write a segment of the index). `upto` is the highest
-- seq whose title the index holds; the title filter searches the messages above it directly.
CREATE TABLE message_titles_upto (upto INTEGER NOT NULL);
INSERT INTO message_titles_upto (upto) SELECT coalesce(max(seq), 0) FROM messages;
