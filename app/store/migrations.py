"""Numbered schema migrations of ``store.sqlite3``. Append only: never edit a released step.

Each step runs in its own transaction with ``PRAGMA user_version`` bumped inside it, so an
interrupted upgrade leaves the previous version intact.
"""

from __future__ import annotations

import sqlite3

from app.core import sqlite
from app.store.search_keys import KEY


def _unread(row: str) -> str:
    """1 when the message of ``row`` has no \\Seen flag, else 0 (the lists' own test)."""
    return f"(CASE WHEN (' ' || {row}.flags || ' ') NOT LIKE '% \\Seen %' THEN 1 ELSE 0 END)"


MIGRATIONS: list[str] = [
    # 1: accounts, folders, messages, full-text index
    """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL UNIQUE COLLATE NOCASE,
        auth TEXT NOT NULL CHECK (auth IN ('card', 'pkcs12', 'password')),
        imap_url TEXT NOT NULL,
        smtp_url TEXT,
        username TEXT,
        module TEXT,
        pkcs12 TEXT,
        trust TEXT,
        source TEXT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        delimiter TEXT,
        special_use TEXT,
        selectable INTEGER NOT NULL DEFAULT 1,
        uidvalidity INTEGER,
        uidnext INTEGER,
        highestmodseq INTEGER,
        messages INTEGER,
        synced_at TEXT,
        UNIQUE (account_id, name)
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- a local id is never given to another message
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        uid INTEGER NOT NULL,
        modseq INTEGER,
        flags TEXT NOT NULL DEFAULT '',
        internal_date TEXT,
        size INTEGER,
        message_id TEXT,
        subject TEXT NOT NULL DEFAULT '',
        sender TEXT NOT NULL DEFAULT '',
        recipients TEXT NOT NULL DEFAULT '',
        date TEXT,
        has_attachments INTEGER NOT NULL DEFAULT 0,
        blob TEXT,
        UNIQUE (folder_id, uid)
    );
    CREATE INDEX messages_by_message_id ON messages (message_id);
    CREATE INDEX messages_by_folder_date ON messages (folder_id, date);
    CREATE INDEX messages_without_body ON messages (folder_id) WHERE blob IS NULL;
    CREATE INDEX messages_by_blob ON messages (blob);
    CREATE VIRTUAL TABLE search USING fts5 (
        subject, addresses, body, attachments,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3 4'
    );
    """,
    # 2: the outbox (precious: the message files are fsynced, see BlobStore(durable=True))
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        envelope_from TEXT NOT NULL,
        recipients TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        blob TEXT NOT NULL,
        size INTEGER NOT NULL,
        dsn INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error TEXT,
        appended_to_sent INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        sent_at TEXT
    );
    CREATE INDEX outbox_by_state ON outbox (state, next_attempt_at);
    """,
    # 3: local changes waiting to be replayed on the server (precious: offline work)
    """
    CREATE TABLE pending_flags (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        uid INTEGER NOT NULL,
        add_flags TEXT NOT NULL DEFAULT '',
        remove_flags TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE INDEX pending_flags_by_folder ON pending_flags (folder_id, id);
    """,
    # 4: local moves, copies, deletions and folder changes waiting for the server (precious).
    # Names are the server's names at the time of the change: changes are replayed in order,
    # so an earlier change still sees the names a later rename replaces. A message row moved
    # or copied locally carries uid = -(id of its change) until the server gives it a UID.
    """
    CREATE TABLE pending_changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN
            ('move', 'copy', 'delete', 'create_folder', 'rename_folder', 'delete_folder')),
        folder_id INTEGER,  -- the source folder (no foreign key: it may be gone locally)
        folder TEXT NOT NULL,
        uid INTEGER,
        target_id INTEGER,
        target TEXT,
        row_id INTEGER,  -- the local message row that holds the result of a move or copy
        message_id TEXT,
        started INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE INDEX pending_changes_by_account ON pending_changes (account_id, id);
    """,
    # 5: what the doctor saw of a folder when she changed it, so that the replay never acts
    # on a folder rebuilt meanwhile (UIDVALIDITY) or deletes mail she has not seen (UIDNEXT)
    """
    ALTER TABLE pending_changes ADD COLUMN uidvalidity INTEGER;
    ALTER TABLE pending_changes ADD COLUMN uidnext INTEGER;
    """,
    # 6: one deliverer per outbox message. A row in 'sending' names its deliverer (claim, a
    # token of one delivery run, set with the state in one UPDATE) and says whether the end
    # of DATA went out in that attempt (data_sent): a deliverer found dead before it leaves a
    # message that can safely go again, after it one that may have arrived ('uncertain').
    # What Caducée checked of an uncertain message (a copy in Sent..., and up to which
    # synced message it looked for a delivery report naming it) and whether the durable file
    # was removed once the Sent copy was stored. A row left in 'sending' by an
    # older Caducée has an unknown phase: counted as past the end of DATA.
    """
    ALTER TABLE outbox ADD COLUMN claim TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
    ALTER TABLE outbox ADD COLUMN data_sent INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN checked_at TEXT;
    ALTER TABLE outbox ADD COLUMN check_note TEXT;
    ALTER TABLE outbox ADD COLUMN reports_seen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN file_removed INTEGER NOT NULL DEFAULT 0;
    UPDATE outbox SET data_sent = 1 WHERE state = 'sending';
    CREATE INDEX outbox_by_account ON outbox (account_id, state);
    """,
    # 7: receipts followed (issue 17). A synced message that is a delivery or disposition
    # report (multipart/report) says so (report: 'dsn' or 'mdn'), so lists can hide it. One
    # row per recipient of each sent message (deliveries), linked to its outbox row and
    # Message-ID and to the ENVID given with the submission; its state moves as reports
    # come (never backwards). Each report file is applied once (receipt_reports, by digest),
    # whatever folder or sync brought it, and a report that cannot be read is kept there.
    """
    ALTER TABLE messages ADD COLUMN report TEXT;
    CREATE INDEX messages_by_report ON messages (report) WHERE report IS NOT NULL;
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        outbox_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
        message_id TEXT NOT NULL,
        envid TEXT,
        subject TEXT NOT NULL DEFAULT '',
        recipient TEXT NOT NULL COLLATE NOCASE,
        asked TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delayed',
            'delivered', 'displayed', 'processed', 'deleted', 'refused', 'failed')),
        code TEXT,
        detail TEXT,
        sent_at TEXT NOT NULL,
        updated_at TEXT,
        delivered_at TEXT,
        read_at TEXT,
        UNIQUE (account_id, message_id, recipient)
    );
    CREATE INDEX deliveries_by_envid ON deliveries (envid);
    CREATE INDEX deliveries_by_message_id ON deliveries (message_id);
    CREATE TABLE receipt_reports (
        blob TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        outcome TEXT NOT NULL,
        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    """,
    # 8: Pro Santé Connect accounts (issue 14): 'psc' allowed by the CHECK on auth, which
    # SQLite can only change by rebuilding the table (ids kept: folders, outbox and pending
    # changes refer to them), plus the provider and client id the account was added with.
    """
    -- foreign keys off: accounts is rebuilt, the tables referring to it keep their rows
    CREATE TABLE accounts_new (
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL UNIQUE COLLATE NOCASE,
        auth TEXT NOT NULL CHECK (auth IN ('card', 'pkcs12', 'password', 'psc')),
        imap_url TEXT NOT NULL,
        smtp_url TEXT,
        username TEXT,
        module TEXT,
        pkcs12 TEXT,
        trust TEXT,
        source TEXT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        psc_issuer TEXT,
        psc_client_id TEXT
    );
    INSERT INTO accounts_new (id, address, auth, imap_url, smtp_url, username, module, pkcs12,
        trust, source, created_at)
        SELECT id, address, auth, imap_url, smtp_url, username, module, pkcs12, trust, source,
            created_at FROM accounts;
    DROP TABLE accounts;
    ALTER TABLE accounts_new RENAME TO accounts;
    """,
    # 9: drafts kept in the store (precious: her text before it is sent), each with the copy
    # of it on the server's Drafts folder (server_message_id, of version server_version);
    # gone = 1: deleted or sent here, its server copy still to remove (then the row goes).
    # outbox.dismissed: she closed the notice of this failed or uncertain send (it stays
    # in the outbox; a new failure of it raises the notice again).
    """
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
        content TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        recipients TEXT NOT NULL DEFAULT '[]',
        version INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        server_folder TEXT,
        server_message_id TEXT,
        server_version INTEGER NOT NULL DEFAULT 0,
        gone INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX drafts_by_account ON drafts (account_id, gone);
    ALTER TABLE outbox ADD COLUMN dismissed INTEGER NOT NULL DEFAULT 0;
    """,
    # 10 (issue 18): what the list shows of a message's documents, read once (at ingest, or
    # by the background pass app/store/documents_index.py for mail stored before): the
    # patient ("NOM Prénoms (JJ/MM/AAAA)"), whether an INS was read (patient_ins: 'qualifiée'
    # or 'lue'), the kind (app/mssante/overview.py KINDS), results and abnormal counts
    # ("classé" needs no column: the $MSSanteClasse keyword in flags). doc_state: NULL =
    # not read yet, 1 = read, its PDFs' text still to index, 2 = done. The documents'
    # words (CDA text, HPRIM results, PDF text) go to their own full-text table, same
    # tokenizer as ``search``.
    """
    ALTER TABLE messages ADD COLUMN doc_state INTEGER;
    ALTER TABLE messages ADD COLUMN patient TEXT;
    ALTER TABLE messages ADD COLUMN patient_ins TEXT;
    ALTER TABLE messages ADD COLUMN doc_kind TEXT;
    ALTER TABLE messages ADD COLUMN results INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN abnormal INTEGER NOT NULL DEFAULT 0;
    UPDATE messages SET doc_kind = 'receipt', doc_state = 2 WHERE report IS NOT NULL;
    UPDATE messages SET doc_state = 2 WHERE blob IS NOT NULL AND has_attachments = 0
        AND doc_state IS NULL;
    UPDATE messages SET doc_kind = 'patient' WHERE doc_kind IS NULL AND has_attachments = 0
        AND (sender || ' ' || recipients LIKE '%@patient.mssante.fr%'
             OR sender || ' ' || recipients LIKE '%@patient.mssante.test%');
    CREATE INDEX messages_documents_pending ON messages (id)
        WHERE blob IS NOT NULL AND (doc_state IS NULL OR doc_state < 2);
    CREATE INDEX messages_by_patient ON messages (patient) WHERE patient IS NOT NULL;
    CREATE VIRTUAL TABLE document_search USING fts5 (
        documents,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3 4'
    );
    """,
    # 11 (issue 22): newest first without sorting every match. The full-text tables are keyed
    # by date, then id (``app.store.search_keys``: FTS5 hands its matches newest first and a
    # page stops at its end), rebuilt once here; the list walks ``messages_by_date``.
    f"""
    CREATE INDEX messages_by_date ON messages (date);
    CREATE VIRTUAL TABLE search_by_date USING fts5 (
        subject, addresses, body, attachments,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3 4'
    );
    INSERT INTO search_by_date (rowid, subject, addresses, body, attachments)
        SELECT {KEY}, s.subject, s.addresses, s.body, s.attachments
        FROM search s JOIN messages m ON m.id = s.rowid ORDER BY 1;
    DROP TABLE search;
    ALTER TABLE search_by_date RENAME TO search;
    CREATE VIRTUAL TABLE document_search_by_date USING fts5 (
        documents,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3 4'
    );
    INSERT INTO document_search_by_date (rowid, documents)
        SELECT {KEY}, d.documents FROM document_search d JOIN messages m ON m.id = d.rowid
        ORDER BY 1;
    DROP TABLE document_search;
    ALTER TABLE document_search_by_date RENAME TO document_search;
    """,  # noqa: S608 - KEY is constant SQL
    # 12 (issue 22): message files to check, not the whole folder listed at every sync. A
    # file stops being referred to only when a row that referred to it goes or changes file:
    # those files are noted here (in the same transaction), and ``collect_blobs`` looks at
    # them only; a full listing runs once a day (``BlobStore.sweep_due``) for what no row
    # ever referred to (a crash between a file and its row).
    """
    CREATE TABLE blob_candidates (blob TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TRIGGER messages_blob_gone AFTER DELETE ON messages
        WHEN old.blob IS NOT NULL
        BEGIN INSERT OR IGNORE INTO blob_candidates (blob) VALUES (old.blob); END;
    CREATE TRIGGER messages_blob_changed AFTER UPDATE OF blob ON messages
        WHEN old.blob IS NOT NULL AND old.blob IS NOT new.blob
        BEGIN INSERT OR IGNORE INTO blob_candidates (blob) VALUES (old.blob); END;
    """,
    # 13 (issue 20): what she sets per account in "Paramètres du compte" beyond its servers:
    # the signature the composer inserts (plain text; empty = none). A table of its own, so
    # that the accounts table (rebuilt by step 8) stays as it is.
    """
    CREATE TABLE account_settings (
        account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        signature TEXT NOT NULL DEFAULT ''
    );
    """,
    # 14 (issue 22): each folder's message and unread counts kept as messages come, change
    # and go (triggers, in the same transaction), not recounted over every row whenever the
    # folder tree is drawn (320 ms at 100,000 messages, after each message she opens).
    # Reports (DSN/MDN) are not counted, as the list does not show them.
    f"""
    CREATE TABLE folder_counts (
        folder_id INTEGER PRIMARY KEY REFERENCES folders(id) ON DELETE CASCADE,
        total INTEGER NOT NULL DEFAULT 0,
        unread INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO folder_counts (folder_id, total, unread)
        SELECT f.id, count(m.id), coalesce(sum({_unread("m")}), 0)
        FROM folders f LEFT JOIN messages m ON m.folder_id = f.id AND m.report IS NULL
        GROUP BY f.id;
    CREATE TRIGGER folder_counted AFTER INSERT ON folders
        BEGIN INSERT OR IGNORE INTO folder_counts (folder_id) VALUES (new.id); END;
    CREATE TRIGGER message_counted AFTER INSERT ON messages WHEN new.report IS NULL
        BEGIN
            UPDATE folder_counts SET total = total + 1, unread = unread + {_unread("new")}
            WHERE folder_id = new.folder_id;
        END;
    CREATE TRIGGER message_uncounted AFTER DELETE ON messages WHEN old.report IS NULL
        BEGIN
            UPDATE folder_counts SET total = total - 1, unread = unread - {_unread("old")}
            WHERE folder_id = old.folder_id;
        END;
    CREATE TRIGGER message_recounted AFTER UPDATE OF flags, report, folder_id ON messages
        BEGIN
            UPDATE folder_counts SET total = total - (old.report IS NULL),
                unread = unread - (old.report IS NULL AND {_unread("old")})
            WHERE folder_id = old.folder_id;
            UPDATE folder_counts SET total = total + (new.report IS NULL),
                unread = unread + (new.report IS NULL AND {_unread("new")})
            WHERE folder_id = new.folder_id;
        END;
    """,  # noqa: S608 - constant SQL
    # 15 (issue 20) conversations, for the list's "Fils de discussion" (app/store/threads.py):
    # thread = the conversation's key, thread_depth = the message's place in it. Rows
    # stored before are a conversation of their own ('<' || id) with thread_depth NULL until
    # their file's headers are read (threads.backfill) or their body is synced.
    """
    ALTER TABLE messages ADD COLUMN thread TEXT;
    ALTER TABLE messages ADD COLUMN thread_depth INTEGER;
    UPDATE messages SET thread = '<' || id;
    CREATE INDEX messages_by_thread ON messages (thread);
    -- a folder's rows in table order: the list by conversation reads a folder whole, and
    -- through messages_by_folder_date it read the (encrypted) pages at random: 2x the time
    CREATE INDEX messages_by_folder ON messages (folder_id);
    CREATE INDEX messages_thread_pending ON messages (id) WHERE thread_depth IS NULL;
    """,
    # 16 (issue 22): a folder's list in the order she sorts it, read off an index, without
    # sorting 100,000 rows (by date 150 -> 40 ms, subject 230 -> 35 ms, sender 290 -> 35 ms
    # at 100,000 messages). Partial: what the list shows (reports apart, as its query says);
    # the same collation as its ORDER BY (app.store.views.message_ids).
    """
    CREATE INDEX messages_listed_date ON messages (folder_id, date COLLATE NOCASE)
        WHERE report IS NULL;
    CREATE INDEX messages_listed_subject ON messages (folder_id, subject COLLATE NOCASE)
        WHERE report IS NULL;
    CREATE INDEX messages_listed_sender ON messages (folder_id, sender COLLATE NOCASE)
        WHERE report IS NULL;
    """,
]


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the store's schema to the latest version; returns it."""
    return sqlite.migrate(connection, MIGRATIONS, "store")
