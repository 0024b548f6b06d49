-- 0005_roles.sql - least privilege: one PostgreSQL role per program, with
-- only the grants its statements need (docs/security.md, "PostgreSQL
-- roles"). The schema's owner (the role that runs `bmdstream migrate`)
-- stays the administrator: `bmdstream user|project|key|replay|results`.
--
--   bmdstream_import     registers experiments; proves a user by key or
--                        password (reads users.password_hash; may add a
--                        user's short-lived session key)
--   bmdstream_prefilter  verifies signed events, creates the job, writes
--                        prefilter results
--   bmdstream_bmd        reads prefilter results, writes BMD results
--   bmdstream_category   reads BMD results, writes category results
--   bmdstream_tracker    verifies signed events, creates and updates jobs
--
-- No stage can read users.password_hash or write users, bmd_projects or
-- user_keys; no program but the owner can change the schema.
--
-- Roles belong to the cluster, not the database: they are made here
-- without LOGIN when missing (so that every database of the cluster
-- migrated with this file grants to the same roles), and a deployment
-- gives each its LOGIN and password (scripts/stack.sh; docker/). The
-- owner needs CREATEROLE for the first run on a cluster.
DO $$
DECLARE
  r TEXT;
BEGIN
  FOREACH r IN ARRAY ARRAY['bmdstream_import', 'bmdstream_prefilter', 'bmdstream_bmd',
                           'bmdstream_category', 'bmdstream_tracker'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- another database's migration made it first
      END;
    END IF;
  END LOOP;
END
$$;

-- Nothing by default: tables and sequences in public grant nothing to
-- PUBLIC unless told; say so anyway, so that a reader need not know it.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC;

-- Who a user is, without the password: a signature's key must belong to an
-- enabled user (bs_user_key_active), a project to its user.
GRANT SELECT (id, username, enabled) ON users
  TO bmdstream_import, bmdstream_prefilter, bmdstream_tracker;
GRANT SELECT ON user_keys TO bmdstream_import, bmdstream_prefilter, bmdstream_tracker;
GRANT SELECT (id, user_id) ON bmd_projects
  TO bmdstream_import, bmdstream_prefilter, bmdstream_bmd, bmdstream_category, bmdstream_tracker;

-- The importer: a password login (bs_user_check_password) and the
-- session key it mints for that user (bs_user_key_add_session).
GRANT SELECT (password_hash) ON users TO bmdstream_import;
GRANT INSERT (user_id, key_id, public_key, expires_at) ON user_keys TO bmdstream_import;
GRANT USAGE ON SEQUENCE user_keys_id_seq TO bmdstream_import;

-- Experiments: the importer writes them, the stages read them.
GRANT SELECT, INSERT, UPDATE ON dose_response_experiments TO bmdstream_import;
GRANT INSERT ON treatments, probe_responses TO bmdstream_import;
GRANT USAGE ON SEQUENCE dose_response_experiments_id_seq, treatments_id_seq,
  probe_responses_id_seq TO bmdstream_import;
GRANT SELECT ON dose_response_experiments
  TO bmdstream_prefilter, bmdstream_bmd, bmdstream_category;

-- Jobs: the importer creates them (and fails one it could not publish;
-- bs_rerun_submit), so may the first stage and the tracker for an upstream
-- system's event; the tracker updates them, every stage checks a job's
-- owner, the importer follows its jobs (--wait).
GRANT SELECT ON jobs
  TO bmdstream_import, bmdstream_prefilter, bmdstream_bmd, bmdstream_category, bmdstream_tracker;
GRANT INSERT ON jobs TO bmdstream_import, bmdstream_prefilter, bmdstream_tracker;
GRANT UPDATE ON jobs TO bmdstream_import, bmdstream_tracker;
-- (ON CONFLICT DO NOTHING reads the conflict target: SELECT)
GRANT SELECT, INSERT ON job_results TO bmdstream_prefilter, bmdstream_bmd, bmdstream_category;

-- Refused events, from every stage.
GRANT INSERT ON dead_letters
  TO bmdstream_prefilter, bmdstream_bmd, bmdstream_category, bmdstream_tracker;
GRANT USAGE ON SEQUENCE dead_letters_id_seq
  TO bmdstream_prefilter, bmdstream_bmd, bmdstream_category, bmdstream_tracker;

-- Each stage's results: it writes its own and reads its input's.
GRANT SELECT, INSERT, UPDATE ON prefilter_results TO bmdstream_prefilter;
GRANT SELECT, INSERT ON prefilter_result_details TO bmdstream_prefilter;
GRANT USAGE ON SEQUENCE prefilter_results_id_seq, prefilter_result_details_id_seq
  TO bmdstream_prefilter;
GRANT SELECT ON prefilter_results, prefilter_result_details TO bmdstream_bmd;

GRANT SELECT, INSERT, UPDATE ON bmd_results TO bmdstream_bmd;
GRANT SELECT, INSERT ON probe_stat_results TO bmdstream_bmd;
GRANT USAGE ON SEQUENCE bmd_results_id_seq, probe_stat_results_id_seq TO bmdstream_bmd;
GRANT SELECT ON bmd_results TO bmdstream_category;

GRANT SELECT, INSERT, UPDATE ON category_results TO bmdstream_category;
GRANT SELECT, INSERT ON category_result_details TO bmdstream_category;
GRANT USAGE ON SEQUENCE category_results_id_seq, category_result_details_id_seq
  TO bmdstream_category;
