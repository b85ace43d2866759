//! The fusion twin through the binary: the issue's `twin eval` check,
//! POPCON files, and the design campaign finding a feasible design.

mod common;
use common::{Genesis, repo_root};

const ITER_B: &[&str] = &[
    "R=6.2",
    "a=2.0",
    "kappa_a=1.70",
    "kappa95=1.70",
    "delta95=0.33",
    "B0=5.3",
    "Ip=15",
    "nbar20=1.01",
    "alpha_n=0.1",
    "alpha_T=1.0",
    "P_aux=50",
    "H98=1",
    "f_He=0.04",
    "f_Be=0.02",
    "f_Ar=0.0012",
    "f_rad=1",
];

fn eval(g: &Genesis, brems_rel: &str) -> serde_json::Value {
    let mut args = vec!["twin", "eval", "fusion.tokamak"];
    args.extend_from_slice(ITER_B);
    let rel = format!("brems_rel={brems_rel}");
    args.push(&rel);
    args.push("--json");
    g.run(&args).ok().json()["outputs"].clone()
}

fn within(got: &serde_json::Value, want: f64, rel: f64) {
    let got = got.as_f64().unwrap();
    assert!(
        ((got - want) / want).abs() <= rel,
        "got {got}, want {want} ± {rel}"
    );
}

#[test]
fn twin_eval_reproduces_iter_case_b() {
    // Issue 5: P_fus within 1 % of 524.4 MW, Q within 1 % of 10.49, T_avg ≈ 9.00 keV
    // (spec ITER case B [ref]); with brems_rel = 1: about 515.1 MW and Q 10.30.
    let g = Genesis::new();
    let o = eval(&g, "0");
    within(&o["P_fus"], 524.4, 0.01);
    within(&o["Q"], 10.49, 0.01);
    within(&o["T_avg"], 9.00, 0.005);
    assert_eq!(o["steady_state"], 1.0);
    let o = eval(&g, "1");
    within(&o["P_fus"], 515.1, 0.01);
    within(&o["Q"], 10.30, 0.01);
    // An unknown input is refused with the list of inputs.
    let bad = g.run(&["twin", "eval", "fusion.tokamak", "Rmajor=6"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("has no input `Rmajor`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn popcon_writes_a_grid_and_a_plot() {
    let g = Genesis::new();
    let case = g.file(
        "p.toml",
        r#"
name = "small"
[machine]
B0 = 5.3
[grid]
ne_avg20 = { low = 0.4, high = 1.2, points = 9 }
te_avg = { low = 3.0, high = 20.0, points = 12 }
"#,
    );
    let out = g.dir.path().join("pc");
    let r = g
        .run(&[
            "popcon",
            case.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .ok();
    assert!(r.stdout.contains("9 x 12 grid"), "{}", r.stdout);
    let csv = std::fs::read_to_string(out.with_extension("csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "ne_avg20,te_avg,P_aux,Q,P_fus,P_SOL_over_P_LH,f_GW,beta_N,accessible"
    );
    assert_eq!(lines.count(), 9 * 12);
    let svg = std::fs::read_to_string(out.with_extension("svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("P_fus = 500 MW"),
        "{}",
        &svg[..200]
    );
    assert!(svg.contains("[keV]") && svg.contains("1e20 m^-3"));

    // A typo in the machine table names the field and lists the inputs.
    let bad = g.file("bad.toml", "name = \"x\"\n[machine]\nB = 5\n[grid]\nne_avg20 = { low = 0.4, high = 1.2, points = 9 }\nte_avg = { low = 3.0, high = 20.0, points = 12 }\n");
    let r = g.run(&["popcon", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("machine.B") && r.stderr.contains("B0"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_design_campaign_finds_a_feasible_plant() {
    let g = Genesis::new();
    let example = repo_root().join("examples/fusion-design.toml");
    let report = g
        .run(&["run", example.to_str().unwrap(), "--json"])
        .ok()
        .json();
    let best = &report["best"]["outputs"];
    assert!(best.is_object(), "no feasible design: {report}");
    // Every constraint of the campaign holds at the best design.
    assert!(best["P_fus"].as_f64().unwrap() >= 500.0);
    assert!(best["Q"].as_f64().unwrap() >= 10.0);
    assert!(best["f_GW"].as_f64().unwrap() <= 0.9);
    assert!(best["beta_N"].as_f64().unwrap() <= 2.8);
    assert!(best["q95"].as_f64().unwrap() >= 3.0);
    assert!(best["P_SOL_over_P_LH"].as_f64().unwrap() >= 1.0);
    assert!(best["wall_load"].as_f64().unwrap() <= 3.0);
    // Seed 3 of the example gives 2.03 m³/MWe (docs/twins/fusion-tokamak.md);
    // ITER-like designs are near 17, so anything below 5 is a real design search.
    assert!(best["cost_index"].as_f64().unwrap() < 5.0, "{best}");
}
