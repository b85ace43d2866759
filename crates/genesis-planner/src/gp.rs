//! Gaussian-process surrogate: Matérn-5/2 ARD kernel on unit-cube features,
//! standardised outputs, hyperparameters by maximum a posteriori.
//!
//! Priors (on the log of each hyperparameter, i.e. log-normal priors):
//! - lengthscales: N(√2 + ½·ln D, 100), centred on the dimension-scaled
//!   prior of Hvarfner et al. (2024) that BoTorch uses by default, but far
//!   wider (sd 10 instead of √3): on the 6-D Hartmann benchmark with 60
//!   evaluations the narrow prior kept the model too smooth and 14 of 20
//!   seeds stuck in a local minimum, the wide one halves that;
//! - signal variance: N(0, 1) (outputs are standardised, so about 1);
//! - noise variance: N(−10, 4), bounded below by 1e-6: most twins are
//!   deterministic, and BoTorch's N(−4, 1) made the model see noise where
//!   there was none (it stalled on Branin).

use crate::lbfgs;
use nalgebra::{DMatrix, DVector};

const SQRT5: f64 = 2.236_067_977_499_79;
/// Variance of the normal prior on ln(lengthscale) (see the module docs).
const LENGTHSCALE_PRIOR_VAR: f64 = 100.0;
/// Mean and variance of the normal prior on ln(noise variance).
const NOISE_PRIOR: (f64, f64) = (-10.0, 4.0);
const LN_LS: (f64, f64) = (-6.907_755_278_982_137, 4.605_170_185_988_091); // ln 1e-3, ln 100
const LN_SF2: (f64, f64) = (-4.605_170_185_988_091, 4.605_170_185_988_091); // ln 1e-2, ln 100
const LN_SN2: (f64, f64) = (-13.815_510_557_964_274, 0.0); // ln 1e-6, ln 1
/// Largest data set hyperparameters are fitted on (the posterior uses more);
/// beyond it the O(n³) fit would dominate the cost of a suggestion.
pub const MAX_FIT_POINTS: usize = 64;
/// L-BFGS iterations for each screened start, and for the polished best.
const SCREEN_ITERATIONS: usize = 10;
const FIT_ITERATIONS: usize = 40;
/// Relative change of the log posterior at which the fit stops.
const FIT_TOLERANCE: f64 = 1e-7;

/// Why a surrogate could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GpError {
    #[error("the kernel matrix is not positive definite even with jitter")]
    NotPositiveDefinite,
    #[error("no data to fit")]
    NoData,
}

/// Kernel hyperparameters, on the log scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Hyper {
    pub log_lengthscales: Vec<f64>,
    pub log_signal_var: f64,
    pub log_noise_var: f64,
}

impl Hyper {
    fn from_vec(v: &[f64]) -> Hyper {
        let d = v.len() - 2;
        Hyper {
            log_lengthscales: v[..d].to_vec(),
            log_signal_var: v[d],
            log_noise_var: v[d + 1],
        }
    }

    /// 1/ℓ_d² for each feature, the form the kernel uses.
    fn inv_sq_lengthscales(&self) -> Vec<f64> {
        self.log_lengthscales
            .iter()
            .map(|l| (-2.0 * l).exp())
            .collect()
    }

    fn prior_mean_lengthscale(dim: usize) -> f64 {
        std::f64::consts::SQRT_2 + 0.5 * (dim as f64).ln()
    }
}

/// Matérn-5/2 correlation and, for gradients, the common factor
/// (5/3)(1 + √5 r) e^{−√5 r}, which equals −(dk/dr)/r.
fn matern52(r2: f64) -> (f64, f64) {
    let r = r2.sqrt();
    let e = (-SQRT5 * r).exp();
    (
        (1.0 + SQRT5 * r + 5.0 / 3.0 * r2) * e,
        5.0 / 3.0 * (1.0 + SQRT5 * r) * e,
    )
}

fn scaled_sq_dist(a: &[f64], b: &[f64], inv_ls2: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .zip(inv_ls2)
        .map(|((x, y), w)| (x - y) * (x - y) * w)
        .sum()
}

