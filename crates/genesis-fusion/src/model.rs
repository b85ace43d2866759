//! The 0-D tokamak: inputs by name, the profile-integrated powers at a
//! given temperature, and the self-consistent power balance.

use crate::physics::{
    self, E_FUS_MEV, F_ALPHA, KEV, LnTable, MU0, Radiator, greenwald, line_over_volume,
    p_lh_martin, q95, sauter, tau_ipb98y2,
};
use crate::quadrature::{gauss_legendre, gauss_legendre_scan};
use std::f64::consts::PI;

/// Why a design has no answer. Each becomes a failed trial's reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FusionError {
    #[error("input `{name}` = {value} is invalid: {why}")]
    Invalid {
        name: &'static str,
        value: f64,
        why: &'static str,
    },
    #[error(
        "impurities leave no fuel: n_fuel/n_e = {0:.4} (1 - 2 f_He - sum Z f_k must be positive)"
    )]
    NoFuel(f64),
    #[error("no thermally stable steady state for <Te> in {low:.2}-{high:.2} keV ({detail})")]
    NoSteadyState { low: f64, high: f64, detail: String },
}

/// A tokamak design and scenario: every input of the `fusion.tokamak`
/// twin, by its twin name. Defaults are ITER's Q = 10 baseline (case B of
/// the spec, with relativistic bremsstrahlung).
#[derive(Clone, Debug, PartialEq)]
#[allow(non_snake_case)] // the physics names of the twin's inputs
pub struct Tokamak {
    pub R: f64,
    pub a: f64,
    pub kappa_a: f64,
    pub kappa95: f64,
    pub delta95: f64,
    pub B0: f64,
    pub Ip: f64,
    pub nbar20: f64,
    pub alpha_n: f64,
    pub alpha_T: f64,
    pub Ti_Te: f64,
    pub f_T: f64,
    pub f_He: f64,
    pub f_Be: f64,
    pub f_C: f64,
    pub f_O: f64,
    pub f_Ne: f64,
    pub f_Ar: f64,
    pub f_W: f64,
    pub P_aux: f64,
    pub H98: f64,
    pub f_rad: f64,
    pub brems_rel: f64,
    pub b_blanket: f64,
    pub c_coil: f64,
    pub M_n: f64,
    pub eta_th: f64,
    pub eta_wallplug: f64,
}

impl Default for Tokamak {
    fn default() -> Self {
        Tokamak {
            R: 6.2,
            a: 2.0,
            kappa_a: 1.70,
            kappa95: 1.70,
            delta95: 0.33,
            B0: 5.3,
            Ip: 15.0,
            nbar20: 1.01,
            alpha_n: 0.1,
            alpha_T: 1.0,
            Ti_Te: 1.0,
            f_T: 0.5,
            f_He: 0.04,
            f_Be: 0.02,
            f_C: 0.0,
            f_O: 0.0,
            f_Ne: 0.0,
            f_Ar: 0.0012,
            f_W: 0.0,
            P_aux: 50.0,
            H98: 1.0,
            f_rad: 1.0,
            brems_rel: 1.0,
            b_blanket: 1.2,
            c_coil: 1.0,
            M_n: 1.1,
            eta_th: 0.4,
            eta_wallplug: 0.4,
        }
    }
}

/// Powers and energy at one temperature.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct State {
    /// Volume-averaged electron temperature [keV].
    pub te_avg: f64,
    pub p_fus: f64,
    pub p_alpha: f64,
    pub p_brems: f64,
    pub p_line: f64,
    /// P_alpha + P_aux − f_rad (P_brems + P_line) [MW].
    pub p_loss: f64,
    /// Thermal energy [MJ].
    pub w_th: f64,
}

/// One root of the power balance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Root {
    pub te_avg: f64,
    /// dF/dT > 0: a small rise in temperature raises the losses more than the heating.
    pub stable: bool,
}

