//! RECONR-like reconstruction (spec §6): every non-redundant MF3 reaction
//! linearized to the tolerance, a union grid seeded with resonance energies,
//! half-height points and range boundaries, adaptive bisection in the
//! resolved range until linear interpolation is within the tolerance of the
//! exact resonance + background value, and the total rebuilt as the exact sum
//! of the partial reactions.

use rayon::prelude::*;

use crate::error::{EndfError, Result};
use crate::evaluation::Evaluation;
use crate::interp::{Interpolation, Tabulated};
use crate::pointwise::Pointwise;
use crate::resonance::{ResonanceEvaluator, sigfig};

/// How to reconstruct.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconstructOptions {
    /// Relative tolerance of linear interpolation (0.001 = 0.1 %).
    pub tolerance: f64,
    /// Only produce the grid inside [low, high] eV (the whole evaluation when `None`).
    pub energy_window_ev: Option<(f64, f64)>,
    /// Energies (eV) forced onto the grid, like NJOY's user grid; kept by thinning.
    pub extra_energies_ev: Vec<f64>,
}

impl Default for ReconstructOptions {
    fn default() -> Self {
        ReconstructOptions {
            tolerance: 0.001,
            energy_window_ev: None,
            extra_energies_ev: Vec::new(),
        }
    }
}

/// Absolute floor (barns) below which interpolation errors are ignored.
const ABSOLUTE_FLOOR_B: f64 = 1e-9;
/// Panels narrower than this fraction of their energy are not split (9 digits).
const MIN_RELATIVE_WIDTH: f64 = 2e-9;

/// Where an MF3 reaction goes in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Elastic,
    Fission,
    Capture,
    Other,
}

/// Partial (non-redundant) reactions and their channel; sums such as MT 1,
/// 3, 4, 27, 101, 103-107 (when levels are given) and 18 (when 19-21, 38 are
/// given) are left out because they are rebuilt from their parts.
fn partial_reactions(evaluation: &Evaluation) -> Vec<(&Tabulated, Channel)> {
    let has = |range: std::ops::RangeInclusive<u32>| {
        evaluation
            .cross_sections
            .iter()
            .any(|s| range.contains(&s.mt))
    };
    let chance_fission = evaluation
        .cross_sections
        .iter()
        .any(|s| matches!(s.mt, 19 | 20 | 21 | 38));
    let level_sums = [
        (103, 600..=649),
        (104, 650..=699),
        (105, 700..=749),
        (106, 750..=799),
        (107, 800..=849),
    ];
    evaluation
        .cross_sections
        .iter()
        .filter_map(|s| {
            let mt = s.mt;
            let redundant = matches!(mt, 1 | 3 | 4 | 10 | 27 | 101 | 120 | 151)
                || (mt == 18 && chance_fission)
                || (201..=599).contains(&mt)
                || mt >= 850
                || level_sums
                    .iter()
                    .any(|(sum, parts)| mt == *sum && has(parts.clone()));
            let channel = match mt {
                2 => Channel::Elastic,
                18 | 19 | 20 | 21 | 38 => Channel::Fission,
                102 => Channel::Capture,
                _ => Channel::Other,
            };
            (!redundant).then_some((&s.table, channel))
        })
        .collect()
}

