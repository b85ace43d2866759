//! L1: saturated organic with constant separation factors (the regime of
//! Xu's theory; spec §1.2). The organic leaving every stage carries the
//! same REE flow S; the equilibrium among REE fractions is
//! `y_i = β_i x_i / Σ_k β_k x_k`. In component flows (a = aqueous, o =
//! organic, per mol REE fed) this is `o_i = S β_i a_i / Σ_k β_k a_k`, and
//! the stage balances
//! `o_(j−1) + a_(j+1) + f δ_(j,k) − o_j − a_j = 0` close the system, with
//! `o_0 = 0` (stripped organic in) and the product-reflux scrub
//! `a_(N+1) = (W/S) o_N`. Summing over components gives the aqueous totals
//! F + W − S (raffinate), F + W (extraction) and W (scrub) by themselves.

use crate::block::BlockTridiagonal;
use crate::linear::{balance_residual, product_balance};
use crate::{MineralsError, Solution, check_layout, thomas};

/// Relative stage-balance residual at which a profile counts as converged.
const TOLERANCE: f64 = 1e-13;
/// Relative residual at the level of floating-point rounding.
const ROUNDING: f64 = 1e-14;
/// Largest relative flow correction |Δa/a| of a converged profile.
const STEP_TOLERANCE: f64 = 1e-10;
/// Largest relative flow correction accepted when the balances hold to
/// rounding: Newton's correction estimates the error of every flow, trace
/// flows included, so a larger one means the profile is not the answer
/// however small its residual. Loose on purpose: at rounding-level
/// residuals the block solve itself leaves 1e-7–3e-6 in the trace flows
/// of a four-component cascade.
const ROUNDING_STEP_TOLERANCE: f64 = 1e-5;
/// Largest |raffinate + loaded − feed| of any component relative to its
/// own feed (spec T4 asks 1e-12 absolute per mol fed).
const BALANCE_TOLERANCE: f64 = 1e-12;
/// Below this relative residual norm the pseudo-time step is dropped (Newton).
const NEWTON_SWITCH: f64 = 1e-6;
/// Largest change of ln(a) in one step: keeps flows positive and stops a
/// far-off linearisation from throwing the profile away.
const MAX_LOG_STEP: f64 = 2.0;
/// Pseudo-transient + Newton steps allowed from one starting profile.
const MAX_STEPS: usize = 600;
/// Substitution sweeps that shape the flat start before the first step.
const START_SWEEPS: usize = 3;
/// Initial pseudo-time step, in units of (mol fed)⁻¹ hold-up.
const FIRST_DT: f64 = 1.0;
/// Smallest homotopy increment before giving up.
const MIN_HOMOTOPY_STEP: f64 = 1e-3;

/// A saturated counter-current cascade (spec §1.2, L1) with aqueous feed,
/// REE-free organic in, and a product-reflux scrub. Flows are mol of REE
/// per unit time with the feed amounts as given (usually Σ feed = 1).
#[derive(Clone, Debug, PartialEq)]
pub struct SaturatedCascade {
    /// Extraction stages n.
    pub n_extraction: usize,
    /// Scrub stages m.
    pub n_scrub: usize,
    /// Stage receiving the aqueous feed (1-based), usually n.
    pub feed_stage: usize,
    /// REE flow S carried by the organic leaving each stage.
    pub organic_flow: f64,
    /// Scrub (reflux) REE flow W returned to the last stage; the organic
    /// product is S − W.
    pub scrub_flow: f64,
    /// Amount of each component in the feed (all positive).
    pub feed: Vec<f64>,
    /// Relative extractability of each component (β_i/β_k is the
    /// separation factor of i over k); any common scale.
    pub beta: Vec<f64>,
}

