//! Experiment planners: given what has been observed, propose what to run next.
//!
//! Planners are pure and stateless between calls: a suggestion depends only
//! on the campaign seed, the trial index and the observations passed in.
//! That makes resume after a crash exact (ask again, get the same answer) and
//! lets the store, not the planner, be the single source of truth.

mod bo;
mod encode;
mod gp;
mod lbfgs;
mod random;
mod sobol;
mod special;

pub use bo::{Acquisition, BoPlanner, BoSettings};
/// The feature map of the surrogate, public for the same reason as [`Gp`]:
/// analyses must encode inputs exactly as the planner does.
pub use encode::Encoder;
/// The surrogate, public so that analyses of a campaign (sensitivity,
/// partial dependence, hypotheses in `genesis-cosci`) read the same model
/// the planner optimises, not a second one fitted differently.
pub use gp::{Gp, GpError, Hyper};
pub use random::RandomPlanner;
pub use sobol::SobolPlanner;

use genesis_core::{Constraint, Inputs, Objective, Outputs, SearchSpace};

/// Names accepted by `planner = "..."` in a campaign file.
pub const PLANNER_NAMES: &[&str] = &["bo", "random", "sobol"];

/// Who proposed a trial; stored with every trial for provenance.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannerInfo {
    pub name: String,
    pub version: String,
    /// Settings that change what the planner proposes (seed included).
    pub settings: serde_json::Value,
}

/// One finished trial as the planner sees it.
#[derive(Clone, Debug)]
pub struct Observation {
    pub inputs: Inputs,
    /// `None` when the trial failed: the planner may steer away from it.
    pub outputs: Option<Outputs>,
}

/// Everything a planner may base its proposals on.
#[derive(Clone, Copy, Debug)]
pub struct SuggestRequest<'a> {
    pub space: &'a SearchSpace,
    pub objectives: &'a [Objective],
    pub constraints: &'a [Constraint],
    /// Finished trials in trial-index order.
    pub observations: &'a [Observation],
    /// Proposed but unfinished trials (for diverse batches).
    pub pending: &'a [Inputs],
    /// Index the first suggestion will get in the campaign (0-based).
    pub first_index: u64,
    /// How many suggestions are wanted.
    pub count: usize,
}

/// One proposed trial with the planner's reason, kept for provenance.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub inputs: Inputs,
    pub reason: String,
}

/// Why a planner could not propose.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlannerError {
    #[error("unknown planner `{0}`")]
    Unknown(String),
    #[error("planner `{planner}`: {message}")]
    Settings { planner: String, message: String },
    #[error("planner `{planner}` cannot serve this campaign: {reason}")]
    Unsupported { planner: String, reason: String },
}

/// An experiment designer.
pub trait Planner: Send {
    /// Name, version and settings, recorded with each trial.
    fn info(&self) -> PlannerInfo;

    /// Refuses, before anything runs, a campaign this planner cannot serve
    /// (too many dimensions, too large a budget).
    fn check(&self, _space: &SearchSpace, _budget: u64) -> Result<(), PlannerError> {
        Ok(())
    }

    /// Proposes `req.count` trials.
    fn suggest(&self, req: &SuggestRequest<'_>) -> Result<Vec<Suggestion>, PlannerError>;
}

/// Builds the planner named in a campaign file, with the settings of its
/// `[planner]` table (empty for a plain `planner = "name"`).
pub fn build(
    name: &str,
    seed: u64,
    settings: &serde_json::Map<String, serde_json::Value>,
) -> Result<Box<dyn Planner>, PlannerError> {
    let settings_error = |message: String| PlannerError::Settings {
        planner: name.to_string(),
        message,
    };
    let no_settings = || match settings.keys().next() {
        Some(k) => Err(settings_error(format!("takes no settings, got `{k}`"))),
        None => Ok(()),
    };
    match name {
        "bo" => Ok(Box::new(BoPlanner::new(
            seed,
            BoSettings::from_json(settings).map_err(settings_error)?,
        ))),
        "random" => no_settings().map(|()| Box::new(RandomPlanner::new(seed)) as Box<dyn Planner>),
        "sobol" => no_settings().map(|()| Box::new(SobolPlanner::new(seed)) as Box<dyn Planner>),
        other => Err(PlannerError::Unknown(other.to_string())),
    }
}
