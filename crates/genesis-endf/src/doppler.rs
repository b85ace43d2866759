//! BROADR-like Doppler broadening (spec §7): the free-gas kernel applied
//! exactly to piecewise-linear σ(E) (Cullen's SIGMA1 method), then thinning.
//!
//! σ̄(x) = 1/(x²√π) ∫₀^∞ y² σ(y) [e^{-(y-x)²} - e^{-(y+x)²}] dy, x = √(A E/kT).
//! On a panel where σ is linear in E (hence in y²), y²σ is a polynomial in
//! z = y ∓ x, so the panel integral is a combination of
//! H_n = ∫ z^n e^{-z²} dz, n = 0..4, known in closed form (erfc and exp).
//! Below the first grid point σ is taken as 1/v, above the last as constant.

use rayon::prelude::*;

use crate::error::{EndfError, Result};
use crate::pointwise::Pointwise;

/// Boltzmann constant (eV/K), CODATA 2018.
const BOLTZMANN_EV_PER_K: f64 = 8.617_333_262e-5;
/// Only |y - x| < WINDOW contributes (erfc(4) = 1.5e-8), as in BROADR.
const WINDOW: f64 = 4.0;
/// Thinning ignores differences below this (barns).
const ABSOLUTE_FLOOR_B: f64 = 1e-9;
/// Longest run of points thinning tries to bridge with one segment.
const MAX_THINNING_RUN: usize = 2000;

/// How to broaden.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadenOptions {
    /// Target temperature (K); must not be below the data's temperature.
    pub temperature_k: f64,
    /// Relative tolerance for thinning the broadened grid.
    pub tolerance: f64,
    /// Broaden (and thin) only up to this energy (eV); above it the input is
    /// copied. `None` = the evaluation's default (top of the resolved range, ...).
    pub upper_energy_ev: Option<f64>,
}

impl Default for BroadenOptions {
    fn default() -> Self {
        BroadenOptions {
            temperature_k: 293.6,
            tolerance: 0.001,
            upper_energy_ev: None,
        }
    }
}

/// F_n(a) = ∫_a^∞ z^n e^{-z²} dz for n = 0..4.
fn tail_moments(a: f64) -> [f64; 5] {
    let half_sqrt_pi = 0.5 * std::f64::consts::PI.sqrt();
    let g = (-a * a).exp();
    let f0 = half_sqrt_pi * libm::erfc(a);
    let f1 = 0.5 * g;
    let f2 = 0.5 * f0 + 0.5 * a * g;
    let f3 = 0.5 * (1.0 + a * a) * g;
    let f4 = 1.5 * f2 + 0.5 * a * a * a * g;
    [f0, f1, f2, f3, f4]
}

fn difference(lower: &[f64; 5], upper: &[f64; 5]) -> [f64; 5] {
    std::array::from_fn(|n| lower[n] - upper[n])
}

/// ∫ y² (A + B y²) e^{-z²} dz over a panel, for z = y - sign·x... expressed
/// through moments `h` of z, where y = z + shift.
fn panel_integral(a: f64, b: f64, shift: f64, h: &[f64; 5]) -> f64 {
    let s = shift;
    let s2 = s * s;
    // y² = z² + 2sz + s²;  y⁴ = z⁴ + 4sz³ + 6s²z² + 4s³z + s⁴
    let y2 = h[2] + 2.0 * s * h[1] + s2 * h[0];
    let y4 = h[4] + 4.0 * s * h[3] + 6.0 * s2 * h[2] + 4.0 * s2 * s * h[1] + s2 * s2 * h[0];
    a * y2 + b * y4
}

/// The exact free-gas kernel over one 0 K piecewise-linear grid, evaluable
/// at any energy (grid points and the midpoints refinement needs).
struct Kernel<'a> {
    energies: &'a [f64],
    y: Vec<f64>,
    alpha: f64,
    sigmas: Vec<&'a [f64]>,
}

