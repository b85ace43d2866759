//! Resolved-resonance cross sections at one energy: SLBW, MLBW and
//! Reich-Moore, following ENDF-102 Appendix D with NJOY2016 RECONR's
//! conventions (spec §5): channel radius 0.123 (m_n AWRI)^(1/3) + 0.08 or
//! AP (NAPS), l-dependent APL, competitive widths, NJOY's channel-spin
//! bookkeeping for Reich-Moore (sign of J), per-section clamping of negative
//! values and weighting by isotopic abundance.

use crate::error::{EndfError, Result};
use crate::interp::Tabulated;
use crate::mf2::{BreitWignerL, RangeKind, ReichMooreL, ResonanceParameters};

/// Neutron mass (u), CODATA 2018, as in NJOY2016's physics module.
const NEUTRON_MASS_U: f64 = 1.008_664_915_95;
/// k = CWAVEN · AWRI/(AWRI+1) · √E, k in 10^12 cm^-1 for E in eV:
/// √(2 m_n · 1 eV)/ħ with m_n = 1.00866491595 u (CODATA 2018, cgs units).
fn wave_number_constant() -> f64 {
    let amu_g = 1.660_539_066_60e-24;
    let ev_erg = 1.602_176_634e-12;
    let hbar_erg_s = 1.054_571_817e-27;
    (2.0 * NEUTRON_MASS_U * amu_g * ev_erg).sqrt() * 1e-12 / hbar_erg_s
}

/// ENDF default channel radius (10^-12 cm) from the isotope mass ratio.
fn default_channel_radius(awri: f64) -> f64 {
    0.123 * (NEUTRON_MASS_U * awri).cbrt() + 0.08
}

/// Shift S_l and penetrability P_l at ρ (ENDF-102 D.11-D.12), l ≤ 4.
fn shift_penetrability(l: usize, rho: f64) -> (f64, f64) {
    let r2 = rho * rho;
    match l {
        0 => (0.0, rho),
        1 => {
            let d = 1.0 + r2;
            (-1.0 / d, rho * r2 / d)
        }
        2 => {
            let d = 9.0 + 3.0 * r2 + r2 * r2;
            (-(18.0 + 3.0 * r2) / d, rho * r2 * r2 / d)
        }
        3 => {
            let d = 225.0 + 45.0 * r2 + 6.0 * r2 * r2 + r2 * r2 * r2;
            (
                -(675.0 + 90.0 * r2 + 6.0 * r2 * r2) / d,
                rho * r2 * r2 * r2 / d,
            )
        }
        _ => {
            let r4 = r2 * r2;
            let d = 11025.0 + 1575.0 * r2 + 135.0 * r4 + 10.0 * r4 * r2 + r4 * r4;
            (
                -(44100.0 + 4725.0 * r2 + 270.0 * r4 + 10.0 * r4 * r2) / d,
                rho * r4 * r4 / d,
            )
        }
    }
}

/// Hard-sphere phase shift φ_l at ρ (ENDF-102 D.13), l ≤ 4.
fn phase_shift(l: usize, rho: f64) -> f64 {
    let r2 = rho * rho;
    match l {
        0 => rho,
        1 => rho - rho.atan(),
        2 => rho - (3.0 * rho / (3.0 - r2)).atan(),
        3 => rho - ((15.0 * rho - rho * r2) / (15.0 - 6.0 * r2)).atan(),
        _ => rho - ((105.0 * rho - 10.0 * rho * r2) / (105.0 - 45.0 * r2 + r2 * r2)).atan(),
    }
}

/// NJOY's `sigfig(x, ndig, idig)`: x rounded to `digits` significant
/// figures, then moved by `step` units in the last digit.
pub(crate) fn sigfig(x: f64, digits: i32, step: i64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let power = x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits - 1 - power);
    ((x * scale).round() + step as f64) / scale
}

/// Resonance contributions at one energy (barns), weighted by abundance.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ResonanceCrossSections {
    /// Total (sum of the others).
    pub total: f64,
    /// Elastic scattering (MT 2).
    pub elastic: f64,
    /// Fission (MT 18).
    pub fission: f64,
    /// Radiative capture (MT 102).
    pub capture: f64,
    /// Competitive reaction of Breit-Wigner ranges (LRX = 1), part of the total only.
    pub competitive: f64,
}

