//! `genesis ask` and `genesis tell`: campaigns whose experiments run outside
//! Genesis (a lab bench, an instrument, someone else's cluster).

use crate::BadInput;
use anyhow::Result;
use genesis_core::Outputs;
use genesis_engine::{EngineError, Prepared};
use genesis_store::{CampaignRecord, Store};
use serde_json::json;
use std::path::Path;

fn rejected(e: EngineError) -> anyhow::Error {
    match e {
        EngineError::Rejected(m) => BadInput(m).into(),
        EngineError::NotResumable(id, status) => BadInput(format!(
            "campaign {id} is {status}; it takes no more trials"
        ))
        .into(),
        other => other.into(),
    }
}

/// `genesis ask ID -n N`.
pub fn ask(
    store: &mut Store,
    record: &CampaignRecord,
    prepared: &Prepared,
    count: u64,
    json: bool,
) -> Result<()> {
    let trials = genesis_engine::ask(store, record, prepared, count).map_err(rejected)?;
    if json {
        let list: Vec<_> = trials.iter().map(crate::output::trial_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "campaign": record.id, "trials": list }))?
        );
        return Ok(());
    }
    if trials.is_empty() {
        println!(
            "campaign {} has proposed its whole budget of {} trials",
            record.id, record.spec.budget
        );
        return Ok(());
    }
    println!(
        "campaign {} ({}): {} experiment(s) to run\n",
        record.name,
        record.id,
        trials.len()
    );
    let params: Vec<String> = record
        .spec
        .space
        .parameters
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let mut rows = vec![
        std::iter::once("trial".to_string())
            .chain(params.iter().cloned())
            .collect::<Vec<_>>(),
    ];
    for t in &trials {
        let mut row = vec![t.index.to_string()];
        row.extend(
            params
                .iter()
                .map(|p| t.inputs.get(p).map_or(String::new(), |v| v.to_string())),
        );
        rows.push(row);
    }
    crate::output::print_table(&rows);
    let objective = &record.spec.objectives[0].name;
    println!(
        "\nreport each result with `genesis tell {id} TRIAL {objective}=VALUE`, or all at once with\n`genesis tell {id} --file results.csv` (columns: trial,{objective},...)",
        id = record.id
    );
    Ok(())
}

fn parse_number(text: &str, what: &str) -> Result<f64> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| BadInput(format!("{what}: `{text}` is not a number")).into())
}

/// Reads `trial,<output>...[,failure_reason]` rows.
fn read_results_csv(path: &Path) -> Result<Vec<(u64, Result<Outputs, String>)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| BadInput(format!("{} is empty", path.display())))?;
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let trial_col = columns.iter().position(|c| *c == "trial").ok_or_else(|| {
        BadInput(format!(
            "{}:1: no `trial` column\nhint: the header is e.g. `trial,f`",
            path.display()
        ))
    })?;
    let reason_col = columns.iter().position(|c| *c == "failure_reason");
    let mut out = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let at = |col: usize| format!("{}:{} column `{}`", path.display(), i + 1, columns[col]);
        if cells.len() != columns.len() {
            return Err(BadInput(format!(
                "{}:{}: {} cells, but the header has {}",
                path.display(),
                i + 1,
                cells.len(),
                columns.len()
            ))
            .into());
        }
        let trial = cells[trial_col].parse::<u64>().map_err(|_| {
            BadInput(format!(
                "{}: `{}` is not a trial number",
                at(trial_col),
                cells[trial_col]
            ))
        })?;
        if let Some(rc) = reason_col.filter(|&rc| !cells[rc].is_empty()) {
            out.push((trial, Err(cells[rc].to_string())));
            continue;
        }
        let mut outputs = Outputs::new();
        for (col, name) in columns.iter().enumerate() {
            if col == trial_col || Some(col) == reason_col || cells[col].is_empty() {
                continue;
            }
            outputs.insert(name.to_string(), parse_number(cells[col], &at(col))?);
        }
        out.push((trial, Ok(outputs)));
    }
    Ok(out)
}

/// `genesis tell ID TRIAL NAME=VALUE...`, `--failed REASON`, or `--file F`.
pub fn tell(
    store: &mut Store,
    record: &CampaignRecord,
    trial: Option<u64>,
    assignments: &[String],
    failed: Option<String>,
    file: Option<&Path>,
    json: bool,
) -> Result<()> {
    let results = match (file, trial) {
        (Some(path), None) if assignments.is_empty() && failed.is_none() => read_results_csv(path)?,
        (None, Some(index)) => {
            let result = match failed {
                Some(reason) if assignments.is_empty() => Err(reason),
                Some(_) => return Err(BadInput("give outputs or --failed, not both".into()).into()),
                None => {
                    let mut outputs = Outputs::new();
                    for a in assignments {
                        let (k, v) = a.split_once('=').filter(|(k, _)| !k.is_empty()).ok_or_else(|| {
                            BadInput(format!("`{a}` is not NAME=VALUE\nhint: e.g. genesis tell {} {index} f=1.23", record.id))
                        })?;
                        outputs.insert(k.to_string(), parse_number(v, &format!("output `{k}`"))?);
                    }
                    Ok(outputs)
                }
            };
            vec![(index, result)]
        }
        _ => {
            return Err(BadInput(format!(
                "give a trial and its outputs, or --file\nhint: genesis tell {id} 3 f=1.23, or genesis tell {id} --file results.csv",
                id = record.id
            ))
            .into());
        }
    };
    let counts = genesis_engine::tell(store, record, &results).map_err(rejected)?;
    if json {
        let doc = json!({
            "campaign": record.id,
            "recorded": results.len(),
            "trials": { "completed": counts.completed, "failed": counts.failed, "pending": counts.pending + counts.running },
            "budget": record.spec.budget,
            "status": if counts.finished() >= record.spec.budget { "completed" } else { "running" },
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!(
            "recorded {} result(s); {} of {} trials finished ({} failed), {} awaiting results",
            results.len(),
            counts.finished(),
            record.spec.budget,
            counts.failed,
            counts.pending + counts.running
        );
    }
    Ok(())
}
