//! `genesis hypotheses`: the co-scientist's rounds (`genesis_engine::cosci`)
//! shown as a ranked table or JSON, a scientist's own claims, and the
//! falsification experiments run through the campaign's executor.

use crate::output::print_table;
use anyhow::Result;
use genesis_engine::cosci::{self, RoundError, Update};
use genesis_store::{CampaignRecord, HypothesisRecord, Store};
use serde_json::{Value, json};

pub use genesis_engine::cosci::{Analysis, LlmSettings};

/// A round's error at the command line: the user's mistakes exit 2.
fn cli(e: RoundError) -> anyhow::Error {
    match e {
        RoundError::Input(message) => crate::BadInput(message).into(),
        other => other.into(),
    }
}

/// See [`cosci::llm_settings`].
pub fn llm_settings(
    record: &CampaignRecord,
    flags: Option<genesis_core::LlmConfig>,
    notes_flag: Option<std::path::PathBuf>,
) -> Result<Option<LlmSettings>> {
    cosci::llm_settings(record, flags, notes_flag).map_err(cli)
}

/// See [`cosci::analysis`].
pub fn analysis(store: &Store, record: &CampaignRecord) -> Result<Analysis> {
    cosci::analysis(store, record).map_err(cli)
}

/// See [`cosci::update`].
pub fn update(
    store: &mut Store,
    record: &CampaignRecord,
    llm: Option<&LlmSettings>,
    proposal: Option<&genesis_cosci::agents::Idea>,
) -> Result<Update> {
    cosci::update(store, record, llm, proposal).map_err(cli)
}

/// `genesis hypotheses CAMPAIGN`: resolve, generate (with the model when
/// one is given), rank, show.
pub fn hypotheses(
    store: &mut Store,
    record: &CampaignRecord,
    llm: Option<&LlmSettings>,
    json_out: bool,
) -> Result<()> {
    let round = update(store, record, llm, None)?;
    print_update(record, &round, json_out)
}

/// `genesis hypotheses propose`: a scientist's own directional claim,
/// predicted by the surrogate and ranked with the rest.
pub fn propose(
    store: &mut Store,
    record: &CampaignRecord,
    idea: genesis_cosci::agents::Idea,
    json_out: bool,
) -> Result<()> {
    let round = update(store, record, None, Some(&idea))?;
    if !json_out && let Some(h) = round.analysis.findings.hypotheses.first() {
        println!(
            "proposed {}: {}\n  prediction: {}",
            h.id, h.statement, h.prediction
        );
    }
    print_update(record, &round, json_out)
}

fn print_update(record: &CampaignRecord, round: &Update, json_out: bool) -> Result<()> {
    let Update {
        resolved,
        analysis,
        added,
        played,
        ranked,
    } = round;
    if json_out {
        let list: Vec<Value> = ranked.iter().map(record_json).collect();
        let doc = json!({
            "campaign": record.id,
            "response": analysis.response,
            "observations": analysis.observations,
            "new": added,
            "resolved_now": resolved.iter().map(|(id, v)| json!({"id": id, "verdict": v})).collect::<Vec<_>>(),
            "hypotheses": list,
            "refusals": analysis.findings.refusals,
            "sensitivity": analysis.findings.sensitivity,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    println!(
        "campaign {} ({}): {} observations of {}; {} new hypotheses, {} matches played",
        record.id, record.name, analysis.observations, analysis.response, added, played
    );
    for (id, verdict) in resolved {
        println!("resolved {id}: {verdict}");
    }
    if ranked.is_empty() {
        println!("no hypotheses");
    } else {
        let mut rows = vec![vec![
            "rank".to_string(),
            "id".into(),
            "elo".into(),
            "status".into(),
            "statement".into(),
        ]];
        for (i, h) in ranked.iter().enumerate() {
            let statement = h.body["statement"].as_str().unwrap_or_default().to_string();
            rows.push(vec![
                (i + 1).to_string(),
                h.id.clone(),
                format!("{:.0}", h.elo),
                h.status.clone(),
                statement,
            ]);
        }
        print_table(&rows);
    }
    for r in &analysis.findings.refusals {
        println!("not stated: {}", refusal_text(r));
    }
    if let Some(top) = ranked.iter().find(|h| h.status == "proposed") {
        println!(
            "next: `genesis hypotheses test {}` runs the experiment that could refute the top one",
            top.id
        );
    }
    Ok(())
}

fn refusal_text(r: &genesis_cosci::surrogate::Refusal) -> String {
    r.to_string()
}

/// A stored hypothesis for `--json` and the report.
pub fn record_json(h: &HypothesisRecord) -> Value {
    json!({
        "id": h.id,
        "elo": h.elo,
        "status": h.status,
        "trials": h.trials,
        "evidence": h.evidence,
        "hypothesis": h.body,
    })
}

/// What `genesis hypotheses test` did.
pub enum Queued {
    /// The trials ran; the hypothesis was resolved (or is still open).
    Ran { verdict: Option<String> },
    /// A manual campaign: the trials wait for `genesis tell`.
    Manual { indices: Vec<u64> },
}

/// Queues the falsification experiment of `hypothesis` (a unique id prefix)
/// as trials; runs them with `run` unless the campaign is manual, then
/// records the verdict.
pub fn test(
    store: &mut Store,
    prefix: &str,
    run: impl FnOnce(&mut Store, &CampaignRecord, &[i64]) -> Result<()>,
) -> Result<(HypothesisRecord, Queued)> {
    let queued = cosci::queue_test(store, prefix).map_err(cli)?;
    let id = queued.hypothesis.id.clone();
    if genesis_engine::is_manual(&queued.campaign.spec) {
        return Ok((
            queued.hypothesis,
            Queued::Manual {
                indices: queued.indices,
            },
        ));
    }
    run(store, &queued.campaign, &queued.ids)?;
    let verdict = cosci::resolve_finished(store, &queued.campaign)
        .map_err(cli)?
        .into_iter()
        .find(|(h, _)| *h == id)
        .map(|(_, v)| v);
    Ok((store.hypothesis(&id)?, Queued::Ran { verdict }))
}
