//! Speed of one L1 (saturated, constant-β) cascade solve: the spec's
//! 60-stage Nd/Pr reference case and a 200-stage La/Ce/Pr/Nd cascade
//! (Ce|Pr cut), both from the flat start; and the linear L0 model.
//!
//! `cargo bench -p genesis-minerals --bench cascade`

use genesis_minerals::{LinearCascade, SaturatedCascade};

fn main() {
    divan::main();
}

/// Spec T3: 30 + 30 stages, S = 3.5, W = 2.75, β(Nd/Pr) = 1.5, 75/25.
#[divan::bench]
fn l1_binary_60_stages() -> f64 {
    let c = SaturatedCascade {
        n_extraction: 30,
        n_scrub: 30,
        feed_stage: 30,
        organic_flow: 3.5,
        scrub_flow: 2.75,
        feed: vec![0.75, 0.25],
        beta: vec![1.5, 1.0],
    };
    divan::black_box(c).solve().unwrap().raffinate[0]
}

/// 100 + 100 stages, La/Ce/Pr/Nd 40/30/10/20 with the D2EHPA + lactic acid
/// separation factors of Yin et al. 2015 (3.24, 2.04, 1.58); S = 1.6 and
/// W = 1.3 against S_min = 1.26, W_min = 0.96 for the Pr/Ce key pair.
#[divan::bench]
fn l1_four_components_200_stages() -> f64 {
    let c = SaturatedCascade {
        n_extraction: 100,
        n_scrub: 100,
        feed_stage: 100,
        organic_flow: 1.6,
        scrub_flow: 1.3,
        feed: vec![0.4, 0.3, 0.1, 0.2],
        beta: vec![1.0, 3.24, 3.24 * 2.04, 3.24 * 2.04 * 1.58],
    };
    divan::black_box(c).solve().unwrap().raffinate[2]
}

/// L0, spec T2 layout with 100 + 100 stages and two components.
#[divan::bench]
fn l0_binary_200_stages() -> f64 {
    let c = LinearCascade {
        n_extraction: 100,
        n_scrub: 100,
        feed_stage: 100,
        organic_to_feed: 2.0,
        scrub_to_feed: 1.0,
        feed: vec![0.5, 0.5],
        d_extraction: vec![1.6, 0.6],
        d_scrub: vec![0.8, 0.3],
    };
    divan::black_box(c).solve().unwrap().loaded[0]
}
