//! MF2/MT151: resonance parameters (ENDF-6 manual §2; spec §5).

use crate::error::{EndfError, Result};
use crate::interp::Tabulated;
use crate::records::{List, Records};
use crate::tape::Material;

/// All resonance data of a material: one or more isotopes, each with energy ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct ResonanceParameters {
    /// ZA of the material.
    pub za: f64,
    /// AWR of the material.
    pub awr: f64,
    /// Isotopes (natural elements may have several).
    pub isotopes: Vec<Isotope>,
}

/// One isotope of MF2.
#[derive(Debug, Clone, PartialEq)]
pub struct Isotope {
    /// ZA of the isotope.
    pub zai: f64,
    /// Abundance (fraction) that weights its resonance cross sections.
    pub abundance: f64,
    /// LFW: 1 when unresolved fission widths are energy dependent.
    pub lfw: i64,
    /// Energy ranges in file order.
    pub ranges: Vec<EnergyRange>,
}

/// One energy range of an isotope.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyRange {
    /// Lower limit EL (eV); resonance sums apply for EL <= E < EH.
    pub energy_low_ev: f64,
    /// Upper limit EH (eV).
    pub energy_high_ev: f64,
    /// LRU: 0 scattering radius only, 1 resolved, 2 unresolved.
    pub lru: i64,
    /// LRF: representation (1 SLBW, 2 MLBW, 3 Reich-Moore; URR 1 or 2).
    pub lrf: i64,
    /// NAPS: channel-radius rule (0 formula, 1 AP, 2 AP(E) in phase only).
    pub naps: i64,
    /// AP(E) when NRO = 1 (10^-12 cm versus eV).
    pub radius_table: Option<Tabulated>,
    /// The parameters.
    pub kind: RangeKind,
}

/// Parameters of a range, by representation.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeKind {
    /// LRU = 0: only a scattering radius, no resonance contribution.
    ScatteringRadiusOnly {
        /// Target spin I.
        spin: f64,
        /// Scattering radius AP (10^-12 cm).
        ap: f64,
    },
    /// LRF = 1 (single-level) or 2 (multi-level) Breit-Wigner.
    BreitWigner {
        /// True for MLBW.
        multilevel: bool,
        /// Target spin I.
        spin: f64,
        /// Scattering radius AP (10^-12 cm).
        ap: f64,
        /// Resonances grouped by orbital angular momentum.
        l_values: Vec<BreitWignerL>,
    },
    /// LRF = 3, Reich-Moore.
    ReichMoore {
        /// Target spin I.
        spin: f64,
        /// Scattering radius AP (10^-12 cm).
        ap: f64,
        /// LAD: 1 when angular distributions may be computed.
        lad: i64,
        /// NLSC: number of l values for the convergence of elastic angular distributions.
        nlsc: i64,
        /// Resonances grouped by orbital angular momentum.
        l_values: Vec<ReichMooreL>,
    },
    /// LRU = 2: unresolved (average) parameters, parsed but not reconstructed.
    Unresolved(Unresolved),
}

/// Breit-Wigner resonances of one l.
#[derive(Debug, Clone, PartialEq)]
pub struct BreitWignerL {
    /// AWRI: isotope mass ratio.
    pub awri: f64,
    /// QX: Q value of the competitive reaction (eV).
    pub qx: f64,
    /// Orbital angular momentum l.
    pub l: i64,
    /// LRX: 1 when a competitive width is included in GT.
    pub lrx: i64,
    /// The resonances.
    pub resonances: Vec<BreitWignerResonance>,
}

/// One Breit-Wigner resonance (widths in eV).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreitWignerResonance {
    /// Resonance energy ER (eV).
    pub energy_ev: f64,
    /// Spin J.
    pub j: f64,
    /// Total width GT.
    pub gt: f64,
    /// Neutron width GN at ER.
    pub gn: f64,
    /// Capture width GG.
    pub gg: f64,
    /// Fission width GF.
    pub gf: f64,
}

/// Reich-Moore resonances of one l.
#[derive(Debug, Clone, PartialEq)]
pub struct ReichMooreL {
    /// AWRI: isotope mass ratio.
    pub awri: f64,
    /// APL: l-dependent scattering radius (0 = use AP).
    pub apl: f64,
    /// Orbital angular momentum l.
    pub l: i64,
    /// The resonances.
    pub resonances: Vec<ReichMooreResonance>,
}

