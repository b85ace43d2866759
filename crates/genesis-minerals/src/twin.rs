//! `minerals.sx_cascade`: the cascade models behind the `Twin` trait.
//!
//! Element-dependent inputs and outputs (`f_Nd`, `beta_Nd_Pr`, `D_Nd`,
//! `purity_Nd`, …) are declared for the elements the campaign names, the
//! way `bench.rosenbrock` sizes itself: [`SxCascadeTwin::for_inputs`] reads
//! the element symbols from the input names; without any, the twin is the
//! Nd/Pr binary of the spec's reference case.

use crate::closed_form::{minimum_flows, xu_shortcut};
use crate::{LinearCascade, MineralsError, SaturatedCascade, Solution};
use genesis_core::{Inputs, IoSpec, Outputs, Twin, TwinError, TwinSpec, Value};

/// The registry name of the twin.
pub const TWIN_NAME: &str = "minerals.sx_cascade";

/// Lanthanides (and Y) in order of rising extractability by acidic
/// organophosphorus extractants; used to order elements and to choose the
/// adjacent pairs whose separation factors are asked for.
const EXTRACTION_ORDER: &[&str] = &[
    "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Y", "Er", "Tm", "Yb", "Lu",
];

/// Separation factors with a published default (spec §2): Nd/Pr ≈ 1.5,
/// saponified PC88A with scrub (Banda, Jeon, Lee 2015); Dy/Tb 2.1, PC88A
/// (Shin-Etsu patent EP2388344A1). Others must be given.
const DEFAULT_BETA: &[(&str, &str, f64)] = &[("Nd", "Pr", 1.5), ("Dy", "Tb", 2.1)];

/// Feed of the spec's reference case (75/25 Nd/Pr), used when the
/// elements are exactly Nd and Pr.
const DEFAULT_FEED: &[(&str, f64)] = &[("Nd", 0.75), ("Pr", 0.25)];

/// NaOH 350 USD/t (PrOMMiS costing dictionary, USD 2020) × 39.997 g/mol.
const PRICE_BASE: f64 = 350e-6 * 39.997;
/// HCl 250 USD/t (PrOMMiS costing dictionary, USD 2019) × 36.46 g/mol.
const PRICE_ACID: f64 = 250e-6 * 36.46;
/// Placeholder weight of stages × throughput (capital and inventory).
const PRICE_STAGE: f64 = 1e-4;

const DESCRIPTION: &str = "Counter-current solvent-extraction cascade for rare-earth separation (extraction + product-reflux scrub, aqueous feed), per mol REE fed. \
model L1 (default): saturated organic carrying S mol REE out of every stage, constant separation factors beta_A_B = D_A/D_B, y_i = beta_i x_i / sum beta_k x_k; \
model L0: constant distribution ratios D_El (extraction) and Dscrub_El (scrub), O_A and W as volume ratios, REE-free scrub. \
Elements come from the input names (f_El, beta_A_B, D_El); without any, the Nd/Pr binary (f_Nd 0.75, beta_Nd_Pr 1.5). \
Solver: component flows, pseudo-transient continuation finishing with Newton, organic-flow then separation-factor homotopies as fallback; an unconverged solve fails the trial with its residual. \
Xu shortcut (binary key pair across the cut, aqueous feed, F = 1): S_min = f_A + 1/(beta-1), W_min = 1/(beta-1); \
purification a = [P_A/(1-P_A)]/[f_A/f_B], b = [P_B/(1-P_B)]/[f_B/f_A]; E_M = S/(1+W), E'_M = S/W; \
n ~ lg b / lg(beta E_M), m + 1 ~ lg a / lg(beta/E'_M), valid for 1/beta < E_M < 1 < E'_M < beta; \
outputs xu_S_min, xu_W_min, xu_n_extraction, xu_n_scrub (targets target_purity_organic/raffinate) seed and bound a campaign. \
With check_minimum_flows = 1 a binary L1 design below S_min or W_min, or at beta = 1, fails. See docs/twins/minerals-sx-cascade.md.";

/// Which elements the twin speaks of and which inputs it declares.
#[derive(Clone, Debug, PartialEq)]
struct Layout {
    /// Element symbols in extraction order.
    elements: Vec<String>,
    /// Declared separation factors as (A, B) indices: beta_A_B = D_A/D_B.
    betas: Vec<(usize, usize)>,
    /// Whether L0's D_El and Dscrub_El are declared.
    linear: bool,
    /// Default of `model`: 0 (L0) for a campaign that names only D inputs.
    default_model: f64,
}