impl ResonanceCrossSections {
    /// Adds one section's values, each partial clamped at zero as NJOY does
    /// (SLBW elastic can go negative); the total is the sum of the clamped
    /// partials so that MT 1 stays the exact sum of its parts.
    fn add_clamped(&mut self, part: [f64; 5], weight: f64) {
        let [_, elastic, fission, capture, competitive] = part.map(|v| v.max(0.0) * weight);
        self.total += elastic + fission + capture + competitive;
        self.elastic += elastic;
        self.fission += fission;
        self.capture += capture;
        self.competitive += competitive;
    }

    /// The channels as an array (total, elastic, fission, capture, competitive).
    pub fn as_array(&self) -> [f64; 5] {
        [
            self.total,
            self.elastic,
            self.fission,
            self.capture,
            self.competitive,
        ]
    }
}

#[derive(Debug, Clone)]
struct BwResonance {
    energy: f64,
    j_index: Option<usize>,
    gj: f64,
    gn: f64,
    gg: f64,
    gf: f64,
    shift_at_resonance: f64,
    penetrability_at_resonance: f64,
    competitive_width: f64,
    competitive_penetrability: f64,
}

#[derive(Debug, Clone)]
struct BwL {
    l: usize,
    qx_over_arat: f64,
    competitive: bool,
    gj: Vec<f64>,
    missing_spin_weight: f64,
    resonances: Vec<BwResonance>,
}

#[derive(Debug, Clone)]
struct BreitWigner {
    multilevel: bool,
    radii: Radii,
    k_factor: f64,
    l_values: Vec<BwL>,
}

/// Channel radius (penetrability, shift) and scattering radius (phase).
#[derive(Debug, Clone)]
struct Radii {
    channel: f64,
    scattering: f64,
    naps: i64,
    table: Option<Tabulated>,
}

impl Radii {
    /// (channel, scattering) radius at energy E, with NJOY's NRO/NAPS rules.
    fn at(&self, energy: f64) -> (f64, f64) {
        match &self.table {
            None => (self.channel, self.scattering),
            Some(t) => {
                let ape = t.eval(energy);
                match self.naps {
                    0 => (self.channel, ape),
                    1 => (ape, ape),
                    _ => (self.scattering, ape),
                }
            }
        }
    }
}

/// Resonances summed side by side in the Reich-Moore channel sums, so the
/// compiler can keep them in SIMD lanes (groups are padded with inert
/// resonances to a multiple of this).
const LANES: usize = 4;

/// One Reich-Moore spin group, stored per channel product so that the
/// R-matrix sums cost one division and a few multiply-adds per resonance:
/// resonance i adds (Γγ/4 · a_m a_n + i ½ (E - E_i) a_m a_n) / ((E_i - E)² + Γγ²/4)
/// with a = (√(Γn/P(E_i)), ±√Γfa, ±√Γfb).
#[derive(Debug, Clone, Default)]
struct RmGroup {
    gj: f64,
    fissile: bool,
    energy: Vec<f64>,
    /// (Γγ/2)² per resonance.
    quarter_gg_squared: Vec<f64>,
    /// Γγ/4 · a_m a_n for the products 11 12 13 22 23 33.
    real_coefficient: [Vec<f64>; 6],
    /// ½ a_m a_n for the same products.
    imaginary_coefficient: [Vec<f64>; 6],
}

impl RmGroup {
    /// Adds a resonance with neutron amplitude a1 = √(Γn/P), fission
    /// amplitudes a2, a3 and capture width Γγ.
    fn push(&mut self, energy: f64, gg: f64, a1: f64, a2: f64, a3: f64) {
        self.energy.push(energy);
        self.quarter_gg_squared.push(0.25 * gg * gg);
        let products = [a1 * a1, a1 * a2, a1 * a3, a2 * a2, a2 * a3, a3 * a3];
        for (m, p) in products.into_iter().enumerate() {
            self.real_coefficient[m].push(0.25 * gg * p);
            self.imaginary_coefficient[m].push(0.5 * p);
        }
    }