/// One Reich-Moore resonance (widths in eV).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReichMooreResonance {
    /// Resonance energy ER (eV).
    pub energy_ev: f64,
    /// Spin J; its sign selects the channel spin when l > 0.
    pub j: f64,
    /// Neutron width GN at ER.
    pub gn: f64,
    /// Capture width GG (eliminated channel).
    pub gg: f64,
    /// First fission width GFA (signed amplitude squared).
    pub gfa: f64,
    /// Second fission width GFB.
    pub gfb: f64,
}

/// Unresolved-range parameters, summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct Unresolved {
    /// Target spin.
    pub spin: f64,
    /// Scattering radius AP (10^-12 cm).
    pub ap: f64,
    /// LSSF: 0 = MF3 is a background to add, 1 = MF3 holds the whole average.
    pub lssf: i64,
    /// Number of (l, J) spin sequences.
    pub sequences: usize,
    /// Energies at which parameters are tabulated (empty if energy independent).
    pub energies_ev: Vec<f64>,
}

impl EnergyRange {
    /// Human-readable name of the representation.
    pub fn formalism(&self) -> &'static str {
        match &self.kind {
            RangeKind::ScatteringRadiusOnly { .. } => "scattering radius only",
            RangeKind::BreitWigner {
                multilevel: false, ..
            } => "SLBW",
            RangeKind::BreitWigner {
                multilevel: true, ..
            } => "MLBW",
            RangeKind::ReichMoore { .. } => "Reich-Moore",
            RangeKind::Unresolved(_) => "unresolved",
        }
    }

    /// Number of resolved resonances listed in this range.
    pub fn resonance_count(&self) -> usize {
        match &self.kind {
            RangeKind::BreitWigner { l_values, .. } => {
                l_values.iter().map(|l| l.resonances.len()).sum()
            }
            RangeKind::ReichMoore { l_values, .. } => {
                l_values.iter().map(|l| l.resonances.len()).sum()
            }
            _ => 0,
        }
    }
}

fn count(records: &Records<'_>, value: i64, what: &str) -> Result<usize> {
    if !(0..=1_000_000).contains(&value) {
        return Err(records.error("MF2/MT151", format!("{what} = {value} is out of range")));
    }
    Ok(value as usize)
}

impl ResonanceParameters {
    /// Reads MF2/MT151, or `None` when the material has no resonance section.
    pub fn read(material: &Material<'_>) -> Result<Option<ResonanceParameters>> {
        let Some(mut records) = material.section(2, 151) else {
            return Ok(None);
        };
        let unsupported = |what: String| EndfError::Unsupported {
            file: material.tape().name().to_string(),
            mat: material.mat(),
            what,
        };
        let head = records.cont()?;
        let nis = count(&records, head.n1, "NIS")?;
        let mut isotopes = Vec::with_capacity(nis.min(16));
        for _ in 0..nis {
            let iso = records.cont()?;
            let ner = count(&records, iso.n1, "NER")?;
            let lfw = iso.l2;
            let mut ranges = Vec::with_capacity(ner.min(64));
            for _ in 0..ner {
                let range = records.cont()?;
                let (lru, lrf, nro, naps) = (range.l1, range.l2, range.n1, range.n2);
                let radius_table = if nro != 0 {
                    Some(records.tab1()?.table)
                } else {
                    None
                };
                let kind = match (lru, lrf) {
                    (0, _) => {
                        let c = records.cont()?;
                        RangeKind::ScatteringRadiusOnly {
                            spin: c.c1,
                            ap: c.c2,
                        }
                    }
                    (1, 1 | 2) => read_breit_wigner(&mut records, lrf == 2)?,
                    (1, 3) => read_reich_moore(&mut records)?,
                    (1, 4) => {
                        return Err(unsupported("Adler-Adler resonances (LRU=1, LRF=4)".into()));
                    }
                    (1, 7) => {
                        return Err(unsupported(
                            "R-Matrix Limited resonances (LRU=1, LRF=7)".into(),
                        ));
                    }
                    (2, 1 | 2) => read_unresolved(&mut records, lrf, lfw)?,
                    _ => {
                        return Err(records.error(
                            "MF2/MT151",
                            format!("LRU={lru} with LRF={lrf} is not a valid representation"),
                        ));
                    }
                };
                ranges.push(EnergyRange {
                    energy_low_ev: range.c1,
                    energy_high_ev: range.c2,
                    lru,
                    lrf,
                    naps,
                    radius_table,
                    kind,
                });
            }
            isotopes.push(Isotope {
                zai: iso.c1,
                abundance: iso.c2,
                lfw,
                ranges,
            });
        }
        Ok(Some(ResonanceParameters {
            za: head.c1,
            awr: head.c2,
            isotopes,
        }))
    }

