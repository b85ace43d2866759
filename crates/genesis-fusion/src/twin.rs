//! `fusion.tokamak`: the model behind the `Twin` trait.

use crate::{FusionError, Tokamak};
use genesis_core::{Inputs, IoSpec, Outputs, Twin, TwinError, TwinSpec};

/// The registry name of the twin.
pub const TWIN_NAME: &str = "fusion.tokamak";

/// (name, unit, low, high, description, field).
type InputRow = (
    &'static str,
    &'static str,
    f64,
    f64,
    &'static str,
    fn(&mut Tokamak) -> &mut f64,
);

/// Range of the plasma current input [MA].
const IP_RANGE: (f64, f64) = (0.5, 30.0);

/// The input that fixes q95 instead of the current: scans "at fixed q95"
/// (the usual way to compare fields) set it and leave `Ip` out.
const Q95_TARGET: &str = "q95_target";

const INPUTS: &[InputRow] = &[
    ("R", "m", 1.0, 12.0, "major radius", |t| &mut t.R),
    ("a", "m", 0.2, 4.0, "minor radius", |t| &mut t.a),
    (
        "kappa_a",
        "1",
        1.0,
        3.0,
        "areal elongation: V = 2π² R a² κ_a",
        |t| &mut t.kappa_a,
    ),
    (
        "kappa95",
        "1",
        1.0,
        3.0,
        "elongation of the 95 % flux surface",
        |t| &mut t.kappa95,
    ),
    (
        "delta95",
        "1",
        0.0,
        0.8,
        "triangularity of the 95 % flux surface",
        |t| &mut t.delta95,
    ),
    ("B0", "T", 1.0, 25.0, "toroidal field on axis", |t| {
        &mut t.B0
    }),
    ("Ip", "MA", IP_RANGE.0, IP_RANGE.1, "plasma current", |t| {
        &mut t.Ip
    }),
    (
        "nbar20",
        "1e20 m^-3",
        0.05,
        5.0,
        "line-averaged electron density",
        |t| &mut t.nbar20,
    ),
    (
        "alpha_n",
        "1",
        0.0,
        3.0,
        "density profile exponent: n = n0 (1-ρ²)^α_n",
        |t| &mut t.alpha_n,
    ),
    (
        "alpha_T",
        "1",
        0.0,
        4.0,
        "temperature profile exponent",
        |t| &mut t.alpha_T,
    ),
    (
        "Ti_Te",
        "1",
        0.5,
        2.0,
        "ion to electron temperature ratio",
        |t| &mut t.Ti_Te,
    ),
    (
        "f_T",
        "1",
        0.05,
        0.95,
        "tritium fraction of the fuel",
        |t| &mut t.f_T,
    ),
    (
        "f_He",
        "1",
        0.0,
        0.2,
        "helium fraction n_He/n_e (dilution, Zeff, bremsstrahlung)",
        |t| &mut t.f_He,
    ),
    ("f_Be", "1", 0.0, 0.1, "beryllium fraction n_Be/n_e", |t| {
        &mut t.f_Be
    }),
    ("f_C", "1", 0.0, 0.05, "carbon fraction n_C/n_e", |t| {
        &mut t.f_C
    }),
    ("f_O", "1", 0.0, 0.05, "oxygen fraction n_O/n_e", |t| {
        &mut t.f_O
    }),
    (
        "f_Ne",
        "1",
        0.0,
        0.02,
        "neon fraction (line radiation, Mavrin 2018)",
        |t| &mut t.f_Ne,
    ),
    (
        "f_Ar",
        "1",
        0.0,
        0.01,
        "argon fraction (line radiation, Mavrin 2018)",
        |t| &mut t.f_Ar,
    ),
    (
        "f_W",
        "1",
        0.0,
        1e-3,
        "tungsten fraction (line radiation, Mavrin 2018)",
        |t| &mut t.f_W,
    ),
    (
        "P_aux",
        "MW",
        0.1,
        500.0,
        "absorbed auxiliary heating power",
        |t| &mut t.P_aux,
    ),
    (
        "H98",
        "1",
        0.3,
        2.5,
        "confinement factor over IPB98(y,2)",
        |t| &mut t.H98,
    ),
    (
        "f_rad",
        "1",
        0.0,
        1.0,
        "1: core radiation is subtracted from the loss power (PROCESS), 0: not (cfspopcon)",
        |t| &mut t.f_rad,
    ),
    (
        "brems_rel",
        "1",
        0.0,
        1.0,
        "1: bremsstrahlung with the relativistic factor g_rel, 0: without",
        |t| &mut t.brems_rel,
    ),
    (
        "b_blanket",
        "m",
        0.0,
        3.0,
        "blanket + shield thickness (cost index)",
        |t| &mut t.b_blanket,
    ),
    (
        "c_coil",
        "m",
        0.0,
        3.0,
        "TF coil winding thickness (cost index)",
        |t| &mut t.c_coil,
    ),
    (
        "M_n",
        "1",
        1.0,
        1.5,
        "blanket energy multiplication (cost index)",
        |t| &mut t.M_n,
    ),
    (
        "eta_th",
        "1",
        0.2,
        0.6,
        "thermal conversion efficiency (cost index)",
        |t| &mut t.eta_th,
    ),
    (
        "eta_wallplug",
        "1",
        0.1,
        1.0,
        "heating wall-plug efficiency (cost index)",
        |t| &mut t.eta_wallplug,
    ),
];

