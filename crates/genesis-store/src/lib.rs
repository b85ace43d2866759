//! The embedded store: campaigns and their trials in one SQLite file.
//!
//! Invariants:
//! - every state change is one transaction, so a crash (even `kill -9`)
//!   leaves either the old or the new state, never a mix;
//! - a finished trial (completed or failed) is never modified again;
//! - `(campaign_id, idx)` is unique, so a trial index is proposed once.
//!
//! The schema already has projects and owners so that the multi-user server
//! and a PostgreSQL backend can come without reshaping the data; SQL is kept
//! to the portable subset (no SQLite-only types, times as integer ms).

mod accounts;
mod artifacts;
mod audit;
mod datasets;
mod hypotheses;
mod keys;
mod record;
mod schema;
mod vault;

pub use accounts::{Members, Principal, Role, TokenInfo, User, token_hash};
pub use artifacts::ArtifactProblem;
pub use audit::{AuditEntry, AuditRecord, Thresholds};
pub use datasets::DatasetRecord;
pub use hypotheses::{HypothesisRecord, MatchRecord};
pub use record::{CheckedEvents, Verification, verify_events};
pub use schema::SCHEMA_VERSION;
pub use vault::{MasterKey, Vault};

use artifacts::Artifacts;
use genesis_core::{CampaignSpec, CampaignStatus, Inputs, Outputs, TrialStatus};
use genesis_prov::{ArtifactRef, Event, Reporter, Signer, Versioned};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::path::Path;

/// Store failures. Corrupt rows are reported, never silently skipped.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored JSON in {what} is unreadable: {source}")]
    Json {
        what: String,
        source: serde_json::Error,
    },
    #[error("no campaign matches `{0}`")]
    NotFound(String),
    #[error("`{prefix}` matches several campaigns: {matches}")]
    Ambiguous { prefix: String, matches: String },
    #[error("the store was written by a newer Genesis (schema {found}, this build knows {known})")]
    TooNew { found: i64, known: i64 },
    #[error("trial {0} is not in a state that allows this change")]
    BadTransition(i64),
    #[error("corrupt value in the store: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Io(String),
    /// A missing or wrong key: nothing was read or changed.
    #[error("{0}")]
    Key(String),
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What is needed to create a campaign row.
#[derive(Clone, Debug)]
pub struct NewCampaign<'a> {
    pub spec: &'a CampaignSpec,
    /// The campaign file's text as it was when the campaign started.
    pub source_text: &'a str,
    pub source_path: &'a str,
    /// Folder relative twin commands resolve against.
    pub base_dir: &'a str,
    /// The project it belongs to (`default` for the CLI).
    pub project: &'a str,
    /// The server runs it (and resumes it after a restart); the CLI's
    /// campaigns run in the CLI.
    pub in_server: bool,
    pub owner: &'a str,
    pub twin_name: &'a str,
    pub twin_version: &'a str,
    /// The planner's name, version and settings (`PlannerInfo` as JSON),
    /// recorded in the provenance.
    pub planner: &'a serde_json::Value,
    pub now_ms: i64,
}

/// A stored campaign.
#[derive(Clone, Debug)]
pub struct CampaignRecord {
    pub id: String,
    pub project: String,
    pub owner: String,
    pub name: String,
    pub status: CampaignStatus,
    pub spec: CampaignSpec,
    pub source_text: String,
    pub source_path: String,
    pub base_dir: String,
    pub twin_name: String,
    pub twin_version: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// How many trials of a campaign are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrialCounts {
    pub pending: u64,
    pub running: u64,
    pub completed: u64,
    pub failed: u64,
}

impl TrialCounts {
    /// Trials that count against the budget.
    pub fn finished(&self) -> u64 {
        self.completed + self.failed
    }

    /// Every trial ever proposed.
    pub fn total(&self) -> u64 {
        self.pending + self.running + self.completed + self.failed
    }
}

/// A proposed trial about to be stored.
#[derive(Clone, Debug)]
pub struct NewTrial<'a> {
    pub index: u64,
    pub inputs: &'a Inputs,
    pub planner_name: &'a str,
    pub planner_version: &'a str,
    pub planner_reason: &'a str,
    pub twin_name: &'a str,
    pub twin_version: &'a str,
}