impl SaturatedCascade {
    /// Solves the stage profile: a few substitution sweeps (per-component
    /// Thomas solves) shape a flat start, pseudo-transient continuation
    /// with block-tridiagonal steps takes it to the basin of Newton's
    /// method, which finishes. If that fails, a binary cascade is marched
    /// stage by stage from both ends to the feed (the pinch cases), and
    /// otherwise the same driver follows homotopies in the organic flow
    /// and from β = 1 (trivial profile) to the given β.
    /// An unconverged profile is an error, never a solution.
    pub fn solve(&self) -> Result<Solution, MineralsError> {
        self.check()?;
        let problem = Problem::new(self, &self.beta);
        let mut work = Work::new(problem.n, problem.c);
        let mut a = problem.flat_start();
        problem.sweep(&mut a, &mut work, START_SWEEPS);
        let first = match problem.continuation(&mut a, &mut work, MAX_STEPS) {
            Ok(steps) => return Ok(problem.solution(a, steps, "pseudo-transient + Newton")),
            Err(first) => first,
        };
        let mut steps = first.steps;
        if let Some(mut marched) = problem.march_binary() {
            // The march closes every balance to rounding; the convergence
            // test confirms it with Newton's correction as error estimate
            // (or Newton polishes).
            match problem.continuation(&mut marched, &mut work, MAX_STEPS / 3) {
                Ok(s) => {
                    return Ok(problem.solution(
                        marched,
                        steps + s,
                        "two-ended stage march + Newton",
                    ));
                }
                Err(f) => steps += f.steps,
            }
        }
        self.homotopy(&mut work, Failure { steps, ..first })
    }

    /// Homotopy fallbacks, each step started from the previous profile:
    /// first from a richer organic (S and W raised together, so the
    /// product split stays), whose profile is far from the pinch, down to
    /// the given S; then β_i(t) = β_i^t from t = 0, where the flat profile
    /// is exact, to t = 1.
    fn homotopy(&self, work: &mut Work, first: Failure) -> Result<Solution, MineralsError> {
        let mut steps = first.steps;
        let lift = (0.5 * self.organic_flow).max(1.0);
        let richer = |t: f64| SaturatedCascade {
            organic_flow: self.organic_flow + (1.0 - t) * lift,
            scrub_flow: self.scrub_flow + (1.0 - t) * lift,
            ..self.clone()
        };
        let mut last = first.residual;
        match self.follow(work, &mut steps, richer) {
            Ok(a) => {
                return Ok(Problem::new(self, &self.beta).solution(
                    a,
                    steps,
                    "organic-flow homotopy",
                ));
            }
            Err(f) => last = last.min(f.residual),
        }
        let flatter = |t: f64| SaturatedCascade {
            beta: self.beta.iter().map(|b| b.powf(t)).collect(),
            ..self.clone()
        };
        match self.follow(work, &mut steps, flatter) {
            Ok(a) => {
                Ok(Problem::new(self, &self.beta).solution(a, steps, "separation-factor homotopy"))
            }
            Err(f) => Err(MineralsError::NotConverged {
                iterations: steps,
                residual: last.min(f.residual),
                method: "pseudo-transient + Newton, two-ended march (binary), then organic-flow and separation-factor homotopies",
            }),
        }
    }

    /// Follows `path(t)` from t = 0 to t = 1 with adaptive steps.
    fn follow(
        &self,
        work: &mut Work,
        steps: &mut usize,
        path: impl Fn(f64) -> SaturatedCascade,
    ) -> Result<Vec<f64>, Failure> {
        let start = path(0.0);
        let problem = Problem::new(&start, &start.beta);
        let mut a = problem.flat_start();
        problem.sweep(&mut a, work, START_SWEEPS);
        *steps += problem
            .continuation(&mut a, work, MAX_STEPS)
            .inspect_err(|f| *steps += f.steps)?;
        let (mut t, mut h) = (0.0f64, 0.1f64);
        while t < 1.0 {
            let next = (t + h).min(1.0);
            let cascade = path(next);
            let problem = Problem::new(&cascade, &cascade.beta);
            let mut trial = a.clone();
            match problem.continuation(&mut trial, work, MAX_STEPS / 3) {
                Ok(s) => {
                    *steps += s;
                    a = trial;
                    t = next;
                    h = (2.0 * h).min(0.5);
                }
                Err(f) => {
                    *steps += f.steps;
                    h /= 2.0;
                    if h < MIN_HOMOTOPY_STEP {
                        return Err(f);
                    }
                }
            }
        }
        Ok(a)
    }