const OUTPUTS: &[(&str, &str, &str)] = &[
    (
        "T_avg",
        "keV",
        "volume-averaged electron temperature at the highest stable power-balance root",
    ),
    ("P_fus", "MW", "DT fusion power"),
    ("P_alpha", "MW", "alpha heating (3.52/17.59 of P_fus)"),
    ("P_loss", "MW", "P_alpha + P_aux - f_rad (P_brems + P_line)"),
    ("P_brems", "MW", "bremsstrahlung"),
    ("P_line", "MW", "line radiation of Ne, Ar and W"),
    (
        "P_LH",
        "MW",
        "L-H threshold (Martin 2008, isotope factor, Ryter low-density branch)",
    ),
    (
        "P_SOL_over_P_LH",
        "1",
        "power crossing the separatrix over the L-H threshold",
    ),
    ("Q", "1", "P_fus / P_aux"),
    ("W_th", "MJ", "thermal stored energy"),
    ("tau_E", "s", "energy confinement time, H98 × IPB98(y,2)"),
    ("beta_t", "%", "toroidal beta"),
    ("beta_N", "1", "normalised beta, beta_t[%] a B0 / Ip"),
    (
        "q95",
        "1",
        "safety factor at the 95 % surface (ITER Physics Basis)",
    ),
    (
        "f_GW",
        "1",
        "Greenwald fraction of the line-averaged density",
    ),
    ("f_BS", "1", "bootstrap fraction (IPDG89)"),
    ("Zeff", "1", "effective charge"),
    ("volume", "m^3", "plasma volume"),
    ("surface", "m^2", "plasma surface (Sauter 2016)"),
    (
        "wall_load",
        "MW/m^2",
        "neutron power over the plasma surface",
    ),
    (
        "P_E",
        "MW",
        "net electric power: eta_th (M_n P_n + P_alpha + P_aux) - P_aux / eta_wallplug",
    ),
    (
        "cost_index",
        "m^3/MWe",
        "engineering-core volume per net electric MW (Freidberg et al. 2015); absent when P_E <= 0",
    ),
    (
        "steady_state",
        "1",
        "1: a thermally stable root exists (otherwise the trial fails with the reason)",
    ),
];

/// The `fusion.tokamak` twin.
pub struct TokamakTwin {
    spec: TwinSpec,
}

