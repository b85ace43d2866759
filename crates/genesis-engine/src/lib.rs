//! The closed loop: ask the planner, run trials, store results, repeat until
//! the budget is spent.
//!
//! The store is the single source of truth. Every proposal is stored before
//! it runs and every result is stored as it arrives, so a process killed at
//! any moment can be resumed: trials left `running` run again with the same
//! inputs, and the planner (stateless given seed, index and history)
//! continues exactly where it stopped.

// Diagnostics carry the file, place, excerpt and hint; they are built once
// per bad input file, so their size on the error path does not matter.
#![allow(clippy::result_large_err)]

pub mod cosci;
pub mod export;

use genesis_core::campaign::{self, ParsedCampaign};
use genesis_core::{CampaignError, CampaignStatus, Outputs, Twin, TwinRef, best_index};
use genesis_exec::{Executor, Job, LocalExecutor, SubprocessTwin};
use genesis_planner::{Observation, PLANNER_NAMES, Planner, SuggestRequest};
use genesis_store::{
    CampaignRecord, NewCampaign, NewTrial, Store, StoreError, TrialCounts, TrialRecord,
};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Failures of the loop itself (a failing trial is not one of them).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("planner failed: {0}")]
    Planner(#[from] genesis_planner::PlannerError),
    #[error("campaign {0} is {1}; only running campaigns can be resumed")]
    NotResumable(String, CampaignStatus),
    /// Results told to a campaign that cannot take them (nothing was written).
    #[error("{0}")]
    Rejected(String),
}

/// A campaign ready to run: validated, with its twin and planner built.
pub struct Prepared {
    pub parsed: ParsedCampaign,
    pub twin: Arc<dyn Twin>,
    pub planner: Box<dyn Planner>,
    /// Folder the campaign file is in; relative twin commands resolve here.
    pub base_dir: PathBuf,
}

/// `twin = "manual"`: results come from people or instruments through
/// [`ask`] and [`tell`], not from a program Genesis runs.
pub const MANUAL_TWIN: &str = "manual";

/// The stand-in twin of manual campaigns: accepts any inputs and outputs,
/// and refuses to evaluate.
struct ManualTwin(genesis_core::TwinSpec);

impl ManualTwin {
    fn new() -> Self {
        ManualTwin(genesis_core::TwinSpec {
            name: MANUAL_TWIN.into(),
            version: "-".into(),
            description: "experiments run outside Genesis; results arrive by `genesis tell`".into(),
            inputs: vec![],
            outputs: vec![],
            open_inputs: true,
            open_outputs: true,
            optimum: None,
        })
    }
}

impl Twin for ManualTwin {
    fn spec(&self) -> &genesis_core::TwinSpec {
        &self.0
    }

    fn evaluate(&self, _: &genesis_core::Inputs) -> Result<Outputs, genesis_core::TwinError> {
        Err(genesis_core::TwinError::Failed(
            "a manual campaign's results come from `genesis tell`".into(),
        ))
    }
}

/// Whether a campaign is run by ask/tell rather than by the loop.
pub fn is_manual(spec: &genesis_core::CampaignSpec) -> bool {
    matches!(&spec.twin, TwinRef::Builtin { name, .. } if name == MANUAL_TWIN)
}

/// Milliseconds since the Unix epoch; all stored times use it.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Parses and checks a campaign file against its twin and planner. Nothing
/// is written anywhere: bad input must leave no trace.
pub fn prepare(source: &str, origin: &str, base_dir: &Path) -> Result<Prepared, CampaignError> {
    let parsed = campaign::parse(source, origin)?;
    let spec = &parsed.spec;
    let inputs: Vec<&str> = spec
        .space
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .chain(spec.fixed.keys().map(String::as_str))
        .collect();
    let twin = build_twin(&spec.twin, base_dir, &inputs).map_err(|e| match &spec.twin {
        TwinRef::Builtin { .. } => parsed.error_at("twin", e).with_hint(format!(
            "built-in twins are: {}; or \"manual\" for ask/tell; or give a [twin] table with a command",
            genesis_twins::BUILTIN_NAMES.join(", ")
        )),
        _ => parsed.error_at("twin", e),
    })?;
    if spec.executor == "slurm" {
        genesis_exec::SlurmConfig::from_json(
            &spec.executor_settings,
            PathBuf::new(),
            PathBuf::new(),
        )
        .map_err(|e| parsed.error_at("executor", e))?;
        if is_manual(spec) {
            return Err(parsed.error_at(
                "executor",
                "a manual campaign runs nothing: it takes no executor",
            ));
        }
    }
    let planner = genesis_planner::build(&spec.planner, spec.seed, &spec.planner_settings)
        .map_err(|e| {
            parsed
                .error_at("planner", e.to_string())
                .with_hint(format!("planners are: {}", PLANNER_NAMES.join(", ")))
        })?;
    planner
        .check(&spec.space, spec.budget)
        .map_err(|e| parsed.error_at("planner", e.to_string()))?;
    parsed.check_against(twin.spec())?;
    Ok(Prepared {
        parsed,
        twin,
        planner,
        base_dir: base_dir.to_path_buf(),
    })
}