/// Everything the twin reports for a steady state.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    pub state: State,
    /// Every root found on the scan, lowest first.
    pub roots: Vec<Root>,
    pub tau_e: f64,
    pub q: f64,
    pub p_lh: f64,
    pub p_sol: f64,
    pub beta_t_percent: f64,
    pub beta_n: f64,
    pub q95: f64,
    pub f_gw: f64,
    pub f_bs: f64,
    pub zeff: f64,
    pub volume: f64,
    pub surface: f64,
    pub wall_load: f64,
    /// Net electric power [MW]: η_th (M_n P_n + P_α + P_aux) − P_aux/η_wallplug.
    pub p_e: f64,
    /// Engineering-core volume per net electric MW [m³/MWe]; `None` when
    /// P_E ≤ 0 (the plant makes no electricity, so there is no cost per
    /// MWe — but Q, P_fus and the rest are still valid).
    pub cost_index: Option<f64>,
}

/// Quantities that do not depend on temperature, computed once per design.
#[derive(Clone, Debug)]
pub struct Prepared {
    t: Tokamak,
    volume: f64,
    surface: f64,
    zeff: f64,
    /// n_fuel / n_e.
    fuel: f64,
    ions_per_electron: f64,
    mass: f64,
    /// Volume-averaged electron density [1e20 m⁻³].
    ne_avg20: f64,
    /// The profile quadrature of reported values, and the quick one of the scan.
    fine: Nodes,
    coarse: Nodes,
    /// IPB98(y,2) × H98 without its P_loss^-0.69 factor.
    tau_coeff: f64,
    radiators: Vec<(&'static LnTable, f64)>,
}

/// Lowest and highest volume-averaged Te of the power-balance scan [keV].
pub const SCAN_LOW: f64 = 0.5;
pub const SCAN_HIGH: f64 = 40.0;
/// Points of the geometric temperature scan.
pub const SCAN_POINTS: usize = 90;

fn positive(name: &'static str, value: f64) -> Result<(), FusionError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(FusionError::Invalid {
            name,
            value,
            why: "must be a positive number",
        })
    }
}

fn within(name: &'static str, value: f64, low: f64, high: f64) -> Result<(), FusionError> {
    if value.is_finite() && (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(FusionError::Invalid {
            name,
            value,
            why: "is out of its valid range",
        })
    }
}