impl TokamakTwin {
    pub fn new() -> Self {
        let defaults = Tokamak::default();
        let inputs = INPUTS
            .iter()
            .map(|(name, unit, lo, hi, what, field)| {
                let mut t = defaults.clone();
                IoSpec {
                    default: Some(*field(&mut t)),
                    ..IoSpec::new(name, unit, Some(*lo), Some(*hi)).describe(what)
                }
            })
            .chain(std::iter::once(IoSpec {
                default: Some(0.0),
                ..IoSpec::new(Q95_TARGET, "1", Some(0.0), Some(20.0)).describe(
                    "0: off; above 0: Ip is set so that q95 equals it (then Ip must not be given)",
                )
            }))
            .collect();
        let outputs = OUTPUTS
            .iter()
            .map(|(name, unit, what)| IoSpec::new(name, unit, None, None).describe(what))
            .collect();
        TokamakTwin {
            spec: TwinSpec {
                name: TWIN_NAME.into(),
                version: "0.1.0".into(),
                description: "0-D tokamak: self-consistent power balance (IPB98, Bosch-Hale, radiation); defaults: ITER Q = 10"
                    .into(),
                inputs,
                outputs,
                open_inputs: false,
                open_outputs: false,
                optimum: None,
            },
        }
    }

    /// The design described by `inputs`, missing ones at their defaults.
    pub fn tokamak(inputs: &Inputs) -> Result<Tokamak, TwinError> {
        let number = |name: &str, v: &genesis_core::Value| {
            v.as_f64().ok_or_else(|| TwinError::InvalidInput {
                name: name.to_string(),
                reason: format!("expected a number, got {v}"),
            })
        };
        let mut t = Tokamak::default();
        for (name, _, _, _, _, field) in INPUTS {
            if let Some(v) = inputs.get(*name) {
                *field(&mut t) = number(name, v)?;
            }
        }
        let target = match inputs.get(Q95_TARGET) {
            Some(v) => number(Q95_TARGET, v)?,
            None => 0.0,
        };
        if target > 0.0 {
            if inputs.contains_key("Ip") {
                return Err(TwinError::InvalidInput {
                    name: Q95_TARGET.into(),
                    reason: "sets the plasma current, so `Ip` cannot be given as well".into(),
                });
            }
            // q95 ∝ 1/Ip (ITER Physics Basis eq. A-11): the current that gives the target.
            t.Ip = crate::physics::q95(t.R, t.a, t.B0, 1.0, t.kappa95, t.delta95) / target;
            let (lo, hi) = IP_RANGE;
            if !(lo..=hi).contains(&t.Ip) {
                return Err(TwinError::InvalidInput {
                    name: Q95_TARGET.into(),
                    reason: format!("{target} needs Ip = {:.2} MA, outside {lo}-{hi} MA", t.Ip),
                });
            }
        }
        Ok(t)
    }
}

impl Default for TokamakTwin {
    fn default() -> Self {
        Self::new()
    }
}

impl Twin for TokamakTwin {
    fn spec(&self) -> &TwinSpec {
        &self.spec
    }

    fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError> {
        let t = Self::tokamak(inputs)?;
        let s = t.solve().map_err(|e| match e {
            FusionError::Invalid { name, value, why } => TwinError::InvalidInput {
                name: name.to_string(),
                reason: format!("{value} {why}"),
            },
            other => TwinError::Failed(other.to_string()),
        })?;
        let st = s.state;
        let mut outputs = Outputs::from([
            ("T_avg".into(), st.te_avg),
            ("P_fus".into(), st.p_fus),
            ("P_alpha".into(), st.p_alpha),
            ("P_loss".into(), st.p_loss),
            ("P_brems".into(), st.p_brems),
            ("P_line".into(), st.p_line),
            ("P_LH".into(), s.p_lh),
            ("P_SOL_over_P_LH".into(), s.p_sol / s.p_lh),
            ("Q".into(), s.q),
            ("W_th".into(), st.w_th),
            ("tau_E".into(), s.tau_e),
            ("beta_t".into(), s.beta_t_percent),
            ("beta_N".into(), s.beta_n),
            ("q95".into(), s.q95),
            ("f_GW".into(), s.f_gw),
            ("f_BS".into(), s.f_bs),
            ("Zeff".into(), s.zeff),
            ("volume".into(), s.volume),
            ("surface".into(), s.surface),
            ("wall_load".into(), s.wall_load),
            ("P_E".into(), s.p_e),
            ("steady_state".into(), 1.0),
        ]);
        if let Some(cost) = s.cost_index {
            outputs.insert("cost_index".into(), cost);
        }
        Ok(outputs)
    }
}
