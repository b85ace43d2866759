//! The formulas of `../shared/specs/fusion-tokamak.md`, one function each,
//! in SI units except temperatures in keV, densities in 1e20 m⁻³ (`n20`) or
//! 1e19 m⁻³ (`n19`), currents in MA, powers in MW and energies in MJ.

use std::f64::consts::PI;

/// Vacuum permeability [H/m].
pub const MU0: f64 = 4.0 * PI * 1e-7;
/// One keV in joules.
pub const KEV: f64 = 1.602_176_634e-16;
/// DT fusion energy per reaction [MeV] (from nuclear masses; PROCESS `constants.py`).
pub const E_FUS_MEV: f64 = 17.59;
/// Fraction of the fusion energy carried by the alpha particle, 3.52 / 17.59.
pub const F_ALPHA: f64 = 3.52 / 17.59;

/// Bosch & Hale (1992, NF 32 611, Table VII) DT reactivity ⟨σv⟩ [m³/s] at
/// ion temperature `t` [keV]. The fit holds for 0.2–100 keV; above 100 keV
/// the 100 keV value is used (callers keep the scan below it), below 0.2
/// keV the fit is used as is (it goes smoothly to zero).
pub fn sigma_v_dt(t: f64) -> f64 {
    const BG: f64 = 34.3827;
    const MRC2: f64 = 1_124_656.0;
    const C: [f64; 7] = [
        1.17302e-9,
        1.51361e-2,
        7.51886e-2,
        4.60643e-3,
        1.35000e-2,
        -1.06750e-4,
        1.36600e-5,
    ];
    let t = t.min(100.0);
    if t <= 0.0 {
        return 0.0;
    }
    let theta =
        t / (1.0 - t * (C[1] + t * (C[3] + t * C[5])) / (1.0 + t * (C[2] + t * (C[4] + t * C[6]))));
    let xi = (BG * BG / (4.0 * theta)).cbrt();
    C[0] * theta * (xi / (MRC2 * t * t * t)).sqrt() * (-3.0 * xi).exp() * 1e-6
}

/// A function of temperature tabulated on a uniform grid in ln T (0.01–100
/// keV, 1024 points per e-fold) and interpolated linearly: 2–5 ns per call
/// instead of 30–50 ns for the fits, which the profile integrals call 64
/// times per residual. For ⟨σv⟩ the relative error is below 2e-5 under 5
/// keV and below 1e-6 above.
#[derive(Debug)]
pub struct LnTable {
    values: Vec<f64>,
}

impl LnTable {
    const LN_LOW: f64 = -4.605_170_185_988_091; // ln 0.01
    const PER_E_FOLD: f64 = 1024.0;
    /// Entries: ln(100/0.01) × 1024, plus two.
    const LEN: usize = 9433;
    const LAST: usize = Self::LEN - 2;

    fn build(f: impl Fn(f64) -> f64) -> LnTable {
        let n = Self::LEN;
        let values = (0..n)
            .map(|i| f((Self::LN_LOW + i as f64 / Self::PER_E_FOLD).exp()))
            .collect();
        LnTable { values }
    }

