//! Open formats: W3C PROV-JSON and RO-Crate 1.1 metadata.

use crate::{Digest, Event, Reporter, SealedEvent, rfc3339_ms};
use genesis_core::Value;
use serde_json::{Map, Value as Json, json};

/// Namespace of Genesis's own PROV attributes and types.
pub const GENESIS_NS: &str = "https://w3id.org/genesis/ns#";

fn qname(prefix: &str, local: &str) -> String {
    let clean: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}:{clean}")
}

fn typed(name: &str) -> Json {
    json!({ "$": name, "type": "prov:QUALIFIED_NAME" })
}

fn literal(v: &Value) -> Json {
    match v {
        Value::Int(i) => json!(i),
        Value::Float(f) => json!(f),
        Value::Bool(b) => json!(b.to_string()),
        Value::Text(t) => json!(t),
    }
}

/// Builds a PROV document record by record.
struct Doc {
    maps: Map<String, Json>,
    next_id: usize,
}

impl Doc {
    fn add(&mut self, kind: &str, id: String, attrs: Json) {
        self.maps
            .entry(kind)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("record map")
            .insert(id, attrs);
    }

    fn relation(&mut self, kind: &str, attrs: Json) {
        self.next_id += 1;
        let id = format!("_:r{}", self.next_id);
        self.add(kind, id, attrs);
    }
}

