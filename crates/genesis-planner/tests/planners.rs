//! Planner behaviour every campaign relies on: proposals stay in bounds, are
//! reproducible from the seed, and do not depend on how they were batched.

use genesis_core::{Domain, Parameter, SearchSpace, Value};
use genesis_planner::{PLANNER_NAMES, SuggestRequest, build};

fn space() -> SearchSpace {
    let p = |name: &str, domain| Parameter {
        name: name.into(),
        domain,
        unit: None,
        description: None,
    };
    SearchSpace {
        parameters: vec![
            p(
                "x",
                Domain::Float {
                    low: -5.0,
                    high: 10.0,
                    log: false,
                },
            ),
            p(
                "rate",
                Domain::Float {
                    low: 1e-4,
                    high: 1.0,
                    log: true,
                },
            ),
            p(
                "n",
                Domain::Int {
                    low: 1,
                    high: 8,
                    log: false,
                },
            ),
            p(
                "gas",
                Domain::Categorical {
                    values: vec![Value::Text("He".into()), Value::Text("Ar".into())],
                },
            ),
        ],
    }
}

fn ask(name: &str, seed: u64, first_index: u64, count: usize) -> Vec<genesis_core::Inputs> {
    let space = space();
    let req = SuggestRequest {
        space: &space,
        objectives: &[],
        constraints: &[],
        observations: &[],
        pending: &[],
        first_index,
        count,
    };
    build(name, seed, &Default::default())
        .unwrap()
        .suggest(&req)
        .unwrap()
        .into_iter()
        .map(|s| s.inputs)
        .collect()
}

#[test]
fn proposals_lie_in_the_space() {
    let space = space();
    for name in PLANNER_NAMES {
        for inputs in ask(name, 3, 0, 256) {
            for p in &space.parameters {
                assert!(
                    p.domain.contains(&inputs[&p.name]),
                    "{name}: {} = {:?}",
                    p.name,
                    inputs[&p.name]
                );
            }
        }
    }
}

#[test]
fn batching_does_not_change_proposals() {
    for name in PLANNER_NAMES {
        let whole = ask(name, 11, 0, 12);
        let mut pieces = ask(name, 11, 0, 5);
        pieces.extend(ask(name, 11, 5, 7));
        assert_eq!(whole, pieces, "{name}");
        assert_ne!(whole, ask(name, 12, 0, 12), "{name}: the seed must matter");
    }
}

#[test]
fn sobol_stratifies_every_power_of_two_prefix() {
    // A (0,m,1)-net property per dimension: among the first 2^k points, each of
    // the 2^k equal cells of [low, high) holds exactly one point.
    let pts = ask("sobol", 5, 0, 16);
    let mut cells: Vec<usize> = pts
        .iter()
        .map(|p| (((p["x"].as_f64().unwrap() + 5.0) / 15.0) * 16.0).floor() as usize)
        .collect();
    cells.sort();
    assert_eq!(cells, (0..16).collect::<Vec<_>>());
}

#[test]
fn categories_and_integers_are_balanced_under_sobol() {
    let pts = ask("sobol", 1, 0, 64);
    let he = pts
        .iter()
        .filter(|p| p["gas"] == Value::Text("He".into()))
        .count();
    assert_eq!(he, 32);
    for n in 1..=8 {
        assert_eq!(
            pts.iter().filter(|p| p["n"] == Value::Int(n)).count(),
            8,
            "n = {n}"
        );
    }
}

#[test]
fn unknown_planner_is_named() {
    assert_eq!(
        build("bo2", 0, &Default::default())
            .err()
            .unwrap()
            .to_string(),
        "unknown planner `bo2`"
    );
}