    /// Pads to a multiple of [`LANES`] with resonances that add exactly zero.
    fn pad(&mut self) {
        while !self.energy.len().is_multiple_of(LANES) {
            self.push(0.0, 0.0, 0.0, 0.0, 0.0);
            *self.quarter_gg_squared.last_mut().unwrap() = 1.0;
        }
    }

    /// The first `M` channel-product sums (real, imaginary) of the R-matrix
    /// at `e`, before the penetrability scaling. This loop is where
    /// Reich-Moore reconstruction spends its time (U-235: 3193 resonances per
    /// energy), so on x86-64 CPUs with AVX it runs as 4-wide vectors; both
    /// paths add in the same order and give identical results.
    fn channel_sums<const M: usize>(&self, e: f64) -> ([f64; M], [f64; M]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU supports AVX, checked just above.
            return unsafe { self.channel_sums_avx::<M>(e) };
        }
        self.channel_sums_portable::<M>(e)
    }

    /// [`Self::channel_sums`] compiled for AVX.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    fn channel_sums_avx<const M: usize>(&self, e: f64) -> ([f64; M], [f64; M]) {
        self.channel_sums_portable::<M>(e)
    }

    #[inline(always)]
    fn channel_sums_portable<const M: usize>(&self, e: f64) -> ([f64; M], [f64; M]) {
        let mut real = [[0.0f64; LANES]; M];
        let mut imaginary = [[0.0f64; LANES]; M];
        for (c, (energy, q)) in self
            .energy
            .chunks_exact(LANES)
            .zip(self.quarter_gg_squared.chunks_exact(LANES))
            .enumerate()
        {
            let mut inv = [0.0f64; LANES];
            let mut diff_inv = [0.0f64; LANES];
            for l in 0..LANES {
                let diff = energy[l] - e;
                inv[l] = 1.0 / (diff * diff + q[l]);
                diff_inv[l] = diff * inv[l];
            }
            let at = c * LANES;
            for m in 0..M {
                let rc = &self.real_coefficient[m][at..at + LANES];
                let ic = &self.imaginary_coefficient[m][at..at + LANES];
                for l in 0..LANES {
                    real[m][l] += rc[l] * inv[l];
                    imaginary[m][l] -= ic[l] * diff_inv[l];
                }
            }
        }
        (
            real.map(|lanes| lanes.iter().sum()),
            imaginary.map(|lanes| lanes.iter().sum()),
        )
    }
}

#[derive(Debug, Clone)]
struct RmL {
    l: usize,
    channel_radius: f64,
    scattering_radius: f64,
    hard_sphere_weight: f64,
    groups: Vec<RmGroup>,
}

#[derive(Debug, Clone)]
struct ReichMoore {
    k_factor: f64,
    l_values: Vec<RmL>,
}

#[derive(Debug, Clone)]
enum Formalism {
    BreitWigner(BreitWigner),
    ReichMoore(ReichMoore),
}

#[derive(Debug, Clone)]
struct Section {
    energy_low: f64,
    energy_high: f64,
    abundance: f64,
    formalism: Formalism,
}

/// Evaluates the resolved-resonance cross sections of a material at any
/// energy; built once from MF2 with every per-resonance constant
/// (penetrabilities and shifts at the resonance energies, competitive
/// widths, Reich-Moore spin groups) precomputed.
#[derive(Debug, Clone)]
pub struct ResonanceEvaluator {
    sections: Vec<Section>,
    seeds: Vec<f64>,
}

fn complex_mul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

fn complex_div(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let d = b.0 * b.0 + b.1 * b.1;
    ((a.0 * b.0 + a.1 * b.1) / d, (a.1 * b.0 - a.0 * b.1) / d)
}

fn signed_sqrt(v: f64) -> f64 {
    if v < 0.0 { -(-v).sqrt() } else { v.sqrt() }
}

