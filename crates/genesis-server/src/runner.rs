//! Campaigns that run inside the server: one thread each, on its own store
//! connection, through the same engine loop as `genesis run`. The store
//! marks them (`in_server`), so a restarted server resumes exactly the
//! ones it ran — never a campaign a `genesis run` process owns.

use crate::ServerConfig;
use genesis_store::Store;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Starts and tracks the server's campaign threads.
pub(crate) struct Runner {
    config: ServerConfig,
    /// Campaigns with a live thread (so one is never run twice).
    active: Arc<Mutex<HashSet<String>>>,
}

impl Runner {
    pub(crate) fn new(config: ServerConfig) -> Runner {
        Runner {
            config,
            active: Arc::default(),
        }
    }

    /// Resumes every running campaign the server owns (at start).
    pub(crate) fn resume_all(&self) -> Result<(), String> {
        let store = Store::open_with(&self.config.db_path, &self.config.master)
            .map_err(|e| e.to_string())?;
        for id in store.server_campaigns().map_err(|e| e.to_string())? {
            tracing::info!("resuming campaign {id}");
            self.start(id);
        }
        Ok(())
    }

    /// Runs campaign `id` on a thread of its own, unless it already runs.
    pub(crate) fn start(&self, id: String) {
        if !self
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone())
        {
            return;
        }
        let config = self.config.clone();
        let active = self.active.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("campaign-{id}"))
            .spawn(move || {
                match run(&config, &id) {
                    Ok(report) => tracing::info!(
                        "campaign {id}: {} ({} completed, {} failed)",
                        report.status.as_str(),
                        report.counts.completed,
                        report.counts.failed
                    ),
                    Err(e) => tracing::error!("campaign {id} stopped: {e}"),
                }
                active.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start a thread for a campaign: {e}");
        }
    }
}

/// The engine loop for one campaign, until its budget is spent or it is
/// cancelled.
fn run(config: &ServerConfig, id: &str) -> Result<genesis_engine::RunReport, String> {
    let mut store = Store::open_with(&config.db_path, &config.master).map_err(|e| e.to_string())?;
    let record = store.campaign(id).map_err(|e| e.to_string())?;
    let prepared = genesis_engine::prepare(
        &record.source_text,
        &record.source_path,
        std::path::Path::new(&record.base_dir),
    )
    .map_err(|d| d.to_string())?;
    let env = genesis_engine::ExecEnv {
        workspace: &config.workspace,
        genesis: &config.genesis_bin,
    };
    let mut executor =
        genesis_engine::executor_for(&record, &prepared, &env).map_err(|e| e.to_string())?;
    genesis_engine::run_with(
        &mut store,
        &record,
        &prepared,
        executor.as_mut(),
        &mut Hypotheses,
    )
    .map_err(|e| e.to_string())
}

/// Runs the co-scientist every `hypotheses_every` trials, as `genesis run`
/// does, and logs the outcome.
struct Hypotheses;

impl genesis_engine::Observer for Hypotheses {
    fn checkpoint(
        &mut self,
        store: &mut Store,
        campaign: &genesis_store::CampaignRecord,
        counts: genesis_store::TrialCounts,
    ) {
        match genesis_engine::cosci::scheduled_round(store, campaign, counts.finished()) {
            None => {}
            Some(Ok(u)) => tracing::info!(
                campaign = %campaign.id,
                finished = counts.finished(),
                new = u.added,
                stated = u.ranked.len(),
                "hypotheses stated and ranked"
            ),
            Some(Err(e)) => tracing::warn!(
                campaign = %campaign.id,
                finished = counts.finished(),
                "hypotheses round failed: {e}"
            ),
        }
    }
}
