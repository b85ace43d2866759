//! The server's audit log: every authenticated request and every failed
//! sign-in, append-only and hash-chained (each entry's BLAKE3 hash covers
//! the previous hash), with simple detectors that append *alerts* to the
//! same log when a pattern looks like an attack.
//!
//! The detectors and their thresholds are in [`Thresholds`]; each alert is
//! raised once per subject per window, so a sustained attack gives one
//! alert per window rather than one per request.

use crate::{Result, Store};
use genesis_prov::digest;
use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};

/// One thing that happened at the server.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// When (ms since the epoch).
    pub at: i64,
    /// The user acting (`None` when the credential was missing or bad).
    pub actor: Option<String>,
    /// How they proved it: `session`, `token:ID`, or `None`.
    pub credential: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    /// What: the route (`GET /api/v1/campaigns/{id}`), `login`, or `alert`.
    pub action: String,
    /// On what: the concrete path, the user name tried, or the alert kind.
    pub target: String,
    /// The HTTP status of the answer (0 for an alert).
    pub status: u16,
    /// Anything else (bytes sent for exports, an alert's explanation).
    pub detail: Value,
}

/// A stored entry: its sequence number and hash.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
    pub hash: String,
}

/// When the detectors raise an alert.
#[derive(Clone, Debug)]
pub struct Thresholds {
    /// Failed sign-ins for one account within `window_ms`.
    pub failed_logins_per_user: i64,
    /// Failed sign-ins from one address within `window_ms`.
    pub failed_logins_per_address: i64,
    /// 403/404 answers to one actor (or address) within `window_ms`.
    pub denied_per_actor: i64,
    /// Export bytes one actor may download within an hour.
    pub export_bytes_per_hour: i64,
    /// The burst window.
    pub window_ms: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            failed_logins_per_user: 5,
            failed_logins_per_address: 10,
            denied_per_actor: 20,
            export_bytes_per_hour: 100 * 1024 * 1024,
            window_ms: 10 * 60 * 1000,
        }
    }
}

const HOUR_MS: i64 = 3600 * 1000;
const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn entry_hash(prev: &str, seq: i64, e: &AuditEntry) -> String {
    let line = json!([
        seq,
        e.at,
        e.actor,
        e.credential,
        e.address,
        e.action,
        e.target,
        e.status,
        e.detail
    ]);
    digest(format!("{prev}\n{line}").as_bytes()).hex()
}

fn row_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditRecord, String)> {
    let detail: String = r.get(8)?;
    Ok((
        AuditRecord {
            seq: r.get(0)?,
            entry: AuditEntry {
                at: r.get(1)?,
                actor: r.get(2)?,
                credential: r.get(3)?,
                address: r.get(4)?,
                action: r.get(5)?,
                target: r.get(6)?,
                status: r.get(7)?,
                detail: serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
            },
            hash: r.get(10)?,
        },
        r.get(9)?,
    ))
}

const COLUMNS: &str =
    "seq, at, actor, credential, address, action, target, status, detail, prev_hash, hash";

impl Store {
    /// Appends `entries` (one transaction), runs the detectors on each, and
    /// returns the alerts they raised (already appended too).
    pub fn append_audit(
        &mut self,
        entries: &[AuditEntry],
        limits: &Thresholds,
    ) -> Result<Vec<AuditEntry>> {
        let tx = self.conn.transaction()?;
        let (mut seq, mut prev): (i64, String) = tx
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, GENESIS_HASH.to_string()));
        let mut raised = Vec::new();
        let mut insert = |tx: &rusqlite::Transaction<'_>, e: &AuditEntry| -> Result<i64> {
            seq += 1;
            let hash = entry_hash(&prev, seq, e);
            tx.prepare_cached(&format!("INSERT INTO audit ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"))?.execute(
                params![seq, e.at, e.actor, e.credential, e.address, e.action, e.target, e.status, e.detail.to_string(), prev, hash],
            )?;
            prev = hash;
            Ok(seq)
        };
        for e in entries {
            let at = insert(&tx, e)?;
            for alert in detect(&tx, at, e, limits)? {
                insert(&tx, &alert)?;
                raised.push(alert);
            }
        }
        tx.commit()?;
        Ok(raised)
    }

    /// The latest `limit` audit entries (newest last), optionally only alerts.
    pub fn audit_log(&self, limit: i64, alerts_only: bool) -> Result<Vec<AuditRecord>> {
        let filter = if alerts_only {
            "WHERE action = 'alert'"
        } else {
            ""
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM (SELECT * FROM audit {filter} ORDER BY seq DESC LIMIT ?1) ORDER BY seq"
        ))?;
        let rows = stmt.query_map([limit], row_entry)?;
        rows.map(|r| Ok(r?.0)).collect()
    }

    /// Recomputes the audit chain: `Ok(None)` if every hash matches, else
    /// the first sequence number whose entry was changed, removed or
    /// reordered.
    pub fn verify_audit(&self) -> Result<Option<i64>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))?;
        let mut prev = GENESIS_HASH.to_string();
        for (expected_seq, row) in (1..).zip(stmt.query_map([], row_entry)?) {
            let (rec, stored_prev) = row?;
            if rec.seq != expected_seq
                || stored_prev != prev
                || entry_hash(&prev, rec.seq, &rec.entry) != rec.hash
            {
                return Ok(Some(expected_seq));
            }
            prev = rec.hash;
        }
        Ok(None)
    }
}