/// `genesis cancel` (from any process) stops a campaign: `first` and
/// everything else in flight are cancelled and recorded as failed, and
/// nothing new starts.
fn cancelled(
    store: &mut Store,
    campaign: &CampaignRecord,
    executor: &mut dyn Executor,
    first: genesis_exec::Completion,
    best: Option<TrialRecord>,
    requeued: usize,
    started: Instant,
) -> Result<RunReport, EngineError> {
    executor.cancel_all();
    let mut next = Some(first);
    while let Some(done) = next {
        let reason = match done.result {
            Ok(_) => {
                "cancelled with the campaign (its result came after the cancellation)".to_string()
            }
            Err(e) if e.to_string().contains("cancelled") => e.to_string(),
            Err(e) => format!("cancelled with the campaign: {e}"),
        };
        store.finish_trial(
            done.trial_id,
            &Err(reason),
            &[],
            done.execution.as_ref(),
            now_ms(),
        )?;
        next = executor.wait();
    }
    Ok(RunReport {
        campaign_id: campaign.id.clone(),
        status: CampaignStatus::Cancelled,
        counts: store.counts(&campaign.id)?,
        best,
        elapsed: started.elapsed(),
        requeued,
    })
}

/// Where an executor may put its files, and how compute nodes find Genesis.
pub struct ExecEnv<'a> {
    /// The workspace folder (Slurm's default folder is `slurm/CAMPAIGN` in it).
    pub workspace: &'a Path,
    /// The `genesis` binary (for Slurm jobs; `[executor] genesis` overrides).
    pub genesis: &'a Path,
}

/// The executor the campaign asks for (`[executor] kind`).
pub fn executor_for(
    campaign: &CampaignRecord,
    prepared: &Prepared,
    env: &ExecEnv<'_>,
) -> Result<Box<dyn Executor>, EngineError> {
    let spec = &prepared.parsed.spec;
    match spec.executor.as_str() {
        "slurm" => {
            let dir = env.workspace.join("slurm").join(&campaign.id);
            let cfg = genesis_exec::SlurmConfig::from_json(
                &spec.executor_settings,
                dir,
                env.genesis.to_path_buf(),
            )
            .map_err(EngineError::Rejected)?;
            let twin = serde_json::to_value(&spec.twin).expect("twin refs serialise");
            Ok(Box::new(
                genesis_exec::SlurmExecutor::new(cfg, twin, &prepared.base_dir)
                    .map_err(EngineError::Rejected)?,
            ))
        }
        _ => Ok(Box::new(LocalExecutor::new())),
    }
}

/// Builds the twin a campaign names, for a campaign file (`prepare`) or a
/// trial run elsewhere (`genesis exec-trial` on a Slurm node).
pub fn build_twin(
    twin: &TwinRef,
    base_dir: &Path,
    input_names: &[&str],
) -> Result<Arc<dyn Twin>, String> {
    match twin {
        TwinRef::Builtin { name, .. } if name == MANUAL_TWIN => Ok(Arc::new(ManualTwin::new())),
        TwinRef::Builtin { name, .. } => genesis_twins::resolve(name, input_names)
            .ok_or_else(|| format!("unknown twin `{name}`")),
        TwinRef::Command {
            command,
            timeout_s,
            outputs,
        } => Ok(Arc::new(SubprocessTwin::new(
            command,
            base_dir,
            *timeout_s,
            outputs.as_deref(),
        ))),
        TwinRef::Http {
            url,
            auth_env,
            timeout_s,
            retries,
            poll_s,
            outputs,
        } => Ok(Arc::new(genesis_exec::HttpTwin::new(
            url,
            auth_env.as_deref(),
            *timeout_s,
            *retries,
            *poll_s,
            outputs.as_deref(),
        )?)),
    }
}

