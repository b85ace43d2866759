//! Feature encoding for the surrogate: every parameter becomes one feature in
//! [0, 1] (floats and integers, on a log scale when asked) or a one-hot block
//! (categoricals).
//!
//! Mixed types follow Garrido-Merchán & Hernández-Lobato (2020): the kernel
//! only ever sees *valid* points (integers on their grid, exact one-hot
//! vectors), because every candidate is snapped before it is scored. The
//! acquisition optimiser moves floats by gradient and integers and
//! categories by neighbourhood moves; nothing is rounded after the fact.

use genesis_core::{Domain, Inputs, SearchSpace, Value};

/// Maps inputs to features and back.
#[derive(Clone, Debug)]
pub struct Encoder {
    space: SearchSpace,
    /// First feature of each parameter.
    offsets: Vec<usize>,
    dim: usize,
}

fn to_unit(x: f64, low: f64, high: f64, log: bool) -> f64 {
    if log {
        (x.ln() - low.ln()) / (high.ln() - low.ln())
    } else {
        (x - low) / (high - low)
    }
}

fn from_unit(u: f64, low: f64, high: f64, log: bool) -> f64 {
    let u = u.clamp(0.0, 1.0);
    if log {
        (low.ln() + u * (high.ln() - low.ln())).exp()
    } else {
        low + u * (high - low)
    }
}

impl Encoder {
    /// The encoder for a search space.
    pub fn new(space: &SearchSpace) -> Self {
        let mut offsets = Vec::new();
        let mut dim = 0;
        for p in &space.parameters {
            offsets.push(dim);
            dim += match &p.domain {
                Domain::Categorical { values } => values.len(),
                _ => 1,
            };
        }
        Encoder {
            space: space.clone(),
            offsets,
            dim,
        }
    }

    /// Number of parameters (not features).
    pub fn param_count(&self) -> usize {
        self.space.parameters.len()
    }

    /// Which features move continuously (float parameters).
    pub fn continuous(&self) -> Vec<bool> {
        let mut mask = vec![false; self.dim];
        for (p, &o) in self.space.parameters.iter().zip(&self.offsets) {
            if matches!(p.domain, Domain::Float { .. }) {
                mask[o] = true;
            }
        }
        mask
    }

    /// Features of stored inputs; `None` if a value lies outside the space.
    pub fn encode(&self, inputs: &Inputs) -> Option<Vec<f64>> {
        let mut f = vec![0.0; self.dim];
        for (p, &o) in self.space.parameters.iter().zip(&self.offsets) {
            let v = inputs.get(&p.name)?;
            match &p.domain {
                Domain::Float { low, high, log } => f[o] = to_unit(v.as_f64()?, *low, *high, *log),
                Domain::Int { low, high, log } => {
                    f[o] = to_unit(v.as_f64()?, *low as f64, *high as f64, *log);
                }
                Domain::Categorical { values } => f[o + values.iter().position(|c| c == v)?] = 1.0,
            }
        }
        Some(f)
    }

    /// Inputs of a feature vector (integers rounded, categories by argmax).
    pub fn decode(&self, f: &[f64]) -> Inputs {
        self.space
            .parameters
            .iter()
            .zip(&self.offsets)
            .map(|(p, &o)| {
                let v = match &p.domain {
                    Domain::Float { low, high, log } => {
                        Value::Float(from_unit(f[o], *low, *high, *log))
                    }
                    Domain::Int { low, high, log } => {
                        let x = from_unit(f[o], *low as f64, *high as f64, *log).round() as i64;
                        Value::Int(x.clamp(*low, *high))
                    }
                    Domain::Categorical { values } => {
                        let block = &f[o..o + values.len()];
                        let best = (0..values.len())
                            .fold(0, |b, i| if block[i] > block[b] { i } else { b });
                        values[best].clone()
                    }
                };
                (p.name.clone(), v)
            })
            .collect()
    }

    /// Snaps features onto a valid point.
    pub fn snap(&self, f: &mut [f64]) {
        let snapped = self
            .encode(&self.decode(f))
            .expect("decoded points are valid");
        f.copy_from_slice(&snapped);
    }

    /// Features of a unit-cube point (one coordinate per parameter), using
    /// the same mapping as the space-filling planners.
    pub fn features_of_unit_point(&self, u: &[f64]) -> Vec<f64> {
        self.encode(&self.space.from_unit(u))
            .expect("space points are valid")
    }

    /// Valid points one discrete step away: integers ±1, every other category.
    pub fn neighbours(&self, f: &[f64]) -> Vec<Vec<f64>> {
        let inputs = self.decode(f);
        let mut out = Vec::new();
        for p in &self.space.parameters {
            let mut alternatives = Vec::new();
            match (&p.domain, &inputs[&p.name]) {
                (Domain::Int { low, high, .. }, Value::Int(i)) => {
                    for j in [i - 1, i + 1] {
                        if (*low..=*high).contains(&j) {
                            alternatives.push(Value::Int(j));
                        }
                    }
                }
                (Domain::Categorical { values }, v) => {
                    alternatives.extend(values.iter().filter(|c| *c != v).cloned());
                }
                _ => {}
            }
            for alt in alternatives {
                let mut moved = inputs.clone();
                moved.insert(p.name.clone(), alt);
                let mut g = self.encode(&moved).expect("valid");
                // Keep continuous features exactly as they were.
                for (i, c) in self.continuous().into_iter().enumerate() {
                    if c {
                        g[i] = f[i];
                    }
                }
                out.push(g);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genesis_core::Parameter;

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
                    "rate",
                    Domain::Float {
                        low: 1e-3,
                        high: 1e1,
                        log: true,
                    },
                ),
                p(
                    "n",
                    Domain::Int {
                        low: 1,
                        high: 5,
                        log: false,
                    },
                ),
                p(
                    "gas",
                    Domain::Categorical {
                        values: vec![
                            Value::Text("He".into()),
                            Value::Text("Ar".into()),
                            Value::Text("Ne".into()),
                        ],
                    },
                ),
            ],
        }
    }

    #[test]
    fn round_trips_and_snaps() {
        let e = Encoder::new(&space());
        assert_eq!(e.continuous(), [true, false, false, false, false]);
        let inputs: Inputs = [
            ("rate".to_string(), Value::Float(0.1)),
            ("n".to_string(), Value::Int(4)),
            ("gas".to_string(), Value::Text("Ar".into())),
        ]
        .into_iter()
        .collect();
        let f = e.encode(&inputs).unwrap();
        assert!((f[0] - 0.5).abs() < 1e-12 && f[1] == 0.75 && f[2..] == [0.0, 1.0, 0.0]);
        let mut g = vec![0.5, 0.6, 0.2, 0.1, 0.7];
        e.snap(&mut g);
        assert_eq!(g[1..], [0.5, 0.0, 0.0, 1.0], "n = 3 and gas = Ne");
        assert_eq!(e.decode(&g)["gas"], Value::Text("Ne".into()));
        let n = e.neighbours(&f);
        assert_eq!(n.len(), 4, "n = 3, n = 5, He, Ne");
        assert!(n.iter().all(|x| x[0] == f[0]));
    }
}
