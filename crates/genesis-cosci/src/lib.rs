//! The co-scientist: statements about *why* a campaign's results look as
//! they do, each with its evidence and the experiment that could refute it,
//! ranked by tournament and judged when the experiment has run.
//!
//! It works with no language model: the embedded generator reads the
//! planner's own Gaussian-process surrogate ([`surrogate`]) and states only
//! what its posterior supports. A model, when configured, plugs in through
//! one trait ([`llm::LlmProvider`]); its hypotheses carry
//! [`hypothesis::Source::Llm`] with the model id and prompt/answer hashes.
//!
//! # Pipeline
//! 1. [`surrogate::Surrogate::fit`] on a [`surrogate::Dataset`] (inputs by
//!    parameter name, one response with unit and goal), or a
//!    [`surrogate::Refusal`].
//! 2. [`sensitivity::posterior_sensitivity`]: first-order and total Sobol
//!    indices, S_T − S, and the second-order index of the top pair, of the
//!    posterior mean (pick-freeze, 4096 rows), with sd = √(surrogate² +
//!    sampling²): the spread over 64 joint posterior sample paths on a
//!    smaller design (≤ 1536 points) and a bootstrap of the large design.
//! 3. [`dependence::partial_dependence`]: 1-D PD curves (25-point grid, 64
//!    background points) with their exact Gaussian posterior, a 5–95% band
//!    and a shape (rules in [`dependence`]).
//! 4. [`generate::generate`] turns these into [`hypothesis::Hypothesis`]
//!    values with falsification experiments at the incumbent (best trial).
//! 5. [`tournament::play`] ranks them (Elo 1200, K = 32, log kept;
//!    [`tournament::bradley_terry`] refits the log order-independently).
//! 6. [`hypothesis::evaluate`] judges an experiment's outcomes.
//!
//! # Statement rules (thresholds in [`generate`])
//! - *dominated by x_i*: S_Ti − 2 sd > 0.5;
//! - *x_j appears inert*: S_Tj + 2 sd < 0.02; tested by moving x_j from 10%
//!   to 90% of its range at the incumbent, predicted |Δ| ≤ b = 2√(2·0.02·V)
//!   (the typical contrast of an input with S_T = 0.02);
//! - *x_i acts mainly through interactions*: S_Ti − S_i − 2 sd > 0.05 and
//!   S_Ti − S_i > S_Ti / 2; tested by a 2×2 factorial with its partner;
//! - *x_i and x_j interact*: S_ij − 2 sd > 0.05 (2×2 factorial);
//! - *rises/falls with x_i*, *interior optimum in x_i*: PD shape with
//!   probability ≥ 0.9; tested by a contrast (10% → 90%) or a 5-point sweep
//!   across the predicted optimum.
//!
//! Contrast predictions use the joint posterior of the design points
//! (μ ± 2σ with their covariance). A directional experiment whose interval
//! contains 0 at the incumbent, or points against the stated trend, is not
//! emitted: it becomes a [`surrogate::Refusal::NotResolved`].
//!
//! # Refusals
//! Nothing is said with fewer than max(10, 10·d) observations (Loeppky et
//! al. 2009), or when the GP fit fails; nothing is said about two inputs
//! whose observed values correlate with |r| > 0.8. Refusals are data
//! ([`generate::Findings::refusals`]) so reports can show them.
//!
//! # Evaluation rule ([`hypothesis::evaluate`])
//! With observed Δ̂ ± se (pooled replicate sd, else the GP noise sd) and the
//! prediction μ ± 2σ, I = μ ± 2√(σ² + se²): supported when Δ̂ has the
//! predicted sign, |Δ̂| > 2se and Δ̂ ∈ I; refuted when it has the opposite
//! sign, |Δ̂| > 2se and Δ̂ ∉ I; otherwise inconclusive. Negligible effects:
//! supported when |Δ̂| + 2se ≤ b, refuted when |Δ̂| − 2se > b. Sweeps:
//! supported when the best point is inner, beats both ends by 2√2·se and
//! lies in the predicted interval widened by one step; refuted when an end
//! beats every inner point by that margin.

pub mod agents;
pub mod dependence;
pub mod generate;
pub mod hypothesis;
pub mod llm;
pub mod sensitivity;
pub mod surrogate;
pub mod tournament;

/// Why an analysis could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CosciError {
    /// The caller passed something the analysis cannot use.
    #[error("{0}")]
    Input(String),
    /// A numerical step failed (non-finite values, no variance, no factorisation).
    #[error("numerical failure: {0}")]
    Numerical(String),
}
