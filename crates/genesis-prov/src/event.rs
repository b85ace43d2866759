//! What happened: one variant per state change of a campaign.

use crate::Digest;
use genesis_core::{Inputs, Outputs};
use serde::{Deserialize, Serialize};

/// A name and version (of a planner, twin or program).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Versioned {
    pub name: String,
    pub version: String,
}

/// A file kept in the artifact store, by content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtifactRef {
    /// What the file is to the trial or campaign (`stdout`, `campaign.toml`).
    pub name: String,
    pub hash: Digest,
    pub size: u64,
}

/// Who reported a trial's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporter {
    /// Genesis ran the twin itself.
    Executor,
    /// Someone ran the experiment and told Genesis (`genesis tell`).
    Tell,
}

impl Reporter {
    /// The name used in the record and the exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Reporter::Executor => "executor",
            Reporter::Tell => "tell",
        }
    }
}

/// The end of a trial, completed (`outputs`) or failed (`reason`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Finish<'a> {
    pub trial: u64,
    pub outputs: Option<&'a Outputs>,
    pub reason: Option<&'a str>,
    pub artifacts: &'a [ArtifactRef],
    pub reported_by: Reporter,
    pub execution: Option<&'a serde_json::Value>,
}

/// One state change. Serialised as JSON with a `kind` tag, which is the
/// exact text that is hashed and signed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // one campaign_created per campaign; boxing buys nothing
pub enum Event {
    /// The first event of every campaign.
    CampaignCreated {
        campaign: String,
        name: String,
        project: String,
        /// Who started it (the operating-system user for the CLI).
        owner: String,
        /// BLAKE3 of the validated spec as stored (JSON).
        spec_hash: Digest,
        /// The campaign file as written by the scientist.
        source: ArtifactRef,
        source_path: String,
        base_dir: String,
        twin: Versioned,
        /// The planner's name, version and every setting that changes what
        /// it proposes, seed included.
        planner: serde_json::Value,
        /// The Genesis build that ran it.
        software: Versioned,
    },
    /// The planner proposed a trial. Which results it had seen is implied
    /// by the chain: every result recorded before this event.
    TrialProposed {
        trial: u64,
        inputs: Inputs,
        planner: Versioned,
        /// The planner's own account (acquisition value, prediction).
        reason: String,
        twin: Versioned,
    },
    /// A trial began to run (again, after a crash, with a higher attempt).
    TrialStarted { trial: u64, attempt: u32 },
    /// A started trial was handed to a scheduler, which knows it by
    /// `execution` (e.g. `{"executor": "slurm", "job_id": "812_3"}`).
    TrialSubmitted {
        trial: u64,
        execution: serde_json::Value,
    },
    /// A trial finished with outputs.
    TrialCompleted {
        trial: u64,
        outputs: Outputs,
        artifacts: Vec<ArtifactRef>,
        reported_by: Reporter,
        /// Where and how it ran, as the executor reports it (Slurm job id,
        /// node, state, exit code, elapsed time).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        execution: Option<serde_json::Value>,
    },
    /// A trial failed; the reason says why.
    TrialFailed {
        trial: u64,
        reason: String,
        artifacts: Vec<ArtifactRef>,
        reported_by: Reporter,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        execution: Option<serde_json::Value>,
    },
    /// Trials left running by a process that died went back to pending.
    TrialsRequeued { trials: Vec<u64> },
    /// The campaign became `completed` or `cancelled`.
    CampaignStatus { status: String },
    /// The co-scientist stated a hypothesis: `body` is all of it
    /// (statement, statistic with uncertainty and n, prediction,
    /// falsification experiment, source: surrogate, model or person).
    HypothesisProposed {
        hypothesis: String,
        body: serde_json::Value,
    },
    /// One tournament match between two hypotheses, in the order shown
    /// to the judge; the log from which ratings can be recomputed.
    HypothesisMatch {
        first: String,
        second: String,
        winner: String,
        judge: String,
    },
    /// A hypothesis's falsification experiment was queued as these trials.
    HypothesisTested {
        hypothesis: String,
        trials: Vec<u64>,
    },
    /// The results of its experiment decided a hypothesis: `verdict` is
    /// supported, refuted or inconclusive, with the evidence.
    HypothesisResolved {
        hypothesis: String,
        verdict: String,
        evidence: serde_json::Value,
    },
    /// A language model's reflection (a review of each open hypothesis)
    /// and meta-review (the critique fed into the next prompts): `body`
    /// holds both, with the model's id and the prompt and answer hashes.
    HypothesesReviewed {
        model: String,
        body: serde_json::Value,
    },
}

impl Event {
    /// The `kind` tag, also stored in its own column for queries.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::CampaignCreated { .. } => "campaign_created",
            Event::TrialProposed { .. } => "trial_proposed",
            Event::TrialStarted { .. } => "trial_started",
            Event::TrialSubmitted { .. } => "trial_submitted",
            Event::TrialCompleted { .. } => "trial_completed",
            Event::TrialFailed { .. } => "trial_failed",
            Event::TrialsRequeued { .. } => "trials_requeued",
            Event::CampaignStatus { .. } => "campaign_status",
            Event::HypothesisProposed { .. } => "hypothesis_proposed",
            Event::HypothesisMatch { .. } => "hypothesis_match",
            Event::HypothesisTested { .. } => "hypothesis_tested",
            Event::HypothesisResolved { .. } => "hypothesis_resolved",
            Event::HypothesesReviewed { .. } => "hypotheses_reviewed",
        }
    }

    /// The trial the event is about, if exactly one.
    pub fn trial(&self) -> Option<u64> {
        match self {
            Event::TrialProposed { trial, .. }
            | Event::TrialStarted { trial, .. }
            | Event::TrialSubmitted { trial, .. }
            | Event::TrialCompleted { trial, .. }
            | Event::TrialFailed { trial, .. } => Some(*trial),
            _ => None,
        }
    }

    /// How a trial ended, if this event ends one: completed and failed
    /// trials read alike for lineage and export.
    pub fn finish(&self) -> Option<Finish<'_>> {
        match self {
            Event::TrialCompleted {
                trial,
                outputs,
                artifacts,
                reported_by,
                execution,
            } => Some(Finish {
                trial: *trial,
                outputs: Some(outputs),
                reason: None,
                artifacts,
                reported_by: *reported_by,
                execution: execution.as_ref(),
            }),
            Event::TrialFailed {
                trial,
                reason,
                artifacts,
                reported_by,
                execution,
            } => Some(Finish {
                trial: *trial,
                outputs: None,
                reason: Some(reason),
                artifacts,
                reported_by: *reported_by,
                execution: execution.as_ref(),
            }),
            _ => None,
        }
    }

    /// Files the event refers to.
    pub fn artifacts(&self) -> Vec<&ArtifactRef> {
        match self {
            Event::CampaignCreated { source, .. } => vec![source],
            e => e.finish().map_or(vec![], |f| f.artifacts.iter().collect()),
        }
    }

    /// The JSON text that is hashed and stored.
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).expect("events always serialise")
    }
}
