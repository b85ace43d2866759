//! Typed hypotheses, each paired with the experiment that could refute it,
//! and the rule that judges the experiment's outcome.

use serde::{Deserialize, Serialize};

use crate::CosciError;
use crate::surrogate::Scale;
use genesis_core::Inputs;

/// What a hypothesis claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Most of the response's variance involves one input.
    Dominant,
    /// An input has (almost) no effect: a candidate to fix.
    Inert,
    /// An input acts mainly through interactions with others.
    ThroughInteractions,
    /// Two inputs interact.
    Interaction,
    /// The response has an interior maximum or minimum in one input.
    InteriorOptimum,
    /// The response rises or falls with one input.
    Monotone,
}

/// The number a statement rests on, with its uncertainty and sample size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statistic {
    /// E.g. "S_T", "S_T - S", "S_ij", "P(shape)".
    pub name: String,
    pub value: f64,
    pub sd: f64,
    /// Observations behind it.
    pub n: usize,
}

/// Who proposed a hypothesis (recorded in provenance).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Source {
    /// The embedded generator, from the surrogate's posterior.
    Surrogate,
    /// A language model: its id and the hashes of prompt and answer.
    Llm {
        model: String,
        prompt_hash: String,
        response_hash: String,
    },
    /// A scientist.
    Human,
}

/// What the contrast is predicted to do.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "claim", rename_all = "snake_case")]
pub enum Claim {
    Positive,
    Negative,
    /// |contrast| ≤ bound (in response units).
    Negligible {
        bound: f64,
    },
}

/// An experiment the planner can run to try to refute a hypothesis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "design", rename_all = "snake_case")]
pub enum Experiment {
    /// Run `points`; the observed contrast is Σ weights_k · y_k. Two points
    /// with weights (−1, 1) compare one input at two values with the rest
    /// at the incumbent; four points (2×2 factorial) with (1, −1, −1, 1)
    /// measure an interaction.
    Contrast {
        points: Vec<Inputs>,
        weights: Vec<f64>,
        /// Posterior mean and sd of the contrast (from the joint posterior
        /// of the points, so correlations between them are accounted for).
        predicted_mean: f64,
        predicted_sd: f64,
        claim: Claim,
        /// Noise sd of one observation, used when there are no replicates.
        noise_sd: f64,
        /// The scale of the response the numbers above are on; outcomes
        /// are put on it before they are judged.
        #[serde(default)]
        scale: Scale,
    },
    /// Run `points` along one input (the rest at the incumbent); the
    /// predicted best lies in `interval` (parameter units).
    Sweep {
        parameter: String,
        points: Vec<Inputs>,
        positions: Vec<f64>,
        predicted_at: f64,
        interval: (f64, f64),
        /// Whether the optimum is a maximum.
        maximum: bool,
        noise_sd: f64,
        #[serde(default)]
        scale: Scale,
    },
}

impl Experiment {
    /// The trials to queue, by parameter name.
    pub fn points(&self) -> &[Inputs] {
        match self {
            Experiment::Contrast { points, .. } | Experiment::Sweep { points, .. } => points,
        }
    }

    /// The scale its predictions are on.
    pub fn scale(&self) -> Scale {
        match self {
            Experiment::Contrast { scale, .. } | Experiment::Sweep { scale, .. } => *scale,
        }
    }
}

/// A statement about why the results look as they do, with its evidence
/// and the experiment that would refute it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hypothesis {
    /// Content address: stable for the same claim from the same evidence.
    pub id: String,
    pub kind: Kind,
    /// Parameters the statement is about.
    pub parameters: Vec<String>,
    /// The response it is about.
    pub response: String,
    pub statement: String,
    pub statistic: Statistic,
    /// The falsification experiment's predicted outcome, in words.
    pub prediction: String,
    pub falsification: Experiment,
    pub source: Source,
    pub parent_ids: Vec<String>,
}

