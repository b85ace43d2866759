//! Standard optimisation benchmarks (definitions and optima from Surjanovic &
//! Bingham, "Virtual Library of Simulation Experiments", sfu.ca/~ssurjano).

use genesis_core::twin::number;
use genesis_core::{Inputs, IoSpec, Outputs, Twin, TwinError, TwinSpec};
use std::f64::consts::PI;

fn output_f() -> Vec<IoSpec> {
    vec![IoSpec::new("f", "1", None, None).describe("objective value")]
}

fn outputs(f: f64) -> Outputs {
    Outputs::from([("f".to_string(), f)])
}

/// Branin-Hoo, 2-D: three global minima f = 0.397887 at (−π, 12.275),
/// (π, 2.275) and (9.42478, 2.475).
pub struct Branin {
    spec: TwinSpec,
}

impl Branin {
    /// The twin with its spec; construction is cheap.
    pub fn new() -> Self {
        Branin {
            spec: TwinSpec {
                name: "bench.branin".into(),
                version: "1.0.0".into(),
                description: "Branin-Hoo function, 2-D, three global minima".into(),
                inputs: vec![
                    IoSpec::new("x1", "1", Some(-5.0), Some(10.0)),
                    IoSpec::new("x2", "1", Some(0.0), Some(15.0)),
                ],
                outputs: output_f(),
                open_inputs: false,
                open_outputs: false,
                optimum: Some(
                    "f = 0.397887 at (x1, x2) = (-pi, 12.275), (pi, 2.275), (9.42478, 2.475)"
                        .into(),
                ),
            },
        }
    }
}

impl Default for Branin {
    fn default() -> Self {
        Self::new()
    }
}

impl Twin for Branin {
    fn spec(&self) -> &TwinSpec {
        &self.spec
    }

    fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError> {
        let (x1, x2) = (number(inputs, "x1")?, number(inputs, "x2")?);
        let b = 5.1 / (4.0 * PI * PI);
        let c = 5.0 / PI;
        let t = 1.0 / (8.0 * PI);
        let f = (x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0;
        Ok(outputs(f))
    }
}

/// Hartmann 6-D on the unit cube: global minimum f = −3.32237 at
/// (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
pub struct Hartmann6 {
    spec: TwinSpec,
}

const H6_ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
const H6_A: [[f64; 6]; 4] = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
];
const H6_P: [[f64; 6]; 4] = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];

impl Hartmann6 {
    /// The twin with its spec; construction is cheap.
    pub fn new() -> Self {
        Hartmann6 {
            spec: TwinSpec {
                name: "bench.hartmann6".into(),
                version: "1.0.0".into(),
                description: "Hartmann function, 6-D on the unit cube, one global minimum".into(),
                inputs: (1..=6)
                    .map(|i| IoSpec::new(&format!("x{i}"), "1", Some(0.0), Some(1.0)))
                    .collect(),
                outputs: output_f(),
                open_inputs: false,
                open_outputs: false,
                optimum: Some(
                    "f = -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)"
                        .into(),
                ),
            },
        }
    }
}

impl Default for Hartmann6 {
    fn default() -> Self {
        Self::new()
    }
}

impl Twin for Hartmann6 {
    fn spec(&self) -> &TwinSpec {
        &self.spec
    }

    fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError> {
        let mut x = [0.0; 6];
        for (j, xj) in x.iter_mut().enumerate() {
            *xj = number(inputs, &format!("x{}", j + 1))?;
        }
        let f = -(0..4)
            .map(|i| {
                let inner: f64 = (0..6)
                    .map(|j| H6_A[i][j] * (x[j] - H6_P[i][j]).powi(2))
                    .sum();
                H6_ALPHA[i] * (-inner).exp()
            })
            .sum::<f64>();
        Ok(outputs(f))
    }
}

/// Rosenbrock valley in n ≥ 2 dimensions: global minimum f = 0 at
/// x = (1, …, 1). The dimension is the number of `x1…xn` inputs given.
pub struct Rosenbrock {
    spec: TwinSpec,
    names: Vec<String>,
}

impl Rosenbrock {
    /// Dimension implied by inputs named `x1`, `x2`, …: the largest index
    /// present, at least 2.
    pub fn dimension_for(input_names: &[&str]) -> usize {
        input_names
            .iter()
            .filter_map(|n| n.strip_prefix('x')?.parse::<usize>().ok())
            .max()
            .unwrap_or(2)
            .max(2)
    }

    /// The n-dimensional twin.
    pub fn new(dim: usize) -> Self {
        let names: Vec<String> = (1..=dim).map(|i| format!("x{i}")).collect();
        Rosenbrock {
            spec: TwinSpec {
                name: "bench.rosenbrock".into(),
                version: "1.0.0".into(),
                description:
                    "Rosenbrock function, n-D (n = the number of x1..xn inputs given, at least 2)"
                        .into(),
                inputs: names
                    .iter()
                    .map(|n| IoSpec::new(n, "1", Some(-5.0), Some(10.0)))
                    .collect(),
                outputs: output_f(),
                open_inputs: false,
                open_outputs: false,
                optimum: Some("f = 0 at x = (1, ..., 1)".into()),
            },
            names,
        }
    }
}

impl Twin for Rosenbrock {
    fn spec(&self) -> &TwinSpec {
        &self.spec
    }

    fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError> {
        let x = self
            .names
            .iter()
            .map(|n| number(inputs, n))
            .collect::<Result<Vec<_>, _>>()?;
        let f = x
            .windows(2)
            .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
            .sum();
        Ok(outputs(f))
    }
}

