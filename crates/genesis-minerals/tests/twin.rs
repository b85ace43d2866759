//! The `minerals.sx_cascade` twin through the `Twin` trait: names, the
//! reference case, reagents and cost, and the failure modes a campaign sees.

use genesis_core::{Inputs, Twin, TwinError, Value};
use genesis_minerals::SxCascadeTwin;

fn inputs(pairs: &[(&str, Value)]) -> Inputs {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn eval(pairs: &[(&str, Value)]) -> Result<genesis_core::Outputs, TwinError> {
    let names: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
    SxCascadeTwin::for_inputs(&names).evaluate(&inputs(pairs))
}

fn failure(pairs: &[(&str, Value)]) -> String {
    match eval(pairs) {
        Err(e) => e.to_string(),
        Ok(o) => panic!("expected a failed trial, got {o:?}"),
    }
}

#[test]
fn defaults_are_the_spec_reference_case() {
    // Spec T3: n = m = 30, S = 3.5, W = 2.75, β 1.5, 75/25 Nd/Pr →
    // Nd purity 0.99915526, Pr purity 0.99746579 [D].
    let o = eval(&[]).unwrap();
    assert!((o["purity_Nd"] - 0.99915526).abs() < 1e-8, "{o:?}");
    assert!((o["purity_Pr"] - 0.99746579).abs() < 1e-8);
    assert!((o["raffinate_Nd"] + o["organic_Nd"] - 0.75).abs() < 1e-12);
    assert!((o["recovery_Nd"] - o["organic_Nd"] / 0.75).abs() < 1e-15);
    assert_eq!(o["converged"], 1.0);
    assert!(o["balance_error"] <= 1e-12 && o["residual"] <= 1e-13);
    // Reagents: 3S base and 3S acid; cost 0.147 + 0.0957 + stages term.
    assert_eq!(o["base_mol"], 10.5);
    assert_eq!(o["acid_mol"], 10.5);
    let reagents: f64 = 10.5 * 350e-6 * 39.997 + 10.5 * 250e-6 * 36.46;
    assert!(
        (reagents - 0.2427).abs() < 1e-3,
        "spec §1.6: ≈ 0.24 USD/mol"
    );
    assert!((o["cost"] - reagents - 1e-4 * 60.0 * (3.5 + 1.0 + 2.75)).abs() < 1e-12);
    // Xu: S_min 2.75, W_min 2.0; stage estimates for 0.999/0.999.
    assert!((o["xu_S_min"] - 2.75).abs() < 1e-12 && (o["xu_W_min"] - 2.0).abs() < 1e-12);
    assert!(
        o["xu_n_extraction"] > 10.0 && o["xu_n_scrub"] > 10.0,
        "{o:?}"
    );
}

#[test]
fn text_and_numeric_model_names_and_the_l0_model() {
    let l0 = [
        ("model", Value::Text("L0".into())),
        ("n_extraction", Value::Int(10)),
        ("n_scrub", Value::Int(10)),
        ("O_A", Value::Float(2.0)),
        ("W", Value::Float(1.0)),
        ("f_Nd", Value::Float(0.5)),
        ("f_Pr", Value::Float(0.5)),
        ("D_Nd", Value::Float(1.5)),
        ("D_Pr", Value::Float(1.0)),
        ("Dscrub_Nd", Value::Float(1.5)),
        ("Dscrub_Pr", Value::Float(1.0)),
    ];
    let o = eval(&l0).unwrap();
    // Spec T2: D = 1.5 → φ = 0.9912534442, D = 1 → 0.8334011557, per component.
    assert!((o["organic_Nd"] / 0.5 - 0.9912534442).abs() < 1e-9, "{o:?}");
    assert!((o["organic_Pr"] / 0.5 - 0.8334011557).abs() < 1e-9);
    assert_eq!(o["iterations"], 0.0);
    let mut bad = l0.to_vec();
    bad[0].1 = Value::Text("L2".into());
    assert!(failure(&bad).contains("\"L0\" or \"L1\""));
}

#[test]
fn several_elements_by_name() {
    // La/Ce/Pr/Nd with a Ce/La cut: the light pair to the raffinate.
    let o = eval(&[
        ("f_La", Value::Float(0.4)),
        ("f_Ce", Value::Float(0.3)),
        ("f_Pr", Value::Float(0.1)),
        ("f_Nd", Value::Float(0.2)),
        ("beta_Ce_La", Value::Float(3.24)),
        ("beta_Pr_Ce", Value::Float(2.04)),
        ("beta_Nd_Pr", Value::Float(1.58)),
        ("n_extraction", Value::Int(20)),
        ("n_scrub", Value::Int(20)),
        ("S", Value::Float(1.6)),
        ("W", Value::Float(1.0)),
    ])
    .unwrap();
    for el in ["La", "Ce", "Pr", "Nd"] {
        assert!(o.contains_key(&format!("purity_{el}")), "{o:?}");
    }
    assert!(o["raffinate_La"] > o["organic_La"] && o["organic_Nd"] > o["raffinate_Nd"]);
    assert!(o["balance_error"] <= 1e-12);
}

#[test]
fn designs_that_cannot_separate_fail_with_the_reason() {
    // Below S_min = 2.75 (spec T5) the trial fails, naming the limit...
    let msg = failure(&[("S", Value::Float(2.7)), ("W", Value::Float(1.95))]);
    assert!(
        msg.contains("below Xu's minimum 2.75") && msg.contains("β(Nd/Pr)"),
        "{msg}"
    );
    let msg = failure(&[("S", Value::Float(2.7)), ("W", Value::Float(1.9))]);
    assert!(msg.starts_with("S = 2.7"), "{msg}");
    let msg = failure(&[("S", Value::Float(3.0)), ("W", Value::Float(1.9))]);
    assert!(
        msg.starts_with("W = 1.9") && msg.contains("2.000000"),
        "{msg}"
    );
    // ... unless asked to compute the pinch-limited cascade (leak 3.409e-3, T5).
    let o = eval(&[
        ("S", Value::Float(2.7)),
        ("W", Value::Float(1.95)),
        ("n_extraction", Value::Int(300)),
        ("n_scrub", Value::Int(300)),
        ("check_minimum_flows", Value::Int(0)),
    ])
    .unwrap();
    assert!(
        (o["raffinate_Nd"] / 3.409091e-3 - 1.0).abs() < 1e-6,
        "{o:?}"
    );
    // β = 1: nothing to separate.
    let msg = failure(&[("beta_Nd_Pr", Value::Float(1.0))]);
    assert!(msg.contains("extract alike"), "{msg}");
    // No raffinate left: S ≥ F + W.
    let msg = failure(&[("S", Value::Float(4.0)), ("W", Value::Float(2.75))]);
    assert!(
        msg.contains("input `S` is invalid") && msg.contains("raffinate"),
        "{msg}"
    );
}

#[test]
fn the_pinch_case_converges_through_the_twin() {
    // 200 + 200 stages at 1.018 S_min (spec T5's hardest case): pseudo-
    // transient continuation stalls, the two-ended march converges; the
    // leak is the 300-digit reference of tests/validation.rs.
    let o = eval(&[
        ("S", Value::Float(2.8)),
        ("W", Value::Float(2.05)),
        ("n_extraction", Value::Int(200)),
        ("n_scrub", Value::Int(200)),
    ])
    .unwrap();
    assert_eq!(o["converged"], 1.0);
    assert!(
        (o["raffinate_Nd"] / 2.880419847e-9 - 1.0).abs() < 1e-9,
        "{o:?}"
    );
    assert!(o["residual"] <= 1e-13 && o["balance_error"] <= 1e-12);
}
