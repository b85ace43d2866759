//! Variance-based (Sobol') sensitivity indices by pick-freeze on a
//! scrambled Sobol sequence.
//!
//! For inputs uniform on [0, 1]^d and V = Var f, the first-order index
//! S_i = Var E[f | x_i] / V is the share of the variance explained by x_i
//! alone; the total index S_Ti = E Var[f | x_~i] / V is the share that
//! involves x_i in any way (alone or through interactions). S_Ti − S_i is
//! the share x_i contributes only through interactions; the closed
//! second-order index S_ij is the share due to x_i and x_j jointly beyond
//! their separate effects.
//!
//! Estimators (A, B independent N×d matrices, A_B^(i) = A with column i from
//! B, f₀ the mean over A and B):
//! - V_i = (1/N) Σ (f(B) − f₀)(f(A_B^(i)) − f(A)) (Saltelli et al. 2010,
//!   Comput. Phys. Commun. 181, 259, table 2 (b));
//! - V_Ti = (1/2N) Σ (f(A) − f(A_B^(i)))² (Jansen 1999, same table (f));
//! - V_ij^closed = (1/N) Σ (f(B) − f₀)(f(A_B^(ij)) − f(A)), where A_B^(ij)
//!   takes columns i and j from B, and S_ij = (V_ij^closed − V_i − V_j) / V
//!   (Saltelli 2002, Comput. Phys. Commun. 145, 280).
//!
//! The cost is N(d + 2) evaluations, plus N for the pair. A and B are the
//! first and last d coordinates of one 2d-dimensional Owen-scrambled Sobol
//! sequence (Burley 2020), so the estimates converge nearly as 1/N.

use crate::CosciError;
use crate::surrogate::Surrogate;
use genesis_core::rng::{Rng, derive_seed};
use serde::{Deserialize, Serialize};

/// Sobol indices of one function.
#[derive(Clone, Debug, PartialEq)]
pub struct SobolIndices {
    /// First-order index S_i of each input.
    pub first: Vec<f64>,
    /// Total index S_Ti of each input.
    pub total: Vec<f64>,
    /// The closed second-order index of one pair, when it was asked for.
    pub pair: Option<PairIndex>,
    /// Mean of the function over the cube (f₀).
    pub mean: f64,
    /// Variance of the function over the cube (V).
    pub variance: f64,
}

/// Second-order index of a pair of inputs (i < j).
#[derive(Clone, Debug, PartialEq)]
pub struct PairIndex {
    pub i: usize,
    pub j: usize,
    /// S_ij: the variance share of the joint effect of x_i and x_j beyond
    /// their separate first-order effects.
    pub value: f64,
}

/// The pick-freeze design for `dim` inputs with `n` base rows.
#[derive(Clone, Debug)]
pub struct PickFreeze {
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
}

/// Largest base sample `sobol_burley` can index.
const MAX_ROWS: usize = 1 << 16;

impl PickFreeze {
    /// A design of `n` rows for `dim` inputs, scrambled by `seed`.
    pub fn new(n: usize, dim: usize, seed: u64) -> Result<Self, CosciError> {
        if dim == 0 || 2 * dim > sobol_burley::NUM_DIMENSIONS as usize {
            return Err(CosciError::Input(format!(
                "pick-freeze needs 1 to {} inputs, got {dim}",
                sobol_burley::NUM_DIMENSIONS / 2
            )));
        }
        if !(2..=MAX_ROWS).contains(&n) {
            return Err(CosciError::Input(format!(
                "pick-freeze needs 2 to {MAX_ROWS} rows, got {n}"
            )));
        }
        let scramble = genesis_core::rng::derive_seed(seed, 0x5EB0_1000) as u32;
        let row = |r: usize, first_dim: usize| -> Vec<f64> {
            (0..dim)
                .map(|k| {
                    f64::from(sobol_burley::sample(
                        r as u32,
                        (first_dim + k) as u32,
                        scramble,
                    ))
                })
                .collect()
        };
        Ok(PickFreeze {
            a: (0..n).map(|r| row(r, 0)).collect(),
            b: (0..n).map(|r| row(r, dim)).collect(),
        })
    }

