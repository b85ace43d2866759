//! Closed forms of counter-current extraction: the anchors the stage-wise
//! solvers are validated against, and Xu Guangxian's shortcut that seeds and
//! bounds a design search (spec `minerals-sx-cascade.md` §1.4).

use crate::MineralsError;

/// Kremser (1930): fraction of a solute left in the raffinate of one
/// counter-current section of `stages` equilibrium stages with constant
/// extraction factor `epsilon` = D·Q_org/Q_aq and solute-free solvent,
/// `r = (ε − 1)/(ε^(N+1) − 1)`, and `1/(N + 1)` at ε = 1.
///
/// Why: the one exact result every stage-by-stage solver must reproduce.
pub fn kremser_unextracted(epsilon: f64, stages: u32) -> f64 {
    let n = f64::from(stages);
    if (epsilon - 1.0).abs() < 1e-12 {
        return 1.0 / (n + 1.0);
    }
    // exp_m1 keeps precision for ε close to 1.
    let ln = epsilon.ln();
    (epsilon - 1.0) / ((n + 1.0) * ln).exp_m1()
}

/// Inverse Kremser: the (fractional) number of stages that leaves the
/// fraction `unextracted` in the raffinate at extraction factor `epsilon`,
/// `N = ln[(1/r)(1 − 1/ε) + 1/ε] / ln ε`. Round up for a design.
///
/// Why: the quick answer to "how many stages for this recovery?".
pub fn kremser_stages(epsilon: f64, unextracted: f64) -> f64 {
    if (epsilon - 1.0).abs() < 1e-12 {
        return 1.0 / unextracted - 1.0;
    }
    let inv = 1.0 / epsilon;
    ((1.0 / unextracted) * (1.0 - inv) + inv).ln() / epsilon.ln()
}

/// Fraction of a component sent to the loaded organic by a two-section
/// (extraction + scrub) cascade with REE-free organic and scrub liquor,
/// feed at the last extraction stage:
/// `φ = ε S_n / (ε S_n + T_(m+1))`, `S_n = (εⁿ − 1)/(ε − 1)` (= n at ε = 1),
/// `T_(m+1) = Σ_(k=0..m) ε'^(−k)`. `epsilon` is the extraction-section
/// factor, `epsilon_scrub` the scrub-section factor. `n_scrub = 0` gives
/// Kremser back (φ = 1 − r).
///
/// Why: the exact answer of the linear (L0) cascade, the second
/// validation anchor, and the reason a sharp A/B split needs
/// ε_B < 1 < ε_A and ε'_B < 1 < ε'_A.
pub fn two_section_loaded(
    epsilon: f64,
    epsilon_scrub: f64,
    n_extraction: u32,
    n_scrub: u32,
) -> f64 {
    let s_n = geometric_sum(epsilon, n_extraction);
    let t = geometric_sum(1.0 / epsilon_scrub, n_scrub + 1);
    epsilon * s_n / (epsilon * s_n + t)
}

/// `Σ_(k=0..terms−1) q^k`.
fn geometric_sum(q: f64, terms: u32) -> f64 {
    if (q - 1.0).abs() < 1e-12 {
        f64::from(terms)
    } else {
        (q.powi(terms as i32) - 1.0) / (q - 1.0)
    }
}

/// The infinite-stage limit of [`two_section_loaded`]: 1 if both factors
/// exceed 1, 0 if both are below, and
/// `φ∞ = [ε/(1−ε)] / [ε/(1−ε) + ε'/(ε'−1)]` for ε < 1 < ε'
/// (the component splits between the products however many stages).
/// Returns `None` for ε > 1 > ε', where the limit depends on how n and m
/// grow, and at a factor of exactly 1.
///
/// Why: tells whether a section pair can ever give a sharp split.
pub fn two_section_loaded_infinite(epsilon: f64, epsilon_scrub: f64) -> Option<f64> {
    if epsilon == 1.0 || epsilon_scrub == 1.0 {
        return None;
    }
    match (epsilon > 1.0, epsilon_scrub > 1.0) {
        (true, true) => Some(1.0),
        (false, false) => Some(0.0),
        (false, true) => {
            let up = epsilon / (1.0 - epsilon);
            Some(up / (up + epsilon_scrub / (epsilon_scrub - 1.0)))
        }
        (true, false) => None,
    }
}

