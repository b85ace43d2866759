//! Where one result came from, read off the chain.

use crate::{ArtifactRef, Event, SealedEvent, rfc3339_ms};
use genesis_core::{Inputs, Outputs};
use serde::Serialize;
use std::fmt::Write;

/// Everything the record says about one trial, oldest cause last.
#[derive(Clone, Debug, Serialize)]
pub struct Lineage {
    pub campaign: CampaignOrigin,
    pub trial: u64,
    pub status: String,
    pub inputs: Inputs,
    pub outputs: Option<Outputs>,
    pub failure_reason: Option<String>,
    pub proposal: Proposal,
    /// One per attempt to run the trial.
    pub runs: Vec<Run>,
    /// The result event, if the trial finished.
    pub result: Option<ResultRecord>,
}

/// The campaign a trial belongs to.
#[derive(Clone, Debug, Serialize)]
pub struct CampaignOrigin {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub created: String,
    pub source_path: String,
    pub source: ArtifactRef,
    pub twin: String,
    pub planner: serde_json::Value,
    pub software: String,
}

/// The planner's decision.
#[derive(Clone, Debug, Serialize)]
pub struct Proposal {
    pub event: u64,
    pub at: String,
    pub planner: String,
    pub reason: String,
    /// Trials whose results were on record when the planner chose.
    pub informed_by: Vec<u64>,
    pub event_hash: String,
}

/// One attempt.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub attempt: u32,
    pub event: u64,
    pub started: String,
    pub twin: String,
}

/// How the trial ended.
#[derive(Clone, Debug, Serialize)]
pub struct ResultRecord {
    pub event: u64,
    pub at: String,
    pub reported_by: String,
    pub artifacts: Vec<ArtifactRef>,
    /// Where it ran, as the executor reported (Slurm job, node, state).
    pub execution: Option<serde_json::Value>,
    pub event_hash: String,
}

/// A node of the lineage graph (for `--dot`).
#[derive(Clone, Debug, Serialize)]
pub struct LineageNode {
    pub id: String,
    pub label: String,
}

/// The lineage of `trial`, from a campaign's checked events (`sealed` and
/// their decoded `events`, same order). `None` if the trial was never
/// proposed.
pub fn lineage(sealed: &[SealedEvent], events: &[Event], trial: u64) -> Option<Lineage> {
    let Some(Event::CampaignCreated {
        campaign,
        name,
        owner,
        source,
        source_path,
        twin,
        planner,
        software,
        ..
    }) = events.first()
    else {
        return None;
    };
    let campaign = CampaignOrigin {
        id: campaign.clone(),
        name: name.clone(),
        owner: owner.clone(),
        created: rfc3339_ms(sealed[0].at_ms),
        source_path: source_path.clone(),
        source: source.clone(),
        twin: format!("{} {}", twin.name, twin.version),
        planner: planner.clone(),
        software: format!("{} {}", software.name, software.version),
    };
    let mut finished_before = Vec::new();
    let mut out: Option<Lineage> = None;
    for (s, e) in sealed.iter().zip(events) {
        match e {
            Event::TrialProposed {
                trial: t,
                inputs,
                planner,
                reason,
                ..
            } if *t == trial => {
                let mut informed_by: Vec<u64> = finished_before.clone();
                informed_by.sort_unstable();
                out = Some(Lineage {
                    campaign: campaign.clone(),
                    trial,
                    status: "pending".into(),
                    inputs: inputs.clone(),
                    outputs: None,
                    failure_reason: None,
                    proposal: Proposal {
                        event: s.seq,
                        at: rfc3339_ms(s.at_ms),
                        planner: format!("{} {}", planner.name, planner.version),
                        reason: reason.clone(),
                        informed_by,
                        event_hash: s.hash.hex(),
                    },
                    runs: vec![],
                    result: None,
                });
            }
            Event::TrialStarted { trial: t, attempt } if *t == trial => {
                if let Some(l) = out.as_mut() {
                    l.status = "running".into();
                    l.runs.push(Run {
                        attempt: *attempt,
                        event: s.seq,
                        started: rfc3339_ms(s.at_ms),
                        twin: campaign.twin.clone(),
                    });
                }
            }
            Event::TrialsRequeued { trials } if trials.contains(&trial) => {
                if let Some(l) = out.as_mut() {
                    l.status = "pending".into();
                }
            }
            _ => {}
        }
        if let Some(f) = e.finish() {
            if f.trial == trial
                && let Some(l) = out.as_mut()
            {
                l.status = if f.outputs.is_some() {
                    "completed"
                } else {
                    "failed"
                }
                .into();
                l.outputs = f.outputs.cloned();
                l.failure_reason = f.reason.map(str::to_string);
                l.result = Some(result(s, &f));
            }
            finished_before.push(f.trial);
        }
    }
    out
}

