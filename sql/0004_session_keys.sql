-- 0004_session_keys.sql - a password login's signing key (docs/security.md,
-- "Signed upstream events"). `bmdstream-import --user NAME` without a key
-- file checks the user's password, makes a new Ed25519 key pair in memory,
-- registers its public half here as a session key of that user, signs the
-- run's events with it and forgets the private half. A session key signs
-- only events stamped (CloudEvents `time`) before expires_at; a key a user
-- registers (`bmdstream user key add`) has none.
ALTER TABLE user_keys ADD COLUMN expires_at TIMESTAMPTZ;