    /// The shared table of [`sigma_v_dt`].
    pub fn sigma_v() -> &'static LnTable {
        static TABLE: std::sync::OnceLock<LnTable> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| LnTable::build(sigma_v_dt))
    }

    /// The shared table of [`Radiator::line_only`] for `r`.
    pub fn line(r: Radiator) -> &'static LnTable {
        static TABLES: [std::sync::OnceLock<LnTable>; 3] =
            [const { std::sync::OnceLock::new() }; 3];
        let i = match r {
            Radiator::Ne => 0,
            Radiator::Ar => 1,
            Radiator::W => 2,
        };
        TABLES[i].get_or_init(|| LnTable::build(|t| r.line_only(t)))
    }

    /// The shared table of the relativistic part of bremsstrahlung,
    /// √T (1 + 2T/511) (T/511)/(1 + T/511): with √T (1 + 2T/511) it makes
    /// √T g_rel = √T (1 + 2T/511) + (2/Zeff) × this.
    pub fn brems_rel_part() -> &'static LnTable {
        static TABLE: std::sync::OnceLock<LnTable> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            LnTable::build(|t| t.sqrt() * (1.0 + 2.0 * t / 511.0) * (t / 511.0) / (1.0 + t / 511.0))
        })
    }

    /// Where ln T falls on the grid: (entry, fraction to the next), shared
    /// by every table, so several lookups at one temperature cost one.
    #[inline]
    pub fn locate(ln_t: f64) -> (usize, f64) {
        let x = (ln_t - Self::LN_LOW) * Self::PER_E_FOLD;
        if x.is_nan() || x <= 0.0 {
            return (0, 0.0);
        }
        let i = (x as usize).min(Self::LAST);
        (i, (x - i as f64).min(1.0))
    }

    /// The value at a located point.
    #[inline]
    pub fn at(&self, (i, f): (usize, f64)) -> f64 {
        self.values[i] + f * (self.values[i + 1] - self.values[i])
    }

    /// The value at ln T (T in keV): the first entry below 0.01 keV (and 0
    /// at T = 0), the last above 100 keV.
    #[inline]
    pub fn at_ln(&self, ln_t: f64) -> f64 {
        let x = (ln_t - Self::LN_LOW) * Self::PER_E_FOLD;
        if x.is_nan() || ln_t == f64::NEG_INFINITY {
            return 0.0;
        }
        if x <= 0.0 {
            return self.values[0];
        }
        let last = self.values.len() - 2;
        let i = (x as usize).min(last);
        let f = (x - i as f64).min(1.0);
        self.values[i] + f * (self.values[i + 1] - self.values[i])
    }
}

/// Relativistic correction of bremsstrahlung (Stott 2005, as in the spec).
pub fn g_rel(te: f64, zeff: f64) -> f64 {
    (1.0 + 2.0 * te / 511.0) * (1.0 + (2.0 / zeff) * (1.0 - 1.0 / (1.0 + te / 511.0)))
}

/// Bremsstrahlung power density [MW/m³] (NRL/Wesson):
/// 5.35e-3 Zeff n20² √Te, times `g_rel` when `relativistic`.
pub fn brems_density(n20: f64, te: f64, zeff: f64, relativistic: bool) -> f64 {
    let g = if relativistic { g_rel(te, zeff) } else { 1.0 };
    5.35e-3 * zeff * n20 * n20 * te.max(0.0).sqrt() * g
}

/// Impurities with line radiation (Mavrin 2018 coronal fits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Radiator {
    Ne,
    Ar,
    W,
}

impl Radiator {
    /// Nuclear charge.
    pub fn z(self) -> f64 {
        match self {
            Radiator::Ne => 10.0,
            Radiator::Ar => 18.0,
            Radiator::W => 74.0,
        }
    }

    /// (upper edge of each Te bin [keV], c0..c4 of log10 L per bin).
    fn fit(self) -> ([f64; 2], [[f64; 5]; 3]) {
        match self {
            Radiator::Ne => (
                [0.7, 5.0],
                [
                    [-33.132, 1.7309, 15.230, 28.939, 15.648],
                    [-33.290, -0.87750, 0.86842, -0.39544, 0.17244],
                    [-33.410, -0.45345, 0.29731, 0.043960, -0.026930],
                ],
            ),
            Radiator::Ar => (
                [0.6, 3.0],
                [
                    [-32.155, 6.5221, 30.769, 39.161, 15.353],
                    [-32.530, 0.54490, 1.5389, -7.6887, 4.9806],
                    [-31.853, -1.6674, 0.61339, 0.17480, -0.082260],
                ],
            ),
            Radiator::W => (
                [1.5, 4.0],
                [
                    [-30.374, 0.38304, -0.95126, -1.0311, -0.10103],
                    [-30.238, -2.9208, 22.824, -63.303, 51.849],
                    [-32.153, 5.2499, -6.2740, 2.6627, -0.36759],
                ],
            ),
        }
    }