    fn check(&self) -> Result<(), MineralsError> {
        check_layout(self.n_extraction, self.n_scrub, self.feed_stage)?;
        if self.feed.is_empty() || self.beta.len() != self.feed.len() {
            return Err(MineralsError::invalid(
                "beta",
                self.beta.len() as f64,
                "one relative extractability per feed component is needed",
            ));
        }
        if let Some(&bad) = self.feed.iter().find(|f| !(**f > 0.0 && f.is_finite())) {
            return Err(MineralsError::invalid(
                "feed",
                bad,
                "every component's feed amount must be positive (leave absent components out)",
            ));
        }
        if let Some(&bad) = self.beta.iter().find(|b| !(**b > 0.0 && b.is_finite())) {
            return Err(MineralsError::invalid(
                "beta",
                bad,
                "separation factors must be positive and finite",
            ));
        }
        let f: f64 = self.feed.iter().sum();
        let (s, w) = (self.organic_flow, self.scrub_flow);
        let n = self.n_extraction + self.n_scrub;
        if !(w >= 0.0 && w.is_finite()) || (w == 0.0 && self.feed_stage < n) {
            return Err(MineralsError::invalid(
                "W",
                w,
                "the scrub flow must be positive when stages lie above the feed stage",
            ));
        }
        if s.is_nan() || s <= w {
            return Err(MineralsError::Invalid {
                name: "S".into(),
                value: s,
                why: format!("must exceed W = {w}: the organic product S − W would be empty"),
            });
        }
        if s >= f + w {
            return Err(MineralsError::Invalid {
                name: "S".into(),
                value: s,
                why: format!(
                    "must be below F + W = {}: the raffinate F + W − S would be empty",
                    f + w
                ),
            });
        }
        Ok(())
    }
}

/// Why one continuation run stopped.
#[derive(Clone, Copy, Debug)]
struct Failure {
    steps: usize,
    residual: f64,
}

/// One cascade with a given set of β (the homotopy varies them).
struct Problem<'a> {
    n: usize,
    c: usize,
    feed_index: usize,
    s: f64,
    reflux: f64,
    feed: &'a [f64],
    beta: &'a [f64],
    total_feed: f64,
    w: f64,
}

/// Scratch arrays reused across steps.
struct Work {
    organic: Vec<f64>,
    g: Vec<f64>,
    step: Vec<f64>,
    trial: Vec<f64>,
    blocks: BlockTridiagonal,
    lower: Vec<f64>,
    diag: Vec<f64>,
    upper: Vec<f64>,
    rhs: Vec<f64>,
    scratch: Vec<f64>,
    eps: Vec<f64>,
}

impl Work {
    fn new(n: usize, c: usize) -> Self {
        Work {
            organic: vec![0.0; n * c],
            g: vec![0.0; n * c],
            step: vec![0.0; n * c],
            trial: vec![0.0; n * c],
            blocks: BlockTridiagonal::new(n, c),
            lower: vec![0.0; n],
            diag: vec![0.0; n],
            upper: vec![-1.0; n],
            rhs: vec![0.0; n],
            scratch: vec![0.0; n],
            eps: vec![0.0; n * c],
        }
    }
}

impl<'a> Problem<'a> {
    fn new(cascade: &'a SaturatedCascade, beta: &'a [f64]) -> Self {
        let n = cascade.n_extraction + cascade.n_scrub;
        Problem {
            n,
            c: cascade.feed.len(),
            feed_index: cascade.feed_stage - 1,
            s: cascade.organic_flow,
            reflux: cascade.scrub_flow / cascade.organic_flow,
            feed: &cascade.feed,
            beta,
            total_feed: cascade.feed.iter().sum(),
            w: cascade.scrub_flow,
        }
    }