impl Hypothesis {
    /// Assembles a hypothesis and gives it its content-addressed id.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: Kind,
        parameters: Vec<String>,
        response: &str,
        statement: String,
        statistic: Statistic,
        prediction: String,
        falsification: Experiment,
        source: Source,
        parent_ids: Vec<String>,
    ) -> Hypothesis {
        let key = serde_json::json!([kind, parameters, response, statement, source, parent_ids]);
        let hash = blake3::hash(key.to_string().as_bytes()).to_hex();
        Hypothesis {
            id: format!("H-{}", &hash[..12]),
            kind,
            parameters,
            response: response.to_string(),
            statement,
            statistic,
            prediction,
            falsification,
            source,
            parent_ids,
        }
    }

    /// Probability, under the posterior, that the falsification experiment
    /// turns out as predicted (ignoring observation noise): P(sign) for a
    /// directional contrast, P(|Δ| ≤ bound) for a negligible one, the
    /// shape probability for a sweep.
    pub fn support(&self) -> f64 {
        match &self.falsification {
            Experiment::Contrast {
                predicted_mean: m,
                predicted_sd: s,
                claim,
                ..
            } => match claim {
                Claim::Positive => normal_cdf(m / s),
                Claim::Negative => normal_cdf(-m / s),
                Claim::Negligible { bound } => {
                    normal_cdf((bound - m) / s) - normal_cdf((-bound - m) / s)
                }
            },
            Experiment::Sweep { .. } => self.statistic.value,
        }
    }

    /// Signal-to-noise of the prediction: |Δ|/sd for directional contrasts,
    /// bound/sd for negligible ones, range/width of the interval for sweeps.
    pub fn precision(&self) -> f64 {
        match &self.falsification {
            Experiment::Contrast {
                predicted_mean,
                predicted_sd,
                claim,
                ..
            } => match claim {
                Claim::Negligible { bound } => bound / predicted_sd,
                _ => predicted_mean.abs() / predicted_sd,
            },
            Experiment::Sweep {
                positions,
                interval,
                ..
            } => {
                let span = positions[positions.len() - 1] - positions[0];
                span / (interval.1 - interval.0).max(1e-12 * span.abs().max(1.0))
            }
        }
    }
}

/// Standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The outcome of a falsification experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Supported,
    Refuted,
    Inconclusive,
}

/// A verdict with the evidence it rests on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub verdict: Verdict,
    /// Observed contrast, or observed best position for a sweep.
    pub observed: f64,
    /// Standard error of `observed` (0 for a sweep position).
    pub observed_se: f64,
    pub reason: String,
}

/// Means and the standard error scale of replicated outcomes: the pooled
/// replicate sd when every point has at least two replicates, otherwise the
/// surrogate's noise sd.
fn summarise(outcomes: &[Vec<f64>], noise_sd: f64) -> (Vec<f64>, f64) {
    let means = outcomes
        .iter()
        .map(|o| o.iter().sum::<f64>() / o.len() as f64)
        .collect();
    let replicated = outcomes.iter().all(|o| o.len() >= 2);
    let sd = if replicated {
        let (ss, dof) = outcomes.iter().fold((0.0, 0usize), |(ss, dof), o| {
            let m = o.iter().sum::<f64>() / o.len() as f64;
            (
                ss + o.iter().map(|v| (v - m).powi(2)).sum::<f64>(),
                dof + o.len() - 1,
            )
        });
        (ss / dof as f64).sqrt()
    } else {
        noise_sd
    };
    (means, sd)
}

