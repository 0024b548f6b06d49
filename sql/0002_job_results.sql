-- 0002_job_results.sql - what each job produced: one row per stage that
-- exported a result for it, with the prefix of that result's exports in the
-- object store. The tracker writes a row when it reads the stage's output
-- event (prefilter-done, bmd-done, category-done); `bmdstream results`
-- reads them to fetch a job's files. The jobs table keeps the data model's
-- columns unchanged (its result_id names the BMD result only).
CREATE TABLE job_results (
    job_id VARCHAR(36) NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    stage VARCHAR(50) NOT NULL,
    result_id BIGINT NOT NULL,
    export_prefix VARCHAR(512) NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (job_id, stage)
);
