//! A campaign without a twin: Genesis proposes, a person measures and tells.

mod common;
use common::Genesis;

const MANUAL: &str = r#"
name = "bench-experiment"
twin = "manual"
budget = 8
batch = 2
seed = 3
[parameters.temperature]
type = "float"
low = 20.0
high = 80.0
unit = "degC"
[parameters.catalyst]
type = "categorical"
values = ["Pt", "Pd", "Ni"]
[objectives.yield_pct]
goal = "maximize"
"#;

/// What the "lab" measures: best at 55 °C with Pd.
fn lab(t: &serde_json::Value) -> f64 {
    let temp = t["params"]["temperature"].as_f64().unwrap();
    let bonus = if t["params"]["catalyst"] == "Pd" {
        10.0
    } else {
        0.0
    };
    80.0 - 0.02 * (temp - 55.0).powi(2) + bonus
}

#[test]
fn ask_tell_round_trip() {
    let g = Genesis::new();
    let file = g.file("manual.toml", MANUAL);
    let created = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(created["manual"], true);
    let id = created["campaign"].as_str().unwrap().to_string();

    // Round 1: ask two, tell each on the command line.
    let asked = g.run(&["ask", &id, "-n", "2", "--json"]).ok().json();
    let trials = asked["trials"].as_array().unwrap().clone();
    assert_eq!(trials.len(), 2);
    assert_eq!(trials[0]["status"], "pending");
    for t in &trials {
        let idx = t["index"].to_string();
        g.run(&["tell", &id, &idx, &format!("yield_pct={}", lab(t))])
            .ok();
    }
    // Round 2: ask four, tell them with a CSV file, one of them failed.
    let asked = g.run(&["ask", &id, "-n", "4", "--json"]).ok().json();
    let trials = asked["trials"].as_array().unwrap().clone();
    let indices: Vec<u64> = trials
        .iter()
        .map(|t| t["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, [2, 3, 4, 5]);
    let mut csv = String::from("trial,yield_pct,failure_reason\n");
    for (k, t) in trials.iter().enumerate() {
        if k == 1 {
            csv += &format!("{},,sample contaminated\n", t["index"]);
        } else {
            csv += &format!("{},{},\n", t["index"], lab(t));
        }
    }
    let results = g.file("results.csv", &csv);
    let told = g
        .run(&["tell", &id, "--file", results.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(told["recorded"], 4);
    assert_eq!(told["trials"]["failed"], 1);
    // Round 3: only two trials are left in the budget.
    let asked = g.run(&["ask", &id, "-n", "5", "--json"]).ok().json();
    let last = asked["trials"].as_array().unwrap().clone();
    assert_eq!(last.len(), 2, "the budget caps what ask proposes");
    for t in &last {
        g.run(&[
            "tell",
            &id,
            &t["index"].to_string(),
            &format!("yield_pct={}", lab(t)),
        ])
        .ok();
    }
    let shown = g.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(shown["status"], "completed");
    assert_eq!(shown["counts"]["completed"], 7);
    assert_eq!(shown["counts"]["failed"], 1);
    assert_eq!(shown["trials"][3]["failure_reason"], "sample contaminated");
    let best = shown["best"]["objectives"]["yield_pct"].as_f64().unwrap();
    let all_best = shown["trials"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["outputs"]["yield_pct"].as_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(best, all_best, "maximize picks the largest");
    // Told results are in the signed record, attributed to `tell`.
    g.run(&["verify", &id]).ok();
    let l = g.run(&["lineage", &id, "3", "--json"]).ok().json();
    assert_eq!(l["result"]["reported_by"], "tell", "{l}");
    assert_eq!(l["failure_reason"], "sample contaminated");
    let done = g.run(&["ask", &id]);
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(done.stderr.contains("completed"), "{}", done.stderr);
}

#[test]
fn bad_results_are_refused_and_write_nothing() {
    let g = Genesis::new();
    let file = g.file("manual.toml", MANUAL);
    let id = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json()["campaign"]
        .as_str()
        .unwrap()
        .to_string();
    g.run(&["ask", &id, "-n", "2"]).ok();
    let bad_csv = g.file("bad.csv", "trial,yield_pct\n0,71.5\n1,lots\n");
    for (args, fragment) in [
        (vec!["tell", &id, "7", "yield_pct=1"], "has no trial 7"),
        (
            vec!["tell", &id, "0", "purity=1"],
            "output `yield_pct` is missing",
        ),
        (
            vec!["tell", &id, "0", "yield_pct=abc"],
            "`abc` is not a number",
        ),
        (vec!["tell", &id, "0", "yield_pct"], "is not NAME=VALUE"),
        (vec!["tell", &id], "give a trial and its outputs, or --file"),
        (
            vec!["tell", &id, "--file", bad_csv.to_str().unwrap()],
            "bad.csv:3 column `yield_pct`: `lots` is not a number",
        ),
    ] {
        let run = g.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(fragment), "{args:?}: {}", run.stderr);
    }
    // Nothing above was recorded, not even the good first row of bad.csv.
    let shown = g.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(shown["counts"]["pending"], 2);
    g.run(&["tell", &id, "0", "yield_pct=70"]).ok();
    let again = g.run(&["tell", &id, "0", "yield_pct=71"]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("trial 0 already has a result"),
        "{}",
        again.stderr
    );
    // Running a manual campaign only points at ask/tell.
    let resumed = g.run(&["resume", &id]).ok();
    assert!(
        resumed.stdout.contains(&format!("genesis ask {id}")),
        "{}",
        resumed.stdout
    );
}
