//! What the commands print: tables for people, JSON and CSV for programs.

use crate::Report;
use anyhow::Result;
use genesis_core::{Goal, ParetoFront, Value, pareto_front};
pub use genesis_engine::export::{csv, jsonl, rfc3339, trial_json};
use genesis_engine::export::{duration_s, output_names, param_names, value_json};
use genesis_store::{CampaignRecord, Store, TrialRecord};
use serde_json::{Value as Json, json};

fn best_json(record: &CampaignRecord, best: Option<&TrialRecord>) -> Json {
    let Some(b) = best else { return Json::Null };
    let outputs = b.outputs.as_ref().expect("best trials completed");
    let objectives: serde_json::Map<_, _> = record
        .spec
        .objectives
        .iter()
        .filter_map(|o| outputs.get(&o.name).map(|v| (o.name.clone(), json!(v))))
        .collect();
    json!({
        "trial": b.index,
        "params": b.inputs.iter().map(|(k, v)| (k.clone(), value_json(v))).collect::<serde_json::Map<_, _>>(),
        "objectives": objectives,
        "outputs": outputs,
    })
}

/// The `run --json` object.
pub fn report_json(record: &CampaignRecord, report: &Report, trials: &[TrialRecord]) -> Json {
    json!({
        "campaign": report.campaign_id,
        "name": record.name,
        "status": report.status.as_str(),
        "budget": record.spec.budget,
        "trials": {
            "completed": report.counts.completed,
            "failed": report.counts.failed,
            "requeued_after_interruption": report.requeued,
        },
        "best": best_json(record, report.best.as_ref()),
        "pareto": pareto_json(record, trials),
        "elapsed_s": report.elapsed.as_secs_f64(),
    })
}

/// The Pareto front of a campaign with several objectives.
fn pareto<'a>(
    record: &CampaignRecord,
    trials: &'a [TrialRecord],
) -> Option<(ParetoFront, Vec<&'a TrialRecord>)> {
    let completed: Vec<&TrialRecord> = trials.iter().filter(|t| t.outputs.is_some()).collect();
    let outputs: Vec<_> = completed
        .iter()
        .map(|t| t.outputs.as_ref().expect("filtered"))
        .collect();
    let front = pareto_front(&record.spec, &outputs)?;
    let members = front.members.iter().map(|&i| completed[i]).collect();
    Some((front, members))
}

/// `"pareto"` in JSON output: members, hypervolume and reference point
/// (null for a single objective).
fn pareto_json(record: &CampaignRecord, trials: &[TrialRecord]) -> Json {
    let Some((front, members)) = pareto(record, trials) else {
        return Json::Null;
    };
    let names = record.spec.objectives.iter().map(|o| o.name.clone());
    json!({
        "hypervolume": front.hypervolume,
        "reference": names.zip(front.reference.iter()).map(|(n, r)| (n, json!(r))).collect::<serde_json::Map<_, _>>(),
        "trials": members.iter().map(|t| {
            let outputs = t.outputs.as_ref().expect("completed");
            json!({
                "trial": t.index,
                "params": t.inputs.iter().map(|(k, v)| (k.clone(), value_json(v))).collect::<serde_json::Map<_, _>>(),
                "objectives": record.spec.objectives.iter().map(|o| (o.name.clone(), json!(outputs.get(&o.name)))).collect::<serde_json::Map<_, _>>(),
            })
        }).collect::<Vec<_>>(),
    })
}

/// The Pareto block of the human summaries.
fn print_pareto(record: &CampaignRecord, trials: &[TrialRecord]) {
    let Some((front, members)) = pareto(record, trials) else {
        return;
    };
    let names: Vec<&str> = record
        .spec
        .objectives
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    let reference: Vec<String> = names
        .iter()
        .zip(&front.reference)
        .map(|(n, r)| format!("{n} = {r:.6}"))
        .collect();
    println!(
        "pareto     {} trial(s) on the front; hypervolume {:.6} (reference {})",
        members.len(),
        front.hypervolume,
        reference.join(", ")
    );
    for t in members.iter().take(12) {
        let outputs = t.outputs.as_ref().expect("completed");
        let values: Vec<String> = names
            .iter()
            .map(|n| format!("{n} = {:.6}", outputs[*n]))
            .collect();
        println!("  trial #{:<5} {}", t.index, values.join(", "));
    }
    if members.len() > 12 {
        println!("  ... and {} more (see --json)", members.len() - 12);
    }
}

fn goal_word(g: Goal) -> &'static str {
    match g {
        Goal::Minimize => "minimize",
        Goal::Maximize => "maximize",
    }
}

fn unit_of(record: &CampaignRecord, name: &str) -> String {
    record
        .spec
        .space
        .parameters
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.unit.clone())
        .map_or(String::new(), |u| format!(" [{u}]"))
}

/// The summary table at the end of `run`.
pub fn print_report(record: &CampaignRecord, report: &Report, trials: &[TrialRecord]) {
    let c = report.counts;
    println!("campaign   {} ({})", record.name, report.campaign_id);
    println!("status     {}", report.status);
    println!(
        "trials     {} completed, {} failed ({} of budget {})",
        c.completed,
        c.failed,
        c.finished(),
        record.spec.budget
    );
    if report.requeued > 0 {
        println!(
            "resumed    {} interrupted trial(s) were run again",
            report.requeued
        );
    }
    println!("time       {:.2} s", report.elapsed.as_secs_f64());
    print_pareto(record, trials);
    match &report.best {
        None => println!("best       none (no completed, feasible trial)"),
        Some(b) => {
            println!("best       trial #{}", b.index);
            let width = b
                .inputs
                .keys()
                .chain(record.spec.objectives.iter().map(|o| &o.name))
                .map(String::len)
                .max()
                .unwrap_or(1);
            for (k, v) in &b.inputs {
                println!("  {k:<width$} = {v}{}", unit_of(record, k));
            }
            let outputs = b.outputs.as_ref().expect("best trials completed");
            for o in &record.spec.objectives {
                if let Some(v) = outputs.get(&o.name) {
                    println!("  {:<width$} = {v}  ({})", o.name, goal_word(o.goal));
                }
            }
        }
    }
}

