//! Trial states and the choice of the best trial.

use crate::campaign::{CampaignSpec, Goal};
use crate::value::Outputs;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a trial is in its life. `Completed` and `Failed` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrialStatus {
    /// Proposed by the planner and stored, not yet started.
    Pending,
    /// Handed to an executor.
    Running,
    /// Finished with outputs.
    Completed,
    /// Finished without usable outputs; the reason is stored.
    Failed,
}

impl TrialStatus {
    /// Finished trials count against the budget.
    pub fn is_finished(self) -> bool {
        matches!(self, TrialStatus::Completed | TrialStatus::Failed)
    }

    /// The lowercase name used in the store and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialStatus::Pending => "pending",
            TrialStatus::Running => "running",
            TrialStatus::Completed => "completed",
            TrialStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for TrialStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TrialStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "pending" => TrialStatus::Pending,
            "running" => TrialStatus::Running,
            "completed" => TrialStatus::Completed,
            "failed" => TrialStatus::Failed,
            other => return Err(format!("unknown trial status `{other}`")),
        })
    }
}

/// Where a campaign is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    /// Created and not finished: `run --resume` continues it.
    Running,
    /// Reached its budget.
    Completed,
    /// Stopped on request before its budget.
    Cancelled,
}

impl CampaignStatus {
    /// The lowercase name used in the store and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Running => "running",
            CampaignStatus::Completed => "completed",
            CampaignStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for CampaignStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CampaignStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "running" => CampaignStatus::Running,
            "completed" => CampaignStatus::Completed,
            "cancelled" => CampaignStatus::Cancelled,
            other => return Err(format!("unknown campaign status `{other}`")),
        })
    }
}

/// Whether outputs satisfy every outcome constraint of the campaign.
pub fn is_feasible(spec: &CampaignSpec, outputs: &Outputs) -> bool {
    within(&spec.constraints, outputs)
}

/// Whether outputs satisfy every constraint in `constraints`.
pub fn within(constraints: &[crate::Constraint], outputs: &Outputs) -> bool {
    constraints.iter().all(|c| {
        outputs
            .get(&c.output)
            .is_some_and(|&v| c.min.is_none_or(|m| v >= m) && c.max.is_none_or(|m| v <= m))
    })
}

/// Index of the best of `outputs` (completed trials only), judged on the
/// first objective among feasible trials. Several objectives are reported
/// in full elsewhere; "best" needs one order, and the first objective is the
/// one the scientist listed first.
pub fn best_index<'a>(
    spec: &CampaignSpec,
    outputs: impl IntoIterator<Item = &'a Outputs>,
) -> Option<usize> {
    let objective = spec.objectives.first()?;
    let sign = match objective.goal {
        Goal::Minimize => 1.0,
        Goal::Maximize => -1.0,
    };
    outputs
        .into_iter()
        .enumerate()
        .filter(|(_, o)| is_feasible(spec, o))
        .filter_map(|(i, o)| o.get(&objective.name).map(|v| (i, sign * v)))
        .filter(|(_, v)| v.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}