/// The campaign's provenance as a W3C PROV-JSON document, from its checked
/// chain: the campaign file, each trial's inputs, outputs and artifacts as
/// entities; each proposal and run as an activity; the owner, planner,
/// twin and Genesis as agents; and the relations between them. Each
/// result entity names the hash of the signed event that recorded it.
pub fn prov_json(sealed: &[SealedEvent], events: &[Event], public_key: &str) -> Json {
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
        return json!({});
    };
    let p = |local: &str| qname("c", local);
    let mut doc = Doc {
        maps: Map::new(),
        next_id: 0,
    };
    let user = p(&format!("user-{owner}"));
    doc.add(
        "agent",
        user.clone(),
        json!({ "prov:type": typed("prov:Person"), "prov:label": owner }),
    );
    let planner_id = p("planner");
    doc.add(
        "agent",
        planner_id.clone(),
        json!({
            "prov:type": typed("prov:SoftwareAgent"),
            "prov:label": format!("{} {}", planner["name"].as_str().unwrap_or("?"), planner["version"].as_str().unwrap_or("")),
            "genesis:settings": planner["settings"].to_string(),
        }),
    );
    let twin_id = p("twin");
    doc.add(
        "agent",
        twin_id.clone(),
        json!({ "prov:type": typed("prov:SoftwareAgent"), "prov:label": format!("{} {}", twin.name, twin.version) }),
    );
    let software_id = p("genesis");
    doc.add(
        "agent",
        software_id.clone(),
        json!({ "prov:type": typed("prov:SoftwareAgent"), "prov:label": format!("{} {}", software.name, software.version) }),
    );
    for agent in [&planner_id, &twin_id, &software_id] {
        doc.relation(
            "actedOnBehalfOf",
            json!({ "prov:delegate": agent, "prov:responsible": user }),
        );
    }
    let file = p("campaign-file");
    doc.add(
        "entity",
        file.clone(),
        json!({
            "prov:type": typed("genesis:CampaignFile"),
            "prov:label": source_path,
            "genesis:campaign": campaign,
            "genesis:name": name,
            "genesis:blake3": source.hash.hex(),
            "genesis:size": source.size,
        }),
    );
    doc.relation(
        "wasAttributedTo",
        json!({ "prov:entity": file, "prov:agent": user }),
    );
    let head = sealed.last().map(|s| s.hash.hex()).unwrap_or_default();
    doc.add(
        "entity",
        p("record"),
        json!({
            "prov:type": typed("genesis:SignedEventChain"),
            "genesis:events": sealed.len(),
            "genesis:headHash": head,
            "genesis:publicKey": public_key,
        }),
    );

    let mut finished: Vec<u64> = Vec::new();
    let mut started_at: std::collections::HashMap<u64, i64> = Default::default();
    let mut attempts: std::collections::HashMap<u64, u32> = Default::default();
    for (s, e) in sealed.iter().zip(events) {
        let at = rfc3339_ms(s.at_ms);
        match e {
            Event::TrialProposed {
                trial,
                inputs,
                reason,
                ..
            } => {
                let act = p(&format!("proposal-{trial}"));
                let ent = p(&format!("inputs-{trial}"));
                doc.add(
                    "activity",
                    act.clone(),
                    json!({
                        "prov:startTime": at, "prov:endTime": at,
                        "prov:type": typed("genesis:Proposal"),
                        "genesis:reason": reason,
                        "genesis:informedByTrials": finished.len(),
                        "genesis:eventHash": s.hash.hex(),
                    }),
                );
                let mut attrs = Map::new();
                attrs.insert("prov:type".into(), typed("genesis:Inputs"));
                attrs.insert("genesis:trial".into(), json!(trial));
                for (k, v) in inputs {
                    attrs.insert(qname("genesis", &format!("in_{k}")), literal(v));
                }
                doc.add("entity", ent.clone(), Json::Object(attrs));
                doc.relation("used", json!({ "prov:activity": act, "prov:entity": file }));
                doc.relation(
                    "wasAssociatedWith",
                    json!({ "prov:activity": act, "prov:agent": planner_id }),
                );
                doc.relation(
                    "wasGeneratedBy",
                    json!({ "prov:entity": ent, "prov:activity": act, "prov:time": at }),
                );
            }
            Event::TrialStarted { trial, attempt } => {
                started_at.entry(*trial).or_insert(s.at_ms);
                attempts.insert(*trial, *attempt);
            }
            _ => {}
        }
        if let Some(f) = e.finish() {
            let (trial, reported_by, artifacts) = (f.trial, f.reported_by, f.artifacts);
            finished.push(trial);
            let run = p(&format!("run-{trial}"));
            let inputs = p(&format!("inputs-{trial}"));
            let start = rfc3339_ms(*started_at.get(&trial).unwrap_or(&s.at_ms));
            let mut run_attrs = json!({
                "prov:startTime": start, "prov:endTime": at,
                "prov:type": typed("genesis:TrialRun"),
                "genesis:attempts": attempts.get(&trial).copied().unwrap_or(1),
                "genesis:reportedBy": reported_by.as_str(),
                "genesis:eventHash": s.hash.hex(),
            });
            if let Some(reason) = f.reason {
                run_attrs["genesis:failureReason"] = json!(reason);
            }
            if let Some(x) = f.execution {
                run_attrs["genesis:execution"] = json!(x.to_string());
            }
            doc.add("activity", run.clone(), run_attrs);
            doc.relation(
                "used",
                json!({ "prov:activity": run, "prov:entity": inputs }),
            );
            let agent = match reported_by {
                Reporter::Executor => &twin_id,
                Reporter::Tell => &user,
            };
            doc.relation(
                "wasAssociatedWith",
                json!({ "prov:activity": run, "prov:agent": agent }),
            );
            if let Some(outputs) = f.outputs {
                let ent = p(&format!("outputs-{trial}"));
                let mut attrs = Map::new();
                attrs.insert("prov:type".into(), typed("genesis:Outputs"));
                attrs.insert("genesis:trial".into(), json!(trial));
                attrs.insert("genesis:eventHash".into(), json!(s.hash.hex()));
                for (k, v) in outputs {
                    attrs.insert(qname("genesis", &format!("out_{k}")), json!(v));
                }
                doc.add("entity", ent.clone(), Json::Object(attrs));
                doc.relation(
                    "wasGeneratedBy",
                    json!({ "prov:entity": ent, "prov:activity": run, "prov:time": at }),
                );
                doc.relation(
                    "wasDerivedFrom",
                    json!({ "prov:generatedEntity": ent, "prov:usedEntity": inputs }),
                );
            }
            for a in artifacts {
                let ent = p(&format!("trial-{trial}-{}", a.name));
                doc.add(
                    "entity",
                    ent.clone(),
                    json!({
                        "prov:type": typed("genesis:Artifact"),
                        "prov:label": a.name,
                        "genesis:blake3": a.hash.hex(),
                        "genesis:size": a.size,
                    }),
                );
                doc.relation(
                    "wasGeneratedBy",
                    json!({ "prov:entity": ent, "prov:activity": run, "prov:time": at }),
                );
            }
        }
    }
    let mut out = Map::new();
    out.insert(
        "prefix".into(),
        json!({
            "genesis": GENESIS_NS,
            "c": format!("urn:genesis:campaign:{campaign}:"),
        }),
    );
    for (k, v) in doc.maps {
        out.insert(k, v);
    }
    Json::Object(out)
}

