//! L2 building block: one equilibrium contact of an acidic aqueous REE
//! solution with a dimeric acidic extractant (D2EHPA, PC88A), by mass
//! action (spec §1.1):
//! `Ln³⁺ + 3 (HA)₂(o) ⇌ Ln(HA₂)₃(o) + 3 H⁺`, so
//! `D_i = K_ex,i [(HA)₂]³ / [H⁺]³`. Every mole of REE loaded consumes three
//! dimers and releases three protons, so the contact reduces to one
//! monotone equation in the total organic loading.

use crate::MineralsError;

/// One batch contact: volumes, initial concentrations and constants.
#[derive(Clone, Debug, PartialEq)]
pub struct Contact {
    /// Organic over aqueous volume, O/A.
    pub organic_to_aqueous: f64,
    /// Free extractant dimer in the fresh organic, mol/L.
    pub dimer: f64,
    /// Initial aqueous H⁺, mol/L.
    pub acid: f64,
    /// Initial aqueous concentration of each REE, mol/L.
    pub metals: Vec<f64>,
    /// log10 K_ex of each REE (same order as `metals`).
    pub log_k: Vec<f64>,
}

/// The equilibrium of a [`Contact`].
#[derive(Clone, Debug, PartialEq)]
pub struct Equilibrium {
    /// Organic concentration of each REE, mol/L organic.
    pub organic: Vec<f64>,
    /// Aqueous concentration of each REE, mol/L.
    pub aqueous: Vec<f64>,
    /// Distribution ratio of each REE, y/c.
    pub distribution: Vec<f64>,
    /// Σ organic REE, mol/L organic.
    pub loading: f64,
    /// Aqueous H⁺ at equilibrium, mol/L.
    pub acid: f64,
    /// −log10 [H⁺].
    pub ph: f64,
    /// Free dimer left, mol/L organic.
    pub free_dimer: f64,
}

impl Contact {
    /// Solves the contact: with loading Y (mol/L organic), [(HA)₂] = X₀ − 3Y
    /// and [H⁺] = H₀ + 3 (O/A) Y; the REE balance
    /// `Y = Σ_i D_i(Y) c₀_i / (1 + D_i(Y) O/A)` has a left side rising and a
    /// right side falling in Y, so bisection on the bracket
    /// [0, min(X₀/3, Σc₀/(O/A))] finds its one root to machine precision.
    ///
    /// Why: the pH-dependent equilibrium that L2 stages are built from,
    /// and the check that β = K_i/K_j does not depend on pH or loading.
    pub fn equilibrate(&self) -> Result<Equilibrium, MineralsError> {
        let oa = self.organic_to_aqueous;
        for (name, v) in [("O/A", oa), ("dimer", self.dimer)] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(MineralsError::invalid(name, v, "must be positive"));
            }
        }
        if !(self.acid > 0.0 && self.acid.is_finite()) {
            return Err(MineralsError::invalid("H+", self.acid, "must be positive"));
        }
        if self.metals.len() != self.log_k.len() {
            return Err(MineralsError::invalid(
                "log_k",
                self.log_k.len() as f64,
                "one extraction constant per metal",
            ));
        }
        if let Some(&bad) = self.metals.iter().find(|c| !(**c >= 0.0 && c.is_finite())) {
            return Err(MineralsError::invalid(
                "metals",
                bad,
                "concentrations must be ≥ 0",
            ));
        }
        let k: Vec<f64> = self.log_k.iter().map(|l| 10f64.powf(*l)).collect();
        let d_at = |y: f64, i: usize| {
            let ratio = (self.dimer - 3.0 * y) / (self.acid + 3.0 * oa * y);
            k[i] * ratio.powi(3)
        };
        let excess = |y: f64| {
            let loaded: f64 = (0..self.metals.len())
                .map(|i| {
                    let d = d_at(y, i);
                    d * self.metals[i] / (1.0 + d * oa)
                })
                .sum();
            y - loaded
        };
        let total: f64 = self.metals.iter().sum();
        let (mut lo, mut hi) = (0.0f64, (self.dimer / 3.0).min(total / oa));
        // excess(lo) ≤ 0 ≤ excess(hi); halve until the bracket stops shrinking.
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if excess(mid) > 0.0 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let y = 0.5 * (lo + hi);
        let distribution: Vec<f64> = (0..self.metals.len()).map(|i| d_at(y, i)).collect();
        let aqueous: Vec<f64> = self
            .metals
            .iter()
            .zip(&distribution)
            .map(|(c0, d)| c0 / (1.0 + d * oa))
            .collect();
        let organic: Vec<f64> = aqueous
            .iter()
            .zip(&distribution)
            .map(|(c, d)| c * d)
            .collect();
        let acid = self.acid + 3.0 * oa * y;
        Ok(Equilibrium {
            loading: organic.iter().sum(),
            organic,
            aqueous,
            distribution,
            acid,
            ph: -acid.log10(),
            free_dimer: self.dimer - 3.0 * y,
        })
    }
}
