//! The Bayesian-optimisation planner on small problems with known answers.

use genesis_core::{
    Constraint, Domain, Goal, Inputs, Objective, Outputs, Parameter, SearchSpace, Value,
};
use genesis_planner::{Observation, SuggestRequest, build};

fn float(name: &str, low: f64, high: f64) -> Parameter {
    Parameter {
        name: name.into(),
        domain: Domain::Float {
            low,
            high,
            log: false,
        },
        unit: None,
        description: None,
    }
}

fn num(i: &Inputs, k: &str) -> f64 {
    i[k].as_f64().unwrap()
}

/// Runs the closed loop in-process: `budget` sequential BO suggestions.
fn run_loop(
    space: &SearchSpace,
    constraints: &[Constraint],
    budget: u64,
    seed: u64,
    f: impl Fn(&Inputs) -> Option<Outputs>,
) -> Vec<Observation> {
    let planner = build("bo", seed, &Default::default()).unwrap();
    let objectives = [Objective {
        name: "f".into(),
        goal: Goal::Minimize,
        reference: None,
    }];
    let mut obs: Vec<Observation> = Vec::new();
    for index in 0..budget {
        let req = SuggestRequest {
            space,
            objectives: &objectives,
            constraints,
            observations: &obs,
            pending: &[],
            first_index: index,
            count: 1,
        };
        let s = planner.suggest(&req).unwrap().remove(0);
        let outputs = f(&s.inputs);
        obs.push(Observation {
            inputs: s.inputs,
            outputs,
        });
    }
    obs
}

fn branin(i: &Inputs) -> Option<Outputs> {
    let (x1, x2) = (num(i, "x1"), num(i, "x2"));
    let pi = std::f64::consts::PI;
    let f = (x2 - 5.1 / (4.0 * pi * pi) * x1 * x1 + 5.0 / pi * x1 - 6.0).powi(2)
        + 10.0 * (1.0 - 1.0 / (8.0 * pi)) * x1.cos()
        + 10.0;
    Some(Outputs::from([("f".to_string(), f)]))
}

fn best(obs: &[Observation]) -> f64 {
    obs.iter()
        .filter_map(|o| o.outputs.as_ref())
        .map(|o| o["f"])
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn finds_branins_minimum_in_30_evaluations() {
    // Branin's minimum is 0.397887; scrambled Sobol needs ~1000 trials to get
    // within 0.1 of it (docs/campaign.md). BO's median gap over five seeds
    // after 30 sequential trials is below 0.01 (docs/campaign.md lists
    // measured gaps for the example's settings).
    let space = SearchSpace {
        parameters: vec![float("x1", -5.0, 10.0), float("x2", 0.0, 15.0)],
    };
    let mut gaps: Vec<f64> = (0..5)
        .map(|seed| best(&run_loop(&space, &[], 30, seed, branin)) - 0.397_887)
        .collect();
    gaps.sort_by(f64::total_cmp);
    assert!(gaps[2] < 0.01, "gaps {gaps:?}");
}

#[test]
fn same_seed_and_data_give_identical_suggestions() {
    let space = SearchSpace {
        parameters: vec![float("x1", -5.0, 10.0), float("x2", 0.0, 15.0)],
    };
    let a = run_loop(&space, &[], 14, 4, branin);
    let b = run_loop(&space, &[], 14, 4, branin);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.inputs, y.inputs, "bit-identical suggestions");
    }
    let c = run_loop(&space, &[], 14, 5, branin);
    assert_ne!(a[13].inputs, c[13].inputs);
}

#[test]
fn outcome_constraints_are_respected() {
    // min x² + y² subject to g = x + y >= 1: optimum 0.5 at (0.5, 0.5);
    // the unconstrained optimum (0, 0) is infeasible.
    let space = SearchSpace {
        parameters: vec![float("x", -2.0, 2.0), float("y", -2.0, 2.0)],
    };
    let constraints = [Constraint {
        output: "g".into(),
        min: Some(1.0),
        max: None,
    }];
    let obs = run_loop(&space, &constraints, 30, 3, |i| {
        let (x, y) = (num(i, "x"), num(i, "y"));
        Some(Outputs::from([
            ("f".to_string(), x * x + y * y),
            ("g".to_string(), x + y),
        ]))
    });
    let feasible: Vec<f64> = obs
        .iter()
        .filter_map(|o| o.outputs.as_ref())
        .filter(|o| o["g"] >= 1.0)
        .map(|o| o["f"])
        .collect();
    let best = feasible.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(best < 0.55, "best feasible f {best}");
    let late_feasible = obs[20..]
        .iter()
        .filter(|o| o.outputs.as_ref().unwrap()["g"] >= 0.95)
        .count();
    assert!(
        late_feasible >= 7,
        "late suggestions should sit near the feasible optimum: {late_feasible}/10"
    );
}

#[test]
fn integers_and_categories_are_searched_as_such() {
    let p = |name: &str, domain| Parameter {
        name: name.into(),
        domain,
        unit: None,
        description: None,
    };
    let space = SearchSpace {
        parameters: vec![
            float("x", 0.0, 1.0),
            p(
                "n",
                Domain::Int {
                    low: 0,
                    high: 10,
                    log: false,
                },
            ),
            p(
                "solvent",
                Domain::Categorical {
                    values: ["a", "b", "c", "d"].map(|s| Value::Text(s.into())).to_vec(),
                },
            ),
        ],
    };
    // Optimum 0 at x = 0.3, n = 7, solvent = "c".
    let obs = run_loop(&space, &[], 40, 2, |i| {
        let penalty = match &i["solvent"] {
            Value::Text(s) if s == "c" => 0.0,
            Value::Text(s) if s == "b" => 0.5,
            _ => 1.0,
        };
        let Value::Int(n) = i["n"] else {
            panic!("n must stay an integer: {:?}", i["n"])
        };
        let f = (num(i, "x") - 0.3).powi(2) + 0.05 * ((n - 7) as f64).powi(2) + penalty;
        Some(Outputs::from([("f".to_string(), f)]))
    });
    let b = best(&obs);
    assert!(b < 0.01, "best {b}");
    let winner = obs
        .iter()
        .find(|o| o.outputs.as_ref().unwrap()["f"] == b)
        .unwrap();
    assert_eq!(
        (&winner.inputs["n"], &winner.inputs["solvent"]),
        (&Value::Int(7), &Value::Text("c".into()))
    );
}

#[test]
fn failed_trials_steer_the_search_away() {
    // The twin fails whenever x1 > 2.5; BO must keep going and mostly avoid that region.
    let space = SearchSpace {
        parameters: vec![float("x1", -5.0, 10.0), float("x2", 0.0, 15.0)],
    };
    let obs = run_loop(&space, &[], 30, 6, |i| {
        if num(i, "x1") > 2.5 { None } else { branin(i) }
    });
    let late_failures = obs[15..].iter().filter(|o| o.outputs.is_none()).count();
    assert!(
        late_failures <= 4,
        "{late_failures} of the last 15 trials failed"
    );
    // The reachable minimum is the one at (−π, 12.275).
    assert!(best(&obs) < 0.45, "best {}", best(&obs));
}
