//! Executors: where and how trials run.
//!
//! An [`Executor`] takes trials and hands back their outcomes as they
//! finish. [`LocalExecutor`] runs each trial on its own thread on this
//! machine; Slurm and HTTP executors implement the same trait. The
//! [`SubprocessTwin`] runs a user's program in any language over the JSON
//! stdin/stdout protocol described in `docs/twins.md`.

mod children;
mod local;
mod subprocess;

pub use children::kill_running_programs;
pub use local::LocalExecutor;
pub use subprocess::SubprocessTwin;

use genesis_core::{Inputs, Outputs, Twin, TwinError};
use std::sync::Arc;
use std::time::Duration;

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
}
