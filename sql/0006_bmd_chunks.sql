-- 0006_bmd_chunks.sql - the chunk plan of a BMD result fitted by many
-- workers (docs/architecture.md, "One experiment over many BMD workers").
-- A result's probes (the rows its prefilter passed, ascending) are split
-- into n_chunks ranges [first_row, first_row + n_rows) of that array, one
-- row per chunk. done_at is set, once, in the transaction that records a
-- chunk's fits (the object fits_key); the gather runs when every chunk of
-- the result is done. The plan is the same for every run of the result
-- (its probes and chunk size are), so a rerun or a redelivered
-- prefilter-done finds it and fits nothing twice.
CREATE TABLE bmd_chunks (
    bmd_result_id BIGINT NOT NULL REFERENCES bmd_results(id) ON DELETE CASCADE,
    chunk_index INTEGER NOT NULL,
    n_chunks INTEGER NOT NULL,
    first_row INTEGER NOT NULL,
    n_rows INTEGER NOT NULL,
    fits_key VARCHAR(512),
    done_at TIMESTAMP,
    CONSTRAINT ux_bmd_chunks_natural PRIMARY KEY (bmd_result_id, chunk_index)
);

-- Only the BMD stage plans, fits and gathers chunks (sql/0005_roles.sql).
GRANT SELECT, INSERT, UPDATE ON bmd_chunks TO bmdstream_bmd;
