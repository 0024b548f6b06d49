-- 0003_user_keys.sql - the Ed25519 public keys users sign their
-- experiment-imported events with (docs/security.md, "Signed upstream
-- events"). key_id is the first 16 bytes of SHA-256 of the raw public key,
-- in hex (bs/signature.h): one key belongs to one user. A revoked key keeps
-- its row (revoked_at set) and verifies no event.
CREATE TABLE user_keys (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_id VARCHAR(64) UNIQUE NOT NULL,
    public_key TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE INDEX idx_user_keys_user ON user_keys(user_id);