/// Stores a new campaign for `prepared`, owned by `owner`, in the
/// `default` project (the CLI's).
pub fn create(
    store: &mut Store,
    prepared: &Prepared,
    owner: &str,
) -> Result<CampaignRecord, EngineError> {
    create_in(store, prepared, owner, "default", false)
}

/// [`create`] in a named project; `in_server` for the campaigns the
/// server runs itself.
pub fn create_in(
    store: &mut Store,
    prepared: &Prepared,
    owner: &str,
    project: &str,
    in_server: bool,
) -> Result<CampaignRecord, EngineError> {
    let twin = prepared.twin.spec();
    let info = prepared.planner.info();
    let planner = serde_json::json!({
        "name": info.name,
        "version": info.version,
        "settings": info.settings,
    });
    Ok(store.create_campaign(&NewCampaign {
        spec: &prepared.parsed.spec,
        source_text: &prepared.parsed.source,
        source_path: &prepared.parsed.origin,
        base_dir: &prepared.base_dir.to_string_lossy(),
        project,
        in_server,
        owner,
        twin_name: &twin.name,
        twin_version: &twin.version,
        planner: &planner,
        now_ms: now_ms(),
    })?)
}

/// Hooks for progress display; every method has a do-nothing default.
pub trait Observer {
    /// The loop is about to run; `counts` shows what earlier runs finished.
    fn started(&mut self, _campaign: &CampaignRecord, _counts: TrialCounts) {}
    /// A trial finished; `best` is the best completed trial so far.
    fn trial_finished(
        &mut self,
        _trial: &TrialRecord,
        _best: Option<&TrialRecord>,
        _counts: TrialCounts,
    ) {
    }
    /// After each finished trial, with the store: room for work that reads
    /// or adds to the campaign between trials (the CLI runs the
    /// co-scientist every `hypotheses_every` trials here). It reports its
    /// own failures; the loop goes on.
    fn checkpoint(&mut self, _store: &mut Store, _campaign: &CampaignRecord, _counts: TrialCounts) {
    }
}

/// An observer that shows nothing and does nothing.
pub struct Silent;
impl Observer for Silent {}

/// How a run ended.
#[derive(Debug)]
pub struct RunReport {
    pub campaign_id: String,
    pub status: CampaignStatus,
    pub counts: TrialCounts,
    pub best: Option<TrialRecord>,
    /// Wall time of this run (not of earlier, interrupted runs).
    pub elapsed: Duration,
    /// Trials found `running` from an interrupted run and run again.
    pub requeued: usize,
}

/// The best completed, feasible trial of a campaign (see [`best_index`]).
pub fn best_trial<'a>(
    spec: &genesis_core::CampaignSpec,
    trials: &'a [TrialRecord],
) -> Option<&'a TrialRecord> {
    let completed: Vec<&TrialRecord> = trials.iter().filter(|t| t.outputs.is_some()).collect();
    best_index(
        spec,
        completed
            .iter()
            .map(|t| t.outputs.as_ref().expect("filtered")),
    )
    .map(|i| completed[i])
}

