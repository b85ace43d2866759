//! Schema migrations, tracked in SQLite's `user_version`.
//!
//! Each migration runs in its own transaction together with the version
//! bump, so a crash mid-migration leaves the previous version intact.
//! Append new migrations; never edit a released one.

use crate::StoreError;
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: projects, campaigns and trials.
    "CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL
    );
    INSERT INTO projects (name, created_at) VALUES ('default', 0);
    CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled')),
        spec_json TEXT NOT NULL,
        source_text TEXT NOT NULL,
        source_path TEXT NOT NULL,
        base_dir TEXT NOT NULL,
        twin_name TEXT NOT NULL,
        twin_version TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE INDEX campaigns_by_name ON campaigns (name, created_at);
    CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaigns(id),
        idx BIGINT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed')),
        params_json TEXT NOT NULL,
        outputs_json TEXT,
        failure_reason TEXT,
        attempts INTEGER NOT NULL,
        planner_name TEXT NOT NULL,
        planner_version TEXT NOT NULL,
        planner_reason TEXT NOT NULL,
        twin_name TEXT NOT NULL,
        twin_version TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        started_at BIGINT,
        ended_at BIGINT,
        UNIQUE (campaign_id, idx)
    );",
    // 2: the provenance record (see genesis-prov) and the workspace keys.
    "CREATE TABLE events (
        campaign_id TEXT NOT NULL REFERENCES campaigns(id),
        seq BIGINT NOT NULL,
        at BIGINT NOT NULL,
        kind TEXT NOT NULL,
        trial_idx BIGINT,
        body TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        signature TEXT NOT NULL,
        PRIMARY KEY (campaign_id, seq)
    );
    CREATE TABLE signing_keys (
        fingerprint TEXT PRIMARY KEY,
        public_key TEXT NOT NULL
    );",
    // 3: how a scheduler knows a running trial (Slurm job id), for re-attaching.
    "ALTER TABLE trials ADD COLUMN external_json TEXT;",
    // 4: accounts of the server: users, project roles, API tokens, sessions.
    // Secrets are stored only as hashes (Argon2id for passwords, BLAKE3 for
    // random tokens).
    "CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        is_admin INTEGER NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until BIGINT,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE memberships (
        user_id INTEGER NOT NULL REFERENCES users(id),
        project_id INTEGER NOT NULL REFERENCES projects(id),
        role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
        PRIMARY KEY (user_id, project_id)
    );
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL REFERENCES users(id),
        project_id INTEGER NOT NULL REFERENCES projects(id),
        role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
        label TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );",
    // 5: TOTP secrets, sealed under the server's master key (never plain).
    "ALTER TABLE users ADD COLUMN totp_sealed TEXT;",
    // 6: the project role `admin` is now `owner` (a site administrator is
    // `users.is_admin`); and the server's audit log, hash-chained like
    // the provenance events: who did what, when, from where, with what
    // result; and which campaigns the server runs (it resumes them).
    "CREATE TABLE memberships_v6 (
        user_id INTEGER NOT NULL REFERENCES users(id),
        project_id INTEGER NOT NULL REFERENCES projects(id),
        role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'owner')),
        PRIMARY KEY (user_id, project_id)
    );
    INSERT INTO memberships_v6 SELECT user_id, project_id,
        CASE role WHEN 'admin' THEN 'owner' ELSE role END FROM memberships;
    DROP TABLE memberships;
    ALTER TABLE memberships_v6 RENAME TO memberships;
    CREATE TABLE api_tokens_v6 (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL REFERENCES users(id),
        project_id INTEGER NOT NULL REFERENCES projects(id),
        role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'owner')),
        label TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT
    );
    INSERT INTO api_tokens_v6 SELECT id, token_hash, user_id, project_id,
        CASE role WHEN 'admin' THEN 'owner' ELSE role END, label, created_at, expires_at, revoked_at
        FROM api_tokens;
    DROP TABLE api_tokens;
    ALTER TABLE api_tokens_v6 RENAME TO api_tokens;
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at BIGINT NOT NULL,
        actor TEXT,
        credential TEXT,
        address TEXT,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        status INTEGER NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_credential ON audit (credential, address);
    CREATE INDEX audit_actor ON audit (actor, at);
    CREATE INDEX audit_address ON audit (address, at);
    CREATE INDEX audit_action ON audit (action, target, at);
    ALTER TABLE campaigns ADD COLUMN in_server INTEGER NOT NULL DEFAULT 0;",
    // 7: the co-scientist's hypotheses (the whole typed hypothesis as JSON,
    // its rating and state) and the tournament's match log.
    "CREATE TABLE hypotheses (
        campaign_id TEXT NOT NULL REFERENCES campaigns(id),
        id TEXT NOT NULL,
        ord INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        body TEXT NOT NULL,
        elo DOUBLE PRECISION NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('proposed', 'testing', 'supported', 'refuted', 'inconclusive')),
        trials TEXT NOT NULL DEFAULT '[]',
        evidence TEXT,
        PRIMARY KEY (campaign_id, id)
    );
    CREATE TABLE hypothesis_matches (
        campaign_id TEXT NOT NULL REFERENCES campaigns(id),
        ord INTEGER NOT NULL,
        at BIGINT NOT NULL,
        first TEXT NOT NULL,
        second TEXT NOT NULL,
        winner TEXT NOT NULL,
        judge TEXT NOT NULL,
        PRIMARY KEY (campaign_id, ord)
    );",
    // 8: datasets registered in the workspace (processed nuclear data...):
    // a signed record pointing at an encrypted content-addressed file.
    "CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        metadata TEXT NOT NULL,
        file_name TEXT NOT NULL,
        file_hash TEXT NOT NULL,
        file_size BIGINT NOT NULL,
        signature TEXT NOT NULL
    );",
];

/// The schema version this build writes (the number of migrations).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to the latest schema.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