impl Layout {
    fn from_names(names: &[&str]) -> Self {
        let mut elements: Vec<String> = Vec::new();
        let mut given_pairs: Vec<(String, String)> = Vec::new();
        let mut linear = names.is_empty();
        let add = |el: &str, elements: &mut Vec<String>| {
            if !elements.iter().any(|e| e == el) {
                elements.push(el.to_string());
            }
        };
        for name in names {
            if let Some(el) = name.strip_prefix("f_").filter(|e| is_symbol(e)) {
                add(el, &mut elements);
            } else if let Some((x, y)) = name
                .strip_prefix("beta_")
                .and_then(|p| p.split_once('_'))
                .filter(|(x, y)| is_symbol(x) && is_symbol(y) && x != y)
            {
                add(x, &mut elements);
                add(y, &mut elements);
                given_pairs.push((x.to_string(), y.to_string()));
            } else if let Some(el) = name
                .strip_prefix("Dscrub_")
                .or_else(|| name.strip_prefix("D_"))
                .filter(|e| is_symbol(e))
            {
                add(el, &mut elements);
                linear = true;
            }
        }
        if elements.is_empty() {
            elements = vec!["Nd".into(), "Pr".into()];
        }
        let rank = |e: &String| {
            EXTRACTION_ORDER
                .iter()
                .position(|o| o == e)
                .unwrap_or(usize::MAX)
        };
        elements.sort_by_key(rank); // stable: unknown symbols keep their order, last
        let index = |e: &str| {
            elements
                .iter()
                .position(|x| x == e)
                .expect("element collected")
        };
        let mut betas: Vec<(usize, usize)> = given_pairs
            .iter()
            .map(|(x, y)| (index(x), index(y)))
            .collect();
        let chain_wanted = names.is_empty() || !betas.is_empty() || !linear;
        if chain_wanted {
            // Connect what the given pairs leave apart with adjacent pairs.
            let mut group: Vec<usize> = (0..elements.len()).collect();
            fn root(group: &mut [usize], mut i: usize) -> usize {
                while group[i] != i {
                    group[i] = group[group[i]];
                    i = group[i];
                }
                i
            }
            for &(x, y) in &betas {
                let (rx, ry) = (root(&mut group, x), root(&mut group, y));
                group[rx] = ry;
            }
            for i in 1..elements.len() {
                let (rx, ry) = (root(&mut group, i), root(&mut group, i - 1));
                if rx != ry {
                    group[rx] = ry;
                    betas.push((i, i - 1));
                }
            }
        }
        let default_model = if linear && given_pairs.is_empty() && !names.is_empty() {
            0.0
        } else {
            1.0
        };
        Layout {
            elements,
            betas,
            linear,
            default_model,
        }
    }
}

/// An element symbol: one capital letter, then up to two lower-case ones.
fn is_symbol(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && s.len() <= 3
        && chars.all(|c| c.is_ascii_lowercase())
}

/// The `minerals.sx_cascade` twin.
pub struct SxCascadeTwin {
    spec: TwinSpec,
    layout: Layout,
}

impl SxCascadeTwin {
    /// The Nd/Pr binary twin (what `genesis twin describe` shows).
    pub fn new() -> Self {
        Self::for_inputs(&[])
    }

    /// The twin for a campaign sending `input_names`: elements are read
    /// from `f_El`, `beta_A_B`, `D_El` and `Dscrub_El`; separation factors
    /// not named are asked for between neighbours in extraction order.
    pub fn for_inputs(input_names: &[&str]) -> Self {
        let layout = Layout::from_names(input_names);
        SxCascadeTwin {
            spec: spec_for(&layout),
            layout,
        }
    }

    /// The value of a declared numeric input, or its default.
    fn number(&self, inputs: &Inputs, name: &str) -> Result<f64, TwinError> {
        match inputs.get(name) {
            Some(v) => v.as_f64().ok_or_else(|| TwinError::InvalidInput {
                name: name.into(),
                reason: format!("expected a number, got {v}"),
            }),
            None => self
                .spec
                .input(name)
                .and_then(|i| i.default)
                .ok_or_else(|| TwinError::MissingInput(name.into())),
        }
    }