/// A fitted GP, conditioned on its data.
#[derive(Clone, Debug)]
pub struct Gp {
    pub hyper: Hyper,
    x: Vec<Vec<f64>>,
    inv_ls2: Vec<f64>,
    signal_var: f64,
    /// Lower Cholesky factor of K + σₙ²I (+ jitter).
    chol: DMatrix<f64>,
    /// (K + σₙ²I)⁻¹ y, with y standardised.
    alpha: DVector<f64>,
    y_mean: f64,
    y_std: f64,
}

/// Cholesky with escalating jitter; returns the factor and the jitter used.
fn cholesky(mut k: DMatrix<f64>) -> Result<DMatrix<f64>, GpError> {
    let n = k.nrows();
    let scale = (0..n).map(|i| k[(i, i)]).fold(0.0, f64::max).max(1e-12);
    let mut jitter = 0.0;
    for attempt in 0..6 {
        if let Some(c) = k.clone().cholesky() {
            return Ok(c.unpack());
        }
        let next = scale * 1e-9 * 100f64.powi(attempt);
        for i in 0..n {
            k[(i, i)] += next - jitter;
        }
        jitter = next;
    }
    Err(GpError::NotPositiveDefinite)
}

fn kernel_matrix(x: &[Vec<f64>], h: &Hyper) -> DMatrix<f64> {
    let n = x.len();
    let inv_ls2 = h.inv_sq_lengthscales();
    let sf2 = h.log_signal_var.exp();
    let sn2 = h.log_noise_var.exp();
    DMatrix::from_fn(n, n, |i, j| {
        let k = sf2 * matern52(scaled_sq_dist(&x[i], &x[j], &inv_ls2)).0;
        if i == j { k + sn2 } else { k }
    })
}

/// Negative log posterior of the hyperparameters (up to a constant) and its gradient.
fn neg_log_posterior(x: &[Vec<f64>], y: &DVector<f64>, theta: &[f64], grad: &mut [f64]) -> f64 {
    let h = Hyper::from_vec(theta);
    let n = x.len();
    let d = h.log_lengthscales.len();
    let k = kernel_matrix(x, &h);
    let Ok(l) = cholesky(k) else {
        return f64::NAN;
    };
    let chol = nalgebra::Cholesky::pack_dirty(l.clone());
    let alpha = chol.solve(y);
    let log_det: f64 = (0..n).map(|i| l[(i, i)].ln()).sum();
    let mut nll = 0.5 * y.dot(&alpha) + log_det;
    // W = K⁻¹ − ααᵀ; ∂NLL/∂θ = ½ tr(W ∂K/∂θ).
    let mut w = chol.inverse();
    w -= &alpha * alpha.transpose();
    let inv_ls2 = h.inv_sq_lengthscales();
    let sf2 = h.log_signal_var.exp();
    let sn2 = h.log_noise_var.exp();
    grad.iter_mut().for_each(|g| *g = 0.0);
    for i in 0..n {
        for j in 0..i {
            let r2 = scaled_sq_dist(&x[i], &x[j], &inv_ls2);
            let (kij, factor) = matern52(r2);
            let wij = w[(i, j)]; // counted twice by symmetry, times ½
            for dd in 0..d {
                let diff = x[i][dd] - x[j][dd];
                grad[dd] += wij * sf2 * factor * diff * diff * inv_ls2[dd];
            }
            grad[d] += wij * sf2 * kij;
        }
        grad[d] += 0.5 * w[(i, i)] * sf2;
        grad[d + 1] += 0.5 * w[(i, i)] * sn2;
    }
    // Priors.
    let mu_ls = Hyper::prior_mean_lengthscale(d);
    let priors = (0..d)
        .map(|i| (i, mu_ls, LENGTHSCALE_PRIOR_VAR))
        .chain([(d, 0.0, 1.0), (d + 1, NOISE_PRIOR.0, NOISE_PRIOR.1)]);
    for (i, mu, var) in priors {
        nll += (theta[i] - mu).powi(2) / (2.0 * var);
        grad[i] += (theta[i] - mu) / var;
    }
    nll
}