    /// All ranges of all isotopes, with the isotope's abundance.
    pub fn ranges(&self) -> impl Iterator<Item = (&Isotope, &EnergyRange)> {
        self.isotopes
            .iter()
            .flat_map(|iso| iso.ranges.iter().map(move |r| (iso, r)))
    }
}

/// The NRS six-value rows of a resonance LIST (both formalisms lay their
/// parameters out six to a resonance), after checking they are all there.
fn resonance_rows<'a>(
    records: &Records<'_>,
    list: &'a List,
) -> Result<std::iter::Take<std::slice::ChunksExact<'a, f64>>> {
    let nrs = count(records, list.cont.n2, "NRS")?;
    if list.values.len() < 6 * nrs {
        return Err(records.error(
            "LIST",
            format!(
                "NRS = {nrs} resonances need {} values, found {}",
                6 * nrs,
                list.values.len()
            ),
        ));
    }
    Ok(list.values.chunks_exact(6).take(nrs))
}

fn read_breit_wigner(records: &mut Records<'_>, multilevel: bool) -> Result<RangeKind> {
    let c = records.cont()?;
    let nls = count(records, c.n1, "NLS")?;
    let mut l_values = Vec::with_capacity(nls.min(8));
    for _ in 0..nls {
        let list = records.list()?;
        let resonances = resonance_rows(records, &list)?
            .map(|p| BreitWignerResonance {
                energy_ev: p[0],
                j: p[1],
                gt: p[2],
                gn: p[3],
                gg: p[4],
                gf: p[5],
            })
            .collect();
        l_values.push(BreitWignerL {
            awri: list.cont.c1,
            qx: list.cont.c2,
            l: list.cont.l1,
            lrx: list.cont.l2,
            resonances,
        });
    }
    Ok(RangeKind::BreitWigner {
        multilevel,
        spin: c.c1,
        ap: c.c2,
        l_values,
    })
}

fn read_reich_moore(records: &mut Records<'_>) -> Result<RangeKind> {
    let c = records.cont()?;
    let nls = count(records, c.n1, "NLS")?;
    let mut l_values = Vec::with_capacity(nls.min(8));
    for _ in 0..nls {
        let list = records.list()?;
        let resonances = resonance_rows(records, &list)?
            .map(|p| ReichMooreResonance {
                energy_ev: p[0],
                j: p[1],
                gn: p[2],
                gg: p[3],
                gfa: p[4],
                gfb: p[5],
            })
            .collect();
        l_values.push(ReichMooreL {
            awri: list.cont.c1,
            apl: list.cont.c2,
            l: list.cont.l1,
            resonances,
        });
    }
    Ok(RangeKind::ReichMoore {
        spin: c.c1,
        ap: c.c2,
        lad: c.l1,
        nlsc: c.n2,
        l_values,
    })
}

fn read_unresolved(records: &mut Records<'_>, lrf: i64, lfw: i64) -> Result<RangeKind> {
    let mut sequences = 0;
    let mut energies_ev = Vec::new();
    let (spin, ap, lssf);
    if lrf == 1 && lfw == 0 {
        let c = records.cont()?;
        (spin, ap, lssf) = (c.c1, c.c2, c.l1);
        for _ in 0..count(records, c.n1, "NLS")? {
            let list = records.list()?;
            sequences += count(records, list.cont.n2, "NJS")?;
        }
    } else if lrf == 1 {
        let list = records.list()?;
        (spin, ap, lssf) = (list.cont.c1, list.cont.c2, list.cont.l1);
        energies_ev = list.values;
        for _ in 0..count(records, list.cont.n2, "NLS")? {
            let l = records.cont()?;
            for _ in 0..count(records, l.n1, "NJS")? {
                records.list()?;
                sequences += 1;
            }
        }
    } else {
        let c = records.cont()?;
        (spin, ap, lssf) = (c.c1, c.c2, c.l1);
        for _ in 0..count(records, c.n1, "NLS")? {
            let l = records.cont()?;
            for _ in 0..count(records, l.n1, "NJS")? {
                let list = records.list()?;
                if energies_ev.is_empty() {
                    energies_ev = list.values.chunks_exact(6).skip(1).map(|p| p[0]).collect();
                }
                sequences += 1;
            }
        }
    }
    Ok(RangeKind::Unresolved(Unresolved {
        spin,
        ap,
        lssf,
        sequences,
        energies_ev,
    }))
}