fn result(s: &SealedEvent, f: &crate::Finish<'_>) -> ResultRecord {
    ResultRecord {
        event: s.seq,
        at: rfc3339_ms(s.at_ms),
        reported_by: f.reported_by.as_str().into(),
        artifacts: f.artifacts.to_vec(),
        execution: f.execution.cloned(),
        event_hash: s.hash.hex(),
    }
}

/// `0-5, 7, 9-12` for a sorted list.
fn ranges(xs: &[u64]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < xs.len() {
        let mut j = i;
        while j + 1 < xs.len() && xs[j + 1] == xs[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            xs[i].to_string()
        } else {
            format!("{}-{}", xs[i], xs[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

fn kv<V: std::fmt::Display>(m: impl IntoIterator<Item = (impl std::fmt::Display, V)>) -> String {
    m.into_iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Lineage {
    /// The nodes and edges of the lineage graph: result ← run ← inputs ←
    /// proposal ← (earlier results, campaign) ; run ← twin.
    fn graph(&self) -> (Vec<LineageNode>, Vec<(String, String, &'static str)>) {
        let n = |id: &str, label: String| LineageNode {
            id: id.to_string(),
            label,
        };
        let mut nodes = vec![
            n(
                "result",
                match (&self.outputs, &self.failure_reason) {
                    (Some(o), _) => format!("outputs of trial {}\n{}", self.trial, kv(o.iter())),
                    (None, Some(r)) => format!("trial {} failed\n{r}", self.trial),
                    _ => format!("trial {} ({})", self.trial, self.status),
                },
            ),
            n("inputs", format!("inputs\n{}", kv(self.inputs.iter()))),
            n(
                "proposal",
                format!(
                    "proposed by {} (event {})\n{}",
                    self.proposal.planner, self.proposal.event, self.proposal.reason
                ),
            ),
            n(
                "campaign",
                format!(
                    "campaign {} \"{}\"\nby {}, {}\n{} (blake3 {})",
                    self.campaign.id,
                    self.campaign.name,
                    self.campaign.owner,
                    self.campaign.created,
                    self.campaign.source_path,
                    self.campaign.source.hash.short()
                ),
            ),
            n("twin", format!("twin {}", self.campaign.twin)),
        ];
        let mut edges = vec![
            ("inputs".into(), "proposal".into(), "wasGeneratedBy"),
            ("proposal".into(), "campaign".into(), "used"),
        ];
        if let Some(r) = &self.result {
            nodes.push(n(
                "run",
                format!(
                    "run, {} attempt(s), reported by {}\nended {} (event {})",
                    self.runs.len().max(1),
                    r.reported_by,
                    r.at,
                    r.event
                ),
            ));
            edges.push(("result".into(), "run".into(), "wasGeneratedBy"));
            edges.push(("run".into(), "inputs".into(), "used"));
            edges.push(("run".into(), "twin".into(), "wasAssociatedWith"));
            for a in &r.artifacts {
                let id = format!("artifact_{}", a.hash.short());
                nodes.push(n(
                    &id,
                    format!("{} ({} B)\nblake3 {}", a.name, a.size, a.hash.short()),
                ));
                edges.push((id, "run".into(), "wasGeneratedBy"));
            }
        } else {
            edges.push(("result".into(), "inputs".into(), "wasDerivedFrom"));
        }
        if !self.proposal.informed_by.is_empty() {
            nodes.push(n(
                "earlier",
                format!(
                    "{} earlier results\ntrials {}",
                    self.proposal.informed_by.len(),
                    ranges(&self.proposal.informed_by)
                ),
            ));
            edges.push(("proposal".into(), "earlier".into(), "used"));
        }
        (nodes, edges)
    }

    /// An indented tree for the terminal.
    pub fn tree(&self) -> String {
        let mut s = String::new();
        let head = match (&self.outputs, &self.failure_reason) {
            (Some(o), _) => format!("completed: {}", kv(o.iter())),
            (None, Some(r)) => format!("failed: {}", r.lines().next().unwrap_or("")),
            _ => self.status.clone(),
        };
        let _ = writeln!(
            s,
            "trial {} of campaign {} \"{}\" — {head}",
            self.trial, self.campaign.id, self.campaign.name
        );
        if let Some(r) = &self.result {
            let _ = writeln!(
                s,
                "├─ result recorded {} by {} (event {}, hash {})",
                r.at,
                r.reported_by,
                r.event,
                &r.event_hash[..12]
            );
            if let Some(x) = &r.execution {
                let _ = writeln!(s, "│  ├─ execution {x}");
            }
            for a in &r.artifacts {
                let _ = writeln!(
                    s,
                    "│  ├─ artifact {} ({} B, blake3 {})",
                    a.name,
                    a.size,
                    a.hash.short()
                );
            }
            for run in &self.runs {
                let _ = writeln!(
                    s,
                    "│  └─ run attempt {} on twin {}, started {} (event {})",
                    run.attempt, run.twin, run.started, run.event
                );
            }
        }
        let _ = writeln!(s, "├─ inputs: {}", kv(self.inputs.iter()));
        let _ = writeln!(
            s,
            "├─ proposed {} by planner {} (event {}, hash {})",
            self.proposal.at,
            self.proposal.planner,
            self.proposal.event,
            &self.proposal.event_hash[..12]
        );
        let _ = writeln!(s, "│  ├─ reason: {}", self.proposal.reason);
        let informed = if self.proposal.informed_by.is_empty() {
            "no earlier results".to_string()
        } else {
            format!(
                "{} earlier results (trials {})",
                self.proposal.informed_by.len(),
                ranges(&self.proposal.informed_by)
            )
        };
        let _ = writeln!(s, "│  └─ informed by {informed}");
        let c = &self.campaign;
        let _ = writeln!(
            s,
            "└─ campaign {} \"{}\" created {} by {}",
            c.id, c.name, c.created, c.owner
        );
        let _ = writeln!(
            s,
            "   ├─ file {} (blake3 {})",
            c.source_path,
            c.source.hash.short()
        );
        let _ = writeln!(s, "   ├─ planner {}", c.planner);
        let _ = writeln!(s, "   ├─ twin {}", c.twin);
        let _ = writeln!(s, "   └─ software {}", c.software);
        s
    }

    /// A Graphviz digraph, edges pointing from effect to cause as in PROV.
    pub fn dot(&self) -> String {
        let (nodes, edges) = self.graph();
        let esc = |t: &str| {
            t.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        };
        let mut s = String::from(
            "digraph lineage {\n  rankdir=BT;\n  node [shape=box, fontname=\"Helvetica\"];\n",
        );
        for n in nodes {
            let _ = writeln!(s, "  {} [label=\"{}\"];", n.id, esc(&n.label));
        }
        for (a, b, rel) in edges {
            let _ = writeln!(s, "  {a} -> {b} [label=\"{rel}\"];");
        }
        s.push_str("}\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn index_ranges() {
        assert_eq!(ranges(&[]), "");
        assert_eq!(ranges(&[0, 1, 2, 4, 6, 7]), "0-2, 4, 6-7");
    }
}
