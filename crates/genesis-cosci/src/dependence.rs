//! One-dimensional partial dependence of the posterior mean, with a band
//! from the posterior, and a shape classifier.
//!
//! PD_i(v) = E_{x_~i}[μ(v, x_~i)]: the response as a function of x_i with
//! the other inputs averaged over the search space (Friedman 2001), here
//! over a scrambled Sobol background sample. A PD curve is a set of
//! averages of the latent function, so its posterior is Gaussian and exact
//! ([`Surrogate::averages`]); the band and the shape probabilities come from
//! draws of the whole curve.
//!
//! Shape rules (each judged on every drawn curve; a shape is stated when at
//! least [`SHAPE_PROBABILITY`] of the draws have it):
//! - **flat**: the 95th percentile of the drawn curves' ranges is below
//!   [`FLAT_FRACTION`] of the response's sd over the space;
//! - **increasing / decreasing**: end above (below) start and no reversal
//!   larger than [`MONOTONE_SLACK`] of the curve's range; a *plateau* is
//!   reported when the mean curve stays within [`PLATEAU_FRACTION`] of its
//!   final level over at least the last quarter of the range;
//! - **interior maximum / minimum**: the extreme lies at an inner grid point
//!   and beats both ends by more than [`MONOTONE_SLACK`] of the range; the
//!   location is the parabola-refined extreme of the mean curve, the
//!   interval the 5–95% quantiles of the drawn curves' extremes;
//! - **multimodal** when the mean curve has two or more maxima (or minima)
//!   separated by dips deeper than [`MONOTONE_SLACK`] of its range (e.g.
//!   sin² over a full period): no single optimum is stated;
//! - otherwise **irregular** (the posterior does not resolve a shape);
//!   categorical inputs have no order and are **unordered**.

use crate::CosciError;
use crate::surrogate::{Surrogate, gaussian_draws};
use genesis_core::Domain;
use serde::{Deserialize, Serialize};

/// Share of drawn curves that must show a shape before it is stated.
pub const SHAPE_PROBABILITY: f64 = 0.9;
/// A curve is flat when its range is below this share of the response sd.
pub const FLAT_FRACTION: f64 = 0.1;
/// Largest reversal (as a share of the curve's range) still called monotone,
/// and the smallest margin of an interior extreme over both ends.
pub const MONOTONE_SLACK: f64 = 0.05;
/// Closeness to the final level (share of the range) that counts as plateau.
pub const PLATEAU_FRACTION: f64 = 0.05;

/// The shape of a partial-dependence curve. Locations are in the
/// parameter's units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Shape {
    Increasing {
        /// Probability (share of drawn curves) of the shape.
        probability: f64,
        /// The curve levels off above this value.
        plateau_from: Option<f64>,
    },
    Decreasing {
        probability: f64,
        plateau_from: Option<f64>,
    },
    InteriorMaximum {
        probability: f64,
        at: f64,
        interval: (f64, f64),
    },
    InteriorMinimum {
        probability: f64,
        at: f64,
        interval: (f64, f64),
    },
    Flat,
    /// Several separated maxima (or minima): no single optimum to state.
    Multimodal,
    Irregular,
    Unordered,
}

/// The partial dependence of the response on one parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartialDependence {
    pub parameter: String,
    pub unit: Option<String>,
    /// The grid, as values of the parameter (categories by their label).
    pub levels: Vec<String>,
    /// The grid as numbers (parameter units), for ordered parameters.
    pub positions: Option<Vec<f64>>,
    /// The grid as unit-cube coordinates (how the planner encodes it).
    pub unit_positions: Vec<f64>,
    /// PD of the posterior mean.
    pub mean: Vec<f64>,
    /// Pointwise 5% and 95% quantiles of the drawn curves.
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub shape: Shape,
}

/// Sizes and seed of the partial-dependence analysis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DependenceSettings {
    /// Grid points for continuous parameters (integers use every value up to this many).
    pub grid: usize,
    /// Background points the other inputs are averaged over.
    pub background: usize,
    /// Drawn curves for the band and the shape probabilities.
    pub draws: usize,
    pub seed: u64,
}

impl Default for DependenceSettings {
    fn default() -> Self {
        DependenceSettings {
            grid: 25,
            background: 64,
            draws: 400,
            seed: 0,
        }
    }
}

