//! Values passed to twins, and the maps of named inputs and outputs.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One input value. Parameters are named, never positional, so a value
/// always travels with its name in an [`Inputs`] map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// Integer parameters keep exact integers (JSON `3`, not `3.0`).
    Int(i64),
    /// Continuous parameters.
    Float(f64),
    /// Switches.
    Bool(bool),
    /// Categorical labels.
    Text(String),
}

impl Value {
    /// The value as a number, if it is one (booleans and text are not).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Bool(_) | Value::Text(_) => None,
        }
    }

    /// Converts a TOML value; arrays and tables are not valid twin inputs.
    pub fn from_toml(v: &toml::Value) -> Option<Value> {
        match v {
            toml::Value::Integer(i) => Some(Value::Int(*i)),
            toml::Value::Float(f) => Some(Value::Float(*f)),
            toml::Value::Boolean(b) => Some(Value::Bool(*b)),
            toml::Value::String(s) => Some(Value::Text(s.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Text(s) => write!(f, "{s}"),
        }
    }
}

/// Named inputs of one evaluation, in the campaign's parameter order.
pub type Inputs = IndexMap<String, Value>;

/// Named numeric outputs of one evaluation.
pub type Outputs = BTreeMap<String, f64>;
