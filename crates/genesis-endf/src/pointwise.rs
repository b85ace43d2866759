//! Pointwise (linearly interpolable) cross sections on one energy grid: the
//! output of reconstruction and of Doppler broadening.

/// Cross sections of several reactions on a shared grid, lin-lin
/// interpolable within `tolerance`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pointwise {
    pub(crate) energies_ev: Vec<f64>,
    pub(crate) reactions: Vec<(u32, Vec<f64>)>,
    pub(crate) temperature_k: f64,
    pub(crate) tolerance: f64,
    pub(crate) awr: f64,
    pub(crate) broadening_limit_ev: f64,
    pub(crate) pinned_ev: Vec<f64>,
}

impl Pointwise {
    /// Grid energies (eV), increasing.
    pub fn energies_ev(&self) -> &[f64] {
        &self.energies_ev
    }

    /// Reactions present (MT numbers, e.g. 1, 2, 18, 102).
    pub fn mts(&self) -> impl Iterator<Item = u32> + '_ {
        self.reactions.iter().map(|(mt, _)| *mt)
    }

    /// σ (barns) of reaction `mt` at every grid energy.
    pub fn reaction(&self, mt: u32) -> Option<&[f64]> {
        self.reactions
            .iter()
            .find(|(m, _)| *m == mt)
            .map(|(_, v)| v.as_slice())
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.energies_ev.len()
    }

    /// True when the grid is empty.
    pub fn is_empty(&self) -> bool {
        self.energies_ev.is_empty()
    }

    /// Temperature of the data (K).
    pub fn temperature_k(&self) -> f64 {
        self.temperature_k
    }

    /// Relative tolerance the grid was built (or thinned) to.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// Target mass ratio AWR used for broadening.
    pub fn awr(&self) -> f64 {
        self.awr
    }

    /// σ of `mt` at `energy_ev` by linear interpolation; `None` outside the
    /// grid or for an absent reaction.
    pub fn value_at(&self, mt: u32, energy_ev: f64) -> Option<f64> {
        let values = self.reaction(mt)?;
        let e = &self.energies_ev;
        if e.is_empty() || energy_ev < e[0] || energy_ev > e[e.len() - 1] {
            return None;
        }
        let i = e.partition_point(|&x| x < energy_ev);
        if e[i] == energy_ev || i == 0 {
            return Some(values[i]);
        }
        let t = (energy_ev - e[i - 1]) / (e[i] - e[i - 1]);
        Some(values[i - 1] + t * (values[i] - values[i - 1]))
    }

    /// CSV text: `energy_eV` then one `MT<n>_barns` column per reaction in `mts`
    /// (all reactions when empty), full precision.
    pub fn to_csv(&self, mts: &[u32]) -> String {
        let columns: Vec<(u32, &[f64])> = if mts.is_empty() {
            self.reactions
                .iter()
                .map(|(m, v)| (*m, v.as_slice()))
                .collect()
        } else {
            mts.iter()
                .filter_map(|&m| self.reaction(m).map(|v| (m, v)))
                .collect()
        };
        let mut out = String::from("energy_eV");
        for (mt, _) in &columns {
            out.push_str(&format!(",MT{mt}_barns"));
        }
        out.push('\n');
        for (i, e) in self.energies_ev.iter().enumerate() {
            out.push_str(&format!("{e:e}"));
            for (_, v) in &columns {
                out.push_str(&format!(",{:e}", v[i]));
            }
            out.push('\n');
        }
        out
    }
}
