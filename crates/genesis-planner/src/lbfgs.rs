//! Box-constrained L-BFGS (projected variant) for the small smooth problems
//! the planner solves: GP hyperparameters and acquisition maximisation.
//!
//! Directions come from the usual two-loop recursion on the free variables;
//! steps are projected onto the box and accepted by an Armijo backtracking
//! line search. Non-finite objective values count as "too far" and shorten
//! the step, so a failed Cholesky never derails the search.

/// Result of a minimisation.
#[derive(Clone, Debug)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
}

/// Minimises `f` (which also writes its gradient into the second argument)
/// over the box `[lo, hi]`, starting from `x0`, for at most `max_iter`
/// iterations or until a step improves `f` by less than `tolerance`
/// relative to |f| (at least 1).
pub fn minimize(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    max_iter: usize,
    tolerance: f64,
) -> Minimum {
    const MEMORY: usize = 8;
    let n = x0.len();
    let project = |x: &mut [f64]| {
        for i in 0..n {
            x[i] = x[i].clamp(lo[i], hi[i]);
        }
    };
    let mut x = x0.to_vec();
    project(&mut x);
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    if !fx.is_finite() {
        return Minimum { x, value: fx };
    }
    let mut hist: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new(); // (s, y, 1/yᵀs)
    for _ in 0..max_iter {
        // Variables pinned at a bound by the gradient stay out of the step.
        let free: Vec<bool> = (0..n)
            .map(|i| !((x[i] <= lo[i] && g[i] > 0.0) || (x[i] >= hi[i] && g[i] < 0.0)))
            .collect();
        let pg: Vec<f64> = (0..n).map(|i| if free[i] { g[i] } else { 0.0 }).collect();
        if pg.iter().all(|v| v.abs() < 1e-8) {
            break;
        }
        // Two-loop recursion.
        let mut q = pg.clone();
        let mut alphas = Vec::with_capacity(hist.len());
        for (s, y, rho) in hist.iter().rev() {
            let a = rho * dot(s, &q);
            axpy(-a, y, &mut q);
            alphas.push(a);
        }
        if let Some((s, y, _)) = hist.last() {
            let gamma = dot(s, y) / dot(y, y);
            q.iter_mut().for_each(|v| *v *= gamma);
        }
        for ((s, y, rho), a) in hist.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &q);
            axpy(a - b, s, &mut q);
        }
        let mut d: Vec<f64> = (0..n).map(|i| if free[i] { -q[i] } else { 0.0 }).collect();
        if dot(&d, &pg) >= 0.0 {
            hist.clear();
            d = pg.iter().map(|v| -v).collect();
        }
        let mut t = if hist.is_empty() {
            (1.0 / norm_inf(&d)).min(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..30 {
            let mut xn: Vec<f64> = (0..n).map(|i| x[i] + t * d[i]).collect();
            project(&mut xn);
            let step: Vec<f64> = (0..n).map(|i| xn[i] - x[i]).collect();
            if norm_inf(&step) < 1e-12 {
                break;
            }
            let mut gn = vec![0.0; n];
            let fnew = f(&xn, &mut gn);
            if fnew.is_finite() && fnew <= fx + 1e-4 * dot(&g, &step) {
                accepted = Some((xn, gn, fnew, step));
                break;
            }
            t *= 0.5;
        }
        let Some((xn, gn, fnew, s)) = accepted else {
            break;
        };
        let y: Vec<f64> = (0..n).map(|i| gn[i] - g[i]).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            if hist.len() == MEMORY {
                hist.remove(0);
            }
            hist.push((s, y, 1.0 / sy));
        }
        let converged = (fx - fnew).abs() <= tolerance * fx.abs().max(1.0);
        x = xn;
        g = gn;
        fx = fnew;
        if converged {
            break;
        }
    }
    Minimum { x, value: fx }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi += a * xi);
}

fn norm_inf(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosenbrock_unconstrained_and_boxed() {
        let rosen = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimize(rosen, &[-1.2, 1.0], &[-5.0, -5.0], &[5.0, 5.0], 500, 1e-12);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-4 && (m.x[1] - 1.0).abs() < 1e-4,
            "{m:?}"
        );
        // With b ≤ 0.5 the constrained minimum lies on the bound b = 0.5.
        let m = minimize(rosen, &[-1.2, 0.0], &[-5.0, -5.0], &[5.0, 0.5], 500, 1e-12);
        assert!((m.x[1] - 0.5).abs() < 1e-12, "{m:?}");
        assert!(
            (m.x[0] - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-2,
            "{m:?}"
        );
    }

    #[test]
    fn non_finite_regions_shorten_the_step() {
        // f = x² for x > −1, NaN elsewhere; start at 3, minimum at 0.
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * x[0];
            if x[0] > -1.0 { x[0] * x[0] } else { f64::NAN }
        };
        let m = minimize(f, &[3.0], &[-10.0], &[10.0], 100, 1e-12);
        assert!(m.x[0].abs() < 1e-6, "{m:?}");
    }
}