/// A stored trial.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialRecord {
    pub id: i64,
    pub campaign_id: String,
    pub index: u64,
    pub status: TrialStatus,
    pub inputs: Inputs,
    pub outputs: Option<Outputs>,
    pub failure_reason: Option<String>,
    /// How many times the trial was started (more than 1 after a resume).
    pub attempts: u32,
    pub planner_name: String,
    pub planner_version: String,
    pub planner_reason: String,
    pub twin_name: String,
    pub twin_version: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// How the executor knows a running trial (a Slurm job id), if it was
    /// handed to a scheduler.
    pub external: Option<serde_json::Value>,
}

/// A handle on one workspace: its database, its artifacts and its key.
pub struct Store {
    conn: Connection,
    signer: Signer,
    artifacts: Artifacts,
    /// The data key: encrypts artifacts and seals secrets.
    vault: Vault,
    /// Where the keys live (`None` in memory), for rotation.
    keys_dir: Option<std::path::PathBuf>,
}

// Hot lookups read joined names through scalar subqueries, not `JOIN ...
// WHERE col = ?1`: SQLite (built with STAT4) recompiles a join whose WHERE
// compares a column with a bound parameter at every execution, which cost
// the server ~10 µs per query.
const CAMPAIGN_COLUMNS: &str = "c.id, (SELECT name FROM projects WHERE id = c.project_id), c.owner, c.name, c.status, c.spec_json, c.source_text, \
     c.source_path, c.base_dir, c.twin_name, c.twin_version, c.created_at, c.updated_at";
const TRIAL_COLUMNS: &str = "id, campaign_id, idx, status, params_json, outputs_json, failure_reason, \
     attempts, planner_name, planner_version, planner_reason, twin_name, twin_version, created_at, \
     started_at, ended_at, external_json";

