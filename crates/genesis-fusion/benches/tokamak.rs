//! Speed of the tokamak model: one full self-consistent evaluation (the
//! 90-point temperature scan, Brent refinement of every root, 64-point
//! profile quadrature) and a 200 × 200 POPCON grid.
//!
//! `cargo bench -p genesis-fusion --bench tokamak`

use genesis_fusion::{Tokamak, popcon};

fn main() {
    divan::main();
}

/// ITER Q = 10 baseline (Ar line radiation, relativistic bremsstrahlung).
#[divan::bench]
fn solve_iter() -> f64 {
    divan::black_box(Tokamak::default()).solve().unwrap().q
}

/// ARC-like: no line radiation, two profile exponents off the integers.
#[divan::bench]
fn solve_arc_like() -> f64 {
    let t = Tokamak {
        R: 3.3,
        a: 1.13,
        kappa_a: 1.695,
        B0: 9.2,
        Ip: 7.8,
        nbar20: 1.55,
        alpha_n: 0.385,
        alpha_T: 0.929,
        f_Ar: 0.0,
        f_Be: 0.0,
        f_C: 0.004,
        P_aux: 38.6,
        H98: 1.8,
        f_rad: 0.0,
        ..Tokamak::default()
    };
    divan::black_box(t).solve().unwrap().q
}

/// The ITER POPCON on a 200 × 200 grid of <n_e> 0.3-1.5e20 and <Te> 2-25 keV.
#[divan::bench(sample_count = 10)]
fn popcon_200x200() -> usize {
    let ne: Vec<f64> = (0..200).map(|i| 0.3 + 1.2 * i as f64 / 199.0).collect();
    let te: Vec<f64> = (0..200).map(|j| 2.0 + 23.0 * j as f64 / 199.0).collect();
    popcon(&Tokamak::default(), &ne, &te).unwrap().cells.len()
}
