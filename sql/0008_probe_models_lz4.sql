-- 0008_probe_models_lz4.sql - probe_stat_results.models compressed with
-- lz4 instead of pglz, where the server has it.
--
-- A probe's models are about 4 KB of JSON, above TOAST's threshold, so
-- every row's value is compressed when written. With pglz that cost as
-- much as parsing the JSON into jsonb: 5,004 probes' models (21 MB of
-- text) inserted in 341-347 ms with pglz, 177-181 ms with lz4, 183 ms
-- stored uncompressed (PostgreSQL 15, this project's 2-core machine). The
-- BMD workers write these rows while the others fit, on the same cores.
-- Only new values are compressed with lz4; both read back the same, and
-- nothing that queries the column changes. A server built without lz4
-- keeps pglz.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings
             WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE probe_stat_results ALTER COLUMN models SET COMPRESSION lz4;
  END IF;
END
$$;