    /// Binary cascades only: the stage-by-stage march of McCabe–Thiele and
    /// Lewis–Matheson, from both ends to the feed stage. Given the trace
    /// leak (the more extractable component in the raffinate), the
    /// products follow from the overall balances; below the feed each
    /// stage's aqueous outflow is `a_(j+1) = o_j + raffinate`, above it
    /// `o_j = a_(j+1) + product` with the aqueous from inverse equilibrium
    /// — sums of positive flows only, so every flow keeps its relative
    /// precision, however small. The two marches meet at the feed stage,
    /// and bisection on the log of the leak closes its balance. Near a
    /// pinch the whole profile hangs on that one number, which is what
    /// stalls a global Newton or pseudo-transient solve there.
    fn march_binary(&self) -> Option<Vec<f64>> {
        if self.c != 2 || self.beta[0] == self.beta[1] {
            return None;
        }
        let (ia, ib) = if self.beta[0] > self.beta[1] {
            (0, 1)
        } else {
            (1, 0)
        };
        let (n, k) = (self.n, self.feed_index);
        let raffinate = self.stage_total(0);
        let product = self.s - self.w;
        let f_a = self.feed[ia];
        // The leak r of A; the product's B is r − (f_A − P), never below 0.
        let r_low = (f_a - product).max(0.0);
        let r_high = f_a.min(raffinate);
        let mut a = vec![0.0; n * 2];
        let mut o_bottom = [0.0; 2];
        let mut o_top = [0.0; 2];
        // Fills `a` for trace leak r_low + e^t; returns the feed-stage mismatch.
        let mut profile = |t: f64, a: &mut [f64]| -> f64 {
            let excess = t.exp();
            let r = r_low + excess;
            let product_b = if r_low > 0.0 {
                excess
            } else {
                product - f_a + r
            };
            let mut raff = [0.0; 2];
            raff[ia] = r;
            raff[ib] = raffinate - r;
            let mut prod = [0.0; 2];
            prod[ia] = product - product_b;
            prod[ib] = product_b;
            a[..2].copy_from_slice(&raff);
            for j in 0..=k {
                self.equilibrium_organic(&a[j * 2..j * 2 + 2], &mut o_bottom);
                if j < k {
                    for i in 0..2 {
                        a[(j + 1) * 2 + i] = o_bottom[i] + raff[i];
                    }
                }
            }
            for i in 0..2 {
                o_top[i] = self.s * prod[i] / product;
            }
            for j in (k + 1..n).rev() {
                let total = self.stage_total(j);
                let lean: f64 = (0..2).map(|i| o_top[i] / self.beta[i]).sum();
                for i in 0..2 {
                    a[j * 2 + i] = total * o_top[i] / self.beta[i] / lean;
                    o_top[i] = a[j * 2 + i] + prod[i];
                }
            }
            (o_top[ia] / o_bottom[ia]).ln() - (o_top[ib] / o_bottom[ib]).ln()
        };
        let (mut lo, mut hi) = ((f64::MIN_POSITIVE).ln(), (r_high - r_low).ln());
        if !(profile(lo, &mut a) > 0.0 && profile(hi, &mut a) < 0.0) {
            return None;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if profile(mid, &mut a) > 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        profile(lo, &mut a);
        Some(a)
    }

    /// o_i = S β_i a_i / Σ_k β_k a_k for one stage.
    fn equilibrium_organic(&self, a: &[f64], o: &mut [f64]) {
        let b: f64 = a.iter().zip(self.beta).map(|(x, bt)| x * bt).sum();
        for ((oi, x), bt) in o.iter_mut().zip(a).zip(self.beta) {
            *oi = self.s * bt * x / b;
        }
    }

    /// Aqueous flows with the feed composition on every stage and the
    /// stage totals the balances imply: exact at β = 1.
    fn flat_start(&self) -> Vec<f64> {
        let mut a = vec![0.0; self.n * self.c];
        for j in 0..self.n {
            let total = self.stage_total(j);
            for i in 0..self.c {
                a[j * self.c + i] = total * self.feed[i] / self.total_feed;
            }
        }
        a
    }

    /// Total aqueous REE flow leaving stage `j` (0-based) at steady state:
    /// F + W − S (raffinate), F + W up to the feed stage, W above it.
    fn stage_total(&self, j: usize) -> f64 {
        if j == 0 {
            self.total_feed + self.w - self.s
        } else if j <= self.feed_index {
            self.total_feed + self.w
        } else {
            self.w
        }
    }

    /// o_i = S β_i a_i / Σ_k β_k a_k on every stage.
    fn organic(&self, a: &[f64], o: &mut [f64]) {
        let c = self.c;
        for (aj, oj) in a.chunks_exact(c).zip(o.chunks_exact_mut(c)) {
            let b: f64 = aj.iter().zip(self.beta).map(|(x, bt)| x * bt).sum();
            for ((oi, x), bt) in oj.iter_mut().zip(aj).zip(self.beta) {
                *oi = self.s * bt * x / b;
            }
        }
    }

    /// g = inflows − outflows of every stage and component; returns the
    /// 2-norm of g relative to the flows in each balance (the merit that
    /// drives the pseudo-time step, blind to no trace component).
    fn residual(&self, a: &[f64], o: &[f64], g: &mut [f64]) -> f64 {
        let (n, c) = (self.n, self.c);
        let mut sum = 0.0;
        for j in 0..n {
            for i in 0..c {
                let o_in = if j > 0 { o[(j - 1) * c + i] } else { 0.0 };
                let a_in = if j + 1 < n {
                    a[(j + 1) * c + i]
                } else {
                    self.reflux * o[j * c + i]
                };
                let f = if j == self.feed_index {
                    self.feed[i]
                } else {
                    0.0
                };
                let r = o_in + a_in + f - o[j * c + i] - a[j * c + i];
                g[j * c + i] = r;
                let scale = o_in + a_in + f + o[j * c + i] + a[j * c + i];
                sum += (r / scale) * (r / scale);
            }
        }
        sum.sqrt()
    }

    /// Converged: every balance holds to `TOLERANCE` relative and Newton's
    /// next correction is negligible, or every balance holds to rounding
    /// (`ROUNDING`) and the correction, which then reflects conditioning,
    /// is still small; and each component's products add up to its feed
    /// relative to that feed (`BALANCE_TOLERANCE`).
    fn converged(&self, largest: f64, a: &[f64], o: &[f64]) -> bool {
        let rel = self.relative_residual(a, o);
        let settled = (rel <= TOLERANCE && largest < STEP_TOLERANCE)
            || (rel <= ROUNDING && largest < ROUNDING_STEP_TOLERANCE);
        settled && self.feed_balance(a, o) <= BALANCE_TOLERANCE
    }

    /// Largest |raffinate + loaded − feed| over components, each relative
    /// to its own feed.
    fn feed_balance(&self, a: &[f64], o: &[f64]) -> f64 {
        let top = &o[(self.n - 1) * self.c..];
        (0..self.c)
            .map(|i| (a[i] + top[i] * (1.0 - self.reflux) - self.feed[i]).abs() / self.feed[i])
            .fold(0.0, f64::max)
    }

    fn relative_residual(&self, a: &[f64], o: &[f64]) -> f64 {
        balance_residual(
            a,
            o,
            self.feed,
            self.feed_index + 1,
            self.n,
            self.c,
            self.reflux,
        )
    }

    /// Successive substitution: with ε_ij = S β_i / Σ_k β_k a_kj frozen,
    /// each component's balances are one tridiagonal system.
    fn sweep(&self, a: &mut [f64], work: &mut Work, sweeps: usize) {
        let (n, c) = (self.n, self.c);
        for _ in 0..sweeps {
            for j in 0..n {
                let aj = &a[j * c..(j + 1) * c];
                let b: f64 = aj.iter().zip(self.beta).map(|(x, bt)| x * bt).sum();
                for i in 0..c {
                    work.eps[j * c + i] = self.s * self.beta[i] / b;
                }
            }
            for i in 0..c {
                for j in 0..n {
                    let e = work.eps[j * c + i];
                    work.lower[j] = if j > 0 {
                        -work.eps[(j - 1) * c + i]
                    } else {
                        0.0
                    };
                    work.diag[j] = 1.0
                        + if j + 1 == n {
                            e * (1.0 - self.reflux)
                        } else {
                            e
                        };
                    work.rhs[j] = if j == self.feed_index {
                        self.feed[i]
                    } else {
                        0.0
                    };
                }
                thomas(
                    &work.lower,
                    &work.diag,
                    &work.upper,
                    &mut work.rhs,
                    &mut work.scratch,
                );
                for j in 0..n {
                    a[j * c + i] = work.rhs[j].max(f64::MIN_POSITIVE);
                }
            }
            self.normalise(a);
        }
    }

    /// Wang–Henke normalisation: every stage back to its aqueous total.
    fn normalise(&self, a: &mut [f64]) {
        for (j, aj) in a.chunks_exact_mut(self.c).enumerate() {
            let scale = self.stage_total(j) / aj.iter().sum::<f64>();
            aj.iter_mut().for_each(|x| *x *= scale);
        }
    }

    /// Fills the Jacobian blocks of g with respect to a, minus I/dt on the
    /// diagonal (dt = ∞: Newton). ∂o_i/∂a_k = (S/B) β_i δ_ik − o_i β_k / B.
    fn jacobian(&self, a: &[f64], o: &[f64], inv_dt: f64, blocks: &mut BlockTridiagonal) {
        let (n, c) = (self.n, self.c);
        let cc = c * c;
        for j in 0..n {
            let aj = &a[j * c..(j + 1) * c];
            let oj = &o[j * c..(j + 1) * c];
            let b: f64 = aj.iter().zip(self.beta).map(|(x, bt)| x * bt).sum();
            let keep = if j + 1 == n { 1.0 - self.reflux } else { 1.0 };
            for (r, o_r) in oj.iter().enumerate() {
                for k in 0..c {
                    let mut do_da = -o_r * self.beta[k] / b;
                    if r == k {
                        do_da += self.s * self.beta[r] / b;
                    }
                    blocks.diag[j * cc + r * c + k] =
                        -keep * do_da - if r == k { 1.0 + inv_dt } else { 0.0 };
                    if j + 1 < n {
                        blocks.lower[(j + 1) * cc + r * c + k] = do_da;
                    }
                }
            }
        }
    }

    /// Pseudo-transient continuation of `M da/dt = g(a)` (M = I) by
    /// linearised implicit Euler steps `(J − I/dt) Δa = −g`, dt grown by
    /// switched evolution relaxation (dt ← dt ‖g_old‖/‖g_new‖), pure Newton
    /// once ‖g‖ is small. Steps are applied to ln a (a ← a·exp(Δa/a),
    /// clipped), which keeps every flow positive and trace flows precise,
    /// and each stage is then scaled back to its known aqueous total.
    fn continuation(
        &self,
        a: &mut [f64],
        work: &mut Work,
        max_steps: usize,
    ) -> Result<usize, Failure> {
        let mut dt = FIRST_DT;
        self.organic(a, &mut work.organic);
        let mut norm = self.residual(a, &work.organic, &mut work.g);
        let mut newton = false;
        let mut newton_below = NEWTON_SWITCH;
        for step in 1..=max_steps {
            let inv_dt = if newton { 0.0 } else { 1.0 / dt };
            self.jacobian(a, &work.organic, inv_dt, &mut work.blocks);
            for (s, g) in work.step.iter_mut().zip(&work.g) {
                *s = -g;
            }
            let solved = work.blocks.solve(&mut work.step);
            let largest = work
                .step
                .iter()
                .zip(a.iter())
                .fold(0.0f64, |m, (d, x)| m.max((d / x).abs()));
            if solved && self.converged(largest, a, &work.organic) {
                return Ok(step);
            }
            let new_norm = if solved {
                for ((t, x), d) in work.trial.iter_mut().zip(a.iter()).zip(&work.step) {
                    let log_step = (d / x).clamp(-MAX_LOG_STEP, MAX_LOG_STEP);
                    *t = (x * log_step.exp()).max(f64::MIN_POSITIVE);
                }
                self.normalise(&mut work.trial);
                self.organic(&work.trial, &mut work.organic);
                self.residual(&work.trial, &work.organic, &mut work.g)
            } else {
                f64::INFINITY
            };
            let worse = if newton {
                new_norm.is_nan() || new_norm > norm
            } else {
                new_norm.is_nan() || new_norm >= 10.0 * norm
            };
            if worse {
                // Back to the last accepted profile with a shorter pseudo-time
                // step; after a failed Newton step, Newton waits for a
                // smaller residual.
                if newton {
                    newton_below = norm / 100.0;
                } else {
                    dt /= 4.0;
                }
                newton = false;
                self.organic(a, &mut work.organic);
                self.residual(a, &work.organic, &mut work.g);
                continue;
            }
            a.copy_from_slice(&work.trial);
            if !newton {
                // Switched evolution relaxation, with a floor on the growth
                // so that a stagnating residual still lengthens the step.
                let ratio = norm / new_norm.max(f64::MIN_POSITIVE);
                dt *= if ratio >= 1.0 {
                    ratio.clamp(2.0, 10.0)
                } else {
                    ratio
                };
            }
            norm = new_norm;
            newton = norm < newton_below;
        }
        self.organic(a, &mut work.organic);
        Err(Failure {
            steps: max_steps,
            residual: self.relative_residual(a, &work.organic),
        })
    }

    fn solution(&self, aqueous: Vec<f64>, iterations: usize, method: &'static str) -> Solution {
        let (n, c) = (self.n, self.c);
        let mut organic = vec![0.0; n * c];
        self.organic(&aqueous, &mut organic);
        let raffinate = aqueous[..c].to_vec();
        let loaded: Vec<f64> = organic[(n - 1) * c..]
            .iter()
            .map(|o| o * (1.0 - self.reflux))
            .collect();
        Solution {
            stages: n,
            components: c,
            residual: self.relative_residual(&aqueous, &organic),
            balance_error: product_balance(&raffinate, &loaded, self.feed),
            aqueous,
            organic,
            raffinate,
            loaded,
            iterations,
            method,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spec T5's 200 + 200 pinch case: pseudo-transient continuation from
    /// the flat start stalls on a profile whose balances hold to about
    /// 1e-13 relative but whose Nd leak is ~1e-21 instead of 2.88e-9; the
    /// convergence test (Newton's correction as error estimate) must refuse
    /// it, and the two-ended march must find the answer.
    #[test]
    fn the_stalled_pinch_profile_is_refused_and_the_march_finds_the_leak() {
        let cascade = SaturatedCascade {
            n_extraction: 200,
            n_scrub: 200,
            feed_stage: 200,
            organic_flow: 2.8,
            scrub_flow: 2.05,
            feed: vec![0.75, 0.25],
            beta: vec![1.5, 1.0],
        };
        let problem = Problem::new(&cascade, &cascade.beta);
        let mut work = Work::new(problem.n, problem.c);
        let mut a = problem.flat_start();
        problem.sweep(&mut a, &mut work, START_SWEEPS);
        assert!(problem.continuation(&mut a, &mut work, MAX_STEPS).is_err());
        assert!(a[0] < 1e-15, "stalled leak {:e}", a[0]);
        let marched = problem.march_binary().expect("a bracketed leak");
        // 300-digit reference, tests/reference/pinch_leak.py.
        assert!((marched[0] / 2.880419847e-9 - 1.0).abs() < 1e-9);
    }
}
