//! The twin protocol: what every simulator, program, job or instrument
//! implements so that the planner and the store can treat them alike.

use crate::value::{Inputs, Outputs};
use serde::{Deserialize, Serialize};

/// One declared input or output of a twin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Valid range, when the model has one (inputs) or it is known (outputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Value used when the campaign neither searches nor fixes this input;
    /// an input without a default is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<f64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl IoSpec {
    /// A bounded input or output with a unit; the common case for built-ins.
    pub fn new(name: &str, unit: &str, low: Option<f64>, high: Option<f64>) -> Self {
        IoSpec {
            name: name.to_string(),
            unit: Some(unit.to_string()),
            low,
            high,
            default: None,
            description: String::new(),
        }
    }

    /// Adds a description (builder style).
    pub fn describe(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }
}

/// What a twin is: recorded with every trial so results stay attributable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwinSpec {
    pub name: String,
    pub version: String,
    pub description: String,
    pub inputs: Vec<IoSpec>,
    pub outputs: Vec<IoSpec>,
    /// External programs accept whatever inputs the campaign sends.
    #[serde(default)]
    pub open_inputs: bool,
    /// External programs may print outputs nobody declared in advance.
    #[serde(default)]
    pub open_outputs: bool,
    /// Known optimum and where it is, for benchmarks (free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimum: Option<String>,
}

impl TwinSpec {
    /// Looks up a declared input.
    pub fn input(&self, name: &str) -> Option<&IoSpec> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// Whether the twin can produce `name` (always true for open outputs).
    pub fn produces(&self, name: &str) -> bool {
        self.open_outputs || self.outputs.iter().any(|o| o.name == name)
    }
}

/// Why an evaluation produced no result. The message becomes the trial's
/// failure reason, so it must make sense to a scientist reading it later.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TwinError {
    #[error("input `{0}` is missing")]
    MissingInput(String),
    #[error("input `{name}` is invalid: {reason}")]
    InvalidInput { name: String, reason: String },
    #[error("timed out after {0} s")]
    Timeout(f64),
    #[error("{0}")]
    Failed(String),
}

/// A simulator, program, job or instrument that turns named inputs into
/// named numeric outputs.
///
/// Implementations must be deterministic for the same inputs unless they
/// model noise, in which case they must take the noise seed as an input.
pub trait Twin: Send + Sync {
    /// Name, version, inputs and outputs (stable for the twin's lifetime).
    fn spec(&self) -> &TwinSpec;

    /// Runs one evaluation. Blocking; executors decide on which thread.
    fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError>;

    /// Runs one evaluation and keeps what it wrote along the way (a
    /// program's stdout and stderr), which the store files as artifacts of
    /// the trial. Built-in twins write nothing, so the default has none.
    fn evaluate_recorded(&self, inputs: &Inputs) -> Recorded {
        Recorded {
            result: self.evaluate(inputs),
            artifacts: Vec::new(),
        }
    }
}

/// An evaluation with the files it produced.
#[derive(Debug)]
pub struct Recorded {
    pub result: Result<Outputs, TwinError>,
    /// (name, content) of each file worth keeping, e.g. `("stdout", …)`.
    pub artifacts: Vec<(String, Vec<u8>)>,
}

/// Reads a numeric input by name, the way built-in twins need it.
pub fn number(inputs: &Inputs, name: &str) -> Result<f64, TwinError> {
    let v = inputs
        .get(name)
        .ok_or_else(|| TwinError::MissingInput(name.to_string()))?;
    v.as_f64().ok_or_else(|| TwinError::InvalidInput {
        name: name.to_string(),
        reason: format!("expected a number, got {v}"),
    })
}
