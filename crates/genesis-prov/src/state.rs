//! What the trial table must say, derived from the events alone.

use crate::{Broken, Event};
use genesis_core::{Inputs, Outputs};
use std::collections::BTreeMap;

/// One trial as the chain describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectedTrial {
    /// `pending`, `running`, `completed` or `failed`.
    pub status: &'static str,
    pub inputs: Inputs,
    pub outputs: Option<Outputs>,
    pub failure_reason: Option<String>,
    pub attempts: u32,
    pub planner: String,
    pub reason: String,
    /// Index of the proposal event, and of the event that finished it.
    pub proposed_at_event: usize,
    pub finished_at_event: Option<usize>,
}

/// A campaign as the chain describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectedCampaign {
    /// `running`, `completed` or `cancelled`.
    pub status: String,
    pub trials: BTreeMap<u64, ExpectedTrial>,
}

/// Replays the events in order, refusing impossible transitions (a trial
/// finished twice, started before it was proposed, …): a chain with such
/// a step was not written by Genesis.
pub fn replay_state(campaign: &str, events: &[Event]) -> Result<ExpectedCampaign, Broken> {
    let mut state = ExpectedCampaign {
        status: "running".into(),
        trials: BTreeMap::new(),
    };
    for (seq, event) in events.iter().enumerate() {
        let record = || format!("event {seq} of campaign {campaign}");
        let bad = |trial: u64, from: &str, to: &str| {
            Broken::new(
                record(),
                format!("transition of trial {trial} to {to}"),
                "a trial in a state that allows it",
                from.to_string(),
            )
        };
        match event {
            Event::CampaignCreated { .. } if seq == 0 => {}
            Event::CampaignCreated { .. } => {
                return Err(Broken::new(
                    record(),
                    "event",
                    "one campaign_created, first",
                    "another",
                ));
            }
            Event::TrialProposed {
                trial,
                inputs,
                planner,
                reason,
                ..
            } => {
                if state.trials.contains_key(trial) {
                    return Err(bad(*trial, "already proposed", "pending"));
                }
                state.trials.insert(
                    *trial,
                    ExpectedTrial {
                        status: "pending",
                        inputs: inputs.clone(),
                        outputs: None,
                        failure_reason: None,
                        attempts: 0,
                        planner: planner.name.clone(),
                        reason: reason.clone(),
                        proposed_at_event: seq,
                        finished_at_event: None,
                    },
                );
            }
            Event::TrialStarted { trial, attempt } => {
                let t = state
                    .trials
                    .get_mut(trial)
                    .ok_or_else(|| bad(*trial, "never proposed", "running"))?;
                if t.status != "pending" || *attempt != t.attempts + 1 {
                    return Err(bad(*trial, t.status, "running"));
                }
                t.status = "running";
                t.attempts = *attempt;
            }
            Event::TrialSubmitted { trial, .. } => {
                let t = state
                    .trials
                    .get(trial)
                    .ok_or_else(|| bad(*trial, "never proposed", "submitted"))?;
                if t.status != "running" {
                    return Err(bad(*trial, t.status, "submitted"));
                }
            }
            Event::TrialCompleted {
                trial,
                outputs,
                reported_by,
                ..
            } => {
                let t = state
                    .trials
                    .get_mut(trial)
                    .ok_or_else(|| bad(*trial, "never proposed", "completed"))?;
                finish(t, *reported_by).map_err(|from| bad(*trial, from, "completed"))?;
                t.status = "completed";
                t.outputs = Some(outputs.clone());
                t.finished_at_event = Some(seq);
            }
            Event::TrialFailed {
                trial,
                reason,
                reported_by,
                ..
            } => {
                let t = state
                    .trials
                    .get_mut(trial)
                    .ok_or_else(|| bad(*trial, "never proposed", "failed"))?;
                finish(t, *reported_by).map_err(|from| bad(*trial, from, "failed"))?;
                t.status = "failed";
                t.failure_reason = Some(reason.clone());
                t.finished_at_event = Some(seq);
            }
            Event::TrialsRequeued { trials } => {
                for trial in trials {
                    let t = state
                        .trials
                        .get_mut(trial)
                        .ok_or_else(|| bad(*trial, "never proposed", "pending"))?;
                    if t.status != "running" {
                        return Err(bad(*trial, t.status, "pending"));
                    }
                    t.status = "pending";
                }
            }
            Event::CampaignStatus { status } => state.status = status.clone(),
            // Hypotheses and their tournament do not change trials or
            // the campaign's status.
            Event::HypothesisProposed { .. }
            | Event::HypothesisMatch { .. }
            | Event::HypothesisTested { .. }
            | Event::HypothesisResolved { .. }
            | Event::HypothesesReviewed { .. } => {}
        }
    }
    Ok(state)
}

/// A trial may finish from `running`, or from `pending` when told from
/// outside (which counts as one attempt, as the store does).
fn finish(t: &mut ExpectedTrial, by: crate::Reporter) -> Result<(), &'static str> {
    match (t.status, by) {
        ("running", _) => Ok(()),
        ("pending", crate::Reporter::Tell) => {
            t.attempts = t.attempts.max(1);
            Ok(())
        }
        (from, _) => Err(from),
    }
}
