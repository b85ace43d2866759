//! Accounts of the multi-user server: users, their role in each project,
//! API tokens and sessions. Secrets never reach the database in plain text:
//! passwords as Argon2id hashes (made by the caller), random tokens as
//! BLAKE3 hashes.

use crate::{Result, Store, StoreError};
use rusqlite::{OptionalExtension, params};

/// What someone may do in a project, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read campaigns, trials and exports.
    Viewer,
    /// Also ask for experiments and tell results, create and cancel campaigns.
    Editor,
    /// Also manage the project's members.
    Owner,
}

impl Role {
    /// The role's name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Owner => "owner",
        }
    }

    /// The role named `s` (`viewer`, `editor` or `owner`).
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// A stored user.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub failed_logins: u32,
    pub locked_until: Option<i64>,
    /// The TOTP secret sealed under the master key, once enrolled.
    pub totp_sealed: Option<String>,
}

/// Who a request acts as, once its credential is checked: the user, and
/// for an API token the one project and role it is limited to.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    pub user_id: i64,
    pub user: String,
    pub is_admin: bool,
    /// `Some((project, role))` for an API token: it can do nothing else.
    pub token_scope: Option<(String, Role)>,
    /// The API token's id (for the audit log), `None` for a session.
    pub token_id: Option<i64>,
}

/// A project's members and their roles, by user name.
pub type Members = Vec<(String, Role)>;

/// What may be shown of an API token (never the token itself).
#[derive(Clone, Debug, PartialEq)]
pub struct TokenInfo {
    pub id: i64,
    pub project: String,
    pub role: Role,
    pub label: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// The hash under which a random token is stored.
pub fn token_hash(token: &str) -> String {
    genesis_prov::digest(token.as_bytes()).hex()
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        password_hash: r.get(2)?,
        is_admin: r.get(3)?,
        failed_logins: r.get::<_, i64>(4)? as u32,
        locked_until: r.get(5)?,
        totp_sealed: r.get(6)?,
    })
}

fn role_of(text: String) -> Result<Role> {
    Role::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("role `{text}`")))
}

