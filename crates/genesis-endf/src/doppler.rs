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

struct Kernel<'a> {
    energies: &'a [f64],
    y: Vec<f64>,
    alpha: f64,
    sigmas: Vec<&'a [f64]>,
}

impl Kernel<'_> {
    /// Broadened values of every reaction at grid point `index`.
    fn at(&self, index: usize, out: &mut [f64]) {
        let x = self.y[index];
        let n = self.y.len();
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
                *v = self.sigmas[r][index.min(n - 1)];
            }
        }
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
        let kernel = Kernel {
            energies: &self.energies_ev,
            y: self
                .energies_ev
                .iter()
                .map(|e| (alpha * e).sqrt())
                .collect(),
            alpha,
            sigmas: self.reactions.iter().map(|(_, v)| v.as_slice()).collect(),
        };
        let upto = self.energies_ev.partition_point(|&e| e <= limit);
        let nr = self.reactions.len();
        let broadened: Vec<Vec<f64>> = (0..upto)
            .into_par_iter()
            .map(|i| {
                let mut out = vec![0.0; nr];
                kernel.at(i, &mut out);
                out
            })
            .collect();
        let columns: Vec<Vec<f64>> = (0..nr)
            .map(|r| {
                let mut column: Vec<f64> = broadened.iter().map(|row| row[r]).collect();
                column.extend_from_slice(&self.reactions[r].1[upto..]);
                column
            })
            .collect();
        let keep = thin(
            &self.energies_ev,
            &columns,
            upto,
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
            energies_ev: select(&self.energies_ev),
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