/// Picks at most `max_fit_points` points for the hyperparameter fit: the best
/// half by value (where the optimum is) and an even spread of the rest.
fn fit_subset(y: &[f64], max_fit_points: usize) -> Vec<usize> {
    let n = y.len();
    if n <= max_fit_points {
        return (0..n).collect();
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| y[a].total_cmp(&y[b]).then(a.cmp(&b)));
    let half = max_fit_points / 2;
    let mut chosen: Vec<usize> = order[..half].to_vec();
    let rest = &order[half..];
    let step = rest.len() as f64 / (max_fit_points - half) as f64;
    chosen.extend((0..max_fit_points - half).map(|k| rest[(k as f64 * step) as usize]));
    chosen.sort();
    chosen
}

impl Gp {
    /// Fits hyperparameters (multi-start L-BFGS on the log posterior) and
    /// conditions on all data. `x` rows are features in [0, 1].
    pub fn fit(x: &[Vec<f64>], y: &[f64]) -> Result<Gp, GpError> {
        Gp::fit_on_at_most(x, y, MAX_FIT_POINTS)
    }

    /// As [`Gp::fit`], fitting hyperparameters on up to `max_fit_points`
    /// points instead of [`MAX_FIT_POINTS`]. The planner's subset favours the
    /// best values (where it searches); an analysis of the whole space, such
    /// as a sensitivity study, needs the hyperparameters of all the data and
    /// can afford the O(n³) fit once.
    pub fn fit_on_at_most(x: &[Vec<f64>], y: &[f64], max_fit_points: usize) -> Result<Gp, GpError> {
        if x.is_empty() {
            return Err(GpError::NoData);
        }
        let (y_mean, y_std) = standardisation(y);
        let ys: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_std).collect();
        let subset = fit_subset(&ys, max_fit_points.max(2));
        let xs: Vec<Vec<f64>> = subset.iter().map(|&i| x[i].clone()).collect();
        let yv = DVector::from_iterator(subset.len(), subset.iter().map(|&i| ys[i]));
        let d = x[0].len();
        let mut lo = vec![LN_LS.0; d];
        let mut hi = vec![LN_LS.1; d];
        lo.extend([LN_SF2.0, LN_SN2.0]);
        hi.extend([LN_SF2.1, LN_SN2.1]);
        // Screen several starting lengthscales briefly, then polish the best:
        // the likelihood is multimodal in the lengthscales, and one start
        // from the (long) prior mode alone misses short-scale structure.
        let nlp = |t: &[f64], g: &mut [f64]| neg_log_posterior(&xs, &yv, t, g);
        let starts = [Hyper::prior_mean_lengthscale(d), -0.5, -1.5, -2.5];
        let screened = starts
            .iter()
            .map(|&ls| {
                let mut x0 = vec![ls; d];
                x0.extend([0.0, -8.0]);
                lbfgs::minimize(nlp, &x0, &lo, &hi, SCREEN_ITERATIONS, FIT_TOLERANCE)
            })
            .filter(|m| m.value.is_finite())
            .min_by(|a, b| a.value.total_cmp(&b.value))
            .ok_or(GpError::NotPositiveDefinite)?;
        let polished = lbfgs::minimize(nlp, &screened.x, &lo, &hi, FIT_ITERATIONS, FIT_TOLERANCE);
        let best = if polished.value <= screened.value {
            polished
        } else {
            screened
        };
        Gp::condition(x, y, Hyper::from_vec(&best.x), Some((y_mean, y_std)))
    }

    /// Conditions a GP with given hyperparameters on data (no fitting).
    /// `standardise` fixes the output scaling, so fantasies share it.
    pub fn condition(
        x: &[Vec<f64>],
        y: &[f64],
        hyper: Hyper,
        standardise: Option<(f64, f64)>,
    ) -> Result<Gp, GpError> {
        let (y_mean, y_std) = standardise.unwrap_or_else(|| standardisation(y));
        let yv = DVector::from_iterator(y.len(), y.iter().map(|v| (v - y_mean) / y_std));
        let chol = cholesky(kernel_matrix(x, &hyper))?;
        let alpha = nalgebra::Cholesky::pack_dirty(chol.clone()).solve(&yv);
        Ok(Gp {
            inv_ls2: hyper.inv_sq_lengthscales(),
            signal_var: hyper.log_signal_var.exp(),
            hyper,
            x: x.to_vec(),
            chol,
            alpha,
            y_mean,
            y_std,
        })
    }

    /// The output scaling (mean, standard deviation) of the data.
    pub fn scaling(&self) -> (f64, f64) {
        (self.y_mean, self.y_std)
    }

    fn kstar(&self, x: &[f64]) -> (DVector<f64>, Vec<f64>) {
        let n = self.x.len();
        let mut factors = Vec::with_capacity(n);
        let k = DVector::from_iterator(
            n,
            self.x.iter().map(|xi| {
                let (k, f) = matern52(scaled_sq_dist(x, xi, &self.inv_ls2));
                factors.push(f);
                self.signal_var * k
            }),
        );
        (k, factors)
    }

    /// Posterior mean and standard deviation of the latent function at `x`,
    /// in original output units.
    pub fn predict(&self, x: &[f64]) -> (f64, f64) {
        let (k, _) = self.kstar(x);
        let (mean, var, _) = self.latent(&k);
        (self.y_mean + self.y_std * mean, self.y_std * var.sqrt())
    }

    /// Standardised mean, variance and L⁻¹k* for the cross-covariances `k`.
    fn latent(&self, k: &DVector<f64>) -> (f64, f64, DVector<f64>) {
        let mean = k.dot(&self.alpha);
        let v = self
            .chol
            .solve_lower_triangular(k)
            .expect("factor is invertible");
        let var = (self.signal_var - v.norm_squared()).max(1e-12);
        (mean, var, v)
    }

    /// Standard deviation of the observation noise, in output units: the
    /// scatter a repeated experiment shows around the latent function.
    pub fn noise_sd(&self) -> f64 {
        self.y_std * (0.5 * self.hyper.log_noise_var).exp()
    }

    /// Joint posterior of the latent function at `x` (features in [0, 1]):
    /// the mean vector and the covariance matrix, in output units. Needed
    /// wherever a quantity depends on several points at once (a contrast
    /// between two points, posterior sample paths).
    pub fn predict_joint(&self, x: &[Vec<f64>]) -> (Vec<f64>, DMatrix<f64>) {
        let groups: Vec<&[Vec<f64>]> = x.iter().map(std::slice::from_ref).collect();
        self.predict_averages(&groups)
    }

    /// Joint posterior of the *averages* of the latent function over groups
    /// of points: element g is (1/|G_g|) Σ_{x∈G_g} f(x). Averages are linear
    /// in f, so their posterior is Gaussian and exact; computing it this way
    /// costs O(n²·Σ|G|) instead of factorising the covariance of every point
    /// (a partial-dependence curve is such a set of averages).
    pub fn predict_averages(&self, groups: &[&[Vec<f64>]]) -> (Vec<f64>, DMatrix<f64>) {
        let n = self.x.len();
        let m = groups.len();
        let mut means = Vec::with_capacity(m);
        // Column g: the average of L⁻¹k*(x) over the group.
        let mut v = DMatrix::zeros(n, m);
        for (g, group) in groups.iter().enumerate() {
            let mut k_mean = DVector::zeros(n);
            for x in group.iter() {
                k_mean += self.kstar(x).0;
            }
            k_mean /= group.len() as f64;
            means.push(self.y_mean + self.y_std * k_mean.dot(&self.alpha));
            let col = self
                .chol
                .solve_lower_triangular(&k_mean)
                .expect("factor is invertible");
            v.set_column(g, &col);
        }
        let mut cov = DMatrix::from_fn(m, m, |a, b| {
            if b > a {
                return 0.0;
            }
            let mut prior = 0.0;
            for xa in groups[a].iter() {
                for xb in groups[b].iter() {
                    prior += matern52(scaled_sq_dist(xa, xb, &self.inv_ls2)).0;
                }
            }
            self.signal_var * prior / (groups[a].len() * groups[b].len()) as f64
        });
        cov -= v.transpose() * &v;
        for a in 0..m {
            for b in 0..a {
                cov[(b, a)] = cov[(a, b)];
            }
        }
        cov *= self.y_std * self.y_std;
        (means, cov)
    }

    /// Mean and standard deviation with their gradients with respect to `x`.
    pub fn predict_with_grad(&self, x: &[f64]) -> (f64, f64, Vec<f64>, Vec<f64>) {
        let (k, factors) = self.kstar(x);
        let (mean, var, v) = self.latent(&k);
        let sd = var.sqrt();
        // w = K⁻¹k* = L⁻ᵀ(L⁻¹k*), solved without forming Lᵀ.
        let w = self
            .chol
            .tr_solve_lower_triangular(&v)
            .expect("factor is invertible");
        let d = x.len();
        let mut dmean = vec![0.0; d];
        let mut dvar = vec![0.0; d];
        for (i, xi) in self.x.iter().enumerate() {
            // dk/dx_d = −σ_f² · factor · (x_d − x_id)/ℓ_d²
            let c = -self.signal_var * factors[i];
            for dd in 0..d {
                let dk = c * (x[dd] - xi[dd]) * self.inv_ls2[dd];
                dmean[dd] += self.alpha[i] * dk;
                dvar[dd] -= 2.0 * w[i] * dk;
            }
        }
        let dsd: Vec<f64> = dvar.iter().map(|g| self.y_std * g / (2.0 * sd)).collect();
        let dmean: Vec<f64> = dmean.iter().map(|g| self.y_std * g).collect();
        (self.y_mean + self.y_std * mean, self.y_std * sd, dmean, dsd)
    }
}

