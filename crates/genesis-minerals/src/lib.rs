//! Counter-current solvent-extraction (SX) cascades for rare-earth
//! separation: a mixer-settler battery of extraction stages (organic in at
//! stage 1, raffinate out at stage 1) and scrub stages (scrub liquor in at
//! the last stage), feed at the last extraction stage by default.
//! Model, sources and reference cases: `docs/twins/minerals-sx-cascade.md`
//! and the spec `minerals-sx-cascade.md`.
//!
//! - [`LinearCascade`] (L0): constant distribution ratio per section; one
//!   tridiagonal (Thomas) solve per component, exact.
//! - [`SaturatedCascade`] (L1): saturated organic carrying a fixed REE flow,
//!   constant separation factors, product-reflux scrub (Xu's regime).
//!   Pseudo-transient continuation finishing with Newton on component flows,
//!   with a separation-factor homotopy as fallback.
//! - [`mass_action`] (L2 building block): one equilibrium contact with a
//!   dimeric acidic extractant, pH from the proton balance.
//! - [`closed_form`]: Kremser, the two-section formula, Xu's shortcut and
//!   minimum flows.
//! - [`SxCascadeTwin`]: the `minerals.sx_cascade` twin.
//!
//! All flows are *component* flows (mol of each element per mol of REE
//! fed), never 1 − purity, so trace impurities keep relative precision.

mod block;
pub mod closed_form;
mod linear;
pub mod mass_action;
mod saturated;
mod twin;

pub use linear::LinearCascade;
pub use saturated::SaturatedCascade;
pub use twin::{SxCascadeTwin, TWIN_NAME};

/// Why a cascade could not be computed. Messages become trial failure
/// reasons, so they name the input and quote the numbers.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MineralsError {
    /// An input outside the model's domain.
    #[error("{name} = {value}: {why}")]
    Invalid {
        name: String,
        value: f64,
        why: String,
    },
    /// The nonlinear solve stopped without meeting its tolerances; the
    /// profile it had is not returned.
    #[error(
        "the cascade did not converge after {iterations} iterations ({method}): largest relative stage-balance residual {residual:.3e}"
    )]
    NotConverged {
        iterations: usize,
        residual: f64,
        method: &'static str,
    },
}

impl MineralsError {
    /// An [`MineralsError::Invalid`] from string literals.
    pub(crate) fn invalid(name: &str, value: f64, why: &str) -> Self {
        MineralsError::Invalid {
            name: name.to_string(),
            value,
            why: why.to_string(),
        }
    }
}

/// A solved cascade: stage profiles and products as component flows, per
/// mol of REE fed (L1) or per unit feed volume (L0), with the solver's
/// report. Index `j * components + i` is component `i` on stage `j + 1`.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    /// Number of stages N = n_extraction + n_scrub.
    pub stages: usize,
    /// Number of components C.
    pub components: usize,
    /// Aqueous flow of each component leaving each stage.
    pub aqueous: Vec<f64>,
    /// Organic flow of each component leaving each stage.
    pub organic: Vec<f64>,
    /// Aqueous product (leaves stage 1), per component.
    pub raffinate: Vec<f64>,
    /// Organic product (leaves stage N, less the reflux in L1), per component.
    pub loaded: Vec<f64>,
    /// Largest stage-balance residual relative to the flows in that balance.
    pub residual: f64,
    /// Largest |raffinate + loaded − feed| over components.
    pub balance_error: f64,
    /// Nonlinear iterations (0 for the linear model).
    pub iterations: usize,
    /// Which path converged: "linear", "pseudo-transient + Newton",
    /// "two-ended stage march + Newton" (binary pinch cases),
    /// "organic-flow homotopy" or "separation-factor homotopy".
    pub method: &'static str,
}

impl Solution {
    /// Organic flow of component `i` leaving stage `stage` (1-based).
    pub fn organic_at(&self, stage: usize, i: usize) -> f64 {
        self.organic[(stage - 1) * self.components + i]
    }

    /// Aqueous flow of component `i` leaving stage `stage` (1-based).
    pub fn aqueous_at(&self, stage: usize, i: usize) -> f64 {
        self.aqueous[(stage - 1) * self.components + i]
    }
}

/// Shared checks of the section layout; `feed_stage` is 1-based.
pub(crate) fn check_layout(
    n_extraction: usize,
    n_scrub: usize,
    feed_stage: usize,
) -> Result<(), MineralsError> {
    if n_extraction == 0 {
        return Err(MineralsError::invalid(
            "n_extraction",
            0.0,
            "a cascade needs at least one extraction stage",
        ));
    }
    let total = n_extraction + n_scrub;
    if feed_stage == 0 || feed_stage > total {
        return Err(MineralsError::Invalid {
            name: "feed_stage".into(),
            value: feed_stage as f64,
            why: format!("must lie in 1..={total} (the cascade's stages)"),
        });
    }
    Ok(())
}

/// Solves the tridiagonal system `lower[j] x[j-1] + diag[j] x[j] + upper[j]
/// x[j+1] = rhs[j]` in place (Thomas algorithm; `rhs` becomes `x`).
/// `scratch` must have the length of `diag`.
///
/// Stable without pivoting for the stage balances, whose matrices are
/// column diagonally dominant M-matrices: positive right-hand sides give
/// positive solutions with full relative precision.
pub(crate) fn thomas(
    lower: &[f64],
    diag: &[f64],
    upper: &[f64],
    rhs: &mut [f64],
    scratch: &mut [f64],
) {
    let n = diag.len();
    scratch[0] = upper[0] / diag[0];
    rhs[0] /= diag[0];
    for j in 1..n {
        let pivot = diag[j] - lower[j] * scratch[j - 1];
        scratch[j] = upper[j] / pivot;
        rhs[j] = (rhs[j] - lower[j] * rhs[j - 1]) / pivot;
    }
    for j in (0..n - 1).rev() {
        rhs[j] -= scratch[j] * rhs[j + 1];
    }
}