/// `genesis list`.
pub fn list(store: &Store, json: bool) -> Result<()> {
    let campaigns = store.campaigns()?;
    let mut rows = Vec::new();
    for c in &campaigns {
        let counts = store.counts(&c.id)?;
        let trials = store.trials(&c.id)?;
        let best = genesis_engine::best_trial(&c.spec, &trials);
        let objective = &c.spec.objectives[0].name;
        let best_value = best.and_then(|b| b.outputs.as_ref()?.get(objective).copied());
        rows.push((c, counts, objective, best_value));
    }
    if json {
        let list: Vec<Json> = rows
            .iter()
            .map(|(c, n, obj, best)| {
                json!({
                    "id": c.id, "name": c.name, "status": c.status.as_str(), "budget": c.spec.budget,
                    "completed": n.completed, "failed": n.failed, "twin": c.twin_name,
                    "objective": obj, "best": best, "created_at": rfc3339(c.created_at),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no campaigns yet");
        return Ok(());
    }
    println!(
        "{:<8}  {:<20}  {:<9}  {:>9}  {:>6}  {:<18}  {:<24}  created",
        "id", "name", "status", "finished", "failed", "twin", "best"
    );
    for (c, n, obj, best) in rows {
        let best = best.map_or("-".to_string(), |v| format!("{obj} = {v:.6}"));
        println!(
            "{:<8}  {:<20}  {:<9}  {:>9}  {:>6}  {:<18}  {:<24}  {}",
            c.id,
            c.name,
            c.status.as_str(),
            format!("{}/{}", n.finished(), c.spec.budget),
            n.failed,
            c.twin_name,
            best,
            &rfc3339(c.created_at)[..19]
        );
    }
    Ok(())
}

/// `genesis show`.
pub fn show(store: &Store, record: &CampaignRecord, json: bool) -> Result<()> {
    let trials = store.trials(&record.id)?;
    let counts = store.counts(&record.id)?;
    let best = genesis_engine::best_trial(&record.spec, &trials);
    if json {
        let doc = json!({
            "campaign": record.id, "name": record.name, "status": record.status.as_str(),
            "owner": record.owner, "project": record.project,
            "twin": { "name": record.twin_name, "version": record.twin_version },
            "planner": record.spec.planner, "seed": record.spec.seed, "budget": record.spec.budget,
            "source_path": record.source_path,
            "created_at": rfc3339(record.created_at), "updated_at": rfc3339(record.updated_at),
            "counts": { "pending": counts.pending, "running": counts.running, "completed": counts.completed, "failed": counts.failed },
            "best": best_json(record, best),
            "pareto": pareto_json(record, &trials),
            "trials": trials.iter().map(trial_json).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    println!(
        "campaign   {} ({})  {}",
        record.name, record.id, record.status
    );
    println!(
        "twin       {} {}   planner {} (seed {})",
        record.twin_name, record.twin_version, record.spec.planner, record.spec.seed
    );
    println!(
        "trials     {} completed, {} failed, {} running, {} pending (budget {})",
        counts.completed, counts.failed, counts.running, counts.pending, record.spec.budget
    );
    if let Some(b) = best {
        println!("best       trial #{}", b.index);
    }
    print_pareto(record, &trials);
    println!();
    let params = param_names(record);
    let outputs = output_names(&trials);
    let mut header = vec!["#".to_string(), "status".to_string()];
    header.extend(params.iter().cloned());
    header.extend(outputs.iter().cloned());
    header.push("time_s".into());
    header.push("note".into());
    let mut table = vec![header];
    for t in &trials {
        let mut row = vec![t.index.to_string(), t.status.to_string()];
        row.extend(
            params
                .iter()
                .map(|p| t.inputs.get(p).map_or(String::new(), fmt_value)),
        );
        row.extend(outputs.iter().map(|o| {
            t.outputs
                .as_ref()
                .and_then(|out| out.get(o))
                .map_or(String::new(), |v| format!("{v:.6}"))
        }));
        row.push(duration_s(t).map_or(String::new(), |d| format!("{d:.3}")));
        let mut note = t
            .failure_reason
            .as_deref()
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        if best.is_some_and(|b| b.id == t.id) {
            note = "best".into();
        }
        if note.chars().count() > 60 {
            note = note.chars().take(57).collect::<String>() + "...";
        }
        row.push(note);
        table.push(row);
    }
    print_table(&table);
    Ok(())
}

fn fmt_value(v: &Value) -> String {
    match v {
        Value::Float(x) => format!("{x:.6}"),
        other => other.to_string(),
    }
}

/// Prints rows as left-aligned columns (the first row is the header).
pub fn print_table(rows: &[Vec<String>]) {
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c + 1 == cols {
                    cell.clone()
                } else {
                    format!("{cell:<w$}", w = widths[c])
                }
            })
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}
