//! Partial-dependence shapes on a synthetic campaign whose shapes are known.

mod common;

use common::{float, sobol_dataset};
use genesis_core::{Goal, SearchSpace};
use genesis_cosci::dependence::{DependenceSettings, PartialDependence, Shape, partial_dependence};
use genesis_cosci::surrogate::Surrogate;

/// y = −4(a − 3)²/9 + 2(1 − e^{−b/0.1}) − 0.5 d on a ∈ [0, 9] s, b, c, d ∈ [0, 1]:
/// an interior maximum at a = 3, a rise in b that levels off (within 5%
/// of its range, 2·e^{−b/0.1} < 0.1, above b = 0.3), c inert, d decreasing.
fn truth(x: &[f64]) -> f64 {
    -4.0 * (x[0] - 3.0).powi(2) / 81.0 + 2.0 * (1.0 - (-x[1] / 0.1).exp()) - 0.5 * x[3]
}

fn curves() -> Vec<PartialDependence> {
    let space = SearchSpace {
        parameters: vec![
            float("a", 0.0, 9.0, "s"),
            float("b", 0.0, 1.0, "1"),
            float("c", 0.0, 1.0, "1"),
            float("d", 0.0, 1.0, "1"),
        ],
    };
    let data = sobol_dataset(space, truth, 64, Goal::Maximize);
    let gp = Surrogate::fit(&data).unwrap();
    partial_dependence(&gp, &DependenceSettings::default()).unwrap()
}

#[test]
fn shapes_of_known_curves_are_recovered() {
    let pd = curves();
    for c in &pd {
        eprintln!("{}: {:?}", c.parameter, c.shape);
    }
    match pd[0].shape {
        Shape::InteriorMaximum {
            at,
            interval,
            probability,
        } => {
            assert!((at - 3.0).abs() < 0.3, "optimum at {at}");
            assert!(interval.0 <= 3.0 && 3.0 <= interval.1, "{interval:?}");
            assert!(interval.1 - interval.0 < 1.5, "{interval:?}");
            assert!(probability >= 0.9);
        }
        ref other => panic!("a: {other:?}"),
    }
    match pd[1].shape {
        Shape::Increasing {
            plateau_from: Some(v),
            ..
        } => {
            assert!((0.2..=0.45).contains(&v), "plateau from {v}")
        }
        ref other => panic!("b: {other:?}"),
    }
    assert_eq!(pd[2].shape, Shape::Flat);
    assert!(
        matches!(
            pd[3].shape,
            Shape::Decreasing {
                plateau_from: None,
                ..
            }
        ),
        "{:?}",
        pd[3].shape
    );
}

#[test]
fn the_band_contains_the_mean_and_the_true_curve() {
    let pd = curves();
    // True PD of d: −0.5 d plus a constant; compare centred curves.
    let d = &pd[3];
    for k in 0..d.mean.len() {
        assert!(d.lower[k] <= d.mean[k] && d.mean[k] <= d.upper[k]);
    }
    let pos = d.positions.as_ref().unwrap();
    let drop = d.mean[0] - d.mean[pos.len() - 1];
    assert!(
        (drop - 0.5).abs() < 0.05,
        "PD of d falls by {drop}, truth 0.5"
    );
}