fn json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|source| StoreError::Json {
        what: what.to_string(),
        source,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain values always serialise")
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it,
    /// with the master key `keys/master.key` beside it (created on first
    /// use). The signing key and the wrapped data key live in `keys/`, the
    /// encrypted artifacts in `artifacts/`.
    pub fn open(path: &Path) -> Result<Store> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let master = MasterKey::load(&dir.join("keys").join("master.key"), true)?;
        Self::open_with(path, &master)
    }

    /// [`Store::open`] with a master key kept elsewhere
    /// (`GENESIS_MASTER_KEY_FILE`). A key that does not open the
    /// workspace's data key is refused before anything is read or written.
    pub fn open_with(path: &Path, master: &MasterKey) -> Result<Store> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let keys_dir = dir.join("keys");
        let signer = keys::load_or_create(&keys_dir)?;
        let vault = Vault::open(&keys_dir, master)?;
        let conn = Connection::open(path)?;
        Self::setup(
            conn,
            signer,
            Artifacts::Dir(dir.join("artifacts")),
            vault,
            Some(keys_dir),
        )
    }

    /// An in-memory store with throwaway keys, for tests and dry runs.
    pub fn in_memory() -> Result<Store> {
        let signer = Signer::generate().map_err(|e| StoreError::Io(e.to_string()))?;
        Self::setup(
            Connection::open_in_memory()?,
            signer,
            Artifacts::Memory(Default::default()),
            Vault::ephemeral(),
            None,
        )
    }

    /// The workspace's data key, for sealing secrets (TOTP seeds).
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Replaces the master key at `master.path()` with a fresh one and
    /// rewraps the data key under it (see `vault` for the crash-safe
    /// order). Artifacts and secrets are untouched; returns the new key.
    pub fn rotate_master_key(&self, master: &MasterKey) -> Result<MasterKey> {
        let dir = self
            .keys_dir
            .as_deref()
            .ok_or_else(|| StoreError::Key("an in-memory store has no key files".into()))?;
        Vault::rotate_master(dir, master)
    }

    fn setup(
        mut conn: Connection,
        signer: Signer,
        artifacts: Artifacts,
        vault: Vault,
        keys_dir: Option<std::path::PathBuf>,
    ) -> Result<Store> {
        // WAL lets `genesis show` read while a campaign writes; FULL sync makes
        // each committed trial durable even across a power cut.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Every hot query is prepared once per connection (`prepare_cached`).
        conn.set_prepared_statement_cache_capacity(64);
        schema::migrate(&mut conn)?;
        conn.execute(
            "INSERT OR IGNORE INTO signing_keys (fingerprint, public_key) VALUES (?1, ?2)",
            params![signer.public().fingerprint(), signer.public().hex()],
        )?;
        Ok(Store {
            conn,
            signer,
            artifacts,
            vault,
            keys_dir,
        })
    }

    /// Schema version the store is at.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Creates a campaign in its project and returns it.
    pub fn create_campaign(&mut self, new: &NewCampaign<'_>) -> Result<CampaignRecord> {
        let source =
            self.artifacts
                .put(&self.vault, "campaign.toml", new.source_text.as_bytes())?;
        let spec_json = to_json(new.spec);
        let tx = self.conn.transaction()?;
        let project_id: i64 = tx
            .query_row(
                "SELECT id FROM projects WHERE name = ?1",
                [new.project],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("project `{}`", new.project)))?;
        let id: String = loop {
            let id: String = tx.query_row("SELECT lower(hex(randomblob(4)))", [], |r| r.get(0))?;
            let taken: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM campaigns WHERE id = ?1)",
                [&id],
                |r| r.get(0),
            )?;
            if !taken {
                break id;
            }
        };
        tx.execute(
            "INSERT INTO campaigns (id, project_id, owner, name, status, spec_json, source_text, \
             source_path, base_dir, twin_name, twin_version, created_at, updated_at, in_server) \
             VALUES (?1, ?11, ?2, ?3, 'running', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?12)",
            params![
                id,
                new.owner,
                new.spec.name,
                spec_json,
                new.source_text,
                new.source_path,
                new.base_dir,
                new.twin_name,
                new.twin_version,
                new.now_ms,
                project_id,
                new.in_server
            ],
        )?;
        let event = Event::CampaignCreated {
            campaign: id.clone(),
            name: new.spec.name.clone(),
            project: new.project.into(),
            owner: new.owner.to_string(),
            spec_hash: genesis_prov::digest(spec_json.as_bytes()),
            source,
            source_path: new.source_path.to_string(),
            base_dir: new.base_dir.to_string(),
            twin: Versioned {
                name: new.twin_name.to_string(),
                version: new.twin_version.to_string(),
            },
            planner: new.planner.clone(),
            software: Versioned {
                name: "genesis".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
        };
        record::append(&tx, &self.signer, &id, new.now_ms, &event)?;
        tx.commit()?;
        self.campaign(&id)
    }

    fn campaign_row(row: &Row<'_>) -> rusqlite::Result<[String; 11]> {
        Ok([
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
            row.get(8)?,
            row.get(9)?,
            row.get(10)?,
        ])
    }

    fn campaigns_where(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<CampaignRecord>> {
        let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns c {clause}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args, |row| {
            Ok((
                Self::campaign_row(row)?,
                row.get::<_, i64>(11)?,
                row.get::<_, i64>(12)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                [
                    id,
                    project,
                    owner,
                    name,
                    status,
                    spec,
                    source_text,
                    source_path,
                    base_dir,
                    twin_name,
                    twin_version,
                ],
                created_at,
                updated_at,
            ) = row?;
            out.push(CampaignRecord {
                spec: json(&spec, &format!("campaign {id}"))?,
                status: status.parse().map_err(StoreError::Corrupt)?,
                id,
                project,
                owner,
                name,
                source_text,
                source_path,
                base_dir,
                twin_name,
                twin_version,
                created_at,
                updated_at,
            });
        }
        Ok(out)
    }

    /// The campaign whose id is `id`, or starts with `id` if that is unique.
    pub fn campaign(&self, id: &str) -> Result<CampaignRecord> {
        // An exact id is a primary-key lookup; otherwise a prefix. (Not
        // `LIKE ?1`: SQLite recompiles such a statement for every new
        // pattern, which the server would pay on every request.)
        let mut found = self.campaigns_where("WHERE c.id = ?1", [id])?;
        if found.is_empty() {
            found =
                self.campaigns_where("WHERE substr(c.id, 1, length(?1)) = ?1 ORDER BY c.id", [id])?;
        }
        match found.len() {
            0 => Err(StoreError::NotFound(id.to_string())),
            1 => Ok(found.remove(0)),
            _ if found.iter().any(|c| c.id == id) => {
                Ok(found.into_iter().find(|c| c.id == id).expect("checked"))
            }
            _ => Err(StoreError::Ambiguous {
                prefix: id.to_string(),
                matches: found
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Every campaign, oldest first.
    pub fn campaigns(&self) -> Result<Vec<CampaignRecord>> {
        self.campaigns_where("ORDER BY c.created_at, c.id", [])
    }

    /// The most recent unfinished campaign called `name`, for `run --resume`.
    pub fn latest_running(&self, name: &str) -> Result<Option<CampaignRecord>> {
        Ok(self
            .campaigns_where(
                "WHERE c.name = ?1 AND c.status = 'running' ORDER BY c.created_at DESC, c.id LIMIT 1",
                [name],
            )?
            .pop())
    }

    /// Commits of this connection survive a crash of the process (WAL) but
    /// not necessarily a power cut (`synchronous = NORMAL`). For the
    /// server's audit writer only: a batch of audit entries is not a trial
    /// result, and its queue is lost in a crash anyway.
    pub fn relax_durability(&self) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    /// A number that grows with every change to a campaign (the sequence
    /// number of its latest event: every state change appends one in the
    /// same transaction), so views of it can be cached until it moves.
    pub fn campaign_version(&self, campaign_id: &str) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM events WHERE campaign_id = ?1")?
            .query_row([campaign_id], |r| r.get(0))?)
    }

    /// The running campaigns the server runs (to resume them at its start).
    pub fn server_campaigns(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM campaigns WHERE in_server = 1 AND status = 'running' ORDER BY created_at",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks a campaign completed or cancelled.
    pub fn set_campaign_status(
        &mut self,
        id: &str,
        status: CampaignStatus,
        now_ms: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE campaigns SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status <> ?2",
            params![id, status.as_str(), now_ms],
        )?;
        if n == 1 {
            let event = Event::CampaignStatus {
                status: status.as_str().to_string(),
            };
            record::append(&tx, &self.signer, id, now_ms, &event)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores proposed trials, all or none, as `pending`.
    pub fn add_trials(
        &mut self,
        campaign_id: &str,
        trials: &[NewTrial<'_>],
        now_ms: i64,
    ) -> Result<Vec<i64>> {
        let tx = self.conn.transaction()?;
        let ids = insert_trials(&tx, &self.signer, campaign_id, trials, now_ms)?;
        tx.commit()?;
        Ok(ids)
    }

    /// Moves a pending trial to `running` and counts the attempt.
    pub fn start_trial(&mut self, trial_id: i64, now_ms: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        let changed: Option<(String, i64, i64)> = tx
            .query_row(
                "UPDATE trials SET status = 'running', attempts = attempts + 1, started_at = ?2 \
                 WHERE id = ?1 AND status = 'pending' RETURNING campaign_id, idx, attempts",
                params![trial_id, now_ms],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        let Some((campaign, idx, attempt)) = changed else {
            return Err(StoreError::BadTransition(trial_id));
        };
        let event = Event::TrialStarted {
            trial: idx as u64,
            attempt: attempt as u32,
        };
        record::append(&tx, &self.signer, &campaign, now_ms, &event)?;
        tx.commit()?;
        Ok(())
    }

    /// Records the end of a running trial: outputs, or the failure reason.
    /// `artifacts` are what the run left behind (program output), already
    /// stored with [`Store::put_artifact`].
    pub fn finish_trial(
        &mut self,
        trial_id: i64,
        result: &std::result::Result<Outputs, String>,
        artifacts: &[ArtifactRef],
        execution: Option<&serde_json::Value>,
        now_ms: i64,
    ) -> Result<()> {
        let (status, outputs, reason) = match result {
            Ok(o) => (TrialStatus::Completed, Some(to_json(o)), None),
            Err(e) => (TrialStatus::Failed, None, Some(e.as_str())),
        };
        let tx = self.conn.transaction()?;
        let (campaign, idx) = record::update_one(
            &tx,
            "UPDATE trials SET status = ?2, outputs_json = ?3, failure_reason = ?4, ended_at = ?5 \
             WHERE id = ?1 AND status = 'running' RETURNING campaign_id, idx",
            params![trial_id, status.as_str(), outputs, reason, now_ms],
        )?
        .ok_or(StoreError::BadTransition(trial_id))?;
        let event = record::finished(idx, result, artifacts, Reporter::Executor, execution);
        record::append(&tx, &self.signer, &campaign, now_ms, &event)?;
        tx.execute(
            "UPDATE campaigns SET updated_at = ?2 WHERE id = (SELECT campaign_id FROM trials WHERE id = ?1)",
            params![trial_id, now_ms],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records results reported from outside (ask/tell), all in one
    /// transaction: each trial must be pending or running.
    pub fn tell_trials(
        &mut self,
        results: &[(i64, std::result::Result<Outputs, String>)],
        now_ms: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (trial_id, result) in results {
            let (status, outputs, reason) = match result {
                Ok(o) => (TrialStatus::Completed, Some(to_json(o)), None),
                Err(e) => (TrialStatus::Failed, None, Some(e.as_str())),
            };
            let (campaign, idx) = record::update_one(
                &tx,
                "UPDATE trials SET status = ?2, outputs_json = ?3, failure_reason = ?4, ended_at = ?5, \
                 attempts = MAX(attempts, 1) WHERE id = ?1 AND status IN ('pending', 'running') \
                 RETURNING campaign_id, idx",
                params![trial_id, status.as_str(), outputs, reason, now_ms],
            )?
            .ok_or(StoreError::BadTransition(*trial_id))?;
            let event = record::finished(idx, result, &[], Reporter::Tell, None);
            record::append(&tx, &self.signer, &campaign, now_ms, &event)?;
        }
        tx.execute(
            "UPDATE campaigns SET updated_at = ?2 WHERE id = (SELECT campaign_id FROM trials WHERE id = ?1)",
            params![results.first().map_or(0, |r| r.0), now_ms],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records that a running trial was handed to a scheduler, which knows
    /// it by `execution` (a Slurm job id), so a later process can re-attach.
    pub fn set_trial_external(
        &mut self,
        trial_id: i64,
        execution: &serde_json::Value,
        now_ms: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let (campaign, idx) = record::update_one(
            &tx,
            "UPDATE trials SET external_json = ?2 WHERE id = ?1 AND status = 'running' \
             RETURNING campaign_id, idx",
            params![trial_id, to_json(execution)],
        )?
        .ok_or(StoreError::BadTransition(trial_id))?;
        let event = Event::TrialSubmitted {
            trial: idx,
            execution: execution.clone(),
        };
        record::append(&tx, &self.signer, &campaign, now_ms, &event)?;
        tx.commit()?;
        Ok(())
    }

    /// Puts trials left `running` by a crashed process back to `pending` so
    /// they run again with the same inputs, except `keep` (trials an
    /// executor re-attached to). Returns how many were requeued.
    pub fn requeue_interrupted(
        &mut self,
        campaign_id: &str,
        keep: &[i64],
        now_ms: i64,
    ) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let keep_list = keep
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let trials: Vec<u64> = {
            let mut stmt = tx.prepare(&format!(
                "UPDATE trials SET status = 'pending', started_at = NULL, external_json = NULL \
                 WHERE campaign_id = ?1 AND status = 'running' AND id NOT IN ({keep_list}) RETURNING idx"
            ))?;
            let rows = stmt.query_map([campaign_id], |r| r.get::<_, i64>(0))?;
            let mut v = rows
                .map(|r| r.map(|i| i as u64))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            v.sort_unstable();
            v
        };
        if !trials.is_empty() {
            let n = trials.len();
            record::append(
                &tx,
                &self.signer,
                campaign_id,
                now_ms,
                &Event::TrialsRequeued { trials },
            )?;
            tx.commit()?;
            return Ok(n);
        }
        tx.commit()?;
        Ok(0)
    }

    /// Trials of a campaign in index order.
    pub fn trials(&self, campaign_id: &str) -> Result<Vec<TrialRecord>> {
        self.trials_where("campaign_id = ?1 ORDER BY idx", [campaign_id])
    }

    /// One trial by its id.
    pub fn trial(&self, trial_id: i64) -> Result<TrialRecord> {
        self.trials_where("id = ?1", [trial_id])?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("trial {trial_id}")))
    }

    fn trials_where(&self, clause: &str, args: impl rusqlite::Params) -> Result<Vec<TrialRecord>> {
        let sql = format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE {clause}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, i64>(7)?,
                [
                    r.get::<_, String>(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                ],
                (
                    r.get::<_, i64>(13)?,
                    r.get::<_, Option<i64>>(14)?,
                    r.get::<_, Option<i64>>(15)?,
                ),
                r.get::<_, Option<String>>(16)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                campaign_id,
                idx,
                status,
                params,
                outputs,
                failure_reason,
                attempts,
                names,
                times,
                external,
            ) = row?;
            let [
                planner_name,
                planner_version,
                planner_reason,
                twin_name,
                twin_version,
            ] = names;
            let what = format!("trial {id}");
            out.push(TrialRecord {
                id,
                campaign_id,
                index: idx as u64,
                status: status.parse().map_err(StoreError::Corrupt)?,
                inputs: json(&params, &what)?,
                outputs: outputs.map(|o| json(&o, &what)).transpose()?,
                failure_reason,
                attempts: attempts as u32,
                planner_name,
                planner_version,
                planner_reason,
                twin_name,
                twin_version,
                created_at: times.0,
                started_at: times.1,
                ended_at: times.2,
                external: external.map(|e| json(&e, &what)).transpose()?,
            });
        }
        Ok(out)
    }

    /// Trial counts per state for one campaign.
    pub fn counts(&self, campaign_id: &str) -> Result<TrialCounts> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT status, COUNT(*) FROM trials WHERE campaign_id = ?1 GROUP BY status",
        )?;
        let mut counts = TrialCounts::default();
        let rows = stmt.query_map([campaign_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (status, n) = row?;
            let n = n as u64;
            match status.parse().map_err(StoreError::Corrupt)? {
                TrialStatus::Pending => counts.pending = n,
                TrialStatus::Running => counts.running = n,
                TrialStatus::Completed => counts.completed = n,
                TrialStatus::Failed => counts.failed = n,
            }
        }
        Ok(counts)
    }
}

/// Inserts proposed trials and their events in the caller's transaction.
pub(crate) fn insert_trials(
    tx: &rusqlite::Transaction<'_>,
    signer: &Signer,
    campaign_id: &str,
    trials: &[NewTrial<'_>],
    now_ms: i64,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(trials.len());
    {
        let mut stmt = tx.prepare(
            "INSERT INTO trials (campaign_id, idx, status, params_json, attempts, planner_name, \
             planner_version, planner_reason, twin_name, twin_version, created_at) \
             VALUES (?1, ?2, 'pending', ?3, 0, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for t in trials {
            stmt.execute(params![
                campaign_id,
                t.index as i64,
                to_json(t.inputs),
                t.planner_name,
                t.planner_version,
                t.planner_reason,
                t.twin_name,
                t.twin_version,
                now_ms
            ])?;
            ids.push(tx.last_insert_rowid());
        }
    }
    let events: Vec<Event> = trials
        .iter()
        .map(|t| Event::TrialProposed {
            trial: t.index,
            inputs: t.inputs.clone(),
            planner: Versioned {
                name: t.planner_name.to_string(),
                version: t.planner_version.to_string(),
            },
            reason: t.planner_reason.to_string(),
            twin: Versioned {
                name: t.twin_name.to_string(),
                version: t.twin_version.to_string(),
            },
        })
        .collect();
    record::append_all(tx, signer, campaign_id, now_ms, &events)?;
    Ok(ids)
}