/// What a file in an RO-Crate is to the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrateRole {
    /// An input of the campaign (its file).
    Object,
    /// Something the campaign produced.
    Result,
}

/// One file of an RO-Crate, by its path inside the crate.
#[derive(Clone, Debug)]
pub struct CrateFile {
    pub path: String,
    pub description: String,
    pub media_type: String,
    pub size: u64,
    pub hash: Digest,
    pub role: CrateRole,
}

/// `ro-crate-metadata.json` for a campaign (RO-Crate 1.1): the metadata
/// descriptor, the root dataset (name, description, datePublished,
/// license, every file in `hasPart`), each file, and the campaign run as a
/// `CreateAction` whose instrument is Genesis and the twin, whose object is
/// the campaign file and whose result is everything it produced.
pub fn ro_crate_metadata(
    sealed: &[SealedEvent],
    events: &[Event],
    files: &[CrateFile],
    license: &str,
    published_ms: i64,
) -> Json {
    let Some(Event::CampaignCreated {
        campaign,
        name,
        owner,
        twin,
        software,
        ..
    }) = events.first()
    else {
        return json!({});
    };
    let start = sealed.first().map_or(published_ms, |s| s.at_ms);
    let end = sealed.last().map_or(published_ms, |s| s.at_ms);
    let ids = |role: CrateRole| -> Vec<Json> {
        files
            .iter()
            .filter(|f| f.role == role)
            .map(|f| json!({ "@id": f.path }))
            .collect()
    };
    let mut graph = vec![
        json!({
            "@id": "ro-crate-metadata.json",
            "@type": "CreativeWork",
            "conformsTo": { "@id": "https://w3id.org/ro/crate/1.1" },
            "about": { "@id": "./" },
        }),
        json!({
            "@id": "./",
            "@type": "Dataset",
            "name": format!("Genesis campaign {name} ({campaign})"),
            "description": format!(
                "Trials, results, artifacts and the signed provenance record of the Genesis campaign \
                 `{name}` ({campaign}), run with twin {} {}. Verify with `genesis verify --crate`.",
                twin.name, twin.version
            ),
            "datePublished": rfc3339_ms(published_ms),
            "license": { "@id": license },
            "author": { "@id": "#owner" },
            "hasPart": files.iter().map(|f| json!({ "@id": f.path })).collect::<Vec<_>>(),
            "mentions": { "@id": "#run" },
        }),
        json!({ "@id": license, "@type": "CreativeWork", "name": license }),
        json!({ "@id": "#owner", "@type": "Person", "name": owner }),
        json!({
            "@id": "#genesis",
            "@type": "SoftwareApplication",
            "name": software.name,
            "version": software.version,
        }),
        json!({
            "@id": "#twin",
            "@type": "SoftwareApplication",
            "name": twin.name,
            "version": twin.version,
        }),
        json!({
            "@id": "#run",
            "@type": "CreateAction",
            "name": format!("Run of campaign {name}"),
            "agent": { "@id": "#owner" },
            "instrument": [{ "@id": "#genesis" }, { "@id": "#twin" }],
            "object": ids(CrateRole::Object),
            "result": ids(CrateRole::Result),
            "startTime": rfc3339_ms(start),
            "endTime": rfc3339_ms(end),
        }),
    ];
    for f in files {
        graph.push(json!({
            "@id": f.path,
            "@type": "File",
            "name": f.path.rsplit('/').next().unwrap_or(&f.path),
            "description": f.description,
            "encodingFormat": f.media_type,
            "contentSize": f.size.to_string(),
            "identifier": format!("blake3:{}", f.hash.hex()),
        }));
    }
    json!({
        "@context": "https://w3id.org/ro/crate/1.1/context",
        "@graph": graph,
    })
}