impl ResonanceEvaluator {
    /// Prepares the resolved ranges of MF2. Unresolved ranges contribute
    /// nothing (their energies are still used as grid seeds); l > 4 is
    /// refused.
    pub fn new(
        parameters: &ResonanceParameters,
        file: &str,
        mat: i32,
    ) -> Result<ResonanceEvaluator> {
        let unsupported = |what: String| EndfError::Unsupported {
            file: file.to_string(),
            mat,
            what,
        };
        let cwaven = wave_number_constant();
        let mut sections = Vec::new();
        let mut seeds = Vec::new();
        for (isotope, range) in parameters.ranges() {
            let (el, eh) = (range.energy_low_ev, range.energy_high_ev);
            if range.lru != 0 {
                if (el - 1e-5).abs() <= 1e-6 {
                    seeds.push(el);
                } else {
                    seeds.extend([sigfig(el, 7, -1), sigfig(el, 7, 1)]);
                }
                seeds.extend([sigfig(eh, 7, -1), sigfig(eh, 7, 1)]);
                if el < 0.0253 {
                    seeds.push(0.0253);
                }
            }
            let mut seed_resonance = |er: f64, half_width: f64| {
                if !(er > el && er <= eh) {
                    return;
                }
                let digits = if er > 0.0 && half_width > 0.0 {
                    (2 + (er / (half_width / 10.0)).log10().round() as i32).clamp(5, 9)
                } else {
                    5
                };
                seeds.push(sigfig(er, digits, 0));
                if er + half_width < eh {
                    seeds.push(sigfig(er + half_width, digits, 0));
                }
                if er - half_width > el {
                    seeds.push(sigfig(er - half_width, digits, 0));
                }
            };
            let formalism = match &range.kind {
                RangeKind::BreitWigner {
                    multilevel,
                    spin,
                    ap,
                    l_values,
                } => {
                    for lv in l_values {
                        for r in &lv.resonances {
                            seed_resonance(r.energy_ev, r.gt / 2.0);
                        }
                    }
                    Formalism::BreitWigner(
                        breit_wigner(
                            *multilevel,
                            *spin,
                            *ap,
                            range.naps,
                            range.radius_table.clone(),
                            l_values,
                            cwaven,
                            parameters.awr,
                        )
                        .map_err(unsupported)?,
                    )
                }
                RangeKind::ReichMoore {
                    spin, ap, l_values, ..
                } => {
                    for lv in l_values {
                        for r in &lv.resonances {
                            seed_resonance(
                                r.energy_ev,
                                (r.gn + r.gg + r.gfa.abs() + r.gfb.abs()) / 2.0,
                            );
                        }
                    }
                    if range.radius_table.is_some() {
                        return Err(unsupported(
                            "an energy-dependent scattering radius (NRO=1) with Reich-Moore".into(),
                        ));
                    }
                    Formalism::ReichMoore(
                        reich_moore(*spin, *ap, range.naps, l_values, cwaven, parameters.awr)
                            .map_err(unsupported)?,
                    )
                }
                RangeKind::ScatteringRadiusOnly { .. } | RangeKind::Unresolved(_) => continue,
            };
            sections.push(Section {
                energy_low: el,
                energy_high: eh,
                abundance: isotope.abundance,
                formalism,
            });
        }
        seeds.retain(|e| e.is_finite() && *e > 0.0);
        seeds.sort_by(f64::total_cmp);
        seeds.dedup();
        Ok(ResonanceEvaluator { sections, seeds })
    }

    /// Energies (eV) that must be on the grid: range boundaries shaded to
    /// 7 digits, resonance energies and half-height points, 0.0253 eV.
    pub fn seed_energies(&self) -> &[f64] {
        &self.seeds
    }

    /// Lowest and highest energy (eV) where a resolved range contributes.
    pub fn resolved_span_ev(&self) -> Option<(f64, f64)> {
        let lo = self
            .sections
            .iter()
            .map(|s| s.energy_low)
            .reduce(f64::min)?;
        let hi = self
            .sections
            .iter()
            .map(|s| s.energy_high)
            .reduce(f64::max)?;
        Some((lo, hi))
    }

    /// Resonance cross sections at `energy_ev` (zero outside the resolved ranges).
    pub fn evaluate(&self, energy_ev: f64) -> ResonanceCrossSections {
        let mut sum = ResonanceCrossSections::default();
        for section in &self.sections {
            if energy_ev >= section.energy_low && energy_ev < section.energy_high {
                let part = match &section.formalism {
                    Formalism::BreitWigner(bw) => bw.evaluate(energy_ev),
                    Formalism::ReichMoore(rm) => rm.evaluate(energy_ev),
                };
                sum.add_clamped(part, section.abundance);
            }
        }
        sum
    }
}