/// Grid in unit coordinates: evenly spaced for floats, cell centres for
/// integers (every value if few) and categories.
fn unit_grid(domain: &Domain, size: usize) -> Vec<f64> {
    let centres = |k: usize| (0..k).map(|i| (i as f64 + 0.5) / k as f64).collect();
    match domain {
        Domain::Float { .. } => (0..size).map(|k| k as f64 / (size - 1) as f64).collect(),
        Domain::Int {
            low,
            high,
            log: false,
        } if (high - low + 1) as usize <= size => centres((high - low + 1) as usize),
        Domain::Int { .. } => (0..size).map(|k| k as f64 / (size - 1) as f64).collect(),
        Domain::Categorical { values } => centres(values.len()),
    }
}

/// Partial dependence of the response on every parameter.
pub fn partial_dependence(
    surrogate: &Surrogate,
    settings: &DependenceSettings,
) -> Result<Vec<PartialDependence>, CosciError> {
    if settings.grid < 3 || settings.background == 0 || settings.draws < 20 {
        return Err(CosciError::Input(
            "partial dependence needs a grid of at least 3, a background and 20 draws".into(),
        ));
    }
    let space = surrogate.space();
    let d = space.dim();
    let scramble = genesis_core::rng::derive_seed(settings.seed, 0x9D) as u32;
    let background: Vec<Vec<f64>> = (0..settings.background)
        .map(|r| {
            (0..d)
                .map(|k| f64::from(sobol_burley::sample(r as u32, k as u32, scramble)))
                .collect()
        })
        .collect();
    // The scale a curve is flat against: sd of the posterior mean over the background.
    let overall = surrogate.mean(
        &background
            .iter()
            .map(|u| surrogate.features_of_unit(u))
            .collect::<Vec<_>>(),
    );
    let m = overall.iter().sum::<f64>() / overall.len() as f64;
    let scale =
        (overall.iter().map(|v| (v - m).powi(2)).sum::<f64>() / overall.len() as f64).sqrt();
    space
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let grid = unit_grid(&p.domain, settings.grid);
            let groups: Vec<Vec<Vec<f64>>> = grid
                .iter()
                .map(|&g| {
                    background
                        .iter()
                        .map(|u| {
                            let mut u = u.clone();
                            u[i] = g;
                            surrogate.features_of_unit(&u)
                        })
                        .collect()
                })
                .collect();
            let refs: Vec<&[Vec<f64>]> = groups.iter().map(Vec::as_slice).collect();
            let (mean, cov) = surrogate.averages(&refs);
            let draws = gaussian_draws(
                &mean,
                cov,
                surrogate.prior_var(),
                settings.draws,
                settings.seed ^ i as u64,
            )?;
            let values: Vec<_> = grid.iter().map(|&g| p.domain.from_unit(g)).collect();
            let positions: Option<Vec<f64>> = match p.domain {
                Domain::Categorical { .. } => None,
                _ => values.iter().map(|v| v.as_f64()).collect(),
            };
            let quantile = |k: usize, q: f64| {
                let mut col: Vec<f64> = draws.iter().map(|s| s[k]).collect();
                quantile_of(&mut col, q)
            };
            let shape = match &positions {
                None => Shape::Unordered,
                Some(pos) => classify(pos, &mean, &draws, scale),
            };
            Ok(PartialDependence {
                parameter: p.name.clone(),
                unit: p.unit.clone(),
                levels: values.iter().map(|v| v.to_string()).collect(),
                positions,
                unit_positions: grid.clone(),
                lower: (0..grid.len()).map(|k| quantile(k, 0.05)).collect(),
                upper: (0..grid.len()).map(|k| quantile(k, 0.95)).collect(),
                mean,
                shape,
            })
        })
        .collect()
}