    fn count(&self, inputs: &Inputs, name: &str) -> Result<usize, TwinError> {
        let v = self.number(inputs, name)?;
        if v < 0.0 || (v - v.round()).abs() > 1e-9 || v > 1e6 {
            return Err(TwinError::InvalidInput {
                name: name.into(),
                reason: format!("expected a whole number of stages, got {v}"),
            });
        }
        Ok(v.round() as usize)
    }

    fn linear_model(&self, inputs: &Inputs) -> Result<bool, TwinError> {
        let bad = |v: &Value| TwinError::InvalidInput {
            name: "model".into(),
            reason: format!("expected \"L0\" or \"L1\" (or 0 / 1), got {v}"),
        };
        match inputs.get("model") {
            None => Ok(self.layout.default_model == 0.0),
            Some(Value::Text(t)) if t.eq_ignore_ascii_case("L0") => Ok(true),
            Some(Value::Text(t)) if t.eq_ignore_ascii_case("L1") => Ok(false),
            Some(v) => match v.as_f64() {
                Some(0.0) => Ok(true),
                Some(1.0) => Ok(false),
                _ => Err(bad(v)),
            },
        }
    }

    /// Relative extractabilities from the declared separation factors.
    fn extractabilities(&self, inputs: &Inputs) -> Result<Vec<f64>, TwinError> {
        let els = &self.layout.elements;
        let mut edges = Vec::new();
        for &(x, y) in &self.layout.betas {
            let name = format!("beta_{}_{}", els[x], els[y]);
            let b = self.number(inputs, &name)?;
            if !(b > 0.0 && b.is_finite()) {
                return Err(TwinError::InvalidInput {
                    name,
                    reason: format!("a separation factor must be positive, got {b}"),
                });
            }
            edges.push((x, y, b, name));
        }
        let mut beta = vec![f64::NAN; els.len()];
        beta[0] = 1.0;
        // Propagate β_x = β_y · beta_x_y along the pairs until nothing changes.
        let mut changed = true;
        while changed {
            changed = false;
            for (x, y, b, name) in &edges {
                let (x, y) = (*x, *y);
                match (beta[x].is_nan(), beta[y].is_nan()) {
                    (true, false) => {
                        beta[x] = beta[y] * b;
                        changed = true;
                    }
                    (false, true) => {
                        beta[y] = beta[x] / b;
                        changed = true;
                    }
                    (false, false) if ((beta[x] / beta[y]) / b - 1.0).abs() > 1e-9 => {
                        return Err(TwinError::InvalidInput {
                            name: name.clone(),
                            reason: format!(
                                "{b} contradicts the other separation factors, which imply {}",
                                beta[x] / beta[y]
                            ),
                        });
                    }
                    _ => {}
                }
            }
        }
        if let Some(i) = beta.iter().position(|b| b.is_nan()) {
            return Err(TwinError::MissingInput(format!(
                "a separation factor linking {} to {}",
                els[i], els[0]
            )));
        }
        Ok(beta)
    }

    fn feed(&self, inputs: &Inputs) -> Result<Vec<f64>, TwinError> {
        let mut f = Vec::new();
        for el in &self.layout.elements {
            let name = format!("f_{el}");
            let v = self.number(inputs, &name)?;
            if !(v >= 0.0 && v.is_finite()) {
                return Err(TwinError::InvalidInput {
                    name,
                    reason: format!("a feed fraction must be ≥ 0, got {v}"),
                });
            }
            f.push(v);
        }
        let total: f64 = f.iter().sum();
        if f.iter().filter(|x| **x > 0.0).count() < 2 {
            return Err(TwinError::InvalidInput {
                name: "f_*".into(),
                reason: "at least two elements need a positive feed fraction".into(),
            });
        }
        Ok(f.iter().map(|x| x / total).collect())
    }
}

impl Default for SxCascadeTwin {
    fn default() -> Self {
        Self::new()
    }
}

