//! The embedded generator: hypotheses from the surrogate's Sobol indices
//! and partial-dependence shapes, each with a falsification experiment at
//! the incumbent. Thresholds are listed in the crate docs.

use crate::CosciError;
use crate::dependence::{DependenceSettings, PartialDependence, Shape, partial_dependence};
use crate::hypothesis::{Claim, Experiment, Hypothesis, Kind, Source, Statistic, fmt};
use crate::sensitivity::{
    Estimate, PosteriorSensitivity, PosteriorSettings, posterior_sensitivity,
};
use crate::surrogate::{Dataset, Refusal, Scale, Surrogate, gaussian_draws};
use genesis_core::{Goal, Inputs};
use serde::{Deserialize, Serialize};

/// "Dominated by x_i": S_Ti − 2 sd above this (a majority of the variance).
pub const DOMINANT_TOTAL: f64 = 0.5;
/// "x_j appears inert": S_Tj + 2 sd below this.
pub const INERT_TOTAL: f64 = 0.02;
/// "Acts mainly through interactions": S_Ti − S_i − 2 sd above this, and
/// more than half of S_Ti.
pub const INTERACTION_SHARE: f64 = 0.05;
/// "x_i and x_j interact": S_ij − 2 sd above this.
pub const PAIR_INDEX: f64 = 0.05;
/// Points of an optimum sweep.
pub const SWEEP_POINTS: usize = 5;

/// Sizes and seeds of the analyses.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GenerationSettings {
    pub sensitivity: PosteriorSettings,
    pub dependence: DependenceSettings,
}

/// Everything the generator found, and what it declined to say.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    pub sensitivity: Option<PosteriorSensitivity>,
    pub dependence: Vec<PartialDependence>,
    pub hypotheses: Vec<Hypothesis>,
    pub refusals: Vec<Refusal>,
}

/// Fits the surrogate and generates hypotheses, or refuses with reasons.
pub fn generate(data: &Dataset, settings: &GenerationSettings) -> Result<Findings, CosciError> {
    let surrogate = match Surrogate::fit(data) {
        Ok(s) => s,
        Err(refusal) => {
            return Ok(Findings {
                sensitivity: None,
                dependence: Vec::new(),
                hypotheses: Vec::new(),
                refusals: vec![refusal],
            });
        }
    };
    generate_from(&surrogate, settings)
}

/// Hypotheses from a fitted surrogate.
pub fn generate_from(
    surrogate: &Surrogate,
    settings: &GenerationSettings,
) -> Result<Findings, CosciError> {
    let sensitivity = posterior_sensitivity(surrogate, &settings.sensitivity)?;
    let dependence = partial_dependence(surrogate, &settings.dependence)?;
    let mut g = Generator {
        s: surrogate,
        sens: &sensitivity,
        hypotheses: Vec::new(),
        refusals: surrogate.correlated().to_vec(),
    };
    for (i, pd) in dependence.iter().enumerate() {
        g.about_input(i, pd)?;
    }
    if let Some(pair) = &sensitivity.pair {
        let (a, b) = (g.index_of(&pair.a), g.index_of(&pair.b));
        if pair.estimate.value - 2.0 * pair.estimate.sd > PAIR_INDEX {
            let st = stat("S_ij", pair.estimate, sensitivity.observations);
            let statement = format!(
                "{} and {} interact: their joint effect beyond their separate effects explains {} of the variance of {} (S_ij = {} ± {}, n = {})",
                g.name(a),
                g.name(b),
                pct(pair.estimate.value),
                g.response(),
                fmt(st.value),
                fmt(st.sd),
                st.n
            );
            g.factorial(Kind::Interaction, a, b, statement, st)?;
        }
    }
    let (hypotheses, refusals) = (g.hypotheses, g.refusals);
    Ok(Findings {
        sensitivity: Some(sensitivity),
        dependence,
        hypotheses,
        refusals,
    })
}

fn stat(name: &str, e: Estimate, n: usize) -> Statistic {
    Statistic {
        name: name.into(),
        value: e.value,
        sd: e.sd,
        n,
    }
}

