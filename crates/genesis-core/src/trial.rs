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

/// The non-dominated trials of a campaign with several objectives, and the
/// volume they dominate.
#[derive(Clone, Debug, PartialEq)]
pub struct ParetoFront {
    /// Positions (in the slice given to [`pareto_front`]) of the members.
    pub members: Vec<usize>,
    /// Hypervolume dominated by the front, bounded by `reference`.
    pub hypervolume: f64,
    /// Reference point, one value per objective in its own units: the
    /// objective's `reference` if set, else the worst feasible value seen
    /// moved out by 10 % of the observed range.
    pub reference: Vec<f64>,
}

/// Pareto front of the feasible completed trials (`outputs`), or `None`
/// for a single objective or no feasible trial.
pub fn pareto_front(spec: &CampaignSpec, outputs: &[&Outputs]) -> Option<ParetoFront> {
    if spec.objectives.len() < 2 {
        return None;
    }
    let signs: Vec<f64> = spec
        .objectives
        .iter()
        .map(|o| match o.goal {
            Goal::Minimize => 1.0,
            Goal::Maximize => -1.0,
        })
        .collect();
    // Points on the minimisation scale, with their positions.
    let points: Vec<(usize, Vec<f64>)> = outputs
        .iter()
        .enumerate()
        .filter(|(_, o)| is_feasible(spec, o))
        .filter_map(|(i, o)| {
            let v: Option<Vec<f64>> = spec
                .objectives
                .iter()
                .zip(&signs)
                .map(|(ob, s)| o.get(&ob.name).map(|x| s * x).filter(|x| x.is_finite()))
                .collect();
            v.map(|v| (i, v))
        })
        .collect();
    if points.is_empty() {
        return None;
    }
    let dominates = |a: &[f64], b: &[f64]| {
        a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
    };
    let members: Vec<usize> = (0..points.len())
        .filter(|&i| !points.iter().any(|(_, q)| dominates(q, &points[i].1)))
        .collect();
    let m = spec.objectives.len();
    let reference: Vec<f64> = (0..m)
        .map(|k| match spec.objectives[k].reference {
            Some(r) => signs[k] * r,
            None => {
                let lo = points
                    .iter()
                    .map(|(_, p)| p[k])
                    .fold(f64::INFINITY, f64::min);
                let hi = points
                    .iter()
                    .map(|(_, p)| p[k])
                    .fold(f64::NEG_INFINITY, f64::max);
                hi + 0.1 * (hi - lo).max(1e-12)
            }
        })
        .collect();
    let front: Vec<Vec<f64>> = members.iter().map(|&i| points[i].1.clone()).collect();
    Some(ParetoFront {
        hypervolume: hypervolume(&front, &reference),
        members: members.iter().map(|&i| points[i].0).collect(),
        reference: reference.iter().zip(&signs).map(|(r, s)| r * s).collect(),
    })
}

/// Volume dominated by `points` (minimisation) inside the box bounded by
/// `reference`, by slicing along the last objective (exact; fine for the
/// front sizes and 2–4 objectives of experiment campaigns).
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let inside: Vec<&Vec<f64>> = points
        .iter()
        .filter(|p| p.iter().zip(reference).all(|(x, r)| x < r))
        .collect();
    if inside.is_empty() {
        return 0.0;
    }
    let m = reference.len();
    if m == 1 {
        return reference[0] - inside.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
    }
    let mut cuts: Vec<f64> = inside.iter().map(|p| p[m - 1]).collect();
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let mut volume = 0.0;
    for (k, &z) in cuts.iter().enumerate() {
        let next = cuts.get(k + 1).copied().unwrap_or(reference[m - 1]);
        let slice: Vec<Vec<f64>> = inside
            .iter()
            .filter(|p| p[m - 1] <= z)
            .map(|p| p[..m - 1].to_vec())
            .collect();
        volume += (next - z) * hypervolume(&slice, &reference[..m - 1]);
    }
    volume
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypervolume_of_known_fronts() {
        // Three staircase points against (4, 4): 3·1 + 2·1 + 1·1 = 6.
        let front = vec![vec![1.0, 3.0], vec![2.0, 2.0], vec![3.0, 1.0]];
        assert_eq!(hypervolume(&front, &[4.0, 4.0]), 6.0);
        // A dominated point adds nothing; a point beyond the reference neither.
        let mut more = front.clone();
        more.push(vec![3.0, 3.0]);
        more.push(vec![5.0, 0.0]);
        assert_eq!(hypervolume(&more, &[4.0, 4.0]), 6.0);
        // 3-D: one point at the origin against (1, 2, 3) fills the box: 6.
        assert_eq!(hypervolume(&[vec![0.0, 0.0, 0.0]], &[1.0, 2.0, 3.0]), 6.0);
        // Two boxes of volume 0.5 overlapping in [0.5,1]×[0.5,1]×[0,1]: 0.5 + 0.5 − 0.25.
        let two = vec![vec![0.0, 0.5, 0.0], vec![0.5, 0.0, 0.0]];
        assert!((hypervolume(&two, &[1.0, 1.0, 1.0]) - 0.75).abs() < 1e-12);
    }
}