/// The q-quantile (linear interpolation) of `v`, which it sorts.
pub(crate) fn quantile_of(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let h = q * (v.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

fn range(c: &[f64]) -> f64 {
    c.iter().cloned().fold(f64::MIN, f64::max) - c.iter().cloned().fold(f64::MAX, f64::min)
}

/// Largest drop (for `up`) or rise along the curve.
fn largest_reversal(c: &[f64], up: bool) -> f64 {
    let mut worst: f64 = 0.0;
    let mut extreme = c[0];
    for &v in &c[1..] {
        if up {
            extreme = extreme.max(v);
            worst = worst.max(extreme - v);
        } else {
            extreme = extreme.min(v);
            worst = worst.max(v - extreme);
        }
    }
    worst
}

fn is_monotone(c: &[f64], up: bool) -> bool {
    let (first, last) = (c[0], c[c.len() - 1]);
    (if up { last > first } else { last < first })
        && largest_reversal(c, up) <= MONOTONE_SLACK * range(c)
}

/// Grid position (fractional index) of an interior extreme of `c`, if its
/// extreme is interior and beats both ends by the slack; parabola-refined.
fn interior_extreme(c: &[f64], maximum: bool) -> Option<f64> {
    let sign = if maximum { 1.0 } else { -1.0 };
    let k = (0..c.len()).max_by(|&a, &b| (sign * c[a]).total_cmp(&(sign * c[b])))?;
    let ends = (sign * c[0]).max(sign * c[c.len() - 1]);
    if k == 0 || k == c.len() - 1 || sign * c[k] - ends <= MONOTONE_SLACK * range(c) {
        return None;
    }
    let (a, b, e) = (c[k - 1], c[k], c[k + 1]);
    let curvature = a - 2.0 * b + e;
    let offset = if curvature.abs() > 0.0 {
        (0.5 * (a - e) / curvature).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    Some(k as f64 + offset)
}

/// Value at a fractional grid index.
fn at_index(positions: &[f64], x: f64) -> f64 {
    let k = (x.floor() as usize).min(positions.len() - 2);
    positions[k] + (x - k as f64) * (positions[k + 1] - positions[k])
}

/// The shape of a curve on `positions` from its mean and posterior draws;
/// `scale` is the response sd the flatness threshold refers to.
pub fn classify(positions: &[f64], mean: &[f64], draws: &[Vec<f64>], scale: f64) -> Shape {
    let n = draws.len() as f64;
    let mut ranges: Vec<f64> = draws.iter().map(|c| range(c)).collect();
    if quantile_of(&mut ranges, 0.95) < FLAT_FRACTION * scale {
        return Shape::Flat;
    }
    let share = |test: &dyn Fn(&[f64]) -> bool| draws.iter().filter(|c| test(c)).count() as f64 / n;
    for up in [true, false] {
        let probability = share(&|c| is_monotone(c, up));
        if probability >= SHAPE_PROBABILITY {
            let last = mean[mean.len() - 1];
            let tolerance = PLATEAU_FRACTION * range(mean);
            let start = (0..mean.len())
                .rev()
                .take_while(|&k| (mean[k] - last).abs() <= tolerance)
                .last()
                .unwrap_or(mean.len() - 1);
            let span = positions[positions.len() - 1] - positions[0];
            let plateau_from = (positions[positions.len() - 1] - positions[start] >= 0.25 * span)
                .then_some(positions[start]);
            return if up {
                Shape::Increasing {
                    probability,
                    plateau_from,
                }
            } else {
                Shape::Decreasing {
                    probability,
                    plateau_from,
                }
            };
        }
    }
    let mut multimodal = false;
    for maximum in [true, false] {
        if turning_points(mean, maximum) > 1 {
            multimodal = true;
            continue;
        }
        let mut extremes: Vec<f64> = draws
            .iter()
            .filter_map(|c| interior_extreme(c, maximum))
            .collect();
        let probability = extremes.len() as f64 / n;
        if probability < SHAPE_PROBABILITY {
            continue;
        }
        let Some(at) = interior_extreme(mean, maximum) else {
            continue;
        };
        let interval = (
            at_index(positions, quantile_of(&mut extremes, 0.05)),
            at_index(positions, quantile_of(&mut extremes, 0.95)),
        );
        let at = at_index(positions, at);
        return if maximum {
            Shape::InteriorMaximum {
                probability,
                at,
                interval,
            }
        } else {
            Shape::InteriorMinimum {
                probability,
                at,
                interval,
            }
        };
    }
    if multimodal {
        Shape::Multimodal
    } else {
        Shape::Irregular
    }
}

/// Interior maxima (or minima) of `c` separated by moves larger than the
/// slack share of its range (a hysteresis scan, so wiggles do not count).
fn turning_points(c: &[f64], maximum: bool) -> usize {
    let h = MONOTONE_SLACK * range(c);
    let sign = if maximum { 1.0 } else { -1.0 };
    let (mut rising, mut started) = (false, false);
    let mut extreme = sign * c[0];
    let mut count = 0;
    for &v in &c[1..] {
        let v = sign * v;
        if !started {
            if (v - extreme).abs() > h {
                started = true;
                rising = v > extreme;
                extreme = v;
            }
        } else if rising {
            if v > extreme {
                extreme = v;
            } else if v < extreme - h {
                count += 1;
                rising = false;
                extreme = v;
            }
        } else if v < extreme {
            extreme = v;
        } else if v > extreme + h {
            rising = true;
            extreme = v;
        }
    }
    count
}