impl Tokamak {
    /// Checks the inputs and computes everything independent of temperature.
    pub fn prepare(&self) -> Result<Prepared, FusionError> {
        let t = self;
        for (n, v) in [
            ("R", t.R),
            ("a", t.a),
            ("kappa_a", t.kappa_a),
            ("kappa95", t.kappa95),
            ("B0", t.B0),
            ("Ip", t.Ip),
            ("nbar20", t.nbar20),
            ("Ti_Te", t.Ti_Te),
            ("P_aux", t.P_aux),
            ("H98", t.H98),
            ("eta_th", t.eta_th),
            ("eta_wallplug", t.eta_wallplug),
        ] {
            positive(n, v)?;
        }
        if t.a >= t.R {
            return Err(FusionError::Invalid {
                name: "a",
                value: t.a,
                why: "must be smaller than R",
            });
        }
        for (n, v, lo, hi) in [
            ("delta95", t.delta95, -1.0, 1.0),
            ("alpha_n", t.alpha_n, 0.0, 10.0),
            ("alpha_T", t.alpha_T, 0.0, 10.0),
            ("f_T", t.f_T, 0.0, 1.0),
            ("f_He", t.f_He, 0.0, 0.5),
            ("f_Be", t.f_Be, 0.0, 0.25),
            ("f_C", t.f_C, 0.0, 0.17),
            ("f_O", t.f_O, 0.0, 0.125),
            ("f_Ne", t.f_Ne, 0.0, 0.1),
            ("f_Ar", t.f_Ar, 0.0, 0.05),
            ("f_W", t.f_W, 0.0, 0.01),
            ("f_rad", t.f_rad, 0.0, 1.0),
            ("brems_rel", t.brems_rel, 0.0, 1.0),
            ("b_blanket", t.b_blanket, 0.0, 10.0),
            ("c_coil", t.c_coil, 0.0, 10.0),
            ("M_n", t.M_n, 0.0, 2.0),
        ] {
            within(n, v, lo, hi)?;
        }
        let charged = [
            (4.0, t.f_Be),
            (6.0, t.f_C),
            (8.0, t.f_O),
            (10.0, t.f_Ne),
            (18.0, t.f_Ar),
            (74.0, t.f_W),
        ];
        let f_fuel = 1.0 - 2.0 * t.f_He - charged.iter().map(|(z, f)| z * f).sum::<f64>();
        if f_fuel <= 0.0 {
            return Err(FusionError::NoFuel(f_fuel));
        }
        let zeff = f_fuel + 4.0 * t.f_He + charged.iter().map(|(z, f)| z * z * f).sum::<f64>();
        let ions_per_electron = f_fuel + t.f_He + charged.iter().map(|(_, f)| f).sum::<f64>();
        let volume = 2.0 * PI * PI * t.R * t.a * t.a * t.kappa_a;
        // Separatrix shape from the 95 % surface (1989 ITER guidelines).
        let surface = sauter(t.R, t.a, 1.12 * t.kappa95, 1.5 * t.delta95).surface;
        let ne_avg20 = t.nbar20 / line_over_volume(t.alpha_n);
        let n0 = ne_avg20 * (1.0 + t.alpha_n);
        let fine = Nodes::new(gauss_legendre(), volume, n0, t.alpha_n, t.alpha_T);
        let coarse = Nodes::new(gauss_legendre_scan(), volume, n0, t.alpha_n, t.alpha_T);
        let mass = 2.0 + t.f_T;
        let tau_coeff = t.H98
            * tau_ipb98y2(
                t.Ip,
                t.B0,
                10.0 * t.nbar20,
                1.0,
                t.R,
                t.kappa_a,
                t.a / t.R,
                mass,
            );
        let radiators = [
            (Radiator::Ne, t.f_Ne),
            (Radiator::Ar, t.f_Ar),
            (Radiator::W, t.f_W),
        ]
        .into_iter()
        .filter(|(_, f)| *f > 0.0)
        .map(|(r, f)| (LnTable::line(r), f))
        .collect();
        Ok(Prepared {
            t: t.clone(),
            volume,
            surface,
            zeff,
            fuel: f_fuel,
            ions_per_electron,
            mass,
            ne_avg20,
            fine,
            coarse,
            tau_coeff,
            radiators,
        })
    }

    /// The self-consistent steady state (highest thermally stable root).
    pub fn solve(&self) -> Result<Solution, FusionError> {
        self.prepare()?.solve()
    }
}

impl Prepared {
    /// The inputs this was prepared from.
    pub fn tokamak(&self) -> &Tokamak {
        &self.t
    }

    /// Plasma volume [m³] = 2π² R a² κ_a.
    pub fn volume(&self) -> f64 {
        self.volume
    }

    /// Volume-averaged electron density [1e20 m⁻³].
    pub fn ne_avg20(&self) -> f64 {
        self.ne_avg20
    }

    /// Zeff from the impurity fractions.
    pub fn zeff(&self) -> f64 {
        self.zeff
    }

    /// Profile-integrated powers at volume-averaged electron temperature
    /// `te_avg` [keV].
    pub fn state(&self, te_avg: f64) -> State {
        self.state_with(&self.fine, te_avg)
    }

