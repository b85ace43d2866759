//! Trials as CSV, JSON lines and JSON objects: one definition shared by
//! `genesis export`/`show` and the server's API, so both give the same
//! columns and fields.

use genesis_core::Value;
use genesis_store::{CampaignRecord, TrialRecord};
use serde_json::{Value as Json, json};
use std::collections::BTreeSet;

/// Formats Unix milliseconds as RFC 3339 UTC (`2026-11-26T20:17:17.123Z`).
pub fn rfc3339(ms: i64) -> String {
    genesis_prov::rfc3339_ms(ms)
}

/// A parameter value as JSON.
pub fn value_json(v: &Value) -> Json {
    serde_json::to_value(v).expect("values serialise")
}

/// How long a finished trial ran, in seconds.
pub fn duration_s(t: &TrialRecord) -> Option<f64> {
    Some((t.ended_at? - t.started_at?) as f64 / 1000.0)
}

/// One trial as JSON (for `show --json` and `export --format jsonl`).
pub fn trial_json(t: &TrialRecord) -> Json {
    json!({
        "campaign": t.campaign_id,
        "index": t.index,
        "status": t.status.as_str(),
        "params": t.inputs.iter().map(|(k, v)| (k.clone(), value_json(v))).collect::<serde_json::Map<_, _>>(),
        "outputs": t.outputs,
        "failure_reason": t.failure_reason,
        "attempts": t.attempts,
        "planner": { "name": t.planner_name, "version": t.planner_version, "reason": t.planner_reason },
        "twin": { "name": t.twin_name, "version": t.twin_version },
        "created_at": rfc3339(t.created_at),
        "started_at": t.started_at.map(rfc3339),
        "ended_at": t.ended_at.map(rfc3339),
        "duration_s": duration_s(t),
    })
}

/// Every output name any trial reported, sorted.
pub fn output_names(trials: &[TrialRecord]) -> Vec<String> {
    let names: BTreeSet<&String> = trials
        .iter()
        .filter_map(|t| t.outputs.as_ref())
        .flat_map(|o| o.keys())
        .collect();
    names.into_iter().cloned().collect()
}

/// The campaign's parameter names, in declaration order.
pub fn param_names(record: &CampaignRecord) -> Vec<String> {
    record
        .spec
        .space
        .parameters
        .iter()
        .map(|p| p.name.clone())
        .collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `export --format csv`: one row per trial, parameters and outputs as columns.
pub fn csv(record: &CampaignRecord, trials: &[TrialRecord]) -> String {
    let params = param_names(record);
    let outputs = output_names(trials);
    let mut header: Vec<String> = vec!["campaign".into(), "index".into(), "status".into()];
    header.extend(params.iter().cloned());
    header.extend(outputs.iter().cloned());
    header.extend(
        [
            "failure_reason",
            "attempts",
            "planner",
            "planner_version",
            "twin",
            "twin_version",
            "started_at",
            "ended_at",
            "duration_s",
        ]
        .map(String::from),
    );
    let mut out = header
        .iter()
        .map(|h| csv_field(h))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for t in trials {
        let mut row = vec![record.id.clone(), t.index.to_string(), t.status.to_string()];
        row.extend(
            params
                .iter()
                .map(|p| t.inputs.get(p).map_or(String::new(), Value::to_string)),
        );
        row.extend(outputs.iter().map(|o| {
            t.outputs
                .as_ref()
                .and_then(|m| m.get(o))
                .map_or(String::new(), |v| format!("{v:?}"))
        }));
        row.push(t.failure_reason.clone().unwrap_or_default());
        row.push(t.attempts.to_string());
        row.extend([
            t.planner_name.clone(),
            t.planner_version.clone(),
            t.twin_name.clone(),
            t.twin_version.clone(),
        ]);
        row.push(t.started_at.map(rfc3339).unwrap_or_default());
        row.push(t.ended_at.map(rfc3339).unwrap_or_default());
        row.push(duration_s(t).map_or(String::new(), |d| format!("{d}")));
        out += &(row
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(",")
            + "\n");
    }
    out
}

/// `export --format jsonl`: one JSON object per trial per line.
pub fn jsonl(_record: &CampaignRecord, trials: &[TrialRecord]) -> String {
    trials
        .iter()
        .map(|t| trial_json(t).to_string() + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"\nnow"), "\"say \"\"hi\"\"\nnow\"");
    }
}