fn spec_for(layout: &Layout) -> TwinSpec {
    let els = &layout.elements;
    let input =
        |name: &str, unit: &str, lo: f64, hi: f64, default: Option<f64>, what: &str| IoSpec {
            default,
            ..IoSpec::new(name, unit, Some(lo), Some(hi)).describe(what)
        };
    let mut inputs = vec![
        input(
            "model",
            "1",
            0.0,
            1.0,
            Some(layout.default_model),
            "\"L1\" (or 1): saturated organic, constant beta; \"L0\" (or 0): constant D per section",
        ),
        input(
            "n_extraction",
            "stages",
            1.0,
            1000.0,
            Some(30.0),
            "extraction stages n (organic enters stage 1)",
        ),
        input(
            "n_scrub",
            "stages",
            0.0,
            1000.0,
            Some(30.0),
            "scrub stages m (scrub liquor enters stage n + m)",
        ),
        input(
            "feed_stage",
            "stage",
            0.0,
            2000.0,
            Some(0.0),
            "stage receiving the aqueous feed; 0 (default) means n_extraction",
        ),
        input(
            "S",
            "mol/mol REE fed",
            0.0,
            100.0,
            Some(3.5),
            "L1: REE flow carried by the organic out of every stage (extraction amount)",
        ),
        input(
            "O_A",
            "1",
            0.0,
            100.0,
            Some(1.0),
            "L0: organic over aqueous-feed flow",
        ),
        input(
            "W",
            "mol/mol REE fed",
            0.0,
            100.0,
            Some(2.75),
            "scrub flow: L1 REE reflux per mol fed (organic product S - W); L0 scrub liquor over feed volume",
        ),
    ];
    for &(x, y) in &layout.betas {
        let default = DEFAULT_BETA
            .iter()
            .find(|(a, b, _)| *a == els[x] && *b == els[y])
            .map(|(_, _, v)| *v);
        inputs.push(input(
            &format!("beta_{}_{}", els[x], els[y]),
            "1",
            0.0,
            10.0,
            default,
            &format!("L1: separation factor D_{}/D_{}", els[x], els[y]),
        ));
    }
    if layout.linear {
        for el in els {
            inputs.push(input(
                &format!("D_{el}"),
                "1",
                0.0,
                1e3,
                None,
                &format!("L0: distribution ratio of {el} in extraction"),
            ));
        }
        for el in els {
            inputs.push(input(
                &format!("Dscrub_{el}"),
                "1",
                0.0,
                1e3,
                None,
                &format!("L0: distribution ratio of {el} in scrub"),
            ));
        }
    }
    let binary_nd_pr =
        els.len() == 2 && DEFAULT_FEED.iter().all(|(e, _)| els.iter().any(|x| x == e));
    for el in els {
        let default = DEFAULT_FEED
            .iter()
            .find(|(e, _)| binary_nd_pr && e == el)
            .map(|(_, v)| *v);
        inputs.push(input(
            &format!("f_{el}"),
            "1",
            0.0,
            1.0,
            default,
            &format!("feed fraction of {el} (fractions are normalised to sum 1)"),
        ));
    }
    inputs.extend([
        input("price_base", "USD/mol", 0.0, 1.0, Some(PRICE_BASE), "NaOH for saponification, 3 per REE loaded (350 USD/t, PrOMMiS)"),
        input("price_acid", "USD/mol", 0.0, 1.0, Some(PRICE_ACID), "HCl for scrub and strip, 3 per REE loaded (250 USD/t, PrOMMiS)"),
        input(
            "price_stage",
            "USD/(stage mol)",
            0.0,
            1.0,
            Some(PRICE_STAGE),
            "placeholder weight of stages x (organic + aqueous) flow: capital and inventory",
        ),
        input("acid_excess", "mol/mol REE fed", 0.0, 100.0, Some(0.0), "free HCl of scrub and strip liquors beyond 3 per REE"),
        input("target_purity_organic", "1", 0.0, 1.0, Some(0.999), "Xu shortcut: target purity of the organic product"),
        input("target_purity_raffinate", "1", 0.0, 1.0, Some(0.999), "Xu shortcut: target purity of the raffinate"),
        input(
            "check_minimum_flows",
            "1",
            0.0,
            1.0,
            Some(1.0),
            "1: a binary L1 design below Xu's S_min or W_min, or at beta = 1, fails; 0: solve it anyway",
        ),
    ]);
    let output =
        |name: &str, unit: &str, what: &str| IoSpec::new(name, unit, None, None).describe(what);
    let mut outputs = Vec::new();
    for el in els {
        outputs.extend([
            output(
                &format!("purity_{el}"),
                "1",
                &format!("mole fraction of {el} in the product it reports to"),
            ),
            output(
                &format!("recovery_{el}"),
                "1",
                &format!("fraction of the fed {el} in that product"),
            ),
            output(
                &format!("raffinate_{el}"),
                "mol/mol REE fed",
                &format!("{el} leaving in the raffinate (stage 1)"),
            ),
            output(
                &format!("organic_{el}"),
                "mol/mol REE fed",
                &format!("{el} leaving in the organic product (to strip)"),
            ),
        ]);
    }
    outputs.extend([
        output(
            "base_mol",
            "mol/mol REE fed",
            "NaOH (or NH3): 3 per mol REE loaded in extraction (3S in L1)",
        ),
        output(
            "acid_mol",
            "mol/mol REE fed",
            "HCl: 3 per mol REE scrubbed or stripped, plus acid_excess",
        ),
        output(
            "cost",
            "USD/mol REE fed",
            "price_base base + price_acid acid + price_stage stages (flows)",
        ),
        output(
            "converged",
            "1",
            "1: the profile met its tolerances (otherwise the trial fails with the residual)",
        ),
        output(
            "residual",
            "1",
            "largest stage-balance residual relative to the flows in that balance",
        ),
        output(
            "balance_error",
            "mol/mol REE fed",
            "largest |raffinate + organic - feed| over elements",
        ),
        output("iterations", "1", "nonlinear steps (0 for L0)"),
        output(
            "xu_S_min",
            "mol/mol REE fed",
            "L1: Xu's minimum extraction amount for the key pair",
        ),
        output(
            "xu_W_min",
            "mol/mol REE fed",
            "L1: Xu's minimum scrub amount for the key pair",
        ),
        output(
            "xu_n_extraction",
            "stages",
            "L1: Xu's extraction stages for the target purities (absent outside Xu's window)",
        ),
        output(
            "xu_n_scrub",
            "stages",
            "L1: Xu's scrub stages for the target purities (absent outside Xu's window)",
        ),
    ]);
    TwinSpec {
        name: TWIN_NAME.into(),
        version: "0.1.0".into(),
        description: DESCRIPTION.into(),
        inputs,
        outputs,
        open_inputs: false,
        open_outputs: false,
        optimum: None,
    }
}

