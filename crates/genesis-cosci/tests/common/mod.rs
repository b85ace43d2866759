//! Synthetic campaigns with known truths.
#![allow(dead_code)]

use genesis_core::{Domain, Goal, Inputs, Parameter, SearchSpace, Value};
use genesis_cosci::surrogate::{Dataset, Response};

/// A float parameter on [low, high].
pub fn float(name: &str, low: f64, high: f64, unit: &str) -> Parameter {
    Parameter {
        name: name.into(),
        domain: Domain::Float {
            low,
            high,
            log: false,
        },
        unit: Some(unit.into()),
        description: None,
    }
}

/// `n` scrambled Sobol points of `space`, observed through `f` (inputs by
/// name, in parameter order).
pub fn sobol_dataset(
    space: SearchSpace,
    f: impl Fn(&[f64]) -> f64,
    n: usize,
    goal: Goal,
) -> Dataset {
    let d = space.dim();
    let mut inputs: Vec<Inputs> = Vec::new();
    let mut values = Vec::new();
    for k in 0..n {
        let u: Vec<f64> = (0..d)
            .map(|j| f64::from(sobol_burley::sample(k as u32, j as u32, 12345)))
            .collect();
        let i = space.from_unit(&u);
        let x: Vec<f64> = i.values().map(|v| v.as_f64().unwrap()).collect();
        values.push(f(&x));
        inputs.push(i);
    }
    Dataset {
        space,
        response: Response {
            name: "y".into(),
            unit: Some("a.u.".into()),
            goal,
        },
        inputs,
        values,
        feasible: Vec::new(),
        failed: Vec::new(),
    }
}

/// Inputs from (name, value) pairs.
pub fn inputs(pairs: &[(&str, f64)]) -> Inputs {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::Float(*v)))
        .collect()
}

/// The Ishigami function (a = 7, b = 0.1) of x on [−π, π]³.
pub fn ishigami(x: &[f64]) -> f64 {
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

/// The Ishigami search space.
pub fn ishigami_space() -> SearchSpace {
    use std::f64::consts::PI;
    SearchSpace {
        parameters: vec![
            float("x1", -PI, PI, "rad"),
            float("x2", -PI, PI, "rad"),
            float("x3", -PI, PI, "rad"),
        ],
    }
}