    /// Number of base rows N.
    pub fn rows(&self) -> usize {
        self.a.len()
    }

    /// Number of inputs d.
    pub fn dim(&self) -> usize {
        self.a[0].len()
    }

    /// The N(d + 2) points to evaluate, in the order [`PickFreeze::estimate`]
    /// expects: A, B, then A_B^(i) for each input i.
    pub fn points(&self) -> Vec<Vec<f64>> {
        let mut out = self.a.clone();
        out.extend(self.b.iter().cloned());
        for i in 0..self.dim() {
            out.extend(self.mixed(&[i]));
        }
        out
    }

    /// The N extra points for the second-order index of inputs `i` and `j`.
    pub fn pair_points(&self, i: usize, j: usize) -> Vec<Vec<f64>> {
        self.mixed(&[i, j])
    }

    /// Rows of A with the columns `from_b` taken from B.
    fn mixed(&self, from_b: &[usize]) -> Vec<Vec<f64>> {
        self.a
            .iter()
            .zip(&self.b)
            .map(|(ra, rb)| {
                let mut r = ra.clone();
                for &k in from_b {
                    r[k] = rb[k];
                }
                r
            })
            .collect()
    }

    /// The indices from function values at [`PickFreeze::points`] and, for
    /// the pair (i, j), at [`PickFreeze::pair_points`].
    pub fn estimate(
        &self,
        values: &[f64],
        pair: Option<((usize, usize), &[f64])>,
    ) -> Result<SobolIndices, CosciError> {
        let rows: Vec<usize> = (0..self.rows()).collect();
        self.estimate_on_rows(values, pair, &rows)
    }

    /// As [`PickFreeze::estimate`], using only (possibly repeated) `rows`:
    /// a bootstrap replicate when `rows` is drawn with replacement.
    pub fn estimate_on_rows(
        &self,
        values: &[f64],
        pair: Option<((usize, usize), &[f64])>,
        rows: &[usize],
    ) -> Result<SobolIndices, CosciError> {
        let (n, d) = (self.rows(), self.dim());
        if values.len() != n * (d + 2) || pair.is_some_and(|(_, p)| p.len() != n) {
            return Err(CosciError::Input(format!(
                "pick-freeze expects {} values (and {n} for the pair), got {}",
                n * (d + 2),
                values.len()
            )));
        }
        if let Some(bad) = values
            .iter()
            .chain(pair.map_or(&[][..], |p| p.1))
            .find(|v| !v.is_finite())
        {
            return Err(CosciError::Numerical(format!(
                "the function returned {bad} on the pick-freeze design"
            )));
        }
        let fa = &values[..n];
        let fb = &values[n..2 * n];
        let block = |i: usize| &values[(2 + i) * n..(3 + i) * n];
        let m = rows.len() as f64;
        let mean = rows.iter().map(|&r| fa[r] + fb[r]).sum::<f64>() / (2.0 * m);
        let variance = rows
            .iter()
            .map(|&r| (fa[r] - mean).powi(2) + (fb[r] - mean).powi(2))
            .sum::<f64>()
            / (2.0 * m);
        if variance <= 1e-300 || variance <= 1e-24 * mean * mean {
            return Err(CosciError::Numerical(
                "the function is constant on the design: no variance to apportion".into(),
            ));
        }
        let closed = |fx: &[f64]| {
            rows.iter()
                .map(|&r| (fb[r] - mean) * (fx[r] - fa[r]))
                .sum::<f64>()
                / m
                / variance
        };
        let first: Vec<f64> = (0..d).map(|i| closed(block(i))).collect();
        let total = (0..d)
            .map(|i| {
                let fi = block(i);
                rows.iter().map(|&r| (fa[r] - fi[r]).powi(2)).sum::<f64>() / (2.0 * m) / variance
            })
            .collect();
        let pair = pair.map(|((i, j), fp)| PairIndex {
            i: i.min(j),
            j: i.max(j),
            value: closed(fp) - first[i] - first[j],
        });
        Ok(SobolIndices {
            first,
            total,
            pair,
            mean,
            variance,
        })
    }
}