    fn state_with(&self, nodes: &Nodes, te_avg: f64) -> State {
        let t = &self.t;
        let te0 = te_avg * (1.0 + t.alpha_T);
        let ti0 = te0 * t.Ti_Te;
        let relativistic = t.brems_rel >= 0.5;
        // n_D n_T = f_T (1 − f_T) n_fuel²; E_fus in J; × 1e40 for n20²; W → MW.
        let fusion_scale =
            t.f_T * (1.0 - t.f_T) * self.fuel * self.fuel * 1e40 * E_FUS_MEV * 1e3 * KEV * 1e-6;
        let (mut fus, mut br_rel, mut line) = (0.0, 0.0, 0.0);
        let sigma_v = LnTable::sigma_v();
        let rel_part = LnTable::brems_rel_part();
        let (ln_ti0, ln_te0) = (ti0.ln(), te0.ln());
        let same_t = t.Ti_Te == 1.0;
        for j in 0..nodes.n2w.len() {
            let (n2w, ln_u) = (nodes.n2w[j], nodes.ln_t_shape[j]);
            let at_te = LnTable::locate(ln_te0 + ln_u);
            let at_ti = if same_t {
                at_te
            } else {
                LnTable::locate(ln_ti0 + ln_u)
            };
            fus += n2w * sigma_v.at(at_ti);
            if relativistic {
                br_rel += n2w * rel_part.at(at_te);
            }
            for &(rad, f) in &self.radiators {
                line += n2w * f * rad.at(at_te);
            }
        }
        // 5.35e-3 Zeff n20² √Te g_rel [MW/m³] (NRL/Wesson; Stott 2005 for
        // g_rel): √T(1 + 2T/511) integrates in closed form over the nodes'
        // fixed shapes; the (2/Zeff) part comes from the table.
        let br_plain = te0.sqrt()
            * (nodes.sum_sqrt
                + if relativistic {
                    2.0 * te0 / 511.0 * nodes.sum_sqrt_t
                } else {
                    0.0
                });
        let br = 5.35e-3 * self.zeff * (br_plain + 2.0 / self.zeff * br_rel);
        // n_e n_k L [W/m³] with n in m⁻³: f n20² 1e40 L; → MW.
        line *= 1e34;
        let p_fus = fus * fusion_scale;
        let p_alpha = F_ALPHA * p_fus;
        // W = 3/2 V <n_e T_e + n_i T_i>, analytic for parabolic profiles.
        let n0 = self.ne_avg20 * (1.0 + t.alpha_n);
        let nt = n0 * te0 / (1.0 + t.alpha_n + t.alpha_T);
        let w_th =
            1.5 * self.volume * nt * (1.0 + self.ions_per_electron * t.Ti_Te) * 1e20 * KEV * 1e-6;
        State {
            te_avg,
            p_fus,
            p_alpha,
            p_brems: br,
            p_line: line,
            p_loss: p_alpha + t.P_aux - t.f_rad * (br + line),
            w_th,
        }
    }

    /// L-H threshold power [MW] (Martin 2008 with the isotope factor and
    /// Ryter's low-density branch).
    pub fn p_lh(&self) -> f64 {
        let t = &self.t;
        p_lh_martin(t.nbar20, t.B0, self.surface, self.mass, t.Ip, t.a, t.R)
    }

    /// Greenwald fraction of the line-averaged density.
    pub fn f_gw(&self) -> f64 {
        self.t.nbar20 / greenwald(self.t.Ip, self.t.a)
    }

    /// Toroidal beta [%] for stored energy `w_th` [MJ].
    pub fn beta_t_percent(&self, w_th: f64) -> f64 {
        let pressure = 2.0 / 3.0 * w_th * 1e6 / self.volume;
        100.0 * 2.0 * MU0 * pressure / (self.t.B0 * self.t.B0)
    }

    /// Normalised beta, β_t[%] a B0 / Ip, for stored energy `w_th` [MJ].
    pub fn beta_n(&self, w_th: f64) -> f64 {
        self.beta_t_percent(w_th) * self.t.a * self.t.B0 / self.t.Ip
    }

    /// Energy confinement time [s] at loss power `p_loss` [MW].
    pub fn tau_e(&self, p_loss: f64) -> f64 {
        self.tau_coeff * p_loss.powf(-0.69)
    }

    /// Power-balance residual W/τ_E − P_loss [MW]; `None` when the losses
    /// are not positive (radiative collapse: no confinement time exists).
    pub fn residual(&self, te_avg: f64) -> Option<f64> {
        self.residual_with(&self.fine, te_avg)
    }

    fn residual_with(&self, nodes: &Nodes, te_avg: f64) -> Option<f64> {
        let s = self.state_with(nodes, te_avg);
        (s.p_loss > 0.0).then(|| s.w_th / self.tau_e(s.p_loss) - s.p_loss)
    }

