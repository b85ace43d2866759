//! Gauss–Legendre nodes and weights on [0, 1], computed once per size.

use std::sync::OnceLock;

/// Nodes of the profile quadrature of every reported value (the spec asks
/// for 50 or more).
pub const NODES: usize = 64;
/// Nodes of the quick rule used only to find sign changes on the
/// temperature scan; every root is then refined with the full rule.
pub const SCAN_NODES: usize = 16;

/// Nodes and weights of the `NODES`-point rule on [0, 1].
pub fn gauss_legendre() -> &'static (Vec<f64>, Vec<f64>) {
    static RULE: OnceLock<(Vec<f64>, Vec<f64>)> = OnceLock::new();
    RULE.get_or_init(|| rule(NODES))
}

/// Nodes and weights of the `SCAN_NODES`-point rule on [0, 1].
pub fn gauss_legendre_scan() -> &'static (Vec<f64>, Vec<f64>) {
    static RULE: OnceLock<(Vec<f64>, Vec<f64>)> = OnceLock::new();
    RULE.get_or_init(|| rule(SCAN_NODES))
}

/// The n-point rule: roots of P_n by Newton from Chebyshev guesses.
fn rule(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    for i in 0..n {
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, z);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * z * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            dp = n as f64 * (z * p1 - p0) / (z * z - 1.0);
            let dz = p1 / dp;
            z -= dz;
            if dz.abs() < 1e-15 {
                break;
            }
        }
        // Map [-1, 1] to [0, 1].
        x[i] = 0.5 * (1.0 - z);
        w[i] = 1.0 / ((1.0 - z * z) * dp * dp);
    }
    (x, w)
}

#[cfg(test)]
mod tests {
    #[test]
    fn integrates_polynomials_exactly() {
        let (x, w) = super::gauss_legendre();
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-14);
        // ∫₀¹ s^k ds = 1/(k+1) for k < 2·NODES.
        for k in [1, 7, 40, 120] {
            let got: f64 = x.iter().zip(w).map(|(s, w)| w * s.powi(k)).sum();
            assert!(
                (got - 1.0 / (k as f64 + 1.0)).abs() < 1e-13,
                "k = {k}: {got}"
            );
        }
    }
}