/// Branin-Currin, the two-objective test problem of BoTorch (Belakaria et
/// al. 2019) on the unit square: f1 is Branin on the rescaled inputs, f2
/// Currin's exponential function; both are minimised. With reference point
/// (18, 6) the Pareto front's hypervolume is 59.36011874867746 (BoTorch's
/// `BraninCurrin._max_hv`).
pub struct BraninCurrin {
    spec: TwinSpec,
}

impl BraninCurrin {
    /// The twin with its spec; construction is cheap.
    pub fn new() -> Self {
        BraninCurrin {
            spec: TwinSpec {
                name: "bench.branin_currin".into(),
                version: "1.0.0".into(),
                description: "Branin-Currin, 2-D, two objectives (f1, f2) to minimise".into(),
                inputs: vec![
                    IoSpec::new("x1", "1", Some(0.0), Some(1.0)),
                    IoSpec::new("x2", "1", Some(0.0), Some(1.0)),
                ],
                outputs: vec![
                    IoSpec::new("f1", "1", None, None).describe("Branin on (15 x1 - 5, 15 x2)"),
                    IoSpec::new("f2", "1", None, None).describe("Currin exponential function"),
                ],
                open_inputs: false,
                open_outputs: false,
                optimum: Some(
                    "Pareto front hypervolume 59.36011874867746 w.r.t. reference (18, 6)".into(),
                ),
            },
        }
    }
}

impl Default for BraninCurrin {
    fn default() -> Self {
        Self::new()
    }
}

impl Twin for BraninCurrin {
    fn spec(&self) -> &TwinSpec {
        &self.spec
    }

    fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError> {
        let (x1, x2) = (number(inputs, "x1")?, number(inputs, "x2")?);
        let branin = Branin::new();
        let scaled: Inputs = [
            (
                "x1".to_string(),
                genesis_core::Value::Float(15.0 * x1 - 5.0),
            ),
            ("x2".to_string(), genesis_core::Value::Float(15.0 * x2)),
        ]
        .into_iter()
        .collect();
        let f1 = branin.evaluate(&scaled)?["f"];
        // Currin: the x2 → 0 limit of 1 − exp(−1/(2 x2)) is 1.
        let factor = if x2 > 0.0 {
            1.0 - (-1.0 / (2.0 * x2)).exp()
        } else {
            1.0
        };
        let f2 = factor * (2300.0 * x1.powi(3) + 1900.0 * x1 * x1 + 2092.0 * x1 + 60.0)
            / (100.0 * x1.powi(3) + 500.0 * x1 * x1 + 4.0 * x1 + 20.0);
        Ok(Outputs::from([
            ("f1".to_string(), f1),
            ("f2".to_string(), f2),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genesis_core::Value;

    fn check(twin: &dyn Twin, x: &[f64], expect: f64, tol: f64) {
        let inputs: Inputs = x
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("x{}", i + 1), Value::Float(*v)))
            .collect();
        let f = twin.evaluate(&inputs).unwrap()["f"];
        assert!(
            (f - expect).abs() <= tol,
            "{} at {x:?}: {f} vs {expect}",
            twin.spec().name
        );
    }

    #[test]
    fn branin_minima() {
        // Reference: f* = 0.397887 at all three minimisers (Surjanovic & Bingham).
        let b = Branin::new();
        check(&b, &[-PI, 12.275], 0.397887, 1e-6);
        check(&b, &[PI, 2.275], 0.397887, 1e-6);
        check(&b, &[9.42478, 2.475], 0.397887, 1e-6);
        // At the origin: (−6)² + 10(1 − 1/(8π)) + 10 = 55.602112642 (closed form).
        check(&b, &[0.0, 0.0], 55.602112642, 1e-8);
    }

    #[test]
    fn hartmann6_minimum() {
        // Reference: f* = -3.32237 (Surjanovic & Bingham).
        check(
            &Hartmann6::new(),
            &[0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
            -3.32237,
            1e-5,
        );
    }

    #[test]
    fn rosenbrock_minimum_and_dimension() {
        check(&Rosenbrock::new(2), &[1.0, 1.0], 0.0, 0.0);
        check(&Rosenbrock::new(4), &[1.0; 4], 0.0, 0.0);
        check(&Rosenbrock::new(2), &[0.0, 0.0], 1.0, 1e-15);
        assert_eq!(Rosenbrock::dimension_for(&["x1", "x2", "x3"]), 3);
        assert_eq!(Rosenbrock::dimension_for(&[]), 2);
    }

    #[test]
    fn branin_currin_values() {
        // f2 at (0.5, 0.5) by hand: (1 − e^{−1})·(287.5 + 475 + 1046 + 60)/(12.5 + 125 + 2 + 20)
        // = 0.63212056 · 1868.5 / 159.5 = 7.4051239.
        let out = BraninCurrin::new()
            .evaluate(
                &[
                    ("x1".to_string(), Value::Float(0.5)),
                    ("x2".to_string(), Value::Float(0.5)),
                ]
                .into_iter()
                .collect(),
            )
            .unwrap();
        assert!((out["f2"] - 7.405_123_9).abs() < 1e-6, "{}", out["f2"]);
        // f1 is Branin at (2.5, 7.5).
        let b = Branin::new()
            .evaluate(
                &[
                    ("x1".to_string(), Value::Float(2.5)),
                    ("x2".to_string(), Value::Float(7.5)),
                ]
                .into_iter()
                .collect(),
            )
            .unwrap();
        assert_eq!(out["f1"], b["f"]);
    }

    #[test]
    fn missing_input_is_an_error() {
        let err = Branin::new().evaluate(&Inputs::new()).unwrap_err();
        assert_eq!(err, TwinError::MissingInput("x1".into()));
    }
}
