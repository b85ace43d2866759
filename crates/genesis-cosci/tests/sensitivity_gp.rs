//! Sobol indices on a GP posterior recover known indices with honest
//! uncertainty.

mod common;

use common::{ishigami, ishigami_space, sobol_dataset};
use genesis_core::Goal;
use genesis_cosci::sensitivity::{PosteriorSettings, posterior_sensitivity};
use genesis_cosci::surrogate::Surrogate;

/// Analytic Ishigami indices (a = 7, b = 0.1; Sobol' & Levitan 1999,
/// Comput. Phys. Commun. 117, 52; Saltelli et al. 2008, "Global Sensitivity
/// Analysis: The Primer", sec. 4.7): S = (0.3139, 0.4424, 0),
/// S_T = (0.5576, 0.4424, 0.2437), S_13 = 0.2437.
const S: [f64; 3] = [0.313_905, 0.442_411, 0.0];
const ST: [f64; 3] = [0.557_589, 0.442_411, 0.243_684];
const S13: f64 = 0.243_684;

#[test]
fn gp_on_200_ishigami_points_recovers_the_indices_honestly() {
    let data = sobol_dataset(ishigami_space(), ishigami, 200, Goal::Maximize);
    let gp = Surrogate::fit(&data).unwrap();
    let s = posterior_sensitivity(&gp, &PosteriorSettings::default()).unwrap();
    let check = |what: &str, got: genesis_cosci::sensitivity::Estimate, truth: f64| {
        eprintln!(
            "{what}: {:.4} ± {:.4} (surrogate {:.4}, sampling {:.4}), truth {truth:.4}",
            got.value, got.sd, got.sd_surrogate, got.sd_sampling
        );
        // Tolerance: the GP's posterior mean on 200 points is smoother than
        // Ishigami (the x3⁴·sin x1 term is hard), so its indices carry a bias
        // of up to 0.05 (S13 is 0.05 low); the stated sd must cover it.
        assert!(
            (got.value - truth).abs() < 0.06,
            "{what} off by more than 0.06"
        );
        assert!(
            (got.value - truth).abs() < 3.0 * got.sd,
            "{what}: truth outside ±3 sd"
        );
    };
    for i in 0..3 {
        check(&format!("S{}", i + 1), s.first[i], S[i]);
        check(&format!("ST{}", i + 1), s.total[i], ST[i]);
    }
    let pair = s.pair.as_ref().unwrap();
    assert_eq!((pair.a.as_str(), pair.b.as_str()), ("x1", "x3"));
    check("S13", pair.estimate, S13);
}