/// The pair whose second-order index is worth estimating: the two inputs
/// with the largest interaction shares S_Ti − S_i (ties to the lower index).
/// `None` below two inputs.
pub fn top_pair(first: &[f64], total: &[f64]) -> Option<(usize, usize)> {
    if first.len() < 2 {
        return None;
    }
    let mut order: Vec<usize> = (0..first.len()).collect();
    let share = |i: usize| total[i] - first[i];
    order.sort_by(|&a, &b| share(b).total_cmp(&share(a)).then(a.cmp(&b)));
    Some((order[0].min(order[1]), order[0].max(order[1])))
}

/// Sobol indices of `f` on [0, 1]^`dim`, with the second-order index of
/// the [`top_pair`], from `n` base rows: N(d + 3) evaluations.
pub fn sobol_indices(
    f: impl Fn(&[f64]) -> f64,
    dim: usize,
    n: usize,
    seed: u64,
) -> Result<SobolIndices, CosciError> {
    let design = PickFreeze::new(n, dim, seed)?;
    let values: Vec<f64> = design.points().iter().map(|x| f(x)).collect();
    let main = design.estimate(&values, None)?;
    let Some((i, j)) = top_pair(&main.first, &main.total) else {
        return Ok(main);
    };
    let pair_values: Vec<f64> = design.pair_points(i, j).iter().map(|x| f(x)).collect();
    design.estimate(&values, Some(((i, j), &pair_values)))
}

/// One index estimated on the surrogate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The index of the posterior mean (on the large design).
    pub value: f64,
    /// Total uncertainty: √(sd_surrogate² + sd_sampling²).
    pub sd: f64,
    /// Spread of the index over posterior sample paths: what more data would remove.
    pub sd_surrogate: f64,
    /// Bootstrap sd of the pick-freeze estimate itself (conservative for QMC).
    pub sd_sampling: f64,
}

/// The second-order index of the top pair, by parameter name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairEstimate {
    pub a: String,
    pub b: String,
    pub estimate: Estimate,
}

/// Sobol indices of a campaign's response, computed on the surrogate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PosteriorSensitivity {
    /// Parameter names, in the search-space order of the vectors below.
    pub parameters: Vec<String>,
    pub first: Vec<Estimate>,
    pub total: Vec<Estimate>,
    /// S_Ti − S_i, estimated jointly (its sd is not a sum of the others').
    pub interaction: Vec<Estimate>,
    pub pair: Option<PairEstimate>,
    /// Variance of the posterior mean over the search space, in unit².
    pub variance: f64,
    /// Observations the surrogate was conditioned on.
    pub observations: usize,
}

/// Sizes and seed of the posterior sensitivity analysis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PosteriorSettings {
    /// Base rows of the design for the posterior mean (cheap: mean only).
    pub rows_mean: usize,
    /// Largest number of base rows for the sample paths; fewer are used
    /// when N(d + 3) would exceed `max_joint_points`.
    pub rows_paths: usize,
    /// Points sampled jointly at most (the cost is cubic in it).
    pub max_joint_points: usize,
    /// Posterior sample paths.
    pub paths: usize,
    /// Bootstrap replicates of the large design.
    pub bootstrap: usize,
    pub seed: u64,
}

impl Default for PosteriorSettings {
    fn default() -> Self {
        PosteriorSettings {
            rows_mean: 4096,
            rows_paths: 256,
            max_joint_points: 1536,
            paths: 64,
            bootstrap: 100,
            seed: 0,
        }
    }
}