/// Nuclear spins are small; a corrupt spin must not size the J tables.
fn check_spin(spin: f64) -> std::result::Result<f64, String> {
    if (0.0..=30.0).contains(&spin) {
        Ok(spin)
    } else {
        Err(format!("target spin I = {spin} (outside 0-30)"))
    }
}

fn check_l(l: i64) -> std::result::Result<usize, String> {
    usize::try_from(l)
        .ok()
        .filter(|&l| l <= 4)
        .ok_or_else(|| format!("orbital angular momentum l = {l} (only 0-4 are implemented)"))
}

/// J values allowed for orbital momentum l and target spin I (NJOY's loop).
fn j_values(spin: f64, l: usize) -> (f64, usize) {
    let fl = l as f64;
    let j_min = ((spin - fl).abs() - 0.5).abs();
    let j_max = spin + fl + 0.5;
    (j_min, (j_max - j_min + 1.0).round().max(0.0) as usize)
}

#[allow(clippy::too_many_arguments)]
fn breit_wigner(
    multilevel: bool,
    spin: f64,
    ap: f64,
    naps: i64,
    table: Option<Tabulated>,
    l_values: &[BreitWignerL],
    cwaven: f64,
    material_awr: f64,
) -> std::result::Result<BreitWigner, String> {
    let spin = check_spin(spin)?;
    let awri = l_values.first().map_or(material_awr, |l| l.awri);
    let arat = awri / (awri + 1.0);
    let channel = if naps == 1 {
        ap
    } else {
        default_channel_radius(awri)
    };
    let radii = Radii {
        channel,
        scattering: ap,
        naps,
        table,
    };
    let mut out = Vec::new();
    for lv in l_values {
        let l = check_l(lv.l)?;
        let arat_l = lv.awri / (lv.awri + 1.0);
        let (channel_l, competitive_radius) = if naps == 1 {
            (ap, ap)
        } else {
            (
                default_channel_radius(lv.awri),
                default_channel_radius(lv.awri),
            )
        };
        let (j_min, nj) = j_values(spin, l);
        let gj: Vec<f64> = (0..nj)
            .map(|i| (2.0 * (j_min + i as f64) + 1.0) / (4.0 * spin + 2.0))
            .collect();
        let missing_spin_weight = (2 * l + 1) as f64 - gj.iter().sum::<f64>();
        let competitive_l = match l {
            0 => 2,
            2 => 0,
            other => other,
        };
        let qx_over_arat = lv.qx / arat_l;
        let resonances = lv
            .resonances
            .iter()
            .map(|r| {
                let rho = cwaven * arat_l * r.energy_ev.abs().sqrt() * channel_l;
                let (ser, per) = shift_penetrability(l, rho);
                let (mut gc, mut pex) = (0.0, 0.0);
                if lv.lrx != 0 {
                    let rhoc = cwaven
                        * arat_l
                        * (r.energy_ev + qx_over_arat).abs().sqrt()
                        * competitive_radius;
                    pex = shift_penetrability(competitive_l, rhoc).1;
                    gc = r.gt - r.gn - r.gg - r.gf;
                    if gc < 1e-5 * r.gt || r.energy_ev < -qx_over_arat {
                        gc = 0.0;
                    }
                }
                let j_index = (r.j - j_min).round();
                BwResonance {
                    energy: r.energy_ev,
                    j_index: (j_index >= 0.0 && (j_index as usize) < nj)
                        .then_some(j_index as usize),
                    gj: (2.0 * r.j + 1.0) / (4.0 * spin + 2.0),
                    gn: r.gn,
                    gg: r.gg,
                    gf: r.gf,
                    shift_at_resonance: ser,
                    penetrability_at_resonance: per,
                    competitive_width: gc,
                    competitive_penetrability: pex,
                }
            })
            .collect();
        out.push(BwL {
            l,
            qx_over_arat,
            competitive: lv.lrx != 0,
            gj,
            missing_spin_weight,
            resonances,
        });
    }
    Ok(BreitWigner {
        multilevel,
        radii,
        k_factor: cwaven * arat,
        l_values: out,
    })
}

