//! The SX-cascade twin through the binary: `twin describe` documents Xu's
//! shortcut, `twin eval` reproduces the spec's reference case, and the
//! Nd/Pr example campaign finds a feasible design cheaper than it.

mod common;
use common::{Genesis, repo_root};

#[test]
fn describe_and_eval() {
    let g = Genesis::new();
    let d = g.run(&["twin", "describe", "minerals.sx_cascade"]).ok();
    assert!(
        d.stdout.contains("S_min = f_A + 1/(beta-1)"),
        "{}",
        d.stdout
    );
    assert!(d.stdout.contains("beta_Nd_Pr") && d.stdout.contains("purity_Nd"));
    // Spec T3 (minerals-sx-cascade.md §3): n = m = 30, S = 3.5, W = 2.75,
    // β = 1.5, 75/25 → purities 0.99915526 / 0.99746579 [D].
    let o = g
        .run(&[
            "twin",
            "eval",
            "minerals.sx_cascade",
            "n_extraction=30",
            "n_scrub=30",
            "S=3.5",
            "W=2.75",
            "--json",
        ])
        .ok()
        .json()["outputs"]
        .clone();
    assert!(
        (o["purity_Nd"].as_f64().unwrap() - 0.99915526).abs() < 1e-8,
        "{o}"
    );
    assert!(
        (o["purity_Pr"].as_f64().unwrap() - 0.99746579).abs() < 1e-8,
        "{o}"
    );
    assert_eq!(o["xu_S_min"], 2.75);
    // Below S_min the evaluation fails and says why.
    let bad = g.run(&["twin", "eval", "minerals.sx_cascade", "S=2.7", "W=1.95"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("below Xu's minimum"), "{}", bad.stderr);
}

#[test]
fn the_ndpr_campaign_finds_a_cheaper_feasible_circuit() {
    let g = Genesis::new();
    let example = repo_root().join("examples/ndpr-separation.toml");
    let report = g
        .run(&["run", example.to_str().unwrap(), "--json"])
        .ok()
        .json();
    let best = &report["best"]["outputs"];
    assert!(best.is_object(), "no feasible design: {report}");
    assert!(best["purity_Nd"].as_f64().unwrap() >= 0.999, "{best}");
    assert!(best["purity_Pr"].as_f64().unwrap() >= 0.995, "{best}");
    assert_eq!(best["converged"], 1.0);
    // The spec's reference design (30 + 30 stages, S = 3.5, W = 2.75) is
    // feasible too and costs 10.5 × (0.0140 + 0.00912) + 1e-4 × 60 × 7.25
    // = 0.2862 USD/mol; the campaign must find a cheaper one.
    assert!(best["cost"].as_f64().unwrap() < 0.2862, "{best}");
}