/// Checks that a twin's outputs hold every objective and constrained output
/// as a finite number; anything else fails the trial with that reason.
fn check_outputs(spec: &genesis_core::CampaignSpec, outputs: &Outputs) -> Result<(), String> {
    let needed = spec
        .objectives
        .iter()
        .map(|o| &o.name)
        .chain(spec.constraints.iter().map(|c| &c.output));
    for name in needed {
        match outputs.get(name) {
            None => {
                let got: Vec<&str> = outputs.keys().map(String::as_str).collect();
                return Err(format!(
                    "output `{name}` is missing (got: {})",
                    if got.is_empty() {
                        "nothing".into()
                    } else {
                        got.join(", ")
                    }
                ));
            }
            Some(v) if !v.is_finite() => {
                return Err(format!("output `{name}` is {v}, not a finite number"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Asks the planner for `count` trials after `trials` (all the campaign's
/// trials, in index order) and stores them as pending, in one transaction.
fn propose(
    store: &mut Store,
    campaign_id: &str,
    prepared: &Prepared,
    trials: &[TrialRecord],
    observations: &[Observation],
    count: u64,
) -> Result<Vec<i64>, EngineError> {
    let spec = &prepared.parsed.spec;
    let info = prepared.planner.info();
    let twin = prepared.twin.spec();
    let first_index = trials.len() as u64;
    let pending: Vec<_> = trials
        .iter()
        .filter(|t| !t.status.is_finished())
        .map(|t| t.inputs.clone())
        .collect();
    let suggestions = prepared.planner.suggest(&SuggestRequest {
        space: &spec.space,
        objectives: &spec.objectives,
        constraints: &spec.constraints,
        observations,
        pending: &pending,
        first_index,
        count: count as usize,
    })?;
    let new: Vec<NewTrial> = suggestions
        .iter()
        .enumerate()
        .map(|(k, s)| NewTrial {
            index: first_index + k as u64,
            inputs: &s.inputs,
            planner_name: &info.name,
            planner_version: &info.version,
            planner_reason: &s.reason,
            twin_name: &twin.name,
            twin_version: &twin.version,
        })
        .collect();
    Ok(store.add_trials(campaign_id, &new, now_ms())?)
}

/// Finished trials as planner observations, in trial-index order.
fn observations_of(trials: &[TrialRecord]) -> Vec<Observation> {
    trials
        .iter()
        .filter(|t| t.status.is_finished())
        .map(|t| Observation {
            inputs: t.inputs.clone(),
            outputs: t.outputs.clone(),
        })
        .collect()
}

/// Ask/tell, step one: proposes up to `count` trials for someone else to
/// run (a lab, a colleague's cluster) and stores them as pending. Fewer
/// come back when the budget is nearly spent; none once it is.
pub fn ask(
    store: &mut Store,
    campaign: &CampaignRecord,
    prepared: &Prepared,
    count: u64,
) -> Result<Vec<TrialRecord>, EngineError> {
    if campaign.status != CampaignStatus::Running {
        return Err(EngineError::NotResumable(
            campaign.id.clone(),
            campaign.status,
        ));
    }
    let trials = store.trials(&campaign.id)?;
    let count = count.min(
        prepared
            .parsed
            .spec
            .budget
            .saturating_sub(trials.len() as u64),
    );
    if count == 0 {
        return Ok(Vec::new());
    }
    let ids = propose(
        store,
        &campaign.id,
        prepared,
        &trials,
        &observations_of(&trials),
        count,
    )?;
    ids.into_iter().map(|id| Ok(store.trial(id)?)).collect()
}

/// Ask/tell, step two: records results of trials proposed by [`ask`]
/// (by trial index), all or none. Each result is outputs, or a failure
/// reason. The campaign completes when its budget of results is in.
pub fn tell(
    store: &mut Store,
    campaign: &CampaignRecord,
    results: &[(u64, Result<Outputs, String>)],
) -> Result<TrialCounts, EngineError> {
    let spec = &campaign.spec;
    let trials = store.trials(&campaign.id)?;
    let mut batch = Vec::with_capacity(results.len());
    for (index, result) in results {
        let trial = trials
            .get(*index as usize)
            .filter(|t| t.index == *index)
            .ok_or_else(|| {
                EngineError::Rejected(format!("campaign {} has no trial {index}", campaign.id))
            })?;
        if trial.status.is_finished() {
            return Err(EngineError::Rejected(format!(
                "trial {index} already has a result ({})",
                trial.status
            )));
        }
        if batch.iter().any(|(id, _)| *id == trial.id) {
            return Err(EngineError::Rejected(format!(
                "trial {index} is given twice"
            )));
        }
        if let Ok(outputs) = result {
            check_outputs(spec, outputs)
                .map_err(|e| EngineError::Rejected(format!("trial {index}: {e}")))?;
        }
        batch.push((trial.id, result.clone()));
    }
    store.tell_trials(&batch, now_ms())?;
    let counts = store.counts(&campaign.id)?;
    if counts.finished() >= spec.budget {
        store.set_campaign_status(&campaign.id, CampaignStatus::Completed, now_ms())?;
    }
    Ok(counts)
}

/// Where trial `id` sits in `trials` (trials are kept in index order, and
/// trial ids grow with the index, so a binary search finds it).
fn position(trials: &[TrialRecord], id: i64) -> usize {
    trials
        .binary_search_by_key(&id, |t| t.id)
        .expect("every stored trial is tracked")
}

/// Stores what a finished job returned: its files, then the result (or the
/// failure) with the event that names them.
fn record_result(
    store: &mut Store,
    spec: &genesis_core::CampaignSpec,
    done: genesis_exec::Completion,
) -> Result<(), EngineError> {
    let result = match done.result {
        Ok(outputs) => check_outputs(spec, &outputs).map(|()| outputs),
        Err(e) => Err(e.to_string()),
    };
    // Files first, then the event that names them: a crash in between
    // leaves an unreferenced file, never a reference to nothing.
    let artifacts = done
        .artifacts
        .iter()
        .map(|(name, bytes)| store.put_artifact(name, bytes))
        .collect::<Result<Vec<_>, _>>()?;
    store.finish_trial(
        done.trial_id,
        &result,
        &artifacts,
        done.execution.as_ref(),
        now_ms(),
    )?;
    Ok(())
}

/// Marks a pending trial running and submits it; returns its new row.
fn start(
    store: &mut Store,
    prepared: &Prepared,
    executor: &mut dyn Executor,
    trial_id: i64,
    timeout: Option<Duration>,
) -> Result<TrialRecord, EngineError> {
    store.start_trial(trial_id, now_ms())?;
    let trial = store.trial(trial_id)?;
    executor.submit(Job {
        trial_id,
        twin: Arc::clone(&prepared.twin),
        inputs: prepared.parsed.spec.full_inputs(&trial.inputs),
        timeout,
    });
    Ok(trial)
}

/// Hands the submitted trials over (one job array for a scheduler) and
/// records how the scheduler knows them before waiting, so a restart can
/// re-attach instead of running them twice.
fn hand_over(store: &mut Store, executor: &mut dyn Executor) -> Result<(), EngineError> {
    for (trial_id, external) in executor.flush() {
        store.set_trial_external(trial_id, &external, now_ms())?;
    }
    Ok(())
}

/// Runs the given pending trials of a campaign (a falsification experiment
/// queued outside the planner) to completion, whatever the campaign's
/// status and budget, `workers` at a time.
pub fn run_queued(
    store: &mut Store,
    prepared: &Prepared,
    executor: &mut dyn Executor,
    trial_ids: &[i64],
) -> Result<(), EngineError> {
    let spec = &prepared.parsed.spec;
    let timeout = spec.twin.timeout_s().map(Duration::from_secs_f64);
    let mut queue: VecDeque<i64> = trial_ids.iter().copied().collect();
    loop {
        while executor.in_flight() < spec.workers as usize {
            let Some(trial_id) = queue.pop_front() else {
                break;
            };
            start(store, prepared, executor, trial_id, timeout)?;
        }
        hand_over(store, executor)?;
        let Some(done) = executor.wait() else {
            return Ok(());
        };
        record_result(store, spec, done)?;
    }
}

/// Runs (or resumes) `campaign` until its budget of finished trials is
/// reached, with the local executor.
pub fn run(
    store: &mut Store,
    campaign: &CampaignRecord,
    prepared: &Prepared,
    observer: &mut dyn Observer,
) -> Result<RunReport, EngineError> {
    run_with(
        store,
        campaign,
        prepared,
        &mut LocalExecutor::new(),
        observer,
    )
}

/// [`run`] with any executor.
pub fn run_with(
    store: &mut Store,
    campaign: &CampaignRecord,
    prepared: &Prepared,
    executor: &mut dyn Executor,
    observer: &mut dyn Observer,
) -> Result<RunReport, EngineError> {
    let started = Instant::now();
    let spec = &prepared.parsed.spec;
    let id = campaign.id.as_str();
    if campaign.status != CampaignStatus::Running {
        return Err(EngineError::NotResumable(
            campaign.id.clone(),
            campaign.status,
        ));
    }
    if is_manual(spec) {
        return Err(EngineError::Rejected(format!(
            "campaign {id} is manual: `genesis ask {id}` proposes experiments and `genesis tell {id}` records results"
        )));
    }
    // Trials a scheduler still holds (a Slurm job from an earlier process)
    // are taken back rather than run twice; the rest are requeued.
    let mut reattached = Vec::new();
    for t in store
        .trials(id)?
        .iter()
        .filter(|t| t.status == genesis_core::TrialStatus::Running)
    {
        if let Some(ext) = &t.external
            && executor.reattach(t.id, ext)
        {
            reattached.push(t.id);
        }
    }
    let requeued = store.requeue_interrupted(id, &reattached, now_ms())?;
    let mut trials = store.trials(id)?;
    let mut queue: VecDeque<i64> = trials
        .iter()
        .filter(|t| t.status == genesis_core::TrialStatus::Pending)
        .map(|t| t.id)
        .collect();
    let mut proposed = trials.len() as u64;
    let mut counts = store.counts(id)?;
    let mut best = best_trial(spec, &trials).cloned();
    // Finished trials in trial-index order (not finishing order, so the
    // planner sees the same history however workers were scheduled), kept
    // up to date as results arrive rather than rebuilt for every call.
    let mut observed: Vec<u64> = Vec::new();
    let mut observations: Vec<Observation> = Vec::new();
    for t in trials.iter().filter(|t| t.status.is_finished()) {
        observed.push(t.index);
        observations.push(Observation {
            inputs: t.inputs.clone(),
            outputs: t.outputs.clone(),
        });
    }
    observer.started(campaign, counts);

    let timeout = spec.twin.timeout_s().map(Duration::from_secs_f64);

    while counts.finished() < spec.budget {
        // Keep `workers` trials in flight, asking the planner for `batch`
        // more whenever the queue runs dry.
        while executor.in_flight() < spec.workers as usize {
            if queue.is_empty() && proposed < spec.budget {
                let count = spec.batch.min(spec.budget - proposed);
                let ids = propose(store, id, prepared, &trials, &observations, count)?;
                proposed += ids.len() as u64;
                for &trial_id in &ids {
                    trials.push(store.trial(trial_id)?);
                }
                queue.extend(ids);
            }
            let Some(trial_id) = queue.pop_front() else {
                break;
            };
            let slot = position(&trials, trial_id);
            trials[slot] = start(store, prepared, executor, trial_id, timeout)?;
        }
        hand_over(store, executor)?;
        let Some(done) = executor.wait() else {
            // Nothing runs and nothing can be proposed: the budget is met.
            break;
        };
        if store.campaign(id)?.status == CampaignStatus::Cancelled {
            return cancelled(store, campaign, executor, done, best, requeued, started);
        }
        let done_id = done.trial_id;
        record_result(store, spec, done)?;
        counts = store.counts(id)?;
        let slot = position(&trials, done_id);
        trials[slot] = store.trial(done_id)?;
        let trial = &trials[slot];
        let at = observed.partition_point(|&i| i < trial.index);
        observed.insert(at, trial.index);
        observations.insert(
            at,
            Observation {
                inputs: trial.inputs.clone(),
                outputs: trial.outputs.clone(),
            },
        );
        if let Some(outputs) = &trial.outputs {
            let beats = best.as_ref().is_none_or(|b: &TrialRecord| {
                let current = b.outputs.as_ref().expect("best trials completed");
                best_index(spec, [current, outputs]) == Some(1)
            });
            if beats && best_index(spec, [outputs]).is_some() {
                best = Some(trial.clone());
            }
        }
        observer.trial_finished(trial, best.as_ref(), counts);
        observer.checkpoint(store, campaign, counts);
    }

    let status = if counts.finished() >= spec.budget {
        store.set_campaign_status(id, CampaignStatus::Completed, now_ms())?;
        CampaignStatus::Completed
    } else {
        CampaignStatus::Running
    };
    Ok(RunReport {
        campaign_id: id.to_string(),
        status,
        counts,
        best,
        elapsed: started.elapsed(),
        requeued,
    })
}

/// How close a replayed output must be to the recorded one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// The same bits: built-in twins are deterministic.
    Exact,
    /// |replayed − recorded| ≤ rel · max(|recorded|, 1e-300).
    Relative(f64),
}

impl Tolerance {
    /// The default for a campaign's twin: exact for built-in twins; 1e-9
    /// relative for external programs, whose floating point may differ
    /// across libraries and machines.
    pub fn default_for(spec: &genesis_core::CampaignSpec) -> Tolerance {
        match spec.twin {
            genesis_core::TwinRef::Builtin { .. } => Tolerance::Exact,
            _ => Tolerance::Relative(1e-9),
        }
    }

    fn accepts(self, recorded: f64, replayed: f64) -> bool {
        match self {
            Tolerance::Exact => recorded.to_bits() == replayed.to_bits(),
            Tolerance::Relative(rel) => {
                (replayed - recorded).abs() <= rel * recorded.abs().max(1e-300)
            }
        }
    }
}

/// One output, recorded and replayed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OutputCheck {
    pub name: String,
    pub recorded: Option<f64>,
    pub replayed: Option<f64>,
    pub matches: bool,
}

/// The outcome of re-running a recorded trial.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Replay {
    pub campaign: String,
    pub trial: u64,
    pub inputs: genesis_core::Inputs,
    pub twin_then: String,
    pub twin_now: String,
    /// The recorded failure, if the trial failed.
    pub recorded_failure: Option<String>,
    /// Why the replay failed, if it did.
    pub replay_failure: Option<String>,
    pub outputs: Vec<OutputCheck>,
    pub tolerance: String,
    /// Every output within tolerance (or both runs failed).
    pub matches: bool,
}

/// Re-runs trial `index` of `campaign` with the twin rebuilt from the
/// stored campaign and the inputs from the verified record, and compares
/// the outputs. Refuses when the record does not verify: replaying
/// tampered inputs would prove nothing.
pub fn replay(
    store: &Store,
    campaign: &CampaignRecord,
    prepared: &Prepared,
    index: u64,
    tolerance: Tolerance,
) -> Result<Replay, EngineError> {
    let key = store.public_key();
    let (_, events) = store.verified_events(&campaign.id, &key)?.map_err(|b| {
        EngineError::Rejected(format!(
            "the record of campaign {} does not verify ({b}); replay refused",
            campaign.id
        ))
    })?;
    let state = genesis_prov::replay_state(&campaign.id, &events)
        .map_err(|b| EngineError::Rejected(b.to_string()))?;
    let trial = state.trials.get(&index).ok_or_else(|| {
        EngineError::Rejected(format!("campaign {} has no trial {index}", campaign.id))
    })?;
    if !matches!(trial.status, "completed" | "failed") {
        return Err(EngineError::Rejected(format!(
            "trial {index} of campaign {} is {}: there is no result to compare with",
            campaign.id, trial.status
        )));
    }
    if is_manual(&campaign.spec) {
        return Err(EngineError::Rejected(format!(
            "campaign {} is manual: its results came from outside Genesis and cannot be re-run here",
            campaign.id
        )));
    }
    let spec = &campaign.spec;
    let rerun = prepared
        .twin
        .evaluate(&spec.full_inputs(&trial.inputs))
        .map_err(|e| e.to_string())
        .and_then(|o| check_outputs(spec, &o).map(|()| o));
    let recorded = trial.outputs.clone().unwrap_or_default();
    let (outputs, replay_failure) = match &rerun {
        Ok(now) => {
            let names: std::collections::BTreeSet<&String> =
                recorded.keys().chain(now.keys()).collect();
            let checks = names
                .into_iter()
                .map(|n| {
                    let (r, p) = (recorded.get(n).copied(), now.get(n).copied());
                    OutputCheck {
                        name: n.clone(),
                        recorded: r,
                        replayed: p,
                        matches: matches!((r, p), (Some(a), Some(b)) if tolerance.accepts(a, b)),
                    }
                })
                .collect();
            (checks, None)
        }
        Err(e) => (vec![], Some(e.clone())),
    };
    let matches = match (&trial.failure_reason, &replay_failure) {
        (None, None) => outputs.iter().all(|c| c.matches),
        (Some(_), Some(_)) => true,
        _ => false,
    };
    Ok(Replay {
        campaign: campaign.id.clone(),
        trial: index,
        inputs: trial.inputs.clone(),
        twin_then: format!("{} {}", campaign.twin_name, campaign.twin_version),
        twin_now: format!(
            "{} {}",
            prepared.twin.spec().name,
            prepared.twin.spec().version
        ),
        recorded_failure: trial.failure_reason.clone(),
        replay_failure,
        outputs,
        tolerance: match tolerance {
            Tolerance::Exact => "exact (bit for bit)".into(),
            Tolerance::Relative(r) => format!("relative {r:e}"),
        },
        matches,
    })
}