/// The two groups Xu's shortcut treats as A and B: the cut between the
/// components (in falling extractability) whose upper group's feed
/// fraction is closest to the organic product, and the separation factor
/// of the adjacent pair across it.
struct KeyPair {
    f_a: f64,
    beta: f64,
    label: String,
}

fn key_pair(names: &[&str], feed: &[f64], beta: &[f64], product: f64) -> KeyPair {
    let mut order: Vec<usize> = (0..feed.len()).collect();
    order.sort_by(|&x, &y| beta[y].total_cmp(&beta[x]));
    let mut best = (f64::INFINITY, 1, 0.0);
    let mut upper = 0.0;
    for cut in 1..order.len() {
        upper += feed[order[cut - 1]];
        let miss = (upper - product).abs();
        if miss < best.0 {
            best = (miss, cut, upper);
        }
    }
    let (a, b) = (order[best.1 - 1], order[best.1]);
    KeyPair {
        f_a: best.2,
        beta: beta[a] / beta[b],
        label: format!("β({}/{})", names[a], names[b]),
    }
}

impl Twin for SxCascadeTwin {
    fn spec(&self) -> &TwinSpec {
        &self.spec
    }

    fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError> {
        let n = self.count(inputs, "n_extraction")?;
        let m = self.count(inputs, "n_scrub")?;
        let k = match self.count(inputs, "feed_stage")? {
            0 => n,
            k => k,
        };
        let w = self.number(inputs, "W")?;
        let linear = self.linear_model(inputs)?;
        let feed_all = self.feed(inputs)?;
        // Elements absent from the feed are left out of the solve.
        let present: Vec<usize> = (0..feed_all.len()).filter(|&i| feed_all[i] > 0.0).collect();
        let els: Vec<&str> = present
            .iter()
            .map(|&i| self.layout.elements[i].as_str())
            .collect();
        let feed: Vec<f64> = present.iter().map(|&i| feed_all[i]).collect();
        let mut out = Outputs::new();
        let (solution, q_organic, loaded_in_extraction) = if linear {
            let o_a = self.number(inputs, "O_A")?;
            let ds = |prefix: &str| -> Result<Vec<f64>, TwinError> {
                els.iter()
                    .map(|el| self.number(inputs, &format!("{prefix}_{el}")))
                    .collect()
            };
            let cascade = LinearCascade {
                n_extraction: n,
                n_scrub: m,
                feed_stage: k,
                organic_to_feed: o_a,
                scrub_to_feed: w,
                feed: feed.clone(),
                d_extraction: ds("D")?,
                d_scrub: ds("Dscrub")?,
            };
            let s = cascade.solve().map_err(|e| failure(e, String::new()))?;
            let loaded = if n > 0 {
                (0..s.components).map(|i| s.organic_at(n, i)).sum()
            } else {
                0.0
            };
            (s, o_a, loaded)
        } else {
            let s_flow = self.number(inputs, "S")?;
            let beta_all = self.extractabilities(inputs)?;
            let beta: Vec<f64> = present.iter().map(|&i| beta_all[i]).collect();
            let key = key_pair(&els, &feed, &beta, s_flow - w);
            let context = self.check_design(inputs, &key, feed.len(), s_flow, w)?;
            let cascade = SaturatedCascade {
                n_extraction: n,
                n_scrub: m,
                feed_stage: k,
                organic_flow: s_flow,
                scrub_flow: w,
                feed: feed.clone(),
                beta,
            };
            let s = cascade.solve().map_err(|e| failure(e, context))?;
            self.xu_outputs(inputs, &key, s_flow, w, &mut out)?;
            (s, s_flow, s_flow)
        };
        self.product_outputs(&present, &feed_all, &solution, &mut out);
        let base = 3.0 * loaded_in_extraction;
        let acid = 3.0 * loaded_in_extraction + self.number(inputs, "acid_excess")?;
        let stages = (n + m) as f64;
        let cost = self.number(inputs, "price_base")? * base
            + self.number(inputs, "price_acid")? * acid
            + self.number(inputs, "price_stage")? * stages * (q_organic + 1.0 + w);
        out.extend([
            ("base_mol".to_string(), base),
            ("acid_mol".to_string(), acid),
            ("cost".to_string(), cost),
            ("converged".to_string(), 1.0),
            ("residual".to_string(), solution.residual),
            ("balance_error".to_string(), solution.balance_error),
            ("iterations".to_string(), solution.iterations as f64),
        ]);
        Ok(out)
    }
}

