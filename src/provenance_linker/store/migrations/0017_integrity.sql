-- Keyed row seals (store/seal.py): each row's HMAC, and per table the sealed count and
-- MAC sum, so rows added, edited or deleted outside the system are detected.
ALTER TABLE documents ADD COLUMN mac TEXT;
ALTER TABLE nodes ADD COLUMN mac TEXT;
ALTER TABLE edges ADD COLUMN mac TEXT;
ALTER TABLE records ADD COLUMN mac TEXT;
ALTER TABLE logs ADD COLUMN mac TEXT;
CREATE TABLE integrity_seals (
    name    TEXT PRIMARY KEY,
    count   INTEGER NOT NULL,
    total   TEXT NOT NULL,
    version INTEGER NOT NULL,
    mac     TEXT NOT NULL
) WITHOUT ROWID;