impl<'a> Kernel<'a> {
    /// The kernel of `cold` for a temperature rise with α = A/(k ΔT) (1/eV).
    fn new(cold: &'a Pointwise, alpha: f64) -> Kernel<'a> {
        Kernel {
            energies: &cold.energies_ev,
            y: cold
                .energies_ev
                .iter()
                .map(|e| (alpha * e).sqrt())
                .collect(),
            alpha,
            sigmas: cold.reactions.iter().map(|(_, v)| v.as_slice()).collect(),
        }
    }

    /// Broadened values of every reaction at `energy_ev`, into `out`.
    fn at(&self, energy_ev: f64, out: &mut [f64]) {
        let x = (self.alpha * energy_ev).sqrt();
        out.iter_mut().for_each(|v| *v = 0.0);
        // e^{-(y-x)²} term: z = y - x, y = z + x
        self.term(x, x, x - WINDOW, x + WINDOW, 1.0, out);
        if x < WINDOW {
            // e^{-(y+x)²} term: z = y + x, y = z - x
            self.term(x, -x, 0.0, WINDOW - x, -1.0, out);
        }
        let scale = 1.0 / (x * x * std::f64::consts::PI.sqrt());
        for (r, v) in out.iter_mut().enumerate() {
            *v *= scale;
            if !v.is_finite() {
                // x → 0: the kernel degenerates to the identity
                *v = self.cold_value(r, energy_ev);
            }
        }
    }

    /// The 0 K value of reaction `r` at `energy_ev` (lin-lin, clamped to the grid).
    fn cold_value(&self, r: usize, energy_ev: f64) -> f64 {
        let (e, sigma) = (self.energies, self.sigmas[r]);
        let i = e.partition_point(|&v| v < energy_ev);
        if i == 0 || i == e.len() {
            return sigma[i.min(e.len() - 1)];
        }
        let t = (energy_ev - e[i - 1]) / (e[i] - e[i - 1]);
        sigma[i - 1] + t * (sigma[i] - sigma[i - 1])
    }

    /// Adds sign × ∫ over y in [y_from, y_to] (clipped to the data) of
    /// y²σ(y)e^{-(y - shift... )²}, with z = y - shift_sign... see callers.
    fn term(&self, x: f64, shift: f64, y_from: f64, y_to: f64, sign: f64, out: &mut [f64]) {
        let y = &self.y;
        let n = y.len();
        let z_of = |yy: f64| if sign > 0.0 { yy - x } else { yy + x };
        // 1/v below the first point: y²σ = c y, c = σ₀ y₀
        if y_from < y[0] {
            let lower = tail_moments(z_of(0.0_f64.max(y_from)));
            let upper = tail_moments(z_of(y[0]));
            let h = difference(&lower, &upper);
            // y = z + shift: ∫ c (z + shift) e^{-z²}
            let first_moment = h[1] + shift * h[0];
            for (r, sigma) in self.sigmas.iter().enumerate() {
                out[r] += sign * sigma[0] * y[0] * first_moment;
            }
        }
        let start = y.partition_point(|&v| v < y_from).saturating_sub(1);
        let mut lower = tail_moments(z_of(y[start]));
        let mut i = start;
        while i + 1 < n && y[i] < y_to {
            let upper = tail_moments(z_of(y[i + 1]));
            let de = self.energies[i + 1] - self.energies[i];
            if de > 0.0 {
                let h = difference(&lower, &upper);
                for (r, sigma) in self.sigmas.iter().enumerate() {
                    let slope = (sigma[i + 1] - sigma[i]) / de;
                    let a = sigma[i] - slope * self.energies[i];
                    out[r] += sign * panel_integral(a, slope / self.alpha, shift, &h);
                }
            }
            lower = upper;
            i += 1;
        }
        // constant beyond the last point
        if i + 1 == n && y[n - 1] < y_to {
            for (r, sigma) in self.sigmas.iter().enumerate() {
                out[r] += sign * panel_integral(sigma[n - 1], 0.0, shift, &lower);
            }
        }
    }
}

/// Bound on |σ̄''|/σ̄ (in y = √(αE)) of a broadened non-negative σ at
/// x ≥ [`SMOOTH_FROM_X`], including the switch from y to E as the
/// interpolation variable: σ̄ = x⁻² ∫ y²σ(y) e^{-(y-x)²} dy/√π and on
/// |y - x| < 4 the Gaussian obeys |g''| ≤ 62 g, |g'| ≤ 8 g, so
/// |σ̄''| ≤ (62 + 32/x + 6/x²) σ̄ and |σ̄'| ≤ (8 + 2/x) σ̄; the E-interpolation
/// error is ≤ h_y²/8 (|σ̄''| + |σ̄'|/x). At x = 8 this is below 68.
const CURVATURE_BOUND: f64 = 68.0;
/// Bound on |σ̄'|/σ̄ (in y) for x ≥ [`SMOOTH_FROM_X`] (8 + 2/x, see above).
const SLOPE_BOUND: f64 = 8.25;
/// Below this x the e^{-(y+x)²} term and the x⁻² factor break the bounds.
const SMOOTH_FROM_X: f64 = 8.0;
/// Panels narrower than this fraction of their energy are not split (9 digits).
const MIN_RELATIVE_WIDTH: f64 = 2e-9;

/// True when no broadened non-negative curve can deviate from its chord
/// over [y_low, y_high] by more than `tolerance` (relative), so the midpoint
/// test can be skipped: h²/8 · [`CURVATURE_BOUND`] · e^{2 [`SLOPE_BOUND`] h}
/// ≤ tolerance, the exponential covering how much σ̄ can change across the
/// panel (neglecting the e^{-16} window truncation).
fn provably_linear(y_low: f64, y_high: f64, tolerance: f64) -> bool {
    let h = y_high - y_low;
    y_low >= SMOOTH_FROM_X
        && h * h / 8.0 * CURVATURE_BOUND * (2.0 * SLOPE_BOUND * h).exp() <= tolerance
}

impl Kernel<'_> {
    /// Bisects the broadened panel between grid points `low` and `low + 1`
    /// (values `v_low`, `v_high`) until the kernel at each midpoint is within
    /// `tolerance` of the chord for every reaction, as BROADR does; returns the
    /// interior points (energy, values) in increasing energy.
    fn refine(
        &self,
        low: usize,
        v_low: &[f64],
        v_high: &[f64],
        tolerance: f64,
        skip_provable: bool,
    ) -> Result<Vec<(f64, Vec<f64>)>> {
        let mut out = Vec::new();
        if skip_provable && provably_linear(self.y[low], self.y[low + 1], tolerance) {
            return Ok(out);
        }
        let mut stack: Vec<(f64, Vec<f64>)> = Vec::new();
        let (mut e_low, mut e_high) = (self.energies[low], self.energies[low + 1]);
        let mut values_low = v_low.to_vec();
        let mut mid_values = vec![0.0; v_low.len()];
        loop {
            let values_high = stack.last().map_or(v_high, |(_, v)| v.as_slice());
            let mid = 0.5 * (e_low + e_high);
            let split = e_high - e_low > MIN_RELATIVE_WIDTH * mid && {
                self.at(mid, &mut mid_values);
                if let Some(bad) = mid_values.iter().find(|v| !v.is_finite()) {
                    return Err(EndfError::Numerical {
                        stage: "Doppler broadening",
                        energy_ev: mid,
                        reason: format!("non-finite broadened cross section {bad}"),
                    });
                }
                mid_values
                    .iter()
                    .zip(values_low.iter().zip(values_high))
                    .any(|(exact, (a, b))| {
                        (exact - 0.5 * (a + b)).abs() > tolerance * exact.abs() + ABSOLUTE_FLOOR_B
                    })
            };
            if split {
                stack.push((mid, mid_values.clone()));
                e_high = mid;
                continue;
            }
            // [e_low, e_high] converged: move on to the next pending panel
            match stack.pop() {
                None => break,
                Some((e, v)) => {
                    values_low.copy_from_slice(&v);
                    out.push((e, v));
                    e_low = e;
                    e_high = stack.last().map_or(self.energies[low + 1], |(e, _)| *e);
                }
            }
        }
        Ok(out)
    }
}