impl SxCascadeTwin {
    /// Refuses designs that cannot split a binary feed sharply (when
    /// `check_minimum_flows` is on) and returns the context quoted if the
    /// solve fails.
    fn check_design(
        &self,
        inputs: &Inputs,
        key: &KeyPair,
        components: usize,
        s: f64,
        w: f64,
    ) -> Result<String, TwinError> {
        let check = self.number(inputs, "check_minimum_flows")? != 0.0;
        let min = minimum_flows(key.beta, key.f_a).ok();
        let context = match min {
            Some(m) => format!(
                "; S = {s} (S_min {:.6}), W = {w} (W_min {:.6}), {} = {}",
                m.s_min, m.w_min, key.label, key.beta
            ),
            None => format!("; {} = {}", key.label, key.beta),
        };
        if !check || components != 2 {
            return Ok(context);
        }
        let Some(min) = min else {
            return Err(TwinError::Failed(format!(
                "{} = {}: the two elements extract alike, so both products keep the feed composition whatever the design (set check_minimum_flows = 0 to compute it anyway)",
                key.label, key.beta
            )));
        };
        if s < min.s_min || w < min.w_min {
            let (what, value, limit, why) = if s < min.s_min {
                (
                    "S",
                    s,
                    min.s_min,
                    "the more extractable element leaks to the raffinate",
                )
            } else {
                (
                    "W",
                    w,
                    min.w_min,
                    "the less extractable element leaks to the organic product",
                )
            };
            return Err(TwinError::Failed(format!(
                "{what} = {value} is below Xu's minimum {limit:.6} for {} = {} and f_A = {}: {why} however many stages (feed-stage pinch); set check_minimum_flows = 0 to compute the pinch-limited cascade",
                key.label, key.beta, key.f_a
            )));
        }
        Ok(context)
    }