impl BreitWigner {
    fn evaluate(&self, e: f64) -> [f64; 5] {
        let k = self.k_factor * e.abs().sqrt();
        let pifac = std::f64::consts::PI / (k * k);
        let (channel, scattering) = self.radii.at(e);
        let (rho, rhoc) = (k * channel, k * scattering);
        let (mut elastic, mut fission, mut capture, mut competitive) = (0.0, 0.0, 0.0, 0.0);
        for lv in &self.l_values {
            let (se, pe) = shift_penetrability(lv.l, rho);
            let mut pec = 0.0;
            if lv.competitive && e + lv.qx_over_arat >= 0.0 {
                let competitive_l = match lv.l {
                    0 => 2,
                    2 => 0,
                    other => other,
                };
                let rhop = self.k_factor * (e + lv.qx_over_arat).abs().sqrt() * channel;
                pec = shift_penetrability(competitive_l, rhop).1;
            }
            let phi = phase_shift(lv.l, rhoc);
            let sin_phi = phi.sin();
            let sin2 = sin_phi * sin_phi;
            let (sin2p, one_minus_cos2p) = ((2.0 * phi).sin(), 2.0 * sin2);
            let cos2p = 1.0 - one_minus_cos2p;
            // width at E, energy shift, total width (NJOY csslbw/csmlbw)
            let widths = |r: &BwResonance| {
                let gne = r.gn * pe / r.penetrability_at_resonance;
                let erp = r.energy
                    + r.gn * (r.shift_at_resonance - se) / (2.0 * r.penetrability_at_resonance);
                let mut gtt = gne + r.gg + r.gf;
                let mut gce = 0.0;
                if r.competitive_width != 0.0 && r.competitive_penetrability != 0.0 {
                    gce = r.competitive_width * pec / r.competitive_penetrability;
                    gtt += gce;
                }
                (gne, erp, gtt, gce)
            };
            if self.multilevel {
                let mut sums = vec![(0.0, 0.0); lv.gj.len()];
                for r in &lv.resonances {
                    let (gne, erp, gtt, gce) = widths(r);
                    let x = 2.0 * (e - erp) / gtt;
                    let f = 2.0 * gne / gtt / (1.0 + x * x);
                    let gj = match r.j_index {
                        Some(j) => {
                            sums[j].0 += f;
                            sums[j].1 += f * x;
                            lv.gj[j]
                        }
                        None => r.gj,
                    };
                    let c = f * gj / gtt;
                    fission += 2.0 * c * r.gf;
                    capture += 2.0 * c * r.gg;
                    competitive += 2.0 * c * gce;
                }
                for (j, (s, sx)) in sums.iter().enumerate() {
                    elastic += lv.gj[j] * ((one_minus_cos2p - s).powi(2) + (sin2p + sx).powi(2));
                }
                elastic += 2.0 * lv.missing_spin_weight * one_minus_cos2p;
            } else {
                let mut resonant = 0.0;
                for r in &lv.resonances {
                    let (gne, erp, gtt, gce) = widths(r);
                    let edelt = e - erp;
                    let c = r.gj * gne / (edelt * edelt + gtt * gtt / 4.0);
                    resonant +=
                        c * (gne * cos2p - 2.0 * (r.gg + r.gf) * sin2 + 2.0 * edelt * sin2p);
                    fission += c * r.gf;
                    capture += c * r.gg;
                    competitive += c * gce;
                }
                elastic += resonant + 4.0 * (2 * lv.l + 1) as f64 * sin2;
            }
        }
        let [elastic, fission, capture, competitive] =
            [elastic, fission, capture, competitive].map(|v| v * pifac);
        [
            elastic + fission + capture + competitive,
            elastic,
            fission,
            capture,
            competitive,
        ]
    }
}

