-- 0004: where the audit chain starts. Pruning the oldest events (audit
-- retention) moves the start to the last pruned event, so the chain still
-- verifies from there and a deletion past it still shows.
-- Released: never edit; add a new file.
ALTER TABLE audit_chain_head ADD COLUMN start_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_chain_head ADD COLUMN start_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
