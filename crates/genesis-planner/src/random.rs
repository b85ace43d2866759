//! Uniform random search: the baseline every other planner must beat.

use crate::{Planner, PlannerError, PlannerInfo, SuggestRequest, Suggestion};
use genesis_core::rng::{Rng, derive_seed};

/// Draws each trial uniformly from the search space. Trial `i` uses its own
/// stream derived from `(seed, i)`, so proposals do not depend on timing.
pub struct RandomPlanner {
    seed: u64,
}

impl RandomPlanner {
    /// A planner whose proposals are fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        RandomPlanner { seed }
    }
}

impl Planner for RandomPlanner {
    fn info(&self) -> PlannerInfo {
        PlannerInfo {
            name: "random".into(),
            version: "1.0.0".into(),
            settings: serde_json::json!({ "seed": self.seed }),
        }
    }

    fn suggest(&self, req: &SuggestRequest<'_>) -> Result<Vec<Suggestion>, PlannerError> {
        Ok((0..req.count as u64)
            .map(|k| {
                let index = req.first_index + k;
                let mut rng = Rng::new(derive_seed(self.seed, index));
                let u: Vec<f64> = (0..req.space.dim()).map(|_| rng.uniform()).collect();
                Suggestion {
                    inputs: req.space.from_unit(&u),
                    reason: format!("uniform random draw #{index}"),
                }
            })
            .collect())
    }
}
