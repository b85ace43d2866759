//! Search spaces: named parameters with domains and units.

use crate::value::{Inputs, Value};
use serde::{Deserialize, Serialize};

/// The set of values a parameter may take.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Domain {
    /// A real interval `[low, high]`, searched on a log scale when `log`.
    Float { low: f64, high: f64, log: bool },
    /// The integers `low..=high`, searched on a log scale when `log`.
    Int { low: i64, high: i64, log: bool },
    /// A finite set of labels or numbers without an order.
    Categorical { values: Vec<Value> },
}

/// One named parameter the planner chooses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub domain: Domain,
    /// Unit as written by the scientist (free text, e.g. "m", "MA", "1").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The parameters of a campaign, in the order the campaign file gives them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchSpace {
    pub parameters: Vec<Parameter>,
}

impl SearchSpace {
    /// Number of parameters (the dimension of the unit cube planners use).
    pub fn dim(&self) -> usize {
        self.parameters.len()
    }

    /// Maps a point of the unit cube `[0,1)^d` to named inputs.
    ///
    /// Floats map linearly (or log-linearly); integers and categories split
    /// the unit interval into equal cells, so each value is equally likely
    /// under uniform or Sobol sampling.
    pub fn from_unit(&self, u: &[f64]) -> Inputs {
        assert_eq!(u.len(), self.dim(), "unit point has the wrong dimension");
        self.parameters
            .iter()
            .zip(u)
            .map(|(p, &x)| (p.name.clone(), p.domain.from_unit(x.clamp(0.0, 1.0))))
            .collect()
    }
}

impl Domain {
    /// Maps `u` in `[0,1]` into the domain.
    pub fn from_unit(&self, u: f64) -> Value {
        match self {
            Domain::Float { low, high, log } => {
                let x = if *log {
                    (low.ln() + u * (high.ln() - low.ln())).exp()
                } else {
                    low + u * (high - low)
                };
                Value::Float(x.clamp(*low, *high))
            }
            Domain::Int { low, high, log } => {
                let v = if *log {
                    // Equal widths in ln(x) over [low - 0.5, high + 0.5], then
                    // rounding: each integer gets its share of the log scale.
                    // Campaign validation guarantees low >= 1.
                    let (a, b) = ((*low as f64 - 0.5).max(0.5), *high as f64 + 0.5);
                    (a.ln() + u * (b.ln() - a.ln())).exp().round() as i64
                } else {
                    let n = (high - low + 1) as f64;
                    low + (u * n).floor() as i64
                };
                Value::Int(v.clamp(*low, *high))
            }
            Domain::Categorical { values } => {
                let k = values.len();
                let i = ((u * k as f64).floor() as usize).min(k - 1);
                values[i].clone()
            }
        }
    }

    /// Whether `v` lies in the domain (used to check told results and fixed points).
    pub fn contains(&self, v: &Value) -> bool {
        match (self, v) {
            (Domain::Float { low, high, .. }, _) => {
                v.as_f64().is_some_and(|x| (*low..=*high).contains(&x))
            }
            (Domain::Int { low, high, .. }, Value::Int(i)) => (*low..=*high).contains(i),
            (Domain::Int { .. }, _) => false,
            (Domain::Categorical { values }, _) => values.contains(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(domain: Domain, u: f64, expect: Value) {
        assert_eq!(domain.from_unit(u), expect, "{domain:?} at u={u}");
    }

    #[test]
    fn floats_map_linearly_and_logarithmically() {
        let lin = Domain::Float {
            low: -5.0,
            high: 10.0,
            log: false,
        };
        check(lin.clone(), 0.0, Value::Float(-5.0));
        check(lin.clone(), 0.5, Value::Float(2.5));
        check(lin, 1.0, Value::Float(10.0));
        let log = Domain::Float {
            low: 1e-3,
            high: 1e1,
            log: true,
        };
        let Value::Float(mid) = log.from_unit(0.5) else {
            panic!()
        };
        assert!((mid - 0.1).abs() < 1e-12, "{mid}");
    }

    #[test]
    fn integers_split_the_interval_evenly() {
        let d = Domain::Int {
            low: 1,
            high: 4,
            log: false,
        };
        check(d.clone(), 0.0, Value::Int(1));
        check(d.clone(), 0.24, Value::Int(1));
        check(d.clone(), 0.26, Value::Int(2));
        check(d.clone(), 0.99, Value::Int(4));
        check(d, 1.0, Value::Int(4));
        let log = Domain::Int {
            low: 1,
            high: 1000,
            log: true,
        };
        assert!(log.contains(&log.from_unit(0.0)) && log.contains(&log.from_unit(1.0)));
    }

    #[test]
    fn categories_are_equally_likely() {
        let d = Domain::Categorical {
            values: vec![
                Value::Text("a".into()),
                Value::Text("b".into()),
                Value::Int(3),
            ],
        };
        check(d.clone(), 0.1, Value::Text("a".into()));
        check(d.clone(), 0.5, Value::Text("b".into()));
        check(d, 1.0, Value::Int(3));
    }
}