/// Judges a falsification experiment from its outcomes: `outcomes[k]` holds
/// the observed response values (replicates) at `experiment.points()[k]`.
///
/// The rule (documented in the crate docs):
/// - directional contrast with prediction μ ± 2σ: with the observed Δ̂ and
///   its standard error se, let I = μ ± 2√(σ² + se²). **Supported** when Δ̂
///   has the claimed sign, |Δ̂| > 2·se and Δ̂ ∈ I; **refuted** when Δ̂ has
///   the opposite sign and |Δ̂| > 2·se (the claim is about the direction;
///   a scientist's claim may even contradict μ); otherwise
///   **inconclusive** (including the right sign with a magnitude outside I);
/// - negligible contrast (|Δ| ≤ b): **supported** when |Δ̂| + 2·se ≤ b,
///   **refuted** when |Δ̂| − 2·se > b, otherwise inconclusive;
/// - sweep: with m = 2√2·se the smallest difference that counts, **supported**
///   when the best observed point is inner, beats both ends by more than m
///   and lies within the predicted interval widened by one step;
///   **refuted** when the best point is an end that beats every inner point
///   by more than m; otherwise inconclusive.
pub fn evaluate(experiment: &Experiment, outcomes: &[Vec<f64>]) -> Result<Evaluation, CosciError> {
    let points = experiment.points();
    if outcomes.len() != points.len() {
        return Err(CosciError::Input(format!(
            "the experiment has {} points but {} outcome lists were given",
            points.len(),
            outcomes.len()
        )));
    }
    if let Some(k) = outcomes.iter().position(|o| o.is_empty()) {
        return Ok(Evaluation {
            verdict: Verdict::Inconclusive,
            observed: f64::NAN,
            observed_se: f64::NAN,
            reason: format!("point {k} has no outcome (failed or not yet run)"),
        });
    }
    if let Some(v) = outcomes.iter().flatten().find(|v| !v.is_finite()) {
        return Err(CosciError::Input(format!(
            "outcome {v} is not a finite number"
        )));
    }
    let scale = experiment.scale();
    if let Some(v) = outcomes
        .iter()
        .flatten()
        .find(|v| scale.apply(**v).is_none())
    {
        return Ok(Evaluation {
            verdict: Verdict::Inconclusive,
            observed: f64::NAN,
            observed_se: f64::NAN,
            reason: format!("outcome {v} has no logarithm, and the predictions are on a log scale"),
        });
    }
    let rescaled: Vec<Vec<f64>> = outcomes
        .iter()
        .map(|o| {
            o.iter()
                .map(|v| scale.apply(*v).expect("checked"))
                .collect()
        })
        .collect();
    let outcomes = &rescaled[..];
    match experiment {
        Experiment::Contrast {
            weights,
            predicted_mean,
            predicted_sd,
            claim,
            noise_sd,
            ..
        } => {
            let (means, sd) = summarise(outcomes, *noise_sd);
            let observed: f64 = weights.iter().zip(&means).map(|(w, m)| w * m).sum();
            let se = sd
                * weights
                    .iter()
                    .zip(outcomes)
                    .map(|(w, o)| w * w / o.len() as f64)
                    .sum::<f64>()
                    .sqrt();
            let (verdict, reason) = match claim {
                Claim::Negligible { bound } => {
                    if observed.abs() + 2.0 * se <= *bound {
                        (
                            Verdict::Supported,
                            format!(
                                "|Δ| + 2se = {} ≤ {}",
                                fmt(observed.abs() + 2.0 * se),
                                fmt(*bound)
                            ),
                        )
                    } else if observed.abs() - 2.0 * se > *bound {
                        (
                            Verdict::Refuted,
                            format!(
                                "|Δ| − 2se = {} > {}",
                                fmt(observed.abs() - 2.0 * se),
                                fmt(*bound)
                            ),
                        )
                    } else {
                        (
                            Verdict::Inconclusive,
                            format!(
                                "|Δ| = {} ± {} straddles the bound {}",
                                fmt(observed.abs()),
                                fmt(2.0 * se),
                                fmt(*bound)
                            ),
                        )
                    }
                }
                Claim::Positive | Claim::Negative => {
                    let sign = if *claim == Claim::Positive { 1.0 } else { -1.0 };
                    let half = 2.0 * predicted_sd.hypot(se);
                    let inside = (observed - predicted_mean).abs() <= half;
                    let resolved = observed.abs() > 2.0 * se;
                    let interval = format!("{} ± {}", fmt(*predicted_mean), fmt(half));
                    if resolved && sign * observed > 0.0 && inside {
                        (
                            Verdict::Supported,
                            format!(
                                "Δ = {} has the predicted sign and lies in {interval}",
                                fmt(observed)
                            ),
                        )
                    } else if resolved && sign * observed < 0.0 {
                        (
                            Verdict::Refuted,
                            format!(
                                "Δ = {} ± {} has the opposite sign (prediction {interval})",
                                fmt(observed),
                                fmt(2.0 * se)
                            ),
                        )
                    } else {
                        (
                            Verdict::Inconclusive,
                            format!(
                                "Δ = {} ± {} against {interval}",
                                fmt(observed),
                                fmt(2.0 * se)
                            ),
                        )
                    }
                }
            };
            Ok(Evaluation {
                verdict,
                observed,
                observed_se: se,
                reason,
            })
        }
        Experiment::Sweep {
            positions,
            interval,
            maximum,
            noise_sd,
            ..
        } => {
            let (means, sd) = summarise(outcomes, *noise_sd);
            let sign = if *maximum { 1.0 } else { -1.0 };
            let last = means.len() - 1;
            let best = (0..means.len())
                .max_by(|&a, &b| (sign * means[a]).total_cmp(&(sign * means[b])))
                .expect("a sweep has points");
            let smallest_n = outcomes.iter().map(Vec::len).min().unwrap_or(1) as f64;
            let margin = 2.0 * std::f64::consts::SQRT_2 * sd / smallest_n.sqrt();
            let beats = |k: usize, others: &[usize]| {
                others
                    .iter()
                    .all(|&j| j == k || sign * (means[k] - means[j]) > margin)
            };
            let step = (positions[last] - positions[0]) / last as f64;
            let at = positions[best];
            let (verdict, reason) = if best != 0 && best != last && beats(best, &[0, last]) {
                if at >= interval.0 - step && at <= interval.1 + step {
                    (
                        Verdict::Supported,
                        format!(
                            "best observed at {} (inner), predicted {}–{}",
                            fmt(at),
                            fmt(interval.0),
                            fmt(interval.1)
                        ),
                    )
                } else {
                    (
                        Verdict::Inconclusive,
                        format!(
                            "an inner optimum, but at {} outside the predicted {}–{}",
                            fmt(at),
                            fmt(interval.0),
                            fmt(interval.1)
                        ),
                    )
                }
            } else if (best == 0 || best == last) && beats(best, &(1..last).collect::<Vec<_>>()) {
                (
                    Verdict::Refuted,
                    format!(
                        "best observed at the end {} by more than {}",
                        fmt(at),
                        fmt(margin)
                    ),
                )
            } else {
                (
                    Verdict::Inconclusive,
                    format!(
                        "differences along the sweep are within the noise margin {}",
                        fmt(margin)
                    ),
                )
            };
            Ok(Evaluation {
                verdict,
                observed: at,
                observed_se: 0.0,
                reason,
            })
        }
    }
}

