//! Bayesian optimisation: a GP surrogate, LogEI (or UCB) acquisition,
//! constraints by probability of feasibility, kriging-believer batches.
//!
//! One suggestion goes as follows. Trials before the initial-design size
//! are scrambled Sobol points (identical to the `sobol` planner's). After
//! that, finished trials are encoded as features ([`Encoder`]); failed
//! trials get the worst observed objective value, so the model learns to
//! avoid their region. Several objectives are scalarised ParEGO-style
//! (Knowles 2006): normalised to [0, 1] and combined by an augmented
//! Chebyshev function with weights drawn per trial index from the seed. A GP
//! is fitted to the (scalarised) objective and one to each constrained
//! output. The acquisition is maximised from Sobol and local candidates,
//! refined by L-BFGS on the float features and neighbourhood moves on
//! integers and categories. For a batch, each chosen point is added to the
//! models with its predicted mean as if observed (kriging believer), and so
//! are trials still running.

use crate::encode::Encoder;
use crate::gp::Gp;
use crate::special::{dlog_h, log_h, log_norm_cdf, norm_cdf, norm_pdf};
use crate::{Observation, Planner, PlannerError, PlannerInfo, SuggestRequest, Suggestion, lbfgs};
use genesis_core::rng::{Rng, derive_seed};
use genesis_core::{Constraint, Goal, SearchSpace};

/// A suggestion must differ from every observed point by more than this in
/// some feature (unit-cube scale): re-measuring a deterministic twin at
/// almost the same place teaches the model nothing.
const NEW_POINT_DISTANCE: f64 = 1e-3;

/// Which acquisition function scores candidates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Acquisition {
    /// log expected improvement (Ament et al. 2023).
    LogEi,
    /// Upper confidence bound with exploration weight β (Srinivas et al. 2010).
    Ucb { beta: f64 },
}

/// Settings of the BO planner, from the `[planner]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct BoSettings {
    /// Initial Sobol design size; default max(4, 2·d + 2) for d parameters.
    pub initial: Option<u64>,
    pub acquisition: Acquisition,
    /// Candidates scored before local refinement; default 256 + 64·d, at most 2048.
    pub candidates: Option<usize>,
}

impl Default for BoSettings {
    fn default() -> Self {
        BoSettings {
            initial: None,
            acquisition: Acquisition::LogEi,
            candidates: None,
        }
    }
}

impl BoSettings {
    /// Reads settings from the planner table (keys other than `name`).
    pub fn from_json(
        settings: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, String> {
        let mut s = BoSettings::default();
        let mut beta = None;
        let mut acq = "logei".to_string();
        for (k, v) in settings {
            match k.as_str() {
                "initial" => {
                    s.initial = Some(
                        v.as_u64()
                            .filter(|&n| n >= 1)
                            .ok_or("`initial` must be a whole number >= 1")?,
                    )
                }
                "candidates" => {
                    s.candidates = Some(
                        v.as_u64()
                            .filter(|&n| n >= 16)
                            .ok_or("`candidates` must be a whole number >= 16")?
                            as usize,
                    );
                }
                "acquisition" => {
                    acq = v
                        .as_str()
                        .ok_or("`acquisition` must be \"logei\" or \"ucb\"")?
                        .to_string()
                }
                "beta" => {
                    beta = Some(
                        v.as_f64()
                            .filter(|b| *b > 0.0)
                            .ok_or("`beta` must be a positive number")?,
                    )
                }
                other => {
                    return Err(format!(
                        "unknown setting `{other}` for planner `bo` (known: initial, acquisition, beta, candidates)"
                    ));
                }
            }
        }
        s.acquisition = match (acq.as_str(), beta) {
            ("logei", None) => Acquisition::LogEi,
            ("logei", Some(_)) => return Err("`beta` only applies to acquisition = \"ucb\"".into()),
            ("ucb", b) => Acquisition::Ucb {
                beta: b.unwrap_or(2.0),
            },
            (other, _) => {
                return Err(format!(
                    "unknown acquisition `{other}`; expected \"logei\" or \"ucb\""
                ));
            }
        };
        Ok(s)
    }
}

/// The Bayesian-optimisation planner.
pub struct BoPlanner {
    seed: u64,
    settings: BoSettings,
}

impl BoPlanner {
    /// A planner whose random choices are fixed by `seed`.
    pub fn new(seed: u64, settings: BoSettings) -> Self {
        BoPlanner { seed, settings }
    }

