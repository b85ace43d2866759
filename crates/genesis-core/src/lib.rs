//! Domain core of Genesis.
//!
//! Everything here is pure: no files, no processes, no clocks. The CLI, the
//! store and the executors build on these types so that a campaign means the
//! same thing wherever it runs.

// Diagnostics carry the file, place, excerpt and hint; they are built once
// per bad input file, so their size on the error path does not matter.
#![allow(clippy::result_large_err)]

pub mod campaign;
pub mod diag;
pub mod rng;
pub mod space;
pub mod trial;
pub mod twin;
pub mod value;

pub use campaign::{
    CampaignError, CampaignSpec, Constraint, DEFAULT_LLM_KEY_ENV, Goal, LlmConfig, Objective,
    ParsedCampaign, TwinRef,
};
pub use space::{Domain, Parameter, SearchSpace};
pub use trial::{CampaignStatus, ParetoFront, TrialStatus, best_index, is_feasible, pareto_front};
pub use twin::{IoSpec, Recorded, Twin, TwinError, TwinSpec};
pub use value::{Inputs, Outputs, Value};
