//! Executors: where and how trials run.
//!
//! An [`Executor`] takes trials and hands back their outcomes as they
//! finish. [`LocalExecutor`] runs each trial on its own thread on this
//! machine; Slurm and HTTP executors implement the same trait. The
//! [`SubprocessTwin`] runs a user's program in any language over the JSON
//! stdin/stdout protocol described in `docs/twins.md`.

mod children;
mod http;
mod local;
mod slurm;
mod subprocess;

pub use children::kill_running_programs;
pub use http::HttpTwin;
pub use local::LocalExecutor;
pub use slurm::{SlurmConfig, SlurmExecutor};
pub use subprocess::SubprocessTwin;

use genesis_core::{Inputs, Outputs, Twin, TwinError};
use std::sync::Arc;
use std::time::Duration;

/// The spec of a twin outside Genesis (a program, an instrument): open
/// inputs, and the outputs the campaign declares (open when it declares
/// none), so objectives can be checked before anything runs.
pub(crate) fn external_spec(
    name: String,
    version: String,
    description: String,
    outputs: Option<&[String]>,
) -> genesis_core::TwinSpec {
    genesis_core::TwinSpec {
        name,
        version,
        description,
        inputs: vec![],
        outputs: outputs
            .unwrap_or_default()
            .iter()
            .map(|n| genesis_core::IoSpec {
                name: n.clone(),
                unit: None,
                low: None,
                high: None,
                default: None,
                description: String::new(),
            })
            .collect(),
        open_inputs: true,
        open_outputs: outputs.is_none(),
        optimum: None,
    }
}

/// One trial to run.
pub struct Job {
    /// The store's id of the trial, echoed back in the [`Completion`].
    pub trial_id: i64,
    pub twin: Arc<dyn Twin>,
    pub inputs: Inputs,
    /// Wall-clock limit; `None` lets the trial run as long as it needs.
    pub timeout: Option<Duration>,
}

/// The outcome of one trial.
#[derive(Debug)]
pub struct Completion {
    pub trial_id: i64,
    pub result: Result<Outputs, TwinError>,
    /// Files the run produced (name, content), for the provenance record.
    pub artifacts: Vec<(String, Vec<u8>)>,
    /// Where and how it ran, as the executor knows it (a Slurm job's id,
    /// node, state, exit code, elapsed time), for the provenance record.
    pub execution: Option<serde_json::Value>,
    pub elapsed: Duration,
}

/// Runs trials somewhere and reports them as they finish.
pub trait Executor {
    /// Starts a trial; returns at once.
    fn submit(&mut self, job: Job);

    /// Trials submitted and not yet reported.
    fn in_flight(&self) -> usize;

    /// Blocks until a trial finishes (or times out) and returns it; `None`
    /// when nothing is in flight.
    fn wait(&mut self) -> Option<Completion>;

    /// Hands trials submitted since the last call to where they run (a
    /// batch scheduler takes them as one job array) and returns, for each,
    /// what identifies it there, so the store can record it before
    /// waiting. A trial that could not be handed over is reported by `wait`
    /// as failed, with why. Executors that start trials at once return
    /// nothing.
    fn flush(&mut self) -> Vec<(i64, serde_json::Value)> {
        Vec::new()
    }

    /// Takes back a trial started by an earlier process, by what `flush`
    /// returned for it; `false` if this executor cannot (it is then run
    /// again).
    fn reattach(&mut self, _trial_id: i64, _external: &serde_json::Value) -> bool {
        false
    }

    /// Stops everything in flight (a cancelled campaign); the trials are
    /// still reported by `wait`, as failed.
    fn cancel_all(&mut self) {}
}