/// Marks the points to keep so that lin-lin interpolation over the kept
/// points reproduces every reaction within `tolerance` (greedy, as BROADR's thinning).
fn thin(
    energies: &[f64],
    columns: &[Vec<f64>],
    upto: usize,
    tolerance: f64,
    pinned: &[f64],
) -> Vec<bool> {
    let n = energies.len();
    let mut keep = vec![true; n];
    let is_pinned = |e: f64| pinned.binary_search_by(|p| p.total_cmp(&e)).is_ok();
    let mut start = 0;
    while start + 1 < upto {
        let mut end = start + 1;
        'extend: while end + 1 < upto
            && end + 1 - start <= MAX_THINNING_RUN
            && !is_pinned(energies[end])
        {
            let candidate = end + 1;
            let (e0, e1) = (energies[start], energies[candidate]);
            for k in start + 1..candidate {
                let t = (energies[k] - e0) / (e1 - e0);
                for c in columns {
                    let line = c[start] + t * (c[candidate] - c[start]);
                    if (line - c[k]).abs() > tolerance * c[k].abs() + ABSOLUTE_FLOOR_B {
                        break 'extend;
                    }
                }
            }
            end = candidate;
        }
        for flag in &mut keep[start + 1..end] {
            *flag = false;
        }
        start = end;
    }
    keep
}