    fn initial_size(&self, space: &SearchSpace) -> u64 {
        self.settings
            .initial
            .unwrap_or((2 * space.dim() as u64 + 2).max(4))
    }
}

/// One model term of the acquisition: its value and partial derivatives
/// with respect to the model's mean and standard deviation.
struct Term {
    value: f64,
    d_mean: f64,
    d_sd: f64,
}

fn log_ei(best: f64, mean: f64, sd: f64) -> Term {
    let z = (best - mean) / sd;
    let r = dlog_h(z);
    Term {
        value: sd.ln() + log_h(z),
        d_mean: -r / sd,
        d_sd: 1.0 / sd - r * z / sd,
    }
}

/// log P(low ≤ g ≤ high) for g ~ N(mean, sd²).
fn log_feasibility(c: &Constraint, mean: f64, sd: f64) -> Term {
    // ratio φ(z)/Φ(z) computed in log space.
    let mills = |z: f64| (-0.5 * z * z - 0.918_938_533_204_672_8 - log_norm_cdf(z)).exp();
    match (c.min, c.max) {
        (None, Some(b)) => {
            let z = (b - mean) / sd;
            let r = mills(z);
            Term {
                value: log_norm_cdf(z),
                d_mean: -r / sd,
                d_sd: -r * z / sd,
            }
        }
        (Some(a), None) => {
            let z = (mean - a) / sd;
            let r = mills(z);
            Term {
                value: log_norm_cdf(z),
                d_mean: r / sd,
                d_sd: -r * z / sd,
            }
        }
        (Some(a), Some(b)) => {
            let (za, zb) = ((a - mean) / sd, (b - mean) / sd);
            let p = (norm_cdf(zb) - norm_cdf(za)).max(1e-300);
            let (pa, pb) = (norm_pdf(za), norm_pdf(zb));
            Term {
                value: p.ln(),
                d_mean: (pa - pb) / (sd * p),
                d_sd: (pa * za - pb * zb) / (sd * p),
            }
        }
        (None, None) => Term {
            value: 0.0,
            d_mean: 0.0,
            d_sd: 0.0,
        },
    }
}

/// The models of one suggestion round.
struct Models {
    objective: Gp,
    constraints: Vec<(Constraint, Gp)>,
    /// Best feasible (scalarised) objective value, if any trial is feasible.
    incumbent: Option<f64>,
    acquisition: Acquisition,
}

impl Models {
    /// Acquisition value and gradient (w.r.t. features) at `x`; maximise it.
    fn score(&self, x: &[f64], grad: Option<&mut [f64]>) -> f64 {
        let mut total = 0.0;
        let mut g = vec![0.0; x.len()];
        let mut add = |term: Term, dm: &[f64], ds: &[f64]| {
            total += term.value;
            for i in 0..g.len() {
                g[i] += term.d_mean * dm[i] + term.d_sd * ds[i];
            }
        };
        let want_grad = grad.is_some();
        let eval = |gp: &Gp| {
            if want_grad {
                gp.predict_with_grad(x)
            } else {
                let (m, s) = gp.predict(x);
                (m, s, vec![0.0; x.len()], vec![0.0; x.len()])
            }
        };
        if let Some(best) = self.incumbent {
            let (m, s, dm, ds) = eval(&self.objective);
            let term = match self.acquisition {
                Acquisition::LogEi => log_ei(best, m, s),
                Acquisition::Ucb { beta } => Term {
                    value: -m + beta.sqrt() * s,
                    d_mean: -1.0,
                    d_sd: beta.sqrt(),
                },
            };
            add(term, &dm, &ds);
        }
        for (c, gp) in &self.constraints {
            let (m, s, dm, ds) = eval(gp);
            add(log_feasibility(c, m, s), &dm, &ds);
        }
        if let Some(out) = grad {
            out.copy_from_slice(&g);
        }
        total
    }