    /// Highest scan temperature: the axis ion temperature stays within
    /// Bosch–Hale's 100 keV.
    pub fn scan_high(&self) -> f64 {
        SCAN_HIGH.min(100.0 / (self.t.Ti_Te * (1.0 + self.t.alpha_T)))
    }

    /// Every root of the power balance on the geometric scan, refined by
    /// bisection-secant (Brent) to 1e-9 relative, with its stability.
    pub fn roots(&self) -> Vec<Root> {
        let high = self.scan_high();
        let ratio = (high / SCAN_LOW).powf(1.0 / (SCAN_POINTS - 1) as f64);
        let temps: Vec<f64> = (0..SCAN_POINTS)
            .map(|k| SCAN_LOW * ratio.powi(k as i32))
            .collect();
        // The scan only looks for sign changes, with the quick rule; each
        // bracket is then checked and refined with the full rule, moved or
        // widened by one step if the two rules disagree on a sign next to a
        // root (as they may right above radiative collapse).
        let values: Vec<Option<f64>> = temps
            .iter()
            .map(|&t| self.residual_with(&self.coarse, t))
            .collect();
        let mut roots: Vec<Root> = Vec::new();
        for k in 0..SCAN_POINTS - 1 {
            // Next to radiative collapse the quick rule may call a point
            // collapsed that is not: ask the full rule there.
            let (f0, f1) = match (values[k], values[k + 1]) {
                (Some(a), Some(b)) => (a, b),
                (None, None) => continue,
                _ => match (self.residual(temps[k]), self.residual(temps[k + 1])) {
                    (Some(a), Some(b)) => (a, b),
                    _ => continue,
                },
            };
            if f0 != 0.0 && f0.signum() == f1.signum() {
                continue;
            }
            // Fast path: the quick rule's root, then a narrow bracket of the
            // full rule around it (the two rules differ by ~1e-3).
            let near = brent(
                |t| self.residual_with(&self.coarse, t),
                temps[k],
                temps[k + 1],
                f0,
                f1,
                1e-4,
            )
            .and_then(|r| {
                let (a, b) = (r * 0.99, r * 1.01);
                let (fa, fb) = (self.residual(a)?, self.residual(b)?);
                (fa.signum() != fb.signum()).then_some((a, b, fa, fb))
            });
            let (lo, hi) = (k.saturating_sub(1), (k + 2).min(SCAN_POINTS - 1));
            let bracket = near.or_else(|| {
                [(k, k + 1), (k + 1, hi), (lo, k), (lo, hi)]
                    .into_iter()
                    .find_map(|(i, j)| {
                        let (a, b) = (self.residual(temps[i])?, self.residual(temps[j])?);
                        (a == 0.0 || a.signum() != b.signum()).then_some((temps[i], temps[j], a, b))
                    })
            });
            let Some((ta, tb, fa, fb)) = bracket else {
                continue;
            };
            if let Some(t) = brent(|t| self.residual(t), ta, tb, fa, fb, 1e-7) {
                // Residual rises through a stable root: more T, more net loss.
                let stable = fb > fa;
                if roots.last().is_none_or(|r| (r.te_avg - t).abs() > 1e-6) {
                    roots.push(Root { te_avg: t, stable });
                }
            }
        }
        roots
    }

    /// The steady state at the highest stable root, with every output.
    pub fn solve(&self) -> Result<Solution, FusionError> {
        let roots = self.roots();
        let Some(root) = roots.iter().rev().find(|r| r.stable).copied() else {
            let detail = if roots.is_empty() {
                "the power balance has no root: the plasma either cannot be heated to it or collapses radiatively".to_string()
            } else {
                let list: Vec<String> = roots
                    .iter()
                    .map(|r| format!("{:.3} keV", r.te_avg))
                    .collect();
                format!("only thermally unstable roots at {}", list.join(", "))
            };
            return Err(FusionError::NoSteadyState {
                low: SCAN_LOW,
                high: self.scan_high(),
                detail,
            });
        };
        let state = self.state(root.te_avg);
        self.outputs(state, roots)
    }