/// Converts a table with any laws 1-5 to lin-lin points within `tolerance`;
/// discontinuities (repeated x) are shaded to x(1 ∓ 1e-7) as NJOY does.
pub(crate) fn linearize(table: &Tabulated, tolerance: f64) -> (Vec<f64>, Vec<f64>) {
    let (x, y) = (table.x(), table.y());
    let mut ox = Vec::with_capacity(x.len());
    let mut oy = Vec::with_capacity(x.len());
    if x.is_empty() {
        return (ox, oy);
    }
    ox.push(x[0]);
    oy.push(y[0]);
    for i in 0..x.len() - 1 {
        let (x1, y1, x2, y2) = (x[i], y[i], x[i + 1], y[i + 1]);
        match table.law(i) {
            _ if x2 == x1 => {}
            Interpolation::LinLin => {}
            Interpolation::Histogram => {
                let below = sigfig(x2, 7, -1);
                if below > x1 {
                    ox.push(below);
                    oy.push(y1);
                }
            }
            law => {
                let mut stack = vec![(x2, y2)];
                let (mut lx, mut ly) = (x1, y1);
                while let Some(&(hx, hy)) = stack.last() {
                    let mx = 0.5 * (lx + hx);
                    let exact = law.eval(mx, x1, y1, x2, y2);
                    let linear = 0.5 * (ly + hy);
                    let converged = (exact - linear).abs()
                        <= tolerance * exact.abs() + ABSOLUTE_FLOOR_B * 1e-3
                        || (hx - lx) <= MIN_RELATIVE_WIDTH * mx.abs();
                    if converged {
                        stack.pop();
                        if stack.is_empty() {
                            break;
                        }
                        ox.push(hx);
                        oy.push(hy);
                        (lx, ly) = (hx, hy);
                    } else {
                        stack.push((mx, exact));
                    }
                }
            }
        }
        ox.push(x2);
        oy.push(y2);
    }
    shade_discontinuities(&mut ox, &mut oy);
    (ox, oy)
}

fn shade_discontinuities(x: &mut Vec<f64>, y: &mut Vec<f64>) {
    let mut i = 0;
    while i + 1 < x.len() {
        if x[i + 1] == x[i] {
            let e = x[i];
            let below = sigfig(e, 7, -1);
            let above = sigfig(e, 7, 1);
            if i > 0 && below > x[i - 1] {
                y[i] = y[i - 1] + (y[i] - y[i - 1]) * (below - x[i - 1]) / (e - x[i - 1]);
                x[i] = below;
            }
            if i + 2 < x.len() && above < x[i + 2] {
                y[i + 1] += (y[i + 2] - y[i + 1]) * (above - e) / (x[i + 2] - e);
                x[i + 1] = above;
            }
            if x[i + 1] == x[i] {
                // cannot shade (neighbours too close): keep the right value only
                x.remove(i);
                y.remove(i);
                continue;
            }
        }
        i += 1;
    }
}

/// Adds the lin-lin function (x, y) (zero outside its range) at each grid energy.
fn add_on_grid(grid: &[f64], x: &[f64], y: &[f64], into: &mut [f64]) {
    if x.is_empty() {
        return;
    }
    let first = grid.partition_point(|&e| e < x[0]);
    let mut j = 0;
    for (g, slot) in grid[first..].iter().zip(&mut into[first..]) {
        if *g > x[x.len() - 1] {
            break;
        }
        while j + 1 < x.len() && x[j + 1] <= *g {
            j += 1;
        }
        *slot += if j + 1 == x.len() || x[j] == *g {
            y[j]
        } else {
            y[j] + (y[j + 1] - y[j]) * (g - x[j]) / (x[j + 1] - x[j])
        };
    }
}

/// Full cross sections (total, elastic, fission, capture) from background and resonance parts.
fn full(background: [f64; 4], resonance: [f64; 5]) -> [f64; 4] {
    [
        background[0] + resonance[0],
        background[1] + resonance[1],
        background[2] + resonance[2],
        background[3] + resonance[3],
    ]
}

fn within(exact: &[f64; 4], a: &[f64; 4], b: &[f64; 4], tolerance: f64) -> bool {
    (0..4).all(|c| {
        (exact[c] - 0.5 * (a[c] + b[c])).abs() <= tolerance * exact[c].abs() + ABSOLUTE_FLOOR_B
    })
}

