//! MF3: cross sections as TAB1 records, one section per reaction (MT).

use crate::error::Result;
use crate::interp::Tabulated;
use crate::tape::Material;

/// One MF3 section: σ(E) for reaction MT, in barns versus eV.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossSection {
    /// Reaction number (1 total, 2 elastic, 18 fission, 102 capture, ...).
    pub mt: u32,
    /// Mass-difference Q value (eV).
    pub qm: f64,
    /// Reaction Q value (eV).
    pub qi: f64,
    /// LR: complex breakup flag.
    pub lr: i64,
    /// σ(E): energies in eV, cross sections in barns.
    pub table: Tabulated,
}

impl CrossSection {
    /// Reads every MF3 section of a material, in MT order.
    pub fn read_all(material: &Material<'_>) -> Result<Vec<CrossSection>> {
        let mut sections = Vec::new();
        for location in material.sections().iter().filter(|s| s.mf == 3) {
            let mut records = material
                .section(3, location.mt)
                .expect("listed section exists");
            records.cont()?;
            let tab = records.tab1()?;
            sections.push(CrossSection {
                mt: location.mt,
                qm: tab.cont.c1,
                qi: tab.cont.c2,
                lr: tab.cont.l2,
                table: tab.table,
            });
        }
        sections.sort_by_key(|s| s.mt);
        Ok(sections)
    }
}