    fn xu_outputs(
        &self,
        inputs: &Inputs,
        key: &KeyPair,
        s: f64,
        w: f64,
        out: &mut Outputs,
    ) -> Result<(), TwinError> {
        let Ok(min) = minimum_flows(key.beta, key.f_a) else {
            return Ok(());
        };
        out.insert("xu_S_min".into(), min.s_min);
        out.insert("xu_W_min".into(), min.w_min);
        let p_a = self.number(inputs, "target_purity_organic")?;
        let p_b = self.number(inputs, "target_purity_raffinate")?;
        if let Ok(xu) = xu_shortcut(key.beta, key.f_a, p_a, p_b, s, w) {
            out.insert("xu_n_extraction".into(), xu.n_extraction);
            out.insert("xu_n_scrub".into(), xu.n_scrub);
        }
        Ok(())
    }

    /// purity, recovery, raffinate and organic flows of every element.
    fn product_outputs(
        &self,
        present: &[usize],
        feed_all: &[f64],
        s: &Solution,
        out: &mut Outputs,
    ) {
        let raffinate_total: f64 = s.raffinate.iter().sum();
        let organic_total: f64 = s.loaded.iter().sum();
        for (idx, el) in self.layout.elements.iter().enumerate() {
            let (raff, org) = match present.iter().position(|&p| p == idx) {
                Some(i) => (s.raffinate[i], s.loaded[i]),
                None => (0.0, 0.0),
            };
            let (in_product, product_total) = if org > raff {
                (org, organic_total)
            } else {
                (raff, raffinate_total)
            };
            let purity = if product_total > 0.0 {
                in_product / product_total
            } else {
                0.0
            };
            let recovery = if feed_all[idx] > 0.0 {
                in_product / feed_all[idx]
            } else {
                0.0
            };
            out.insert(format!("purity_{el}"), purity);
            out.insert(format!("recovery_{el}"), recovery);
            out.insert(format!("raffinate_{el}"), raff);
            out.insert(format!("organic_{el}"), org);
        }
    }
}

/// A solver error as a trial failure, with the design context.
fn failure(e: MineralsError, context: String) -> TwinError {
    match e {
        MineralsError::Invalid { name, value, why } => TwinError::InvalidInput {
            name,
            reason: format!("{value}: {why}"),
        },
        e @ MineralsError::NotConverged { .. } => TwinError::Failed(format!("{e}{context}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(spec: &TwinSpec) -> Vec<&str> {
        spec.inputs.iter().map(|i| i.name.as_str()).collect()
    }

    #[test]
    fn without_names_the_twin_is_the_nd_pr_binary() {
        let t = SxCascadeTwin::new();
        let inputs = names(t.spec());
        for want in [
            "beta_Nd_Pr",
            "f_Nd",
            "f_Pr",
            "D_Nd",
            "Dscrub_Pr",
            "S",
            "W",
            "model",
        ] {
            assert!(inputs.contains(&want), "{want} missing from {inputs:?}");
        }
        assert_eq!(t.spec().input("beta_Nd_Pr").unwrap().default, Some(1.5));
        assert!(t.spec().produces("purity_Nd") && t.spec().produces("recovery_Pr"));
    }

    #[test]
    fn elements_come_from_the_campaign_names_in_extraction_order() {
        let t = SxCascadeTwin::for_inputs(&["f_Nd", "f_La", "f_Pr", "f_Ce", "S"]);
        assert_eq!(t.layout.elements, ["La", "Ce", "Pr", "Nd"]);
        let inputs = names(t.spec());
        for want in ["beta_Ce_La", "beta_Pr_Ce", "beta_Nd_Pr"] {
            assert!(inputs.contains(&want), "{want} missing from {inputs:?}");
        }
        assert!(
            !inputs.contains(&"D_Nd"),
            "L1 campaigns are not asked for D"
        );
        // A given pair is kept as given; the rest is chained.
        let t = SxCascadeTwin::for_inputs(&["f_Nd", "f_Pr", "f_Sm", "beta_Sm_Pr"]);
        let inputs = names(t.spec());
        assert!(inputs.contains(&"beta_Sm_Pr") && inputs.contains(&"beta_Nd_Pr"));
        assert!(!inputs.contains(&"beta_Sm_Nd"), "{inputs:?}");
        // D inputs alone make an L0 campaign.
        let t = SxCascadeTwin::for_inputs(&["D_Nd", "D_Pr", "Dscrub_Nd", "Dscrub_Pr"]);
        assert_eq!(t.spec().input("model").unwrap().default, Some(0.0));
        assert!(t.spec().input("beta_Nd_Pr").is_none());
    }
}