/// The quantities tracked per path and per bootstrap replicate:
/// first (d), total (d), interaction (d), pair (0 or 1).
fn flatten(ix: &SobolIndices) -> Vec<f64> {
    let mut v = ix.first.clone();
    v.extend(&ix.total);
    v.extend(ix.first.iter().zip(&ix.total).map(|(s, t)| t - s));
    v.extend(ix.pair.as_ref().map(|p| p.value));
    v
}

fn spread(samples: &[Vec<f64>]) -> Vec<f64> {
    let n = samples.len() as f64;
    (0..samples[0].len())
        .map(|k| {
            let m = samples.iter().map(|s| s[k]).sum::<f64>() / n;
            (samples.iter().map(|s| (s[k] - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        })
        .collect()
}

/// Sobol indices of the posterior mean of `surrogate` over its search space
/// (uniform on each parameter's search scale), with uncertainty from joint
/// posterior sample paths (Marrel et al. 2009, Reliab. Eng. Syst. Saf. 94,
/// 742; Oakley & O'Hagan 2004) and from the finite design (bootstrap).
pub fn posterior_sensitivity(
    surrogate: &Surrogate,
    settings: &PosteriorSettings,
) -> Result<PosteriorSensitivity, CosciError> {
    let d = surrogate.space().dim();
    let to_features = |points: Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        points
            .iter()
            .map(|u| surrogate.features_of_unit(u))
            .collect()
    };
    // 1. The posterior mean on the large design, and the pair to examine.
    let big = PickFreeze::new(settings.rows_mean, d, settings.seed)?;
    let values = surrogate.mean(&to_features(big.points()));
    let main = big.estimate(&values, None)?;
    let pair = top_pair(&main.first, &main.total);
    let pair_values = pair.map(|(i, j)| surrogate.mean(&to_features(big.pair_points(i, j))));
    let pair_arg = pair.zip(pair_values.as_deref());
    let point = big.estimate(&values, pair_arg)?;
    // 2. Bootstrap over rows of the large design.
    let mut rng = Rng::new(derive_seed(settings.seed, 0xB007));
    let n = big.rows();
    let replicates = (0..settings.bootstrap)
        .map(|_| {
            let rows: Vec<usize> = (0..n)
                .map(|_| (rng.uniform() * n as f64) as usize)
                .collect();
            big.estimate_on_rows(&values, pair_arg, &rows)
                .map(|ix| flatten(&ix))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sd_sampling = spread(&replicates);
    // 3. Joint sample paths on a small design.
    let per_row = d + 2 + usize::from(pair.is_some());
    let rows_paths = (settings.max_joint_points / per_row)
        .min(settings.rows_paths)
        .max(2);
    let small = PickFreeze::new(rows_paths, d, derive_seed(settings.seed, 1))?;
    let mut points = small.points();
    let main_len = points.len();
    if let Some((i, j)) = pair {
        points.extend(small.pair_points(i, j));
    }
    let paths = surrogate.sample_paths(&to_features(points), settings.paths, settings.seed)?;
    let per_path = paths
        .iter()
        .map(|p| {
            let (main_part, pair_part) = p.split_at(main_len);
            small
                .estimate(main_part, pair.map(|ij| (ij, pair_part)))
                .map(|ix| flatten(&ix))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sd_surrogate = spread(&per_path);
    let flat = flatten(&point);
    let estimate = |k: usize| Estimate {
        value: flat[k],
        sd: sd_surrogate[k].hypot(sd_sampling[k]),
        sd_surrogate: sd_surrogate[k],
        sd_sampling: sd_sampling[k],
    };
    let names: Vec<String> = surrogate
        .space()
        .parameters
        .iter()
        .map(|p| p.name.clone())
        .collect();
    Ok(PosteriorSensitivity {
        first: (0..d).map(estimate).collect(),
        total: (d..2 * d).map(estimate).collect(),
        interaction: (2 * d..3 * d).map(estimate).collect(),
        pair: pair.map(|(i, j)| PairEstimate {
            a: names[i].clone(),
            b: names[j].clone(),
            estimate: estimate(3 * d),
        }),
        parameters: names,
        variance: point.variance,
        observations: surrogate.observations(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Ishigami function on [−π, π]³ (a = 7, b = 0.1), from the unit cube.
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    /// Analytic indices of the Ishigami function (Ishigami & Homma 1990;
    /// the closed forms are in Sobol' & Levitan 1999, Comput. Phys. Commun.
    /// 117, 52, and Saltelli et al. 2008, "Global Sensitivity Analysis: The
    /// Primer", sec. 4.7):
    /// V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V₁ = ½(1 + bπ⁴/5)², V₂ = a²/8,
    /// V₃ = 0, V₁₃ = 8b²π⁸/225. With a = 7, b = 0.1:
    /// S = (0.3139, 0.4424, 0), S_T = (0.5576, 0.4424, 0.2437), S₁₃ = 0.2437.
    fn ishigami_truth() -> ([f64; 3], [f64; 3], f64) {
        let (a, b) = (7.0, 0.1);
        let pi4 = PI.powi(4);
        let pi8 = PI.powi(8);
        let v = a * a / 8.0 + b * pi4 / 5.0 + b * b * pi8 / 18.0 + 0.5;
        let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = 8.0 * b * b * pi8 / 225.0;
        (
            [v1 / v, v2 / v, 0.0],
            [(v1 + v13) / v, v2 / v, v13 / v],
            v13 / v,
        )
    }

    #[test]
    fn analytic_ishigami_values_match_the_published_ones() {
        let (s, st, s13) = ishigami_truth();
        let published = [0.3139, 0.4424, 0.0, 0.5576, 0.4424, 0.2437, 0.2437];
        let ours = [s[0], s[1], s[2], st[0], st[1], st[2], s13];
        for (o, p) in ours.iter().zip(published) {
            assert!((o - p).abs() < 5e-5, "{o} vs {p}");
        }
    }

    #[test]
    fn recovers_the_ishigami_indices() {
        let (s, st, s13) = ishigami_truth();
        let got = sobol_indices(ishigami, 3, 1 << 14, 7).unwrap();
        for i in 0..3 {
            assert!(
                (got.first[i] - s[i]).abs() < 0.01,
                "S{}: {}",
                i + 1,
                got.first[i]
            );
            assert!(
                (got.total[i] - st[i]).abs() < 0.01,
                "ST{}: {}",
                i + 1,
                got.total[i]
            );
        }
        let pair = got.pair.unwrap();
        assert_eq!((pair.i, pair.j), (0, 2), "x1 and x3 interact");
        assert!((pair.value - s13).abs() < 0.015, "S13: {}", pair.value);
    }

    #[test]
    fn additive_function_has_no_interactions() {
        // f = 2 x₀ + x₁ (x₂ inert): V_i ∝ c_i², so S = S_T = (0.8, 0.2, 0).
        let got = sobol_indices(|x| 2.0 * x[0] + x[1], 3, 4096, 1).unwrap();
        for (i, want) in [0.8, 0.2, 0.0].into_iter().enumerate() {
            assert!((got.first[i] - want).abs() < 2e-3, "S{i}: {}", got.first[i]);
            assert!(
                (got.total[i] - want).abs() < 2e-3,
                "ST{i}: {}",
                got.total[i]
            );
        }
        assert!(got.pair.unwrap().value.abs() < 2e-3);
    }

    #[test]
    fn refuses_constant_functions_and_bad_designs() {
        assert!(matches!(
            sobol_indices(|_| 3.0, 2, 64, 1),
            Err(CosciError::Numerical(_))
        ));
        assert!(PickFreeze::new(1, 2, 0).is_err());
        assert!(PickFreeze::new(64, 0, 0).is_err());
    }
}