    /// Coronal radiative loss function L(Te) [W m³] (Mavrin 2018, Rad. Eff.
    /// Def. Solids 173 388): log10 L = Σ cᵢ (log10 Te)ⁱ, piecewise in Te,
    /// Te clamped to the fit's 0.1–100 keV.
    pub fn loss_function(self, te: f64) -> f64 {
        let te = te.clamp(0.1, 100.0);
        let (edges, c) = self.fit();
        let bin = if te < edges[0] {
            0
        } else if te < edges[1] {
            1
        } else {
            2
        };
        let x = te.log10();
        let c = c[bin];
        10f64.powf(c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * c[4]))))
    }

    /// L minus the impurity's own bremsstrahlung (5.35e-37 Z² √Te W m³),
    /// floored at zero, so it is not counted twice.
    pub fn line_only(self, te: f64) -> f64 {
        let z = self.z();
        (self.loss_function(te) - 5.35e-37 * z * z * te.max(0.0).sqrt()).max(0.0)
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let s = G[0] + (1..9).map(|i| G[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// Line average over volume average of a parabolic profile (1−ρ²)^α with
/// V(ρ) ∝ ρ²: n̄/⟨n⟩ = (1+α) (√π/2) Γ(α+1)/Γ(α+3/2).
pub fn line_over_volume(alpha: f64) -> f64 {
    (1.0 + alpha) * 0.5 * PI.sqrt() * (ln_gamma(alpha + 1.0) - ln_gamma(alpha + 1.5)).exp()
}

/// Plasma shape of the Sauter (2016) formulas from a separatrix κ, δ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sauter {
    /// Poloidal perimeter [m].
    pub perimeter: f64,
    /// Plasma surface [m²].
    pub surface: f64,
    /// Plasma volume [m³].
    pub volume: f64,
}

/// Sauter (2016, FED 112 633) geometry, squareness 0.
pub fn sauter(r: f64, a: f64, kappa: f64, delta: f64) -> Sauter {
    let eps = a / r;
    let lp = 2.0 * PI * a * (1.0 + 0.55 * (kappa - 1.0)) * (1.0 + 0.08 * delta * delta);
    Sauter {
        perimeter: lp,
        surface: 2.0 * PI * r * (1.0 - 0.32 * delta * eps) * lp,
        volume: 2.0 * PI * r * (1.0 - 0.25 * delta * eps) * PI * a * a * kappa,
    }
}

/// q95 (ITER Physics Basis 1999 ch. 1 eq. A-11; PROCESS `i_plasma_current=4`).
pub fn q95(r: f64, a: f64, b0: f64, ip: f64, kappa95: f64, delta95: f64) -> f64 {
    let eps = a / r;
    5.0 * a * a * b0 / (r * ip)
        * (1.0 + kappa95 * kappa95 * (1.0 + 2.0 * delta95 * delta95 - 1.2 * delta95.powi(3)))
        / 2.0
        * (1.17 - 0.65 * eps)
        / (1.0 - eps * eps).powi(2)
}

/// Greenwald density [1e20 m⁻³] = Ip / (π a²).
pub fn greenwald(ip: f64, a: f64) -> f64 {
    ip / (PI * a * a)
}

/// IPB98(y,2) confinement time [s] (ITER Physics Basis 1999, NF 39 2175),
/// line-averaged density in 1e19 m⁻³, κ the areal elongation.
#[allow(clippy::too_many_arguments)] // the scaling law's own variables, by name at the call site
pub fn tau_ipb98y2(
    ip: f64,
    b0: f64,
    nbar19: f64,
    p_loss: f64,
    r: f64,
    kappa_a: f64,
    eps: f64,
    mass: f64,
) -> f64 {
    0.0562
        * ip.powf(0.93)
        * b0.powf(0.15)
        * nbar19.powf(0.41)
        * p_loss.powf(-0.69)
        * r.powf(1.97)
        * kappa_a.powf(0.78)
        * eps.powf(0.58)
        * mass.powf(0.19)
}

/// Martin et al. 2008 L-H threshold [MW] with the (2/M) isotope factor and
/// the low-density branch of Ryter 2014: below n_min the threshold rises
/// as (n_min/n)².
pub fn p_lh_martin(nbar20: f64, b0: f64, surface: f64, mass: f64, ip: f64, a: f64, r: f64) -> f64 {
    let martin =
        |n20: f64| 0.0488 * n20.powf(0.717) * b0.powf(0.803) * surface.powf(0.941) * (2.0 / mass);
    let n_min20 = 0.07 * ip.powf(0.34) * b0.powf(0.62) * a.powf(-0.95) * (r / a).powf(0.4);
    if nbar20 < n_min20 {
        martin(n_min20) * (n_min20 / nbar20).powi(2)
    } else {
        martin(nbar20)
    }
}

/// IPDG89 bootstrap fraction (PROCESS `i_bootstrap_current=1`), with
/// q0 = 1: the poloidal field uses the volume-equivalent radius
/// ⟨a⟩ = √(V/(2π²R)), the inverse aspect ratio a/R.
pub fn bootstrap_ipdg89(
    beta_t: f64,
    b0: f64,
    ip: f64,
    r: f64,
    a: f64,
    volume: f64,
    q95: f64,
) -> f64 {
    let a_mean = (volume / (2.0 * PI * PI * r)).sqrt();
    let b_pa = ip / (5.0 * a_mean);
    let beta_pa = beta_t * (b0 / b_pa).powi(2);
    let eps = a / r;
    let c_bs = 1.32 - 0.235 * q95 + 0.0185 * q95 * q95;
    c_bs * (eps.sqrt() * beta_pa).powf(1.3)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative agreement within `tol`.
    fn check(got: f64, want: f64, tol: f64) {
        assert!(
            ((got - want) / want).abs() <= tol,
            "got {got}, want {want} (tol {tol})"
        );
    }

    #[test]
    fn bosch_hale_reactivity() {
        // Spec section 4.1 [ref] values (m³/s), tol 1e-3.
        check(sigma_v_dt(10.0), 1.136e-22, 1e-3);
        check(sigma_v_dt(20.0), 4.330e-22, 1e-3);
        check(sigma_v_dt(1.0), 6.857e-27, 1e-3);
        check(sigma_v_dt(50.0), 8.649e-22, 1e-3);
        // Maximum 8.947e-22 at 66.6 ± 0.5 keV.
        let (t_max, s_max) = (500..800)
            .map(|i| i as f64 * 0.1)
            .map(|t| (t, sigma_v_dt(t)))
            .fold((0.0, 0.0), |b, x| if x.1 > b.1 { x } else { b });
        assert!((t_max - 66.6f64).abs() <= 0.5, "{t_max}");
        check(s_max, 8.947e-22, 1e-3);
        // Clamped above the fit's range.
        assert_eq!(sigma_v_dt(150.0), sigma_v_dt(100.0));
    }

    #[test]
    fn tables_match_the_fits() {
        let table = LnTable::sigma_v();
        for t in [0.5, 1.0, 2.0, 5.0, 9.0, 10.0, 13.7, 20.0, 50.0, 99.0] {
            let tol = if t < 5.0 { 2e-5 } else { 1e-6 };
            check(table.at_ln(f64::ln(t)), sigma_v_dt(t), tol);
        }
        let ar = LnTable::line(Radiator::Ar);
        for t in [0.2, 0.59, 0.61, 1.0, 2.9, 3.1, 10.0, 40.0] {
            check(ar.at_ln(f64::ln(t)), Radiator::Ar.line_only(t), 1e-4);
        }
        assert_eq!(table.at_ln(f64::NEG_INFINITY), 0.0);
        assert!(table.at_ln(f64::ln(0.001)) < 1e-40);
        check(table.at_ln(f64::ln(150.0)), sigma_v_dt(100.0), 1e-9);
    }

    #[test]
    fn bremsstrahlung() {
        // Spec 4.11: flat n_e 1e20, Te 10 keV, Zeff 1.5, V 100 m³: 2.538 MW, 2.705 MW with g_rel = 1.0657.
        check(brems_density(1.0, 10.0, 1.5, false) * 100.0, 2.538, 1e-3);
        check(g_rel(10.0, 1.5), 1.0657, 1e-4);
        check(brems_density(1.0, 10.0, 1.5, true) * 100.0, 2.705, 1e-3);
    }

    #[test]
    fn mavrin_check_values() {
        // Spec 1.9: L_Ar(10 keV) = 1.533e-33, L_W(10 keV) = 1.312e-31 W m³.
        check(Radiator::Ar.loss_function(10.0), 1.533e-33, 2e-3);
        check(Radiator::W.loss_function(10.0), 1.312e-31, 2e-3);
    }

    #[test]
    fn geometry_q95_greenwald() {
        // Spec 4.4: Sauter R 6.2, a 2.0, κ 1.85, δ 0.49: L_p 18.80, S 695.2, V 869.8 (tol 1e-3).
        let g = sauter(6.2, 2.0, 1.85, 0.49);
        check(g.perimeter, 18.80, 1e-3);
        check(g.surface, 695.2, 1e-3);
        check(g.volume, 869.8, 1e-3);
        // Spec 4.5: q95 = 2.996, n_G = 1.194e20, f_G(1.01e20) = 0.846.
        check(q95(6.2, 2.0, 5.3, 15.0, 1.70, 0.33), 2.996, 1e-3);
        check(greenwald(15.0, 2.0), 1.194, 1e-3);
        check(1.01 / greenwald(15.0, 2.0), 0.846, 1e-3);
    }

    #[test]
    fn confinement_and_threshold_scalings() {
        // Spec 4.6: IPB98(y,2) = 3.276 s (tol 1e-3).
        check(
            tau_ipb98y2(15.0, 5.3, 10.1, 100.0, 6.2, 1.70, 0.3226, 2.5),
            3.276,
            1e-3,
        );
        // Spec 4.7: Martin 52.65 MW (n 0.5), 86.54 MW (n 1.0) in D; DT at 1.01: 69.73 MW.
        check(
            p_lh_martin(0.5, 5.3, 683.0, 2.0, 15.0, 2.0, 6.2),
            52.65,
            1e-3,
        );
        check(
            p_lh_martin(1.0, 5.3, 683.0, 2.0, 15.0, 2.0, 6.2),
            86.54,
            1e-3,
        );
        check(
            p_lh_martin(1.01, 5.3, 683.0, 2.5, 15.0, 2.0, 6.2),
            69.73,
            1e-3,
        );
        // Below Ryter's minimum the threshold rises again.
        assert!(
            p_lh_martin(0.1, 5.3, 683.0, 2.0, 15.0, 2.0, 6.2)
                > p_lh_martin(0.3, 5.3, 683.0, 2.0, 15.0, 2.0, 6.2)
        );
    }

    #[test]
    fn beta_troyon_and_bootstrap() {
        // Spec 4.8: W 353 MJ, V 831 m³, B 5.3 T: beta_t 2.534 %, beta_N 1.791, Troyon (g 2.8) 3.962 %.
        let p = 2.0 / 3.0 * 353e6 / 831.0;
        let beta_t = 2.0 * MU0 * p / (5.3 * 5.3);
        check(beta_t, 0.02534, 1e-3);
        check(beta_t * 100.0 * 2.0 * 5.3 / 15.0, 1.791, 1e-3);
        check(2.8 * 15.0 / (2.0 * 5.3), 3.962, 1e-3);
        // Spec 4.9: IPDG89 for ITER gives f_BS = 0.167.
        check(
            bootstrap_ipdg89(0.02534, 5.3, 15.0, 6.2, 2.0, 831.0, 3.0),
            0.167,
            3e-3,
        );
    }

    #[test]
    fn gamma_and_line_average() {
        check(ln_gamma(5.0).exp(), 24.0, 1e-12);
        check(ln_gamma(0.5).exp(), PI.sqrt(), 1e-12);
        // Spec 1.2: n̄/⟨n⟩ = 1.038 (α 0.1), 1.178 (0.5), 1.333 (1.0).
        check(line_over_volume(0.1), 1.038, 5e-4);
        check(line_over_volume(0.5), 1.178, 5e-4);
        check(line_over_volume(1.0), 4.0 / 3.0, 1e-12);
    }
}
