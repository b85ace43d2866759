//! Scrambled Sobol design: space-filling, better than random for small budgets.

use crate::{Planner, PlannerError, PlannerInfo, SuggestRequest, Suggestion};
use genesis_core::SearchSpace;
use genesis_core::rng::derive_seed;

/// Largest number of points `sobol_burley` defines per sequence.
pub const MAX_POINTS: u64 = 1 << 16;
/// Largest dimension `sobol_burley` has direction numbers for.
pub const MAX_DIM: usize = sobol_burley::NUM_DIMENSIONS as usize;

/// Trial `i` is point `i` of an Owen-scrambled Sobol sequence (Burley 2020,
/// "Practical Hash-based Owen Scrambling", via the `sobol_burley` crate,
/// Joe-Kuo direction numbers). Every power-of-two prefix is a (t, m, s)-net,
/// so budgets of 2^k fill the space most evenly.
pub struct SobolPlanner {
    seed: u64,
}

impl SobolPlanner {
    /// A planner whose scrambling is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        SobolPlanner { seed }
    }

    fn scramble_seed(&self) -> u32 {
        derive_seed(self.seed, 0x0005_0B01) as u32
    }
}

impl Planner for SobolPlanner {
    fn info(&self) -> PlannerInfo {
        PlannerInfo {
            name: "sobol".into(),
            version: "1.0.0".into(),
            settings: serde_json::json!({ "seed": self.seed, "scramble": "owen (burley 2020)" }),
        }
    }

    fn check(&self, space: &SearchSpace, budget: u64) -> Result<(), PlannerError> {
        let unsupported = |reason: String| PlannerError::Unsupported {
            planner: "sobol".into(),
            reason,
        };
        if space.dim() > MAX_DIM {
            return Err(unsupported(format!(
                "{} parameters; at most {MAX_DIM} are supported",
                space.dim()
            )));
        }
        if budget > MAX_POINTS {
            return Err(unsupported(format!(
                "a budget of {budget}; at most {MAX_POINTS} trials are supported"
            )));
        }
        Ok(())
    }

    fn suggest(&self, req: &SuggestRequest<'_>) -> Result<Vec<Suggestion>, PlannerError> {
        self.check(req.space, req.first_index + req.count as u64)?;
        let seed = self.scramble_seed();
        Ok((0..req.count as u64)
            .map(|k| {
                let index = req.first_index + k;
                let u: Vec<f64> = (0..req.space.dim() as u32)
                    .map(|d| f64::from(sobol_burley::sample(index as u32, d, seed)))
                    .collect();
                Suggestion {
                    inputs: req.space.from_unit(&u),
                    reason: format!("scrambled Sobol point #{index}"),
                }
            })
            .collect())
    }
}