/// Bisects one panel until linear interpolation of every channel is within
/// `tolerance`; returns the interior points (energy, resonance values).
fn refine_panel(
    evaluator: &ResonanceEvaluator,
    (e1, r1, b1): (f64, [f64; 5], [f64; 4]),
    (e2, r2, b2): (f64, [f64; 5], [f64; 4]),
    tolerance: f64,
) -> Result<Vec<(f64, [f64; 5])>> {
    let background = |e: f64| {
        let t = (e - e1) / (e2 - e1);
        [0, 1, 2, 3].map(|c| b1[c] + t * (b2[c] - b1[c]))
    };
    let mut out = Vec::new();
    let mut stack = vec![(e2, r2)];
    let (mut low_e, mut low_r) = (e1, r1);
    while let Some(&(high_e, high_r)) = stack.last() {
        let mid = 0.5 * (low_e + high_e);
        let converged = if high_e - low_e <= MIN_RELATIVE_WIDTH * mid {
            true
        } else {
            let r = evaluator.evaluate(mid).as_array();
            if r.iter().any(|v| !v.is_finite()) {
                return Err(EndfError::Numerical {
                    stage: "resonance reconstruction",
                    energy_ev: mid,
                    reason: format!("non-finite cross section {r:?}"),
                });
            }
            let exact = full(background(mid), r);
            if within(
                &exact,
                &full(background(low_e), low_r),
                &full(background(high_e), high_r),
                tolerance,
            ) {
                true
            } else {
                stack.push((mid, r));
                false
            }
        };
        if converged {
            stack.pop();
            if stack.is_empty() {
                break;
            }
            out.push((high_e, high_r));
            (low_e, low_r) = (high_e, high_r);
        }
    }
    Ok(out)
}

