-- 0007_bmd_chunks_last.sql - which chunk of a BMD result was marked done
-- last (docs/architecture.md, "One experiment over many BMD workers").
-- The transaction that marks a result's last chunk done tells its
-- instance to gather and emit bmd-done; once the result is complete, only
-- that chunk's event, delivered again (its handler died before bmd-done
-- was out), needs bmd-done again. Any other chunk's event delivered after
-- the gather (a work item published twice, a dead worker's chunks done
-- but not committed) does nothing.
ALTER TABLE bmd_chunks ADD COLUMN marked_last BOOLEAN NOT NULL DEFAULT false;