    fn outputs(&self, state: State, roots: Vec<Root>) -> Result<Solution, FusionError> {
        let t = &self.t;
        let tau_e = self.tau_e(state.p_loss);
        let beta_t_percent = self.beta_t_percent(state.w_th);
        let q95 = q95(t.R, t.a, t.B0, t.Ip, t.kappa95, t.delta95);
        let p_lh = self.p_lh();
        let p_sol = state.p_alpha + t.P_aux - state.p_brems - state.p_line;
        let p_n = (1.0 - F_ALPHA) * state.p_fus;
        // Freidberg, Mangiarotti & Minervini 2015: engineering-core volume per net electric MW.
        let (b, c, ka) = (t.b_blanket, t.c_coil, t.kappa_a * t.a);
        let v_core = 2.0 * PI * t.R * PI * ((t.a + b + c) * (ka + b + c) - ka * t.a);
        let p_e = t.eta_th * (t.M_n * p_n + state.p_alpha + t.P_aux) - t.P_aux / t.eta_wallplug;
        Ok(Solution {
            roots,
            tau_e,
            q: state.p_fus / t.P_aux,
            p_lh,
            p_sol,
            beta_t_percent,
            beta_n: self.beta_n(state.w_th),
            q95,
            f_gw: self.f_gw(),
            f_bs: physics::bootstrap_ipdg89(
                beta_t_percent / 100.0,
                t.B0,
                t.Ip,
                t.R,
                t.a,
                self.volume,
                q95,
            ),
            zeff: self.zeff,
            volume: self.volume,
            surface: self.surface,
            wall_load: p_n / self.surface,
            p_e,
            cost_index: (p_e > 0.0).then(|| v_core / p_e),
            state,
        })
    }
}

/// Per-node constants of one quadrature rule for one design.
#[derive(Clone, Debug)]
struct Nodes {
    /// Node weight × V × (n_e(s)/1e20)².
    n2w: Vec<f64>,
    /// ln T(s)/T0 (for the tables).
    ln_t_shape: Vec<f64>,
    /// Σ n2w √(T/T0) and Σ n2w (T/T0)^1.5: bremsstrahlung without g_rel's
    /// rational part, in closed form.
    sum_sqrt: f64,
    sum_sqrt_t: f64,
}

impl Nodes {
    fn new(rule: &(Vec<f64>, Vec<f64>), volume: f64, n0: f64, alpha_n: f64, alpha_t: f64) -> Nodes {
        let (s, w) = rule;
        let n2w: Vec<f64> = s
            .iter()
            .zip(w)
            .map(|(s, w)| w * volume * (n0 * (1.0 - s).powf(alpha_n)).powi(2))
            .collect();
        let n2w: Vec<f64> = n2w;
        let u: Vec<f64> = s.iter().map(|s| (1.0 - s).powf(alpha_t)).collect();
        Nodes {
            sum_sqrt: n2w.iter().zip(&u).map(|(w, u)| w * u.sqrt()).sum(),
            sum_sqrt_t: n2w.iter().zip(&u).map(|(w, u)| w * u.powf(1.5)).sum(),
            ln_t_shape: s.iter().map(|s| alpha_t * (1.0 - s).ln()).collect(),
            n2w,
        }
    }
}

/// Brent's method on a bracket [a, b] with f(a), f(b) of opposite signs,
/// to an absolute tolerance `tol` (roots are refined to 1e-7 keV: far below
/// anything reported, well above rounding); `None` if `f` stops being
/// defined inside.
fn brent(
    f: impl Fn(f64) -> Option<f64>,
    mut a: f64,
    mut b: f64,
    mut fa: f64,
    mut fb: f64,
    tol: f64,
) -> Option<f64> {
    if fa == 0.0 {
        return Some(a);
    }
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut e = d;
    for _ in 0..100 {
        if fb.signum() == fc.signum() {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let m = 0.5 * (c - b);
        if m.abs() <= tol || fb == 0.0 {
            return Some(b);
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                p = 2.0 * m * s;
                q = 1.0 - s;
            } else {
                let qq = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * m * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if 2.0 * p < (3.0 * m * q - (tol * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = d;
            }
        } else {
            d = m;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(m) };
        fb = f(b)?;
    }
    Some(b)
}