fn reich_moore(
    spin: f64,
    ap: f64,
    naps: i64,
    l_values: &[ReichMooreL],
    cwaven: f64,
    material_awr: f64,
) -> std::result::Result<ReichMoore, String> {
    let spin = check_spin(spin)?;
    let awri = l_values.first().map_or(material_awr, |l| l.awri);
    let arat = awri / (awri + 1.0);
    let ra = if naps == 1 {
        ap
    } else {
        default_channel_radius(awri)
    };
    let mut out = Vec::new();
    for lv in l_values {
        let l = check_l(lv.l)?;
        let apl = if lv.apl != 0.0 { lv.apl } else { ap };
        let channel_radius = if lv.apl != 0.0 && naps == 1 {
            lv.apl
        } else {
            ra
        };
        // per-resonance penetrability radius as NJOY's rdf2bw
        let arat_l = lv.awri / (lv.awri + 1.0);
        let resonance_radius = if naps == 1 {
            apl
        } else {
            default_channel_radius(lv.awri)
        };
        let (j_min, nj) = j_values(spin, l);
        let jjl = if l != 0 && (l as f64) > spin - 0.5 && (l as f64) <= spin {
            0
        } else {
            1
        };
        let mut groups = Vec::new();
        let mut hard_sphere_weight = 0.0;
        for jj in 1..=nj {
            let j = j_min + (jj - 1) as f64;
            let gj = (2.0 * j + 1.0) / (4.0 * spin + 2.0);
            let two_spins = jj > jjl && jj < nj;
            let mut positive = RmGroup {
                gj,
                ..RmGroup::default()
            };
            let mut negative = RmGroup {
                gj,
                ..RmGroup::default()
            };
            for r in lv
                .resonances
                .iter()
                .filter(|r| (r.j.abs() - j).abs() <= 0.25)
            {
                let group = if r.j < 0.0 {
                    &mut negative
                } else {
                    &mut positive
                };
                let rho = cwaven * arat_l * r.energy_ev.abs().sqrt() * resonance_radius;
                let per = shift_penetrability(l, rho).1;
                let amplitude = if per > 0.0 {
                    signed_sqrt(r.gn / per)
                } else {
                    0.0
                };
                group.push(
                    r.energy_ev,
                    r.gg,
                    amplitude,
                    signed_sqrt(r.gfa),
                    signed_sqrt(r.gfb),
                );
                group.fissile |= r.gfa != 0.0 || r.gfb != 0.0;
            }
            let present = [positive, negative]
                .into_iter()
                .filter(|g| !g.energy.is_empty())
                .map(|mut g| {
                    g.pad();
                    g
                })
                .collect::<Vec<_>>();
            let slots: usize = if two_spins { 2 } else { 1 };
            hard_sphere_weight += gj * slots.saturating_sub(present.len()) as f64;
            groups.extend(present);
        }
        out.push(RmL {
            l,
            channel_radius,
            scattering_radius: apl,
            hard_sphere_weight,
            groups,
        });
    }
    Ok(ReichMoore {
        k_factor: cwaven * arat,
        l_values: out,
    })
}

impl ReichMoore {
    fn evaluate(&self, e: f64) -> [f64; 5] {
        let k = self.k_factor * e.abs().sqrt();
        let pifac = std::f64::consts::PI / (k * k);
        let (mut total, mut elastic, mut fission) = (0.0, 0.0, 0.0);
        for lv in &self.l_values {
            let pe = shift_penetrability(lv.l, k * lv.channel_radius).1;
            let phi = phase_shift(lv.l, k * lv.scattering_radius);
            let sin_phi = phi.sin();
            let one_minus_cos2p = 2.0 * sin_phi * sin_phi;
            let (cos2p, sin2p) = (1.0 - one_minus_cos2p, (2.0 * phi).sin());
            // hard-sphere channels without resonances: 1 - U = 1 - e^{-2iφ}
            total += 2.0 * lv.hard_sphere_weight * one_minus_cos2p;
            elastic += 2.0 * lv.hard_sphere_weight * one_minus_cos2p;
            let sqrt_pe = pe.sqrt();
            for g in &lv.groups {
                // w = (1-K)^-1_11 - 1, computed without cancellation
                let (w, fission_term) = if g.fissile {
                    g.fissile_terms(e, pe, sqrt_pe)
                } else {
                    (g.elastic_only(e, pe), 0.0)
                };
                // 1 - U = (1 - e^{-2iφ}) - 2 e^{-2iφ} w
                let ew = complex_mul((cos2p, -sin2p), w);
                let one_minus_u = (one_minus_cos2p - 2.0 * ew.0, sin2p - 2.0 * ew.1);
                total += 2.0 * g.gj * one_minus_u.0;
                elastic += g.gj * (one_minus_u.0 * one_minus_u.0 + one_minus_u.1 * one_minus_u.1);
                fission += 4.0 * g.gj * fission_term;
            }
        }
        let [total, elastic, fission] = [total, elastic, fission].map(|v| v * pifac);
        [total, elastic, fission, total - elastic - fission, 0.0]
    }
}