impl Store {
    /// Adds a user with an Argon2id `password_hash` (PHC string).
    pub fn add_user(
        &mut self,
        name: &str,
        password_hash: &str,
        is_admin: bool,
        now_ms: i64,
    ) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO users (name, password_hash, is_admin, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, password_hash, is_admin, now_ms],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A user by name.
    pub fn user(&self, name: &str) -> Result<Option<User>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id, name, password_hash, is_admin, failed_logins, locked_until, totp_sealed FROM users WHERE name = ?1")?
            .query_row(
                [name],
                user_row,
            )
            .optional()?)
    }

    /// Enrols a user's TOTP secret, sealed by the caller.
    pub fn set_user_totp(&mut self, name: &str, sealed: &str) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE users SET totp_sealed = ?2 WHERE name = ?1",
            params![name, sealed],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user `{name}`")));
        }
        Ok(())
    }

    /// Records a failed login; locks the account until `lock_until` when given.
    pub fn login_failed(&mut self, user_id: i64, lock_until: Option<i64>) -> Result<()> {
        self.conn.execute(
            "UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE(?2, locked_until) WHERE id = ?1",
            params![user_id, lock_until],
        )?;
        Ok(())
    }

    /// Clears the failure count after a good login.
    pub fn login_succeeded(&mut self, user_id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
            [user_id],
        )?;
        Ok(())
    }

    /// Replaces a user's password hash (Argon2id PHC string) and ends
    /// their sessions, so a changed password logs out stolen sessions.
    pub fn set_password(&mut self, name: &str, password_hash: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE name = ?1",
            params![name, password_hash],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user `{name}`")));
        }
        tx.execute(
            "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
            [name],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Creates a project (no-op if it exists) and returns its id.
    pub fn add_project(&mut self, name: &str, now_ms: i64) -> Result<i64> {
        self.conn.execute(
            "INSERT OR IGNORE INTO projects (name, created_at) VALUES (?1, ?2)",
            params![name, now_ms],
        )?;
        Ok(self
            .conn
            .query_row("SELECT id FROM projects WHERE name = ?1", [name], |r| {
                r.get(0)
            })?)
    }

    /// Gives `user` `role` in `project` (replacing any earlier role).
    pub fn grant(&mut self, user: &str, project: &str, role: Role) -> Result<()> {
        let n = self.conn.execute(
            "INSERT INTO memberships (user_id, project_id, role) \
             SELECT u.id, p.id, ?3 FROM users u, projects p WHERE u.name = ?1 AND p.name = ?2 \
             ON CONFLICT (user_id, project_id) DO UPDATE SET role = excluded.role",
            params![user, project, role.as_str()],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "user `{user}` or project `{project}`"
            )));
        }
        Ok(())
    }

    /// The role of a user in a project, if any.
    pub fn role(&self, user_id: i64, project: &str) -> Result<Option<Role>> {
        let text: Option<String> = self
            .conn
            .prepare_cached(
                // Subqueries, not a join: see CAMPAIGN_COLUMNS in lib.rs.
                "SELECT role FROM memberships \
                 WHERE user_id = ?1 AND project_id = (SELECT id FROM projects WHERE name = ?2)",
            )?
            .query_row(params![user_id, project], |r| r.get(0))
            .optional()?;
        text.map(role_of).transpose()
    }

    /// Stores an API token (its hash) for `user` limited to `project` and `role`.
    #[allow(clippy::too_many_arguments)]
    pub fn add_token(
        &mut self,
        token: &str,
        user_id: i64,
        project: &str,
        role: Role,
        label: &str,
        expires_at: Option<i64>,
        now_ms: i64,
    ) -> Result<i64> {
        let n = self.conn.execute(
            "INSERT INTO api_tokens (token_hash, user_id, project_id, role, label, created_at, expires_at) \
             SELECT ?1, ?2, p.id, ?4, ?5, ?6, ?7 FROM projects p WHERE p.name = ?3",
            params![token_hash(token), user_id, project, role.as_str(), label, now_ms, expires_at],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("project `{project}`")));
        }
        Ok(self.conn.last_insert_rowid())
    }

    /// Revokes a token of `user_id` by its id; false if there is none.
    pub fn revoke_token(&mut self, token_id: i64, user_id: i64, now_ms: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
            params![token_id, user_id, now_ms],
        )? == 1)
    }

    /// Stores a session (its hash) for `user_id` until `expires_at`.
    pub fn add_session(
        &mut self,
        token: &str,
        user_id: i64,
        expires_at: i64,
        now_ms: i64,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash(token), user_id, now_ms, expires_at],
        )?;
        Ok(())
    }

    /// Ends a session.
    pub fn end_session(&mut self, token: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            [token_hash(token)],
        )?;
        Ok(())
    }

    /// Who a bearer credential (session or API token) belongs to, if it is
    /// valid at `now_ms`: not expired, not revoked.
    pub fn principal(&self, credential: &str, now_ms: i64) -> Result<Option<Principal>> {
        let hash = token_hash(credential);
        let session = self
            .conn
            .prepare_cached(
                "SELECT u.id, u.name, u.is_admin FROM users u \
                 WHERE u.id = (SELECT user_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2)",
            )?
            .query_row(params![hash, now_ms], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })
            .optional()?;
        if let Some((user_id, user, is_admin)) = session {
            return Ok(Some(Principal {
                user_id,
                user,
                is_admin,
                token_scope: None,
                token_id: None,
            }));
        }
        let token = self
            .conn
            .prepare_cached(
                "SELECT t.user_id, (SELECT name FROM users WHERE id = t.user_id), \
                 (SELECT name FROM projects WHERE id = t.project_id), t.role, t.id FROM api_tokens t \
                 WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2)",
            )?
            .query_row(
                params![hash, now_ms],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, i64>(4)?)),
            )
            .optional()?;
        token
            .map(|(user_id, user, project, role, token_id)| {
                Ok(Principal {
                    user_id,
                    user,
                    // A token never carries the owner's admin power.
                    is_admin: false,
                    token_scope: Some((project, role_of(role)?)),
                    token_id: Some(token_id),
                })
            })
            .transpose()
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, password_hash, is_admin, failed_logins, locked_until, totp_sealed FROM users ORDER BY name",
        )?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every project's name, with its members and their roles.
    pub fn projects(&self) -> Result<Vec<(String, Members)>> {
        let mut out: Vec<(String, Members)> = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.name, u.name, m.role FROM projects p LEFT JOIN memberships m ON m.project_id = p.id \
             LEFT JOIN users u ON u.id = m.user_id ORDER BY p.name, u.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for row in rows {
            let (project, user, role) = row?;
            if out.last().is_none_or(|(p, _)| *p != project) {
                out.push((project, Vec::new()));
            }
            if let (Some(user), Some(role)) = (user, role) {
                out.last_mut()
                    .expect("pushed")
                    .1
                    .push((user, role_of(role)?));
            }
        }
        Ok(out)
    }

    /// The API tokens of a user (what may be shown: never the secret).
    pub fn tokens(&self, user_id: i64) -> Result<Vec<TokenInfo>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, p.name, t.role, t.label, t.created_at, t.expires_at, t.revoked_at \
             FROM api_tokens t JOIN projects p ON p.id = t.project_id WHERE t.user_id = ?1 ORDER BY t.id",
        )?;
        let rows = stmt.query_map([user_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (id, project, role, label, created_at, expires_at, revoked_at) = row?;
            Ok(TokenInfo {
                id,
                project,
                role: role_of(role)?,
                label,
                created_at,
                expires_at,
                revoked_at,
            })
        })
        .collect()
    }
}