/// A number with about three significant digits, for statements.
pub fn fmt(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{x:.2e}")
    } else {
        let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{x:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contrast(mean: f64, sd: f64, claim: Claim, noise: f64) -> Experiment {
        Experiment::Contrast {
            points: vec![Inputs::new(), Inputs::new()],
            weights: vec![-1.0, 1.0],
            predicted_mean: mean,
            predicted_sd: sd,
            claim,
            noise_sd: noise,
            scale: Scale::Linear,
        }
    }

    fn check(e: &Experiment, outcomes: &[&[f64]], expect: Verdict) {
        let o: Vec<Vec<f64>> = outcomes.iter().map(|x| x.to_vec()).collect();
        let got = evaluate(e, &o).unwrap();
        assert_eq!(got.verdict, expect, "{outcomes:?}: {}", got.reason);
    }

    #[test]
    fn directional_contrasts() {
        // Predicted Δ = 2 ± 2·0.5, noise-free observations.
        let e = contrast(2.0, 0.5, Claim::Positive, 0.0);
        check(&e, &[&[1.0], &[3.2]], Verdict::Supported); // Δ = 2.2
        check(&e, &[&[1.0], &[0.0]], Verdict::Refuted); // Δ = −1
        check(&e, &[&[0.0], &[5.0]], Verdict::Inconclusive); // right sign, too large
        // Noisy single observations: noise 1 → se = √2; Δ = 1.5 is unresolved.
        let noisy = contrast(2.0, 0.5, Claim::Positive, 1.0);
        check(&noisy, &[&[0.0], &[1.5]], Verdict::Inconclusive);
        // Replicates pool their own sd: Δ = 2.0, se = 0.1·√(2/3).
        check(
            &noisy,
            &[&[0.9, 1.0, 1.1], &[2.9, 3.0, 3.1]],
            Verdict::Supported,
        );
        check(
            &contrast(-2.0, 0.5, Claim::Negative, 0.0),
            &[&[1.0], &[2.0]],
            Verdict::Refuted,
        );
        // A claim against the surrogate's own prediction (a scientist's):
        // the observed fall refutes "rises", inside the prediction or not.
        check(
            &contrast(-0.5, 0.1, Claim::Positive, 0.0),
            &[&[1.0], &[0.5]],
            Verdict::Refuted,
        );
    }

    #[test]
    fn log_scale_predictions_judge_log_outcomes() {
        // ln 20 − ln 10 = 0.693: inside 0.7 ± 0.1; raw Δ = 10 would not be.
        let mut e = contrast(0.7, 0.05, Claim::Positive, 0.0);
        if let Experiment::Contrast { scale, .. } = &mut e {
            *scale = Scale::Log;
        }
        check(&e, &[&[10.0], &[20.0]], Verdict::Supported);
        check(&e, &[&[10.0], &[5.0]], Verdict::Refuted);
        check(&e, &[&[10.0], &[-1.0]], Verdict::Inconclusive);
    }

    #[test]
    fn negligible_contrasts() {
        let e = contrast(0.0, 0.05, Claim::Negligible { bound: 0.3 }, 0.05);
        check(&e, &[&[1.0], &[1.1]], Verdict::Supported); // 0.1 + 2·0.0707 ≤ 0.3
        check(&e, &[&[1.0], &[1.6]], Verdict::Refuted); // 0.6 − 0.141 > 0.3
        check(&e, &[&[1.0], &[1.3]], Verdict::Inconclusive);
    }

    #[test]
    fn sweeps() {
        let e = Experiment::Sweep {
            parameter: "a".into(),
            points: vec![Inputs::new(); 5],
            positions: vec![1.0, 2.0, 3.0, 4.0, 5.0],
            predicted_at: 3.0,
            interval: (2.8, 3.2),
            maximum: true,
            noise_sd: 0.01,
            scale: Scale::Linear,
        };
        check(
            &e,
            &[&[0.0], &[0.5], &[1.0], &[0.4], &[0.1]],
            Verdict::Supported,
        );
        check(
            &e,
            &[&[0.0], &[0.2], &[0.5], &[0.7], &[1.0]],
            Verdict::Refuted,
        );
        check(
            &e,
            &[&[0.0], &[0.001], &[0.002], &[0.001], &[0.0]],
            Verdict::Inconclusive,
        );
        check(
            &e,
            &[&[0.0], &[0.5], &[0.6], &[0.9], &[0.1]],
            Verdict::Supported,
        ); // 4 = 3.2 + one step
        assert!(evaluate(&e, &[vec![1.0]]).is_err());
        let missing = evaluate(&e, &[vec![1.0], vec![], vec![1.0], vec![1.0], vec![1.0]]).unwrap();
        assert_eq!(missing.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(fmt(0.31390), "0.314");
        assert_eq!(fmt(12.345), "12.3");
        assert_eq!(fmt(-0.0012345), "-0.00123");
        assert_eq!(fmt(2.5e7), "2.50e7");
    }
}
