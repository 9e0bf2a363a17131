-- kean schema v26: the bureau's own screening vocabulary (issue 13), versioned.
--
-- Every change (add, edit, remove) is a version (vocabulary_versions, numbered
-- from 1, with who and when); every state of an entry is a row of
-- vocabulary_entries, from the version that made it to the version that ended
-- it (ended_version NULL: current). The engine merges the current entries with
-- the vocabulary kean ships; a change raises list_generation in its
-- transaction, so every process rebuilds its indexes, and marks every screened
-- record in pending_work, so every party is screened again.
CREATE TABLE vocabulary_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version_no BIGINT NOT NULL UNIQUE,
    action TEXT NOT NULL,
    word TEXT NOT NULL,
    english TEXT,
    previous TEXT,
    note TEXT NOT NULL,
    rescreen_marked BIGINT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by BIGINT NOT NULL,
    changed_by_name TEXT NOT NULL
);

CREATE TABLE vocabulary_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    word TEXT NOT NULL,
    english TEXT NOT NULL,
    note TEXT NOT NULL,
    added_version BIGINT NOT NULL,
    ended_version BIGINT
);
-- one current entry per word
CREATE UNIQUE INDEX vocabulary_entries_word_current ON vocabulary_entries (word) WHERE ended_version IS NULL;
