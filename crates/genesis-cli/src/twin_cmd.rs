//! `genesis twins` and `genesis twin describe|eval`.

use crate::BadInput;
use anyhow::Result;
use clap::Subcommand;
use genesis_core::{Inputs, Twin, TwinSpec, Value};
use serde_json::json;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum TwinCommand {
    /// Show a twin's inputs, outputs, units, bounds and known optimum.
    Describe {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Evaluate a twin once: `genesis twin eval bench.branin x1=3.14 x2=2.27`.
    Eval {
        name: String,
        /// Inputs as NAME=VALUE.
        inputs: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

fn resolve(name: &str, input_names: &[&str]) -> Result<Arc<dyn Twin>> {
    genesis_twins::resolve(name, input_names).ok_or_else(|| {
        BadInput(format!(
            "unknown twin `{name}`\nhint: built-in twins are: {}",
            genesis_twins::BUILTIN_NAMES.join(", ")
        ))
        .into()
    })
}

/// `genesis twins`.
pub fn list(json: bool) -> Result<()> {
    let specs: Vec<TwinSpec> = genesis_twins::BUILTIN_NAMES
        .iter()
        .map(|n| resolve(n, &[]).map(|t| t.spec().clone()))
        .collect::<Result<_>>()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&specs)?);
    } else {
        for s in specs {
            println!("{:<18} {:<7} {}", s.name, s.version, s.description);
        }
    }
    Ok(())
}

pub fn dispatch(cmd: TwinCommand) -> Result<()> {
    match cmd {
        TwinCommand::Describe { name, json } => describe(&name, json),
        TwinCommand::Eval { name, inputs, json } => eval(&name, &inputs, json),
    }
}

fn bound(b: Option<f64>) -> String {
    b.map_or("-".into(), |v| v.to_string())
}

fn describe(name: &str, json: bool) -> Result<()> {
    let twin = resolve(name, &[])?;
    let s = twin.spec();
    if json {
        println!("{}", serde_json::to_string_pretty(s)?);
        return Ok(());
    }
    println!("{} {}\n{}\n", s.name, s.version, s.description);
    println!("inputs:");
    for i in &s.inputs {
        let line = format!(
            "  {:<8} [{}]  in [{}, {}]  {}",
            i.name,
            i.unit.as_deref().unwrap_or("-"),
            bound(i.low),
            bound(i.high),
            i.description
        );
        println!("{}", line.trim_end());
    }
    println!("outputs:");
    for o in &s.outputs {
        let line = format!(
            "  {:<8} [{}]  {}",
            o.name,
            o.unit.as_deref().unwrap_or("-"),
            o.description
        );
        println!("{}", line.trim_end());
    }
    if let Some(opt) = &s.optimum {
        println!("known optimum: {opt}");
    }
    Ok(())
}

/// Reads `NAME=VALUE`: integers stay integers, then floats, booleans, text.
fn parse_assignment(text: &str) -> Result<(String, Value)> {
    let (k, v) = text.split_once('=').filter(|(k, _)| !k.is_empty()).ok_or_else(|| {
        BadInput(format!("`{text}` is not NAME=VALUE\nhint: e.g. genesis twin eval bench.branin x1=3.14 x2=2.27"))
    })?;
    let value = if let Ok(i) = v.parse::<i64>() {
        Value::Int(i)
    } else if let Ok(f) = v.parse::<f64>() {
        Value::Float(f)
    } else if let Ok(b) = v.parse::<bool>() {
        Value::Bool(b)
    } else {
        Value::Text(v.to_string())
    };
    Ok((k.to_string(), value))
}

fn eval(name: &str, assignments: &[String], json: bool) -> Result<()> {
    let inputs: Inputs = assignments
        .iter()
        .map(|a| parse_assignment(a))
        .collect::<Result<_>>()?;
    let names: Vec<&str> = inputs.keys().map(String::as_str).collect();
    let twin = resolve(name, &names)?;
    let spec = twin.spec();
    if let Some(unknown) = inputs.keys().find(|k| spec.input(k).is_none()) {
        let known: Vec<&str> = spec.inputs.iter().map(|i| i.name.as_str()).collect();
        return Err(BadInput(format!(
            "twin `{name}` has no input `{unknown}`\nhint: its inputs are: {}",
            known.join(", ")
        ))
        .into());
    }
    let outputs = twin
        .evaluate(&inputs)
        .map_err(|e| BadInput(format!("{name}: {e}")))?;
    if json {
        let doc = json!({ "twin": spec.name, "version": spec.version, "inputs": inputs, "outputs": outputs });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for (k, v) in &outputs {
            println!("{k} = {v}");
        }
    }
    Ok(())
}