/// Mean and standard deviation used to standardise outputs (std 1 if flat).
fn standardisation(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let sd = var.sqrt();
    (
        mean,
        if sd > 1e-12 * mean.abs().max(1.0) {
            sd
        } else {
            1.0
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hyper(ls: f64, sf2: f64, sn2: f64, d: usize) -> Hyper {
        Hyper {
            log_lengthscales: vec![ls.ln(); d],
            log_signal_var: sf2.ln(),
            log_noise_var: sn2.ln(),
        }
    }

    #[test]
    fn posterior_matches_a_hand_computed_case() {
        // Two points x = 0 and x = 1 with y = −1, 1 (already standard), ℓ = 1,
        // σ_f² = 1, σ_n² = 0.01. By hand: k(0,1) = (1 + √5 + 5/3) e^{−√5}
        // = 0.5239941; at x* = 0.5, r = 0.5: k* = (1 + √5/2 + 5/12) e^{−√5/2} = 0.8286491.
        // By symmetry the mean at 0.5 is 0 and
        // var = 1 − 2 k*² / (1.01 + 0.5239941) = 0.1047431.
        let x = vec![vec![0.0], vec![1.0]];
        let gp =
            Gp::condition(&x, &[-1.0, 1.0], hyper(1.0, 1.0, 0.01, 1), Some((0.0, 1.0))).unwrap();
        let (m, s) = gp.predict(&[0.5]);
        assert!(m.abs() < 1e-12, "{m}");
        assert!((s * s - 0.104_743_105).abs() < 1e-8, "{}", s * s);
        // At a data point: mean = [k0ᵀ](K+σ²I)⁻¹y with k0 = (1, 0.523994):
        // (K+σ²I)⁻¹y = y/(1.01 − 0.5239941) for y = (−1, 1) antisymmetric → α = (−2.0575882, 2.0575882);
        // mean = −2.0575882 + 0.5239941·2.0575882 = −0.9794241.
        let (m0, _) = gp.predict(&[0.0]);
        assert!((m0 + 0.979_424_118).abs() < 1e-8, "{m0}");
    }

    #[test]
    fn gradients_match_finite_differences() {
        let x: Vec<Vec<f64>> = (0..12)
            .map(|i| vec![(i as f64 * 0.37) % 1.0, (i as f64 * 0.61) % 1.0])
            .collect();
        let y: Vec<f64> = x.iter().map(|p| (3.0 * p[0]).sin() + p[1] * p[1]).collect();
        let gp = Gp::condition(&x, &y, hyper(0.4, 1.3, 1e-4, 2), None).unwrap();
        let p = [0.33, 0.71];
        let (_, _, dm, ds) = gp.predict_with_grad(&p);
        for d in 0..2 {
            let h = 1e-6;
            let mut a = p;
            let mut b = p;
            a[d] += h;
            b[d] -= h;
            let (ma, sa) = gp.predict(&a);
            let (mb, sb) = gp.predict(&b);
            assert!((dm[d] - (ma - mb) / (2.0 * h)).abs() < 1e-5, "dmean {d}");
            assert!((ds[d] - (sa - sb) / (2.0 * h)).abs() < 1e-5, "dsd {d}");
        }
        // Hyperparameter gradient of the log posterior.
        let yv = DVector::from_vec(y.clone());
        let theta = [0.4f64.ln(), 0.2f64.ln(), 0.1, -5.0];
        let mut g = [0.0; 4];
        neg_log_posterior(&x, &yv, &theta, &mut g);
        for i in 0..4 {
            let h = 1e-6;
            let (mut a, mut b) = (theta, theta);
            a[i] += h;
            b[i] -= h;
            let mut scratch = [0.0; 4];
            let fd = (neg_log_posterior(&x, &yv, &a, &mut scratch)
                - neg_log_posterior(&x, &yv, &b, &mut scratch))
                / (2.0 * h);
            assert!(
                (g[i] - fd).abs() < 1e-4 * fd.abs().max(1.0),
                "theta {i}: {} vs {fd}",
                g[i]
            );
        }
    }

    #[test]
    fn joint_posterior_agrees_with_pointwise_and_with_averages() {
        let x: Vec<Vec<f64>> = (0..10)
            .map(|i| vec![(i as f64 * 0.37) % 1.0, (i as f64 * 0.61) % 1.0])
            .collect();
        let y: Vec<f64> = x.iter().map(|p| (3.0 * p[0]).sin() + p[1]).collect();
        let gp = Gp::condition(&x, &y, hyper(0.4, 1.3, 1e-4, 2), None).unwrap();
        let pts = vec![vec![0.1, 0.2], vec![0.5, 0.9], vec![0.52, 0.88]];
        let (m, c) = gp.predict_joint(&pts);
        for (i, p) in pts.iter().enumerate() {
            let (mi, si) = gp.predict(p);
            assert!((m[i] - mi).abs() < 1e-10 && (c[(i, i)] - si * si).abs() < 1e-10);
        }
        // Nearby points are strongly, distant ones weakly correlated.
        let corr = |a: usize, b: usize| c[(a, b)] / (c[(a, a)] * c[(b, b)]).sqrt();
        assert!(corr(1, 2) > 0.9 && corr(0, 1).abs() < corr(1, 2));
        // The average of all three: mean of means, variance 1ᵀC1/9.
        let (am, ac) = gp.predict_averages(&[&pts]);
        assert!((am[0] - m.iter().sum::<f64>() / 3.0).abs() < 1e-10);
        assert!((ac[(0, 0)] - c.sum() / 9.0).abs() < 1e-10);
    }

    #[test]
    fn fitting_learns_a_smooth_function() {
        // 30 points of a 1-D function; the fitted GP predicts held-out points well.
        let xs: Vec<Vec<f64>> = (0..30).map(|i| vec![i as f64 / 29.0]).collect();
        let f = |x: f64| (6.0 * x).sin() + 0.5 * x;
        let y: Vec<f64> = xs.iter().map(|p| f(p[0])).collect();
        let gp = Gp::fit(&xs, &y).unwrap();
        for t in [0.111, 0.5123, 0.888] {
            let (m, s) = gp.predict(&[t]);
            assert!((m - f(t)).abs() < 1e-3, "at {t}: {m} vs {}", f(t));
            assert!(s < 0.01, "at {t}: sd {s}");
        }
    }
}