impl RmGroup {
    fn elastic_only(&self, e: f64, pe: f64) -> (f64, f64) {
        let ([r], [s]) = self.channel_sums::<1>(e);
        let (r, s) = (r * pe, s * pe);
        let w = complex_div((-r, -s), (1.0 + r, s));
        (w.0, w.1)
    }

    /// Returns w = I_11 - 1 and |I_12|² + |I_13|² for the 3×3 channel matrix.
    fn fissile_terms(&self, e: f64, pe: f64, sqrt_pe: f64) -> ((f64, f64), f64) {
        // R-matrix sums for the products 11 12 13 22 23 33, real (r) and imaginary (s)
        let (r, s) = self.channel_sums::<6>(e);
        let scale = [pe, sqrt_pe, sqrt_pe, 1.0, 1.0, 1.0];
        let k: [(f64, f64); 6] = std::array::from_fn(|m| (r[m] * scale[m], s[m] * scale[m]));
        let one_plus = |c: (f64, f64)| (1.0 + c.0, c.1);
        let (m11, m12, m13, m22, m23, m33) = (
            one_plus(k[0]),
            k[1],
            k[2],
            one_plus(k[3]),
            k[4],
            one_plus(k[5]),
        );
        let sub = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0, a.1 - b.1);
        let c11 = sub(complex_mul(m22, m33), complex_mul(m23, m23));
        let c12 = sub(complex_mul(m13, m23), complex_mul(m12, m33));
        let c13 = sub(complex_mul(m12, m23), complex_mul(m22, m13));
        let det = {
            let a = complex_mul(m11, c11);
            let b = complex_mul(m12, c12);
            let c = complex_mul(m13, c13);
            (a.0 + b.0 + c.0, a.1 + b.1 + c.1)
        };
        // I_11 - 1 = (C11 - det)/det = -((M11 - 1) C11 + M12 C12 + M13 C13)/det
        let numerator = {
            let a = complex_mul(k[0], c11);
            let b = complex_mul(m12, c12);
            let c = complex_mul(m13, c13);
            (-(a.0 + b.0 + c.0), -(a.1 + b.1 + c.1))
        };
        let w = complex_div(numerator, det);
        let i12 = complex_div(c12, det);
        let i13 = complex_div(c13, det);
        (
            w,
            i12.0 * i12.0 + i12.1 * i12.1 + i13.0 * i13.0 + i13.1 * i13.1,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigfig_rounds_and_shades_like_njoy() {
        assert_eq!(sigfig(1000.0, 7, -1), 999.999);
        assert_eq!(sigfig(1000.0, 7, 1), 1000.001);
        assert_eq!(sigfig(6.6743219, 5, 0), 6.6743);
    }

    #[test]
    fn penetrabilities_tend_to_one_at_large_rho() {
        for l in 0..=4 {
            let (s, p) = shift_penetrability(l, 1e4);
            if l > 0 {
                assert!((p / 1e4 - 1.0).abs() < 1e-6, "l={l}: P/rho = {}", p / 1e4);
            }
            assert!(s <= 0.0);
        }
    }

    #[test]
    fn wave_number_constant_matches_njoy() {
        // NJOY2016 documents k = 2.196771e-3 (A/(A+1)) sqrt(E) with older constants (spec §5).
        assert!((wave_number_constant() / 2.196771e-3 - 1.0).abs() < 2e-5);
    }
}