/// Reconstructs pointwise 0 K cross sections MT 1, 2, 18 (if fissile) and
/// 102 on one grid, lin-lin interpolable within `options.tolerance`.
pub fn reconstruct(evaluation: &Evaluation, options: &ReconstructOptions) -> Result<Pointwise> {
    if !(options.tolerance > 0.0 && options.tolerance <= 0.1) {
        return Err(EndfError::InvalidOption {
            option: "tolerance",
            value: options.tolerance.to_string(),
            reason: "must be in (0, 0.1]".into(),
        });
    }
    if let Some((lo, hi)) = options.energy_window_ev
        && !(lo > 0.0 && hi > lo)
    {
        return Err(EndfError::InvalidOption {
            option: "energy_window_ev",
            value: format!("{lo}..{hi}"),
            reason: "need 0 < low < high".into(),
        });
    }
    let evaluator = match &evaluation.resonances {
        Some(parameters) => Some(ResonanceEvaluator::new(
            parameters,
            &evaluation.file,
            evaluation.mat,
        )?),
        None => None,
    };
    let partials: Vec<(Vec<f64>, Vec<f64>, Channel)> = partial_reactions(evaluation)
        .into_par_iter()
        .map(|(table, channel)| {
            let (x, y) = linearize(table, options.tolerance);
            (x, y, channel)
        })
        .collect();

    let mut grid: Vec<f64> = partials
        .iter()
        .flat_map(|(x, _, _)| x.iter().copied())
        .collect();
    if let Some(ev) = &evaluator {
        grid.extend_from_slice(ev.seed_energies());
    }
    grid.extend(options.extra_energies_ev.iter().copied());
    if let Some((lo, hi)) = options.energy_window_ev {
        grid.extend([lo, hi]);
        grid.retain(|&e| e >= lo && e <= hi);
    }
    grid.retain(|&e| e > 0.0 && e.is_finite());
    grid.sort_by(f64::total_cmp);
    grid.dedup();

    let mut background = vec![[0.0f64; 4]; grid.len()];
    {
        let mut columns = [
            vec![0.0; grid.len()],
            vec![0.0; grid.len()],
            vec![0.0; grid.len()],
            vec![0.0; grid.len()],
        ];
        for (x, y, channel) in &partials {
            let column = match channel {
                Channel::Elastic => 1,
                Channel::Fission => 2,
                Channel::Capture => 3,
                Channel::Other => 0,
            };
            add_on_grid(&grid, x, y, &mut columns[column]);
        }
        for (i, b) in background.iter_mut().enumerate() {
            // total = elastic + fission + capture + other
            *b = [
                columns[0][i] + columns[1][i] + columns[2][i] + columns[3][i],
                columns[1][i],
                columns[2][i],
                columns[3][i],
            ];
        }
    }

    let mut resonance = vec![[0.0f64; 5]; grid.len()];
    let mut inserted: Vec<Vec<(f64, [f64; 5])>> = Vec::new();
    if let Some(ev) = &evaluator
        && let Some((lo, hi)) = ev.resolved_span_ev()
    {
        let first = grid.partition_point(|&e| e < lo);
        let last = grid.partition_point(|&e| e < hi);
        resonance[first..last]
            .par_iter_mut()
            .zip(&grid[first..last])
            .for_each(|(slot, &e)| *slot = ev.evaluate(e).as_array());
        if let Some((i, v)) = resonance[first..last]
            .iter()
            .enumerate()
            .find(|(_, v)| v.iter().any(|x| !x.is_finite()))
        {
            return Err(EndfError::Numerical {
                stage: "resonance reconstruction",
                energy_ev: grid[first + i],
                reason: format!("non-finite cross section {v:?}"),
            });
        }
        let panels: Vec<usize> = (first..last.saturating_sub(1)).collect();
        let refined: Vec<Vec<(f64, [f64; 5])>> = panels
            .par_iter()
            .map(|&i| {
                refine_panel(
                    ev,
                    (grid[i], resonance[i], background[i]),
                    (grid[i + 1], resonance[i + 1], background[i + 1]),
                    options.tolerance,
                )
            })
            .collect::<Result<_>>()?;
        inserted = vec![Vec::new(); first];
        inserted.extend(refined);
    }

    let total_points = grid.len() + inserted.iter().map(Vec::len).sum::<usize>();
    let mut energies = Vec::with_capacity(total_points);
    let mut columns: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::with_capacity(total_points));
    let mut push = |e: f64, b: [f64; 4], r: [f64; 5]| {
        energies.push(e);
        for (c, v) in full(b, r).into_iter().enumerate() {
            columns[c].push(v);
        }
    };
    for i in 0..grid.len() {
        push(grid[i], background[i], resonance[i]);
        if let Some(points) = inserted.get(i) {
            for &(e, r) in points {
                let t = (e - grid[i]) / (grid[i + 1] - grid[i]);
                let b = [0, 1, 2, 3]
                    .map(|c| background[i][c] + t * (background[i + 1][c] - background[i][c]));
                push(e, b, r);
            }
        }
    }
    let [total, elastic, fission, capture] = columns;
    let fissile = partials.iter().any(|(_, _, c)| *c == Channel::Fission)
        || fission.iter().any(|&v| v != 0.0);
    let mut reactions = vec![(1, total), (2, elastic)];
    if fissile {
        reactions.push((18, fission));
    }
    reactions.push((102, capture));
    let mut pinned_ev = options.extra_energies_ev.clone();
    pinned_ev.sort_by(f64::total_cmp);
    Ok(Pointwise {
        energies_ev: energies,
        reactions,
        temperature_k: 0.0,
        tolerance: options.tolerance,
        awr: evaluation.header.awr,
        broadening_limit_ev: evaluation.default_broadening_limit_ev(),
        pinned_ev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_log_table_is_linearized_within_tolerance() {
        let table = Tabulated::new(
            vec![1e-5, 1e3],
            vec![1e3, 1e-1],
            vec![(2, Interpolation::LogLog)],
        )
        .unwrap();
        let (x, y) = linearize(&table, 1e-3);
        assert!(x.len() > 10);
        for w in x.windows(2).zip(y.windows(2)) {
            let (xs, ys) = w;
            let mid = 0.5 * (xs[0] + xs[1]);
            let exact = table.eval(mid);
            assert!((exact - 0.5 * (ys[0] + ys[1])).abs() <= 1.001e-3 * exact + 1e-12);
        }
    }

    #[test]
    fn discontinuities_are_shaded_to_seven_digits() {
        let table = Tabulated::linear(vec![1.0, 1e6, 1e6, 2e6], vec![1.0, 1.0, 3.0, 3.0]).unwrap();
        let (x, y) = linearize(&table, 1e-3);
        assert_eq!(
            x,
            vec![1.0, 999999.0, 1000001.0, 2e6],
            "1 MeV shaded as in NJOY (spec §4)"
        );
        assert_eq!(y, vec![1.0, 1.0, 3.0, 3.0]);
    }
}
