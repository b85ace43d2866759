//! A material's evaluation in typed form: header, resonances and MF3.

use crate::error::Result;
use crate::mf1::Header;
use crate::mf2::{RangeKind, ResonanceParameters};
use crate::mf3::CrossSection;
use crate::tape::Material;

/// What the processors need from one material, read once.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// MAT number.
    pub mat: i32,
    /// File name of the tape it came from (for messages).
    pub file: String,
    /// MF1/MT451.
    pub header: Header,
    /// MF2/MT151, if present.
    pub resonances: Option<ResonanceParameters>,
    /// All MF3 sections, by MT.
    pub cross_sections: Vec<CrossSection>,
}

impl Material<'_> {
    /// Reads MF1/MT451, MF2/MT151 and all of MF3.
    pub fn evaluation(&self) -> Result<Evaluation> {
        Ok(Evaluation {
            mat: self.mat(),
            file: self.tape().name().to_string(),
            header: Header::read(self)?,
            resonances: ResonanceParameters::read(self)?,
            cross_sections: CrossSection::read_all(self)?,
        })
    }
}

impl Evaluation {
    /// The MF3 section of reaction `mt`.
    pub fn cross_section(&self, mt: u32) -> Option<&CrossSection> {
        self.cross_sections.iter().find(|s| s.mt == mt)
    }

    fn range_span(&self, wanted: impl Fn(&RangeKind) -> bool) -> Option<(f64, f64)> {
        let res = self.resonances.as_ref()?;
        res.ranges()
            .filter(|(_, r)| wanted(&r.kind))
            .fold(None, |span, (_, r)| {
                Some(match span {
                    None => (r.energy_low_ev, r.energy_high_ev),
                    Some((lo, hi)) => (
                        f64::min(lo, r.energy_low_ev),
                        f64::max(hi, r.energy_high_ev),
                    ),
                })
            })
    }

    /// Span (eV) of the resolved ranges (LRU = 1), if any.
    pub fn resolved_range_ev(&self) -> Option<(f64, f64)> {
        self.range_span(|k| {
            matches!(
                k,
                RangeKind::BreitWigner { .. } | RangeKind::ReichMoore { .. }
            )
        })
    }

    /// Span (eV) of the unresolved ranges (LRU = 2), if any.
    pub fn unresolved_range_ev(&self) -> Option<(f64, f64)> {
        self.range_span(|k| matches!(k, RangeKind::Unresolved(_)))
    }

    /// BROADR's default upper energy for broadening (spec §7): the top of
    /// the resolved range; else the start of the unresolved range; else
    /// min(6.5 MeV, first threshold of a non-elastic reaction).
    pub fn default_broadening_limit_ev(&self) -> f64 {
        if let Some((_, top)) = self.resolved_range_ev() {
            return top;
        }
        if let Some((bottom, _)) = self.unresolved_range_ev() {
            return bottom;
        }
        let first_threshold = self
            .cross_sections
            .iter()
            .filter(|s| s.mt != 1 && s.mt != 2 && s.qi < 0.0)
            .filter_map(|s| s.table.x().first().copied())
            .fold(f64::INFINITY, f64::min);
        first_threshold.min(6.5e6)
    }
}