impl Pointwise {
    /// Doppler-broadens to `options.temperature_k` with the exact free-gas
    /// kernel, then thins to `options.tolerance`. Energies where a value was
    /// forced (extra energies) stay on the grid.
    pub fn broaden(&self, options: &BroadenOptions) -> Result<Pointwise> {
        let delta_t = options.temperature_k - self.temperature_k;
        if !(delta_t >= 0.0 && options.temperature_k.is_finite()) {
            return Err(EndfError::InvalidOption {
                option: "temperature_k",
                value: options.temperature_k.to_string(),
                reason: format!(
                    "must be at least the data temperature {} K",
                    self.temperature_k
                ),
            });
        }
        if !(options.tolerance > 0.0 && options.tolerance <= 0.1) {
            return Err(EndfError::InvalidOption {
                option: "tolerance",
                value: options.tolerance.to_string(),
                reason: "must be in (0, 0.1]".into(),
            });
        }
        if !(self.awr > 0.0 && self.awr.is_finite()) {
            return Err(EndfError::InvalidOption {
                option: "awr",
                value: self.awr.to_string(),
                reason: "the target mass ratio must be positive".into(),
            });
        }
        if delta_t == 0.0 || self.is_empty() {
            return Ok(self.clone());
        }
        let limit = options.upper_energy_ev.unwrap_or(self.broadening_limit_ev);
        let alpha = self.awr / (BOLTZMANN_EV_PER_K * delta_t);
        let kernel = Kernel::new(self, alpha);
        let cold = &self.energies_ev;
        let upto = cold.partition_point(|&e| e <= limit);
        let nr = self.reactions.len();
        let at_grid: Vec<Vec<f64>> = (0..upto)
            .into_par_iter()
            .map(|i| {
                let mut out = vec![0.0; nr];
                kernel.at(cold[i], &mut out);
                out
            })
            .collect();
        // The broadened curve bends between 0 K points where the 0 K curve
        // was flat (a resonance's Doppler wings): add points there.
        let skip_provable = self
            .reactions
            .iter()
            .all(|(_, v)| v.iter().all(|&s| s >= 0.0));
        let inserted: Vec<Vec<(f64, Vec<f64>)>> = (0..upto.saturating_sub(1))
            .into_par_iter()
            .map(|i| {
                kernel.refine(
                    i,
                    &at_grid[i],
                    &at_grid[i + 1],
                    options.tolerance,
                    skip_provable,
                )
            })
            .collect::<Result<_>>()?;
        let added: usize = inserted.iter().map(Vec::len).sum();
        let mut energies = Vec::with_capacity(cold.len() + added);
        let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(cold.len() + added); nr];
        for (i, &e) in cold.iter().enumerate() {
            energies.push(e);
            for (r, column) in columns.iter_mut().enumerate() {
                column.push(match at_grid.get(i) {
                    Some(row) => row[r],
                    None => self.reactions[r].1[i],
                });
            }
            for (e, row) in inserted.get(i).into_iter().flatten() {
                energies.push(*e);
                for (column, v) in columns.iter_mut().zip(row) {
                    column.push(*v);
                }
            }
        }
        let keep = thin(
            &energies,
            &columns,
            upto + added,
            options.tolerance,
            &self.pinned_ev,
        );
        let select = |values: &[f64]| {
            values
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(v, _)| *v)
                .collect::<Vec<f64>>()
        };
        Ok(Pointwise {
            energies_ev: select(&energies),
            reactions: self
                .reactions
                .iter()
                .zip(&columns)
                .map(|((mt, _), c)| (*mt, select(c)))
                .collect(),
            temperature_k: options.temperature_k,
            tolerance: options.tolerance,
            awr: self.awr,
            broadening_limit_ev: self.broadening_limit_ev,
            pinned_ev: self.pinned_ev.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointwise(energies: Vec<f64>, sigma: Vec<f64>, awr: f64) -> Pointwise {
        Pointwise {
            energies_ev: energies,
            reactions: vec![(1, sigma)],
            temperature_k: 0.0,
            tolerance: 1e-3,
            awr,
            broadening_limit_ev: 1e7,
            pinned_ev: vec![],
        }
    }

    /// Bisects [low, high] until lin-lin interpolation of `sigma` is within
    /// `tolerance` at every midpoint, as reconstruction does; returns the grid.
    fn linearized(sigma: &dyn Fn(f64) -> f64, seeds: &[f64], tolerance: f64) -> Vec<f64> {
        let mut grid = vec![seeds[0]];
        for w in seeds.windows(2) {
            let mut stack = vec![w[1]];
            let mut low = w[0];
            while let Some(&high) = stack.last() {
                let mid = 0.5 * (low + high);
                if (sigma(mid) - 0.5 * (sigma(low) + sigma(high))).abs() > tolerance * sigma(mid) {
                    stack.push(mid);
                } else {
                    grid.push(high);
                    low = stack.pop().unwrap();
                }
            }
        }
        grid
    }

    #[test]
    fn broadened_curve_is_within_tolerance_between_its_grid_points() {
        // A narrow U-238-like capture resonance at 1737 eV (Γ = 0.05 eV, far
        // below the 0.86 eV Doppler width at 293.6 K): its 0 K grid is dense at
        // the peak and ~0.3 eV apart in the flat wings, where the broadened
        // curve is steep. Broadening only at the 0 K points left chords off
        // by several % there (NJOY comparison, docs/nuclear-data.md).
        let (e0, gamma, peak, background) = (1737.0, 0.05, 2000.0, 9.0);
        let sigma = move |e: f64| {
            let d = e - e0;
            background + peak * 0.25 * gamma * gamma / (d * d + 0.25 * gamma * gamma)
        };
        let seeds = [1700.0, e0 - 0.5 * gamma, e0, e0 + 0.5 * gamma, 1775.0];
        let energies = linearized(&sigma, &seeds, 1e-3);
        let cold = pointwise(
            energies.clone(),
            energies.iter().map(|&e| sigma(e)).collect(),
            236.0058,
        );
        let tolerance = 1e-3;
        let warm = cold
            .broaden(&BroadenOptions {
                temperature_k: 293.6,
                tolerance,
                upper_energy_ev: None,
            })
            .unwrap();
        let kernel = Kernel::new(&cold, 236.0058 / (BOLTZMANN_EV_PER_K * 293.6));
        let e = warm.energies_ev();
        let mut checked = 0;
        let mut exact = [0.0];
        for w in e.windows(2).filter(|w| w[0] > 1720.0 && w[1] < 1755.0) {
            let mid = 0.5 * (w[0] + w[1]);
            kernel.at(mid, &mut exact);
            let interpolated = warm.value_at(1, mid).unwrap();
            // thinning keeps the tolerance at the refined points, so a chord
            // midpoint may be off by up to about twice the tolerance
            assert!(
                (interpolated / exact[0] - 1.0).abs() <= 2.0 * tolerance,
                "{mid} eV: grid gives {interpolated} b, kernel {} b",
                exact[0]
            );
            checked += 1;
        }
        assert!(checked > 20, "only {checked} panels checked");
    }

    #[test]
    fn one_over_v_is_invariant_under_broadening() {
        // Free-gas broadening preserves σ ∝ 1/v exactly (textbook property).
        let energies: Vec<f64> = (0..400)
            .map(|i| 1e-5 * 10f64.powf(i as f64 * 0.02))
            .collect();
        // a fine grid keeps the linear-interpolation error small (1/v is not linear)
        let fine: Vec<f64> = energies
            .windows(2)
            .flat_map(|w| (0..50).map(move |k| w[0] + (w[1] - w[0]) * k as f64 / 50.0))
            .collect();
        let fine_sigma: Vec<f64> = fine.iter().map(|e| 10.0 / e.sqrt()).collect();
        let warm = pointwise(fine, fine_sigma, 235.0)
            .broaden(&BroadenOptions {
                temperature_k: 300.0,
                tolerance: 1e-6,
                upper_energy_ev: Some(1.0),
            })
            .unwrap();
        for e in [1e-3, 0.0253, 0.5] {
            let got = warm.value_at(1, e).unwrap();
            assert!((got * e.sqrt() / 10.0 - 1.0).abs() < 2e-4, "E = {e}: {got}");
        }
    }

    #[test]
    fn constant_cross_section_gains_the_free_gas_factor() {
        // σ̄/σ = (1 + 1/(2x²)) erf(x) + e^{-x²}/(x√π) for constant σ (Lamarsh).
        let energies: Vec<f64> = (0..3000)
            .map(|i| 1e-5 * 10f64.powf(i as f64 * 0.003))
            .collect();
        let sigma = vec![20.0; energies.len()];
        let warm = pointwise(energies, sigma, 1.0)
            .broaden(&BroadenOptions {
                temperature_k: 293.6,
                tolerance: 1e-4,
                upper_energy_ev: Some(1e3),
            })
            .unwrap();
        let kt = BOLTZMANN_EV_PER_K * 293.6;
        for e in [1e-3, 0.0253, 1.0] {
            let x: f64 = (e / kt).sqrt();
            let factor = (1.0 + 0.5 / (x * x)) * libm::erf(x)
                + (-x * x).exp() / (x * std::f64::consts::PI.sqrt());
            let got = warm.value_at(1, e).unwrap();
            assert!(
                (got / (20.0 * factor) - 1.0).abs() < 2e-4,
                "E = {e}: {got} vs {}",
                20.0 * factor
            );
        }
    }
}