fn alert(e: &AuditEntry, kind: &str, subject: &str, message: String) -> AuditEntry {
    AuditEntry {
        at: e.at,
        actor: e.actor.clone(),
        credential: e.credential.clone(),
        address: e.address.clone(),
        action: "alert".into(),
        target: kind.into(),
        status: 0,
        detail: json!({ "subject": subject, "message": message }),
    }
}

/// The alerts `e` (just appended as entry `seq`) completes, each at most
/// once per subject and window.
fn detect(
    tx: &rusqlite::Transaction<'_>,
    seq: i64,
    e: &AuditEntry,
    t: &Thresholds,
) -> Result<Vec<AuditEntry>> {
    let since = e.at - t.window_ms;
    let count = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<i64> {
        Ok(tx.prepare_cached(sql)?.query_row(p, |r| r.get(0))?)
    };
    let already = |kind: &str, subject: &str, since: i64| -> Result<bool> {
        Ok(count(
            "SELECT count(*) FROM audit WHERE action = 'alert' AND target = ?1 \
             AND json_extract(detail, '$.subject') = ?2 AND at >= ?3",
            params![kind, subject, since],
        )? > 0)
    };
    let mut out = Vec::new();
    if e.action == "login" && matches!(e.status, 401 | 429) {
        let n = count(
            "SELECT count(*) FROM audit WHERE action = 'login' AND status IN (401, 429) AND target = ?1 AND at >= ?2",
            params![e.target, since],
        )?;
        let subject = format!("user {}", e.target);
        if n >= t.failed_logins_per_user && !already("failed_login_burst", &subject, since)? {
            out.push(alert(
                e,
                "failed_login_burst",
                &subject,
                format!(
                    "{n} failed sign-ins for account `{}` within {} minutes",
                    e.target,
                    t.window_ms / 60_000
                ),
            ));
        }
        if let Some(addr) = &e.address {
            let n = count(
                "SELECT count(*) FROM audit WHERE action = 'login' AND status IN (401, 429) AND address = ?1 AND at >= ?2",
                params![addr, since],
            )?;
            let subject = format!("address {addr}");
            if n >= t.failed_logins_per_address && !already("failed_login_burst", &subject, since)?
            {
                out.push(alert(
                    e,
                    "failed_login_burst",
                    &subject,
                    format!(
                        "{n} failed sign-ins from {addr} within {} minutes",
                        t.window_ms / 60_000
                    ),
                ));
            }
        }
    }
    if let (Some(cred), Some(addr)) = (&e.credential, &e.address)
        && cred.starts_with("token:")
    {
        // Index lookups that stop at the first row, however long the log.
        let used_before = count(
            "SELECT EXISTS(SELECT 1 FROM audit WHERE credential = ?1 AND seq < ?2 AND action != 'alert')",
            params![cred, seq],
        )? == 1;
        let address_known = count(
            "SELECT EXISTS(SELECT 1 FROM audit WHERE credential = ?1 AND address = ?2 AND seq < ?3 AND action != 'alert')",
            params![cred, addr, seq],
        )? == 1;
        if used_before && !address_known {
            let subject = format!("{cred} from {addr}");
            out.push(alert(
                e,
                "token_new_address",
                &subject,
                format!(
                    "API {cred} of `{}` was used from a new address {addr}",
                    e.actor.as_deref().unwrap_or("?")
                ),
            ));
        }
    }
    if matches!(e.status, 403 | 404) {
        let (column, who) = match (&e.actor, &e.address) {
            (Some(a), _) => ("actor", a.clone()),
            (None, Some(addr)) => ("address", addr.clone()),
            (None, None) => ("address", String::new()),
        };
        let n = count(
            &format!(
                "SELECT count(*) FROM audit WHERE status IN (403, 404) AND {column} = ?1 AND at >= ?2"
            ),
            params![who, since],
        )?;
        let subject = format!("{column} {who}");
        if n >= t.denied_per_actor && !already("access_denied_burst", &subject, since)? {
            out.push(alert(
                e,
                "access_denied_burst",
                &subject,
                format!(
                    "{n} requests refused (403/404) for {column} {who} within {} minutes",
                    t.window_ms / 60_000
                ),
            ));
        }
    }
    if e.action.contains("/export") && e.status == 200 {
        let who = e.actor.clone().unwrap_or_default();
        let bytes = count(
            "SELECT coalesce(sum(json_extract(detail, '$.bytes')), 0) FROM audit \
             WHERE actor = ?1 AND action LIKE '%/export%' AND status = 200 AND at >= ?2",
            params![who, e.at - HOUR_MS],
        )?;
        let subject = format!("user {who}");
        if bytes > t.export_bytes_per_hour && !already("export_volume", &subject, e.at - HOUR_MS)? {
            out.push(alert(
                e,
                "export_volume",
                &subject,
                format!(
                    "`{who}` exported {bytes} bytes within an hour (limit {})",
                    t.export_bytes_per_hour
                ),
            ));
        }
    }
    Ok(out)
}