/// Minimum extraction and scrub amounts of a binary split with an aqueous
/// feed (pinch at the feed stage, Xu's theory of counter-current
/// extraction; spec §1.4), per mol of REE fed:
/// `S_min = (β f_A + f_B)/(β − 1) = f_A + 1/(β − 1)`, `W_min = 1/(β − 1)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MinimumFlows {
    /// Organic REE flow below which A leaks to the raffinate however many
    /// stages, mol per mol fed.
    pub s_min: f64,
    /// Scrub (reflux) flow below which B leaks to the organic product,
    /// mol per mol fed.
    pub w_min: f64,
}

/// [`MinimumFlows`] for separation factor `beta` = D_A/D_B > 1 and feed
/// fraction `f_a` of the more extractable component A.
///
/// Why: Cheng et al. call these "the theoretical minimal requirements for
/// chemicals" — the lower bounds of any design search on S and W.
pub fn minimum_flows(beta: f64, f_a: f64) -> Result<MinimumFlows, MineralsError> {
    if beta.is_nan() || beta <= 1.0 {
        return Err(MineralsError::invalid(
            "beta",
            beta,
            "must exceed 1: at β ≤ 1 no amount of solvent separates the pair",
        ));
    }
    if !(f_a > 0.0 && f_a < 1.0) {
        return Err(MineralsError::invalid("f_A", f_a, "must lie in (0, 1)"));
    }
    Ok(MinimumFlows {
        s_min: f_a + 1.0 / (beta - 1.0),
        w_min: 1.0 / (beta - 1.0),
    })
}

/// Xu's shortcut for a binary split with aqueous feed (F = 1 mol REE):
/// purification factors, mixed extraction ratios and stage estimates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct XuShortcut {
    /// `a = [P_A/(1−P_A)]/[f_A/f_B]`, purification of A in the organic product.
    pub purification_a: f64,
    /// `b = [P_B/(1−P_B)]/[f_B/f_A]`, purification of B in the raffinate.
    pub purification_b: f64,
    /// `E_M = S/(F + W)`, mixed extraction ratio of the extraction section.
    pub extraction_ratio: f64,
    /// `E'_M = S/W`, mixed extraction ratio of the scrub section.
    pub scrub_ratio: f64,
    /// `n ≈ lg b / lg(β E_M)` extraction stages (not rounded).
    pub n_extraction: f64,
    /// `m ≈ lg a / lg(β / E'_M) − 1` scrub stages (Xu's `m + 1` form, not rounded).
    pub n_scrub: f64,
    /// The pinch limits for the same feed.
    pub minimum: MinimumFlows,
}

/// Xu's stage estimates for target purities `purity_a` (A in the organic
/// product) and `purity_b` (B in the raffinate) at flows `s`, `w` (mol per
/// mol REE fed), separation factor `beta` and feed fraction `f_a`.
/// Fails outside Xu's window `1/β < E_M < 1 < E'_M < β`, where no finite
/// number of stages reaches the targets.
///
/// Why: a seed and a bound for the optimiser (it is within about 10 % of
/// the stage-wise answer on the spec's reference case), never a result.
pub fn xu_shortcut(
    beta: f64,
    f_a: f64,
    purity_a: f64,
    purity_b: f64,
    s: f64,
    w: f64,
) -> Result<XuShortcut, MineralsError> {
    let minimum = minimum_flows(beta, f_a)?;
    for (name, p) in [("purity_A", purity_a), ("purity_B", purity_b)] {
        if !(p > 0.0 && p < 1.0) {
            return Err(MineralsError::invalid(name, p, "must lie in (0, 1)"));
        }
    }
    let f_b = 1.0 - f_a;
    let a = (purity_a / (1.0 - purity_a)) / (f_a / f_b);
    let b = (purity_b / (1.0 - purity_b)) / (f_b / f_a);
    let e_m = s / (1.0 + w);
    let e_scrub = s / w;
    if !(1.0 / beta < e_m && e_m < 1.0 && 1.0 < e_scrub && e_scrub < beta) {
        return Err(MineralsError::invalid(
            "S",
            s,
            "is outside Xu's window 1/β < S/(1+W) < 1 < S/W < β: no finite cascade reaches the purities",
        ));
    }
    Ok(XuShortcut {
        purification_a: a,
        purification_b: b,
        extraction_ratio: e_m,
        scrub_ratio: e_scrub,
        n_extraction: b.log10() / (beta * e_m).log10(),
        n_scrub: a.log10() / (beta / e_scrub).log10() - 1.0,
        minimum,
    })
}
