//! POPCON: the inverted power balance on a (⟨n_e⟩, ⟨T_e⟩) grid. At a
//! given density and temperature W is known, and τ_E = γ P^-0.69 gives the
//! loss power directly, P_loss = (W/γ)^(1/0.31); the auxiliary power that
//! sustains the point is whatever the alphas do not supply.

use crate::{FusionError, Tokamak};

/// One grid point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PopconCell {
    /// Volume-averaged electron density [1e20 m⁻³] and temperature [keV].
    pub ne_avg20: f64,
    pub te_avg: f64,
    /// Auxiliary power needed [MW]; negative: the point is over-ignited.
    pub p_aux: f64,
    pub q: f64,
    pub p_fus: f64,
    pub p_sol_over_p_lh: f64,
    pub f_gw: f64,
    pub beta_n: f64,
    /// A steady state needs P_aux ≥ 0 and positive loss power.
    pub accessible: bool,
}

/// The grid, row-major: `cells[i * te.len() + j]` is (ne[i], te[j]).
#[derive(Clone, Debug)]
pub struct Popcon {
    pub ne_avg20: Vec<f64>,
    pub te_avg: Vec<f64>,
    pub cells: Vec<PopconCell>,
}

/// Evaluates the machine `base` on every (⟨n_e⟩, ⟨T_e⟩) of the grid; the
/// grid's densities are volume averages (its `nbar20` is set from each).
pub fn popcon(base: &Tokamak, ne_avg20: &[f64], te_avg: &[f64]) -> Result<Popcon, FusionError> {
    let mut cells = Vec::with_capacity(ne_avg20.len() * te_avg.len());
    for &n in ne_avg20 {
        let mut t = base.clone();
        t.nbar20 = n * crate::physics::line_over_volume(t.alpha_n);
        let p = t.prepare()?;
        let (p_lh, f_gw) = (p.p_lh(), p.f_gw());
        let k = p.tau_e(1.0);
        let out = |te: f64| {
            let s = p.state(te);
            // P_loss such that W / τ(P_loss) = P_loss, with τ = k P^-0.69.
            let p_loss = (s.w_th / k).powf(1.0 / 0.31);
            let p_aux = p_loss - s.p_alpha + t.f_rad * (s.p_brems + s.p_line);
            let p_sol = s.p_alpha + p_aux - s.p_brems - s.p_line;
            PopconCell {
                ne_avg20: n,
                te_avg: te,
                p_aux,
                q: s.p_fus / p_aux.max(1e-9),
                p_fus: s.p_fus,
                p_sol_over_p_lh: p_sol / p_lh,
                f_gw,
                beta_n: p.beta_n(s.w_th),
                accessible: p_aux >= 0.0,
            }
        };
        cells.extend(te_avg.iter().map(|&te| out(te)));
    }
    Ok(Popcon {
        ne_avg20: ne_avg20.to_vec(),
        te_avg: te_avg.to_vec(),
        cells,
    })
}