fn pct(share: f64) -> String {
    format!("{:.0}%", 100.0 * share)
}

struct Generator<'a> {
    s: &'a Surrogate,
    sens: &'a PosteriorSensitivity,
    hypotheses: Vec<Hypothesis>,
    refusals: Vec<Refusal>,
}

impl Generator<'_> {
    fn index_of(&self, name: &str) -> usize {
        self.sens
            .parameters
            .iter()
            .position(|p| p == name)
            .expect("a parameter")
    }

    /// "`name` [unit]".
    fn name(&self, i: usize) -> String {
        let p = &self.s.space().parameters[i];
        match &p.unit {
            Some(u) => format!("`{}` [{u}]", p.name),
            None => format!("`{}`", p.name),
        }
    }

    /// The response as the numbers see it: "ln `cost` [USD]" on a log scale.
    fn response(&self) -> String {
        let r = self.s.response();
        let named = match &r.unit {
            Some(u) => format!("`{}` [{u}]", r.name),
            None => format!("`{}`", r.name),
        };
        match self.s.scale() {
            Scale::Linear => named,
            Scale::Log => format!("ln {named}"),
        }
    }

    /// Units of differences of the response (none for a log: a ratio).
    fn unit_suffix(&self) -> String {
        match self.s.scale() {
            Scale::Log => String::new(),
            Scale::Linear => self
                .s
                .response()
                .unit
                .as_ref()
                .map(|u| format!(" {u}"))
                .unwrap_or_default(),
        }
    }

    fn barred(&self, names: &[&str]) -> bool {
        self.refusals.iter().any(|r| {
            matches!(r, Refusal::CorrelatedInputs { .. }) && names.iter().any(|n| r.concerns(n))
        })
    }

    /// Records a refusal once (an interaction is reached from both of its
    /// inputs and from the top pair).
    fn not_resolved(&mut self, params: &[usize], message: String) {
        let refusal = Refusal::NotResolved {
            parameters: params
                .iter()
                .map(|&i| self.sens.parameters[i].clone())
                .collect(),
            message,
        };
        if !self.refusals.contains(&refusal) {
            self.refusals.push(refusal);
        }
    }

    /// The incumbent with some parameters set to unit-cube positions,
    /// each kept inside the 10–90 % range of its observed values (see
    /// [`Surrogate::observed_unit_range`]), where the posterior is informed.
    fn at_incumbent(&self, moves: &[(usize, f64)]) -> Inputs {
        let mut inputs = self.s.incumbent().clone();
        for &(i, u) in moves {
            let p = &self.s.space().parameters[i];
            let u = match self.s.observed_unit_range(i) {
                Some((lo, hi)) if lo < hi => u.clamp(lo, hi),
                _ => u,
            };
            inputs.insert(p.name.clone(), p.domain.from_unit(u));
        }
        inputs
    }

    /// As [`Generator::at_incumbent`], but where the twin is predicted to
    /// work: the moves are pulled back towards the incumbent (by a quarter
    /// of their length at a time, down to the incumbent itself, which
    /// worked) until the model of failures accepts the point; `None` when
    /// even the incumbent is predicted to fail.
    fn workable(&self, moves: &[(usize, f64)]) -> Result<Option<Inputs>, CosciError> {
        let incumbent = self.s.incumbent();
        for reach in [1.0, 0.75, 0.5, 0.25, 0.0] {
            let scaled: Vec<(usize, f64)> = moves
                .iter()
                .map(|&(i, u)| match self.s.unit_of(i, incumbent) {
                    Some(u0) => (i, u0 + reach * (u - u0)),
                    None => (i, u),
                })
                .collect();
            let point = self.at_incumbent(&scaled);
            if self.s.works_at(&point)? {
                return Ok(Some(point));
            }
        }
        Ok(None)
    }

    /// Both ends of a one-input contrast, where the twin works, or a
    /// refusal recorded for input `i`.
    fn workable_pair(
        &mut self,
        i: usize,
        (low, high): (f64, f64),
    ) -> Result<Option<Vec<Inputs>>, CosciError> {
        match (self.workable(&[(i, low)])?, self.workable(&[(i, high)])?) {
            (Some(a), Some(b)) if a != b => Ok(Some(vec![a, b])),
            _ => {
                let name = &self.sens.parameters[i];
                self.not_resolved(&[i], format!(
                    "moving `{name}` at the incumbent leads where the twin is predicted to fail (trials nearby failed)"
                ));
                Ok(None)
            }
        }
    }

    /// A contrast experiment with the surrogate's prediction (mean, sd),
    /// noise and scale.
    fn contrast(
        &self,
        points: Vec<Inputs>,
        weights: Vec<f64>,
        (mean, sd): (f64, f64),
        claim: Claim,
    ) -> Experiment {
        Experiment::Contrast {
            points,
            weights,
            predicted_mean: mean,
            predicted_sd: sd,
            claim,
            noise_sd: self.s.noise_sd(),
            scale: self.s.scale(),
        }
    }

    /// Posterior mean and sd of Σ w_k f(points_k).
    fn contrast_of(&self, points: &[Inputs], weights: &[f64]) -> Result<(f64, f64), CosciError> {
        self.s.contrast(points, weights)
    }

    fn push(
        &mut self,
        kind: Kind,
        params: &[usize],
        statement: String,
        statistic: Statistic,
        prediction: String,
        experiment: Experiment,
    ) {
        self.hypotheses.push(Hypothesis::new(
            kind,
            params
                .iter()
                .map(|&i| self.sens.parameters[i].clone())
                .collect(),
            &self.s.response().name,
            statement,
            statistic,
            prediction,
            experiment,
            Source::Surrogate,
            Vec::new(),
        ));
    }

    /// A directional two-point contrast of input i from unit `low` to `high`.
    /// `rising`, when given, is the direction the statement claims; a
    /// contrast at the incumbent pointing the other way is not emitted.
    fn directional(
        &mut self,
        kind: Kind,
        i: usize,
        (low, high): (f64, f64),
        rising: Option<bool>,
        statement: String,
        statistic: Statistic,
    ) -> Result<(), CosciError> {
        let Some(points) = self.workable_pair(i, (low, high))? else {
            return Ok(());
        };
        let (mean, sd) = self.contrast_of(&points, &[-1.0, 1.0])?;
        let name = &self.sens.parameters[i];
        if mean.abs() <= 2.0 * sd || rising.is_some_and(|up| up != (mean > 0.0)) {
            self.not_resolved(&[i], format!(
                "the effect of moving `{name}` from {} to {} at the incumbent is not resolved or points against the average trend ({} ± {})",
                show(&points[0][name]), show(&points[1][name]), fmt(mean), fmt(2.0 * sd)
            ));
            return Ok(());
        }
        let prediction = format!(
            "with the other inputs at the best trial, moving `{name}` from {} to {} changes {} by {} ± {}{}",
            show(&points[0][name]),
            show(&points[1][name]),
            self.response(),
            fmt(mean),
            fmt(2.0 * sd),
            self.unit_suffix()
        );
        let claim = if mean > 0.0 {
            Claim::Positive
        } else {
            Claim::Negative
        };
        let experiment = self.contrast(points, vec![-1.0, 1.0], (mean, sd), claim);
        self.push(kind, &[i], statement, statistic, prediction, experiment);
        Ok(())
    }

    /// A 2×2 factorial in inputs a and b, at the levels (from 0.1, 0.5, 0.9)
    /// where the posterior resolves the interaction best.
    fn all_work(&self, points: &[Inputs]) -> Result<bool, CosciError> {
        for p in points {
            if !self.s.works_at(p)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn factorial(
        &mut self,
        kind: Kind,
        a: usize,
        b: usize,
        statement: String,
        statistic: Statistic,
    ) -> Result<(), CosciError> {
        let levels = [(0.1, 0.5), (0.1, 0.9), (0.5, 0.9)];
        let weights = [1.0, -1.0, -1.0, 1.0];
        let mut best: Option<(f64, Vec<Inputs>, f64, f64)> = None;
        for &(a0, a1) in &levels {
            for &(b0, b1) in &levels {
                let points = vec![
                    self.at_incumbent(&[(a, a0), (b, b0)]),
                    self.at_incumbent(&[(a, a1), (b, b0)]),
                    self.at_incumbent(&[(a, a0), (b, b1)]),
                    self.at_incumbent(&[(a, a1), (b, b1)]),
                ];
                if !self.all_work(&points)? {
                    continue;
                }
                let (mean, sd) = self.contrast_of(&points, &weights)?;
                let z = mean.abs() / sd.max(1e-300);
                if best.as_ref().is_none_or(|(bz, ..)| z > *bz) {
                    best = Some((z, points, mean, sd));
                }
            }
        }
        let (na, nb) = (&self.sens.parameters[a], &self.sens.parameters[b]);
        // Refusals name the pair in parameter order, so that the pair
        // reached from either input is refused once.
        let pair = [a.min(b), a.max(b)];
        let (first, second) = (
            &self.sens.parameters[pair[0]],
            &self.sens.parameters[pair[1]],
        );
        let Some((z, points, mean, sd)) = best else {
            self.not_resolved(&pair, format!(
                "every 2×2 design in `{first}` and `{second}` at the incumbent has a point where the twin is predicted to fail"
            ));
            return Ok(());
        };
        if z <= 2.0 {
            self.not_resolved(&pair, format!(
                "no 2×2 design at the incumbent resolves the `{first}`×`{second}` interaction (best |Δ|/sd = {})", fmt(z)
            ));
            return Ok(());
        }
        let prediction = format!(
            "at the best trial, the effect on {} of moving `{na}` from {} to {} differs between `{nb}` = {} and {} by {} ± {}{}",
            self.response(),
            show(&points[0][na]),
            show(&points[1][na]),
            show(&points[0][nb]),
            show(&points[2][nb]),
            fmt(mean),
            fmt(2.0 * sd),
            self.unit_suffix()
        );
        let claim = if mean > 0.0 {
            Claim::Positive
        } else {
            Claim::Negative
        };
        let experiment = self.contrast(points, weights.to_vec(), (mean, sd), claim);
        self.push(kind, &[a, b], statement, statistic, prediction, experiment);
        Ok(())
    }

    fn about_input(&mut self, i: usize, pd: &PartialDependence) -> Result<(), CosciError> {
        let name = self.sens.parameters[i].clone();
        if self.barred(&[&name]) {
            return Ok(());
        }
        let n = self.sens.observations;
        let total = self.sens.total[i];
        let inter = self.sens.interaction[i];
        if total.value - 2.0 * total.sd > DOMINANT_TOTAL {
            let st = stat("S_T", total, n);
            let statement = format!(
                "{} is dominated by {}: {} of its variance involves it (S_T = {} ± {}, n = {n})",
                self.response(),
                self.name(i),
                pct(total.value),
                fmt(st.value),
                fmt(st.sd)
            );
            let (lo, hi) = extreme_positions(pd);
            self.directional(Kind::Dominant, i, (lo, hi), None, statement, st)?;
        }
        if total.value + 2.0 * total.sd < INERT_TOTAL {
            let st = stat("S_T", total, n);
            let statement = format!(
                "{} appears inert for {}: S_T = {} ± {} < {INERT_TOTAL} (n = {n}); a candidate to fix",
                self.name(i),
                self.response(),
                fmt(st.value),
                fmt(st.sd)
            );
            self.negligible(i, statement, st)?;
            return Ok(());
        }
        if inter.value - 2.0 * inter.sd > INTERACTION_SHARE && inter.value > 0.5 * total.value {
            let st = stat("S_T - S", inter, n);
            let statement = format!(
                "{} acts on {} mainly through interactions: S_T − S = {} ± {} of S_T = {} (n = {n})",
                self.name(i),
                self.response(),
                fmt(st.value),
                fmt(st.sd),
                fmt(total.value)
            );
            let partner = self.partner(i);
            self.factorial(Kind::ThroughInteractions, i, partner, statement, st)?;
        }
        match pd.shape {
            Shape::Increasing {
                probability,
                plateau_from,
            }
            | Shape::Decreasing {
                probability,
                plateau_from,
            } => {
                let up = matches!(pd.shape, Shape::Increasing { .. });
                let st = Statistic {
                    name: "P(shape)".into(),
                    value: probability,
                    sd: 0.0,
                    n,
                };
                let plateau = plateau_from
                    .map(|v| format!(", levelling off above {}", fmt(v)))
                    .unwrap_or_default();
                let statement = format!(
                    "{} {} with {}{plateau} (averaged over the other inputs; P = {}, n = {n})",
                    self.response(),
                    if up { "rises" } else { "falls" },
                    self.name(i),
                    fmt(probability)
                );
                self.directional(Kind::Monotone, i, (0.1, 0.9), Some(up), statement, st)?;
            }
            Shape::InteriorMaximum {
                probability,
                at,
                interval,
            }
            | Shape::InteriorMinimum {
                probability,
                at,
                interval,
            } => {
                let maximum = matches!(pd.shape, Shape::InteriorMaximum { .. });
                self.optimum(i, maximum, probability, at, interval)?;
            }
            Shape::Flat | Shape::Multimodal | Shape::Irregular | Shape::Unordered => {}
        }
        Ok(())
    }

    /// The input x_i interacts with most: its top-pair partner, else the
    /// other input with the largest total index.
    fn partner(&self, i: usize) -> usize {
        if let Some(p) = &self.sens.pair {
            let (a, b) = (self.index_of(&p.a), self.index_of(&p.b));
            if a == i || b == i {
                return if a == i { b } else { a };
            }
        }
        (0..self.sens.parameters.len())
            .filter(|&j| j != i)
            .max_by(|&a, &b| {
                self.sens.total[a]
                    .value
                    .total_cmp(&self.sens.total[b].value)
            })
            .expect("interactions need two inputs")
    }

    /// An inert input: moving it from 0.1 to 0.9 (unit) at the incumbent
    /// changes the response by at most the contrast an input with
    /// S_T = INERT_TOTAL would typically make, b = 2√(2·INERT_TOTAL·V).
    fn negligible(&mut self, i: usize, statement: String, st: Statistic) -> Result<(), CosciError> {
        let Some(points) = self.workable_pair(i, (0.1, 0.9))? else {
            return Ok(());
        };
        let (mean, sd) = self.contrast_of(&points, &[-1.0, 1.0])?;
        let bound = 2.0 * (2.0 * INERT_TOTAL * self.sens.variance).sqrt();
        let name = &self.sens.parameters[i];
        if mean.abs() + 2.0 * sd > bound {
            self.not_resolved(&[i], format!(
                "`{name}` is inert on average, but at the incumbent its contrast {} ± {} may exceed {}",
                fmt(mean), fmt(2.0 * sd), fmt(bound)
            ));
            return Ok(());
        }
        let prediction = format!(
            "with the other inputs at the best trial, moving `{name}` from {} to {} changes {} by less than {}{} (predicted {} ± {})",
            show(&points[0][name]),
            show(&points[1][name]),
            self.response(),
            fmt(bound),
            self.unit_suffix(),
            fmt(mean),
            fmt(2.0 * sd)
        );
        let experiment = self.contrast(
            points,
            vec![-1.0, 1.0],
            (mean, sd),
            Claim::Negligible { bound },
        );
        self.push(Kind::Inert, &[i], statement, st, prediction, experiment);
        Ok(())
    }

    /// An interior optimum of the PD curve, tested by a sweep across it at
    /// the incumbent. The sweep is emitted only when the posterior along the
    /// sweep line also puts the optimum inside with probability ≥ 0.9.
    fn optimum(
        &mut self,
        i: usize,
        maximum: bool,
        probability: f64,
        at: f64,
        interval: (f64, f64),
    ) -> Result<(), CosciError> {
        let p = &self.s.space().parameters[i];
        let (low, high) = match p.domain {
            genesis_core::Domain::Float { low, high, .. } => (low, high),
            genesis_core::Domain::Int { low, high, .. } => (low as f64, high as f64),
            genesis_core::Domain::Categorical { .. } => return Ok(()),
        };
        let half = (0.5 * (interval.1 - interval.0)).max(0.1 * (high - low));
        let (a, b) = ((interval.0 - half).max(low), (interval.1 + half).min(high));
        let positions: Vec<f64> = (0..SWEEP_POINTS)
            .map(|k| a + (b - a) * k as f64 / (SWEEP_POINTS - 1) as f64)
            .collect();
        let points: Vec<Inputs> = positions
            .iter()
            .map(|&v| {
                let mut inputs = self.s.incumbent().clone();
                inputs.insert(
                    p.name.clone(),
                    match p.domain {
                        genesis_core::Domain::Int { .. } => {
                            genesis_core::Value::Int(v.round() as i64)
                        }
                        _ => genesis_core::Value::Float(v),
                    },
                );
                inputs
            })
            .collect();
        let kind_word = if maximum { "maximum" } else { "minimum" };
        if !self.all_work(&points)? {
            self.not_resolved(&[i], format!(
                "a sweep of `{}` across the {kind_word} near {} at the incumbent reaches where the twin is predicted to fail",
                p.name, fmt(at)
            ));
            return Ok(());
        }
        let features = points
            .iter()
            .map(|q| self.s.features_of(q))
            .collect::<Result<Vec<_>, _>>()?;
        let (mean, cov) = self.s.joint(&features);
        let draws = gaussian_draws(&mean, cov, self.s.prior_var(), 400, 0x5EE9)?;
        let sign = if maximum { 1.0 } else { -1.0 };
        let inner = |c: &Vec<f64>| {
            let k = (0..c.len())
                .max_by(|&x, &y| (sign * c[x]).total_cmp(&(sign * c[y])))
                .expect("points");
            k != 0 && k != c.len() - 1
        };
        let local = draws.iter().filter(|c| inner(c)).count() as f64 / draws.len() as f64;
        if local < 0.9 {
            self.not_resolved(&[i], format!(
                "the {kind_word} of {} in `{}` near {} is not resolved along a sweep at the incumbent (P = {})",
                self.response(), p.name, fmt(at), fmt(local)
            ));
            return Ok(());
        }
        let is_optimum = maximum == (self.s.response().goal == Goal::Maximize);
        let st = Statistic {
            name: "P(shape)".into(),
            value: probability,
            sd: 0.0,
            n: self.sens.observations,
        };
        let statement = format!(
            "{} has an interior {kind_word}{} in {} near {} (90% interval {}–{}; averaged over the other inputs, P = {}, n = {})",
            self.response(),
            if is_optimum { " (optimum)" } else { "" },
            self.name(i),
            fmt(at),
            fmt(interval.0),
            fmt(interval.1),
            fmt(probability),
            st.n
        );
        let prediction = format!(
            "sweeping `{}` over {} with the other inputs at the best trial, the {kind_word} lies inside, within {}–{}",
            p.name,
            positions
                .iter()
                .map(|v| fmt(*v))
                .collect::<Vec<_>>()
                .join(", "),
            fmt(interval.0),
            fmt(interval.1)
        );
        let experiment = Experiment::Sweep {
            parameter: p.name.clone(),
            points,
            positions,
            predicted_at: at,
            interval,
            maximum,
            noise_sd: self.s.noise_sd(),
            scale: self.s.scale(),
        };
        self.push(
            Kind::InteriorOptimum,
            &[i],
            statement,
            st,
            prediction,
            experiment,
        );
        Ok(())
    }
}

/// A parameter value for a statement (floats to three digits).
fn show(v: &genesis_core::Value) -> String {
    match v {
        genesis_core::Value::Float(x) => fmt(*x),
        other => other.to_string(),
    }
}

/// Unit positions of the PD curve's minimum and maximum (low → high effect).
fn extreme_positions(pd: &PartialDependence) -> (f64, f64) {
    let by = |better: fn(f64, f64) -> bool| {
        (0..pd.mean.len()).fold(0, |b, k| if better(pd.mean[k], pd.mean[b]) { k } else { b })
    };
    let (kmin, kmax) = (by(|a, b| a < b), by(|a, b| a > b));
    (pd.unit_positions[kmin], pd.unit_positions[kmax])
}