    /// Adds `x` with the models' predicted means as if it had been observed.
    fn believe(&mut self, data: &mut Data, x: Vec<f64>) {
        data.x.push(x.clone());
        data.y.push(self.objective.predict(&x).0);
        for (k, (_, gp)) in self.constraints.iter().enumerate() {
            data.constraint_y[k].push(gp.predict(&x).0);
        }
        if let Ok(gp) = Gp::condition(
            &data.x,
            &data.y,
            self.objective.hyper.clone(),
            Some(self.objective.scaling()),
        ) {
            self.objective = gp;
        }
        for (k, (_, gp)) in self.constraints.iter_mut().enumerate() {
            if let Ok(new) = Gp::condition(
                &data.x,
                &data.constraint_y[k],
                gp.hyper.clone(),
                Some(gp.scaling()),
            ) {
                *gp = new;
            }
        }
    }
}

/// Training data of one round (features, scalarised objective, constraint outputs).
struct Data {
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    constraint_y: Vec<Vec<f64>>,
}

fn goal_sign(g: Goal) -> f64 {
    match g {
        Goal::Minimize => 1.0,
        Goal::Maximize => -1.0,
    }
}

/// Builds the training data: objective on the minimisation scale
/// (ParEGO-scalarised for several objectives), failures imputed as the worst.
fn training_data(
    req: &SuggestRequest<'_>,
    enc: &Encoder,
    weights: &[f64],
) -> Option<(Data, Option<f64>)> {
    let objectives = req.objectives;
    let completed: Vec<(&Observation, Vec<f64>)> = req
        .observations
        .iter()
        .filter_map(|o| {
            let out = o.outputs.as_ref()?;
            let v: Option<Vec<f64>> = objectives
                .iter()
                .map(|ob| out.get(&ob.name).map(|x| goal_sign(ob.goal) * x))
                .collect();
            v.map(|v| (o, v))
        })
        .filter(|(o, _)| {
            req.constraints.iter().all(|c| {
                o.outputs
                    .as_ref()
                    .is_some_and(|out| out.contains_key(&c.output))
            })
        })
        .collect();
    if completed.is_empty() {
        return None;
    }
    // Normalise each objective to [0, 1] over the completed trials.
    let m = objectives.len();
    let lo: Vec<f64> = (0..m)
        .map(|i| {
            completed
                .iter()
                .map(|(_, v)| v[i])
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let hi: Vec<f64> = (0..m)
        .map(|i| {
            completed
                .iter()
                .map(|(_, v)| v[i])
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    let scalar = |v: &[f64]| {
        if m == 1 {
            return v[0];
        }
        let f: Vec<f64> = (0..m)
            .map(|i| {
                if hi[i] > lo[i] {
                    (v[i] - lo[i]) / (hi[i] - lo[i])
                } else {
                    0.0
                }
            })
            .collect();
        let cheb = (0..m)
            .map(|i| weights[i] * f[i])
            .fold(f64::NEG_INFINITY, f64::max);
        cheb + 0.05 * (0..m).map(|i| weights[i] * f[i]).sum::<f64>()
    };
    let mut data = Data {
        x: Vec::new(),
        y: Vec::new(),
        constraint_y: vec![Vec::new(); req.constraints.len()],
    };
    let mut incumbent: Option<f64> = None;
    for (o, v) in &completed {
        let Some(x) = enc.encode(&o.inputs) else {
            continue;
        };
        let y = scalar(v);
        let out = o.outputs.as_ref().expect("completed");
        let feasible = genesis_core::trial::within(req.constraints, out);
        if feasible {
            incumbent = Some(incumbent.map_or(y, |b: f64| b.min(y)));
        }
        data.x.push(x);
        data.y.push(y);
        for (k, c) in req.constraints.iter().enumerate() {
            data.constraint_y[k].push(out[&c.output]);
        }
    }
    // Failed trials: worst objective, and constraint values as bad as seen.
    let worst = data.y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for o in req.observations.iter().filter(|o| o.outputs.is_none()) {
        let Some(x) = enc.encode(&o.inputs) else {
            continue;
        };
        data.x.push(x);
        data.y.push(worst);
        for (k, c) in req.constraints.iter().enumerate() {
            let ys = &data.constraint_y[k];
            let bad = match (c.min, c.max) {
                (_, Some(_)) => ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                _ => ys.iter().copied().fold(f64::INFINITY, f64::min),
            };
            data.constraint_y[k].push(bad);
        }
    }
    let Some(warp) = Warp::fit(&data.y) else {
        return Some((data, incumbent));
    };
    data.y.iter_mut().for_each(|y| *y = warp.apply(*y));
    Some((data, incumbent.map(|b| warp.apply(b))))
}

/// A monotone output warping for right-skewed objectives, y ↦ ln(1 + (y − min)/s) with s the distance
/// from the minimum to the median. Objectives of real models are often
/// heavy-tailed (a few huge values from bad corners of the space), which
/// makes a GP on raw values overconfident near the optimum; the log warp
/// (as in SMAC's log-transformed costs) evens that out. Being monotone, it
/// keeps which point is best.
struct Warp {
    min: f64,
    scale: f64,
}

impl Warp {
    /// The warp for `y`, or `None` when the values are not right-skewed
    /// (sample skewness ≤ 1), where the raw scale models better.
    fn fit(y: &[f64]) -> Option<Warp> {
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let m2 = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let m3 = y.iter().map(|v| (v - mean).powi(3)).sum::<f64>() / n;
        if m2 <= 0.0 || m3 / m2.powf(1.5) <= 1.0 {
            return None;
        }
        let mut sorted = y.to_vec();
        sorted.sort_by(f64::total_cmp);
        let min = sorted[0];
        let median = sorted[sorted.len() / 2];
        let scale = if median > min { median - min } else { 1.0 };
        Some(Warp { min, scale })
    }

    fn apply(&self, y: f64) -> f64 {
        (1.0 + (y - self.min).max(0.0) / self.scale).ln()
    }
}

impl BoPlanner {
    fn sobol(&self, req: &SuggestRequest<'_>, index: u64) -> Result<Suggestion, PlannerError> {
        let mut s = crate::SobolPlanner::new(self.seed).suggest(&SuggestRequest {
            first_index: index,
            count: 1,
            ..*req
        })?;
        let mut one = s.remove(0);
        one.reason = format!("initial design: {}", one.reason);
        Ok(one)
    }

    fn optimise(
        &self,
        models: &Models,
        enc: &Encoder,
        data: &Data,
        rng: &mut Rng,
        index: u64,
    ) -> (Vec<f64>, f64) {
        let d_params = enc.param_count();
        let n_cand = self
            .settings
            .candidates
            .unwrap_or((256 + 64 * d_params).min(2048));
        let mut candidates: Vec<Vec<f64>> = Vec::with_capacity(n_cand);
        let scramble = derive_seed(self.seed, index) as u32;
        for k in 0..n_cand / 2 {
            let u: Vec<f64> = (0..d_params as u32)
                .map(|dim| f64::from(sobol_burley::sample((k % (1 << 16)) as u32, dim, scramble)))
                .collect();
            candidates.push(enc.features_of_unit_point(&u));
        }
        // Local candidates around the best observed points (by objective).
        let mut order: Vec<usize> = (0..data.y.len()).collect();
        order.sort_by(|&a, &b| data.y[a].total_cmp(&data.y[b]));
        let centres: Vec<&Vec<f64>> = order.iter().take(5).map(|&i| &data.x[i]).collect();
        let continuous = enc.continuous();
        while candidates.len() < n_cand && !centres.is_empty() {
            let c = centres[candidates.len() % centres.len()];
            let mut x = c.clone();
            let scale = [0.02, 0.08, 0.2][candidates.len() % 3];
            for i in 0..x.len() {
                if continuous[i] {
                    x[i] = (x[i] + scale * gaussian(rng)).clamp(0.0, 1.0);
                }
            }
            // Occasionally resample discrete parameters too.
            if continuous.iter().any(|c| !c) && rng.uniform() < 0.3 {
                let neighbours = enc.neighbours(&x);
                if !neighbours.is_empty() {
                    x = neighbours[(rng.uniform() * neighbours.len() as f64) as usize].clone();
                }
            }
            enc.snap(&mut x);
            candidates.push(x);
        }
        // Refine the best few of the global and of the local candidates
        // separately, so local search near the incumbent cannot crowd out
        // a promising distant basin.
        let top = |set: Vec<Vec<f64>>, keep: usize| {
            let mut scored: Vec<(f64, Vec<f64>)> = set
                .into_iter()
                .map(|x| (models.score(&x, None), x))
                .filter(|(s, _)| s.is_finite())
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            scored.truncate(keep);
            scored
        };
        let local = candidates.split_off(n_cand / 2);
        // Every global candidate, best first, as fallbacks when the refined
        // optima all repeat points already observed.
        let fallbacks = top(candidates.clone(), candidates.len());
        let mut starts = top(candidates, 4);
        starts.extend(top(local, 3));
        let mut refined: Vec<(Vec<f64>, f64)> = starts
            .into_iter()
            .map(|(s0, x0)| self.refine(models, enc, x0, s0))
            .collect();
        refined.sort_by(|a, b| b.1.total_cmp(&a.1));
        // A point already observed (or believed) teaches nothing: a
        // deterministic twin would return the same value. Take the best
        // new point instead.
        let is_new = |x: &[f64]| {
            data.x.iter().all(|seen| {
                seen.iter()
                    .zip(x)
                    .any(|(a, b)| (a - b).abs() > NEW_POINT_DISTANCE)
            })
        };
        refined
            .into_iter()
            .chain(fallbacks.into_iter().map(|(s, x)| (x, s)))
            .find(|(x, _)| is_new(x))
            .unwrap_or_else(|| {
                (
                    enc.features_of_unit_point(&vec![0.5; d_params]),
                    f64::NEG_INFINITY,
                )
            })
    }

    /// L-BFGS on the float features, then greedy discrete moves, twice.
    fn refine(
        &self,
        models: &Models,
        enc: &Encoder,
        mut x: Vec<f64>,
        mut score: f64,
    ) -> (Vec<f64>, f64) {
        let continuous = enc.continuous();
        for _round in 0..2 {
            if continuous.iter().any(|&c| c) {
                let fixed = x.clone();
                let lo: Vec<f64> = (0..x.len())
                    .map(|i| if continuous[i] { 0.0 } else { fixed[i] })
                    .collect();
                let hi: Vec<f64> = (0..x.len())
                    .map(|i| if continuous[i] { 1.0 } else { fixed[i] })
                    .collect();
                let m = lbfgs::minimize(
                    |p, g| {
                        let v = -models.score(p, Some(g));
                        g.iter_mut().for_each(|gi| *gi = -*gi);
                        v
                    },
                    &x,
                    &lo,
                    &hi,
                    60,
                    1e-10,
                );
                if m.value.is_finite() && -m.value > score {
                    x = m.x;
                    score = -m.value;
                }
            }
            let mut improved = false;
            for n in enc.neighbours(&x) {
                let s = models.score(&n, None);
                if s > score {
                    score = s;
                    x = n;
                    improved = true;
                }
            }
            if !improved {
                break;
            }
        }
        (x, score)
    }
}

/// A standard normal draw (Box-Muller).
fn gaussian(rng: &mut Rng) -> f64 {
    let u1 = rng.uniform().max(1e-300);
    let u2 = rng.uniform();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

impl Planner for BoPlanner {
    fn info(&self) -> PlannerInfo {
        let acq = match self.settings.acquisition {
            Acquisition::LogEi => serde_json::json!("logei"),
            Acquisition::Ucb { beta } => serde_json::json!({ "ucb": { "beta": beta } }),
        };
        PlannerInfo {
            name: "bo".into(),
            version: "0.1.0".into(),
            settings: serde_json::json!({
                "seed": self.seed,
                "initial": self.settings.initial,
                "acquisition": acq,
                "candidates": self.settings.candidates,
                "kernel": "matern52-ard",
            }),
        }
    }

    fn check(&self, space: &SearchSpace, _budget: u64) -> Result<(), PlannerError> {
        crate::SobolPlanner::new(self.seed).check(space, self.initial_size(space))
    }

    fn suggest(&self, req: &SuggestRequest<'_>) -> Result<Vec<Suggestion>, PlannerError> {
        let n_init = self.initial_size(req.space);
        let enc = Encoder::new(req.space);
        let mut out = Vec::with_capacity(req.count);
        let mut round: Option<(Models, Data)> = None;
        for k in 0..req.count as u64 {
            let index = req.first_index + k;
            if index < n_init {
                out.push(self.sobol(req, index)?);
                continue;
            }
            if round.is_none() {
                let mut rng = Rng::new(derive_seed(self.seed, index ^ 0xB0));
                let m = req.objectives.len().max(1);
                let raw: Vec<f64> = (0..m).map(|_| -rng.uniform().max(1e-300).ln()).collect();
                let total: f64 = raw.iter().sum();
                let weights: Vec<f64> = raw.iter().map(|w| w / total).collect();
                let Some((mut data, incumbent)) = training_data(req, &enc, &weights) else {
                    out.push(self.sobol(req, index)?);
                    continue;
                };
                let fit = |y: &[f64]| Gp::fit(&data.x, y);
                let Ok(objective) = fit(&data.y) else {
                    out.push(self.sobol(req, index)?);
                    continue;
                };
                let mut constraints = Vec::new();
                for (c, ys) in req.constraints.iter().zip(&data.constraint_y) {
                    if let Ok(gp) = fit(ys) {
                        constraints.push((c.clone(), gp));
                    }
                }
                let mut models = Models {
                    objective,
                    constraints,
                    incumbent,
                    acquisition: self.settings.acquisition,
                };
                for p in req.pending {
                    if let Some(x) = enc.encode(p) {
                        models.believe(&mut data, x);
                    }
                }
                round = Some((models, data));
            }
            let (models, data) = round.as_mut().expect("built above");
            let mut rng = Rng::new(derive_seed(self.seed, index));
            let (x, score) = self.optimise(models, &enc, data, &mut rng, index);
            let (mean, sd) = models.objective.predict(&x);
            let what = match (models.incumbent, self.settings.acquisition) {
                (None, _) => "log P(feasible)",
                (Some(_), Acquisition::LogEi) => "LogEI",
                (Some(_), Acquisition::Ucb { .. }) => "UCB",
            };
            out.push(Suggestion {
                inputs: enc.decode(&x),
                reason: format!("{what} = {score:.4} (predicted {mean:.6} ± {sd:.6})"),
            });
            models.believe(data, x);
        }
        Ok(out)
    }
}
