//! `verify`, `lineage`, `replay`, `init` and the PROV-JSON / RO-Crate
//! exports: thin shells over `genesis-prov`, the store and the engine.

use crate::{BadInput, output};
use anyhow::{Context, Result, anyhow};
use genesis_prov::{
    CrateFile, CrateRole, PublicKey, SealedEvent, digest, lineage, prov_json, ro_crate_metadata,
};
use genesis_store::{CampaignRecord, Store, Verification};
use serde_json::json;
use std::path::Path;

/// Prints the outcome of verifying `records`; fails if any is broken.
pub fn verify(
    store: &Store,
    records: &[CampaignRecord],
    key: &PublicKey,
    json: bool,
) -> Result<()> {
    let mut all = Vec::new();
    for r in records {
        all.push((r, store.verify(&r.id, key)?));
    }
    let broken = all.iter().filter(|(_, v)| v.broken.is_some()).count();
    if json {
        let items: Vec<_> = all
            .iter()
            .map(|(r, v)| verification_json(&r.name, v, key))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "campaigns": items, "ok": broken == 0 }))?
        );
    } else {
        for (r, v) in &all {
            print_verification(&r.name, v, key);
        }
    }
    if broken > 0 {
        return Err(anyhow!(
            "{broken} of {} campaign(s) failed verification",
            all.len()
        ));
    }
    Ok(())
}

fn verification_json(name: &str, v: &Verification, key: &PublicKey) -> serde_json::Value {
    let mut doc = v.to_json(key);
    doc["name"] = json!(name);
    doc
}

fn print_verification(name: &str, v: &Verification, key: &PublicKey) {
    match &v.broken {
        None => println!(
            "campaign {} ({name}): verified: {} events, {} trials, {} artifacts; head {}; key {}",
            v.campaign,
            v.events,
            v.trials,
            v.artifacts,
            v.head.map_or("-".into(), |h| h.short()),
            key.fingerprint()
        ),
        Some(b) => {
            println!("campaign {} ({name}): BROKEN", v.campaign);
            println!("  record:   {}", b.record);
            println!("  check:    {}", b.what);
            println!("  expected: {}", b.expected);
            println!("  found:    {}", b.found);
        }
    }
}

/// The workspace key, or the one given on the command line.
pub fn key_for(store: &Store, given: Option<&str>) -> Result<PublicKey> {
    match given {
        None => Ok(store.public_key()),
        Some(hex) => PublicKey::from_hex(hex).map_err(|_| {
            BadInput(format!(
                "--public-key `{hex}` is not an Ed25519 public key (64 hex digits)"
            ))
            .into()
        }),
    }
}

/// The checked chain of a campaign, or an error naming what is broken.
fn checked(
    store: &Store,
    record: &CampaignRecord,
) -> Result<(Vec<SealedEvent>, Vec<genesis_prov::Event>)> {
    store
        .verified_events(&record.id, &store.public_key())?
        .map_err(|b| {
            anyhow!(
                "the record of campaign {} does not verify: {b}\nhint: `genesis verify {}` shows the details",
                record.id,
                record.id
            )
        })
}

/// `genesis lineage ID TRIAL`.
pub fn show_lineage(
    store: &Store,
    record: &CampaignRecord,
    trial: u64,
    json: bool,
    dot: bool,
) -> Result<()> {
    let (sealed, events) = checked(store, record)?;
    let Some(l) = lineage(&sealed, &events, trial) else {
        return Err(BadInput(format!(
            "campaign {} has no trial {trial}\nhint: `genesis show {}` lists its trials",
            record.id, record.id
        ))
        .into());
    };
    if dot {
        print!("{}", l.dot());
    } else if json {
        println!("{}", serde_json::to_string_pretty(&l)?);
    } else {
        print!("{}", l.tree());
    }
    Ok(())
}

/// `genesis replay ID TRIAL`; fails when the outputs do not match.
pub fn replay(
    store: &Store,
    record: &CampaignRecord,
    prepared: &genesis_engine::Prepared,
    trial: u64,
    tolerance: Option<f64>,
    json: bool,
) -> Result<()> {
    let tol = match tolerance {
        Some(t) if t > 0.0 => genesis_engine::Tolerance::Relative(t),
        Some(_) => genesis_engine::Tolerance::Exact,
        None => genesis_engine::Tolerance::default_for(&record.spec),
    };
    let r = genesis_engine::replay(store, record, prepared, trial, tol)
        .map_err(|e| BadInput(e.to_string()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!(
            "replay of trial {} of campaign {} ({}), tolerance {}",
            r.trial, r.campaign, record.name, r.tolerance
        );
        if r.twin_then != r.twin_now {
            println!("  twin then: {}\n  twin now:  {}", r.twin_then, r.twin_now);
        }
        if let Some(f) = &r.recorded_failure {
            println!("  recorded:  failed: {}", f.lines().next().unwrap_or(""));
        }
        if let Some(f) = &r.replay_failure {
            println!("  replayed:  failed: {}", f.lines().next().unwrap_or(""));
        }
        let mut rows = vec![vec![
            "output".into(),
            "recorded".into(),
            "replayed".into(),
            "".into(),
        ]];
        for c in &r.outputs {
            let f = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:?}"));
            rows.push(vec![
                c.name.clone(),
                f(c.recorded),
                f(c.replayed),
                if c.matches {
                    "same".into()
                } else {
                    "DIFFERENT".into()
                },
            ]);
        }
        if rows.len() > 1 {
            output::print_table(&rows);
        }
        println!(
            "{}",
            if r.matches {
                "reproduced"
            } else {
                "NOT reproduced"
            }
        );
    }
    if !r.matches {
        return Err(anyhow!(
            "trial {trial} of campaign {} was not reproduced",
            record.id
        ));
    }
    Ok(())
}

/// PROV-JSON of a campaign (verified first).
pub fn prov_document(store: &Store, record: &CampaignRecord) -> Result<String> {
    let (sealed, events) = checked(store, record)?;
    let doc = prov_json(&sealed, &events, &store.public_key().hex());
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// Writes an RO-Crate for a campaign into `dir` (which must not exist):
/// the campaign file, the trials as CSV, PROV-JSON, the signed event chain
/// with the public key, every artifact, and `ro-crate-metadata.json`.
/// Built in `DIR.partial` and renamed, so a crate is whole or absent.
pub fn ro_crate(store: &Store, record: &CampaignRecord, dir: &Path, license: &str) -> Result<()> {
    if dir.exists() {
        return Err(BadInput(format!(
            "{} already exists\nhint: give a new folder for the crate",
            dir.display()
        ))
        .into());
    }
    let (sealed, events) = checked(store, record)?;
    let tmp = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("provenance"))
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut files = Vec::new();
    let mut add =
        |path: &str, bytes: &[u8], media: &str, description: &str, role: CrateRole| -> Result<()> {
            let full = tmp.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&full, bytes)
                .with_context(|| format!("cannot write {}", full.display()))?;
            files.push(CrateFile {
                path: path.to_string(),
                description: description.to_string(),
                media_type: media.to_string(),
                size: bytes.len() as u64,
                hash: digest(bytes),
                role,
            });
            Ok(())
        };
    add(
        "campaign.toml",
        record.source_text.as_bytes(),
        "application/toml",
        "The campaign file as the scientist wrote it",
        CrateRole::Object,
    )?;
    let trials = store.trials(&record.id)?;
    add(
        "trials.csv",
        output::csv(record, &trials).as_bytes(),
        "text/csv",
        "Every trial: inputs, outputs, status, planner and twin",
        CrateRole::Result,
    )?;
    let prov =
        serde_json::to_string_pretty(&prov_json(&sealed, &events, &store.public_key().hex()))?;
    add(
        "prov.json",
        prov.as_bytes(),
        "application/json",
        "W3C PROV-JSON provenance of the campaign",
        CrateRole::Result,
    )?;
    let chain: String = sealed
        .iter()
        .map(|s| serde_json::to_string(s).expect("events serialise") + "\n")
        .collect();
    add(
        "provenance/events.jsonl",
        chain.as_bytes(),
        "application/jsonl",
        "The signed, hash-chained event record (verify with `genesis verify --crate`)",
        CrateRole::Result,
    )?;
    add(
        "provenance/public-key.txt",
        (store.public_key().hex() + "\n").as_bytes(),
        "text/plain",
        "Ed25519 public key that signed the record; compare its fingerprint with the sender's",
        CrateRole::Result,
    )?;
    let mut seen = std::collections::BTreeSet::new();
    for e in &events {
        for a in e.artifacts() {
            if !seen.insert(a.hash) {
                continue;
            }
            let bytes = store
                .artifact(&a.hash)
                .map_err(|p| anyhow!("artifact {} cannot be read: {p:?}", a.hash))?;
            add(
                &format!("artifacts/{}", a.hash.hex()),
                &bytes,
                "application/octet-stream",
                &format!("artifact `{}` (named by its BLAKE3 hash)", a.name),
                CrateRole::Result,
            )?;
        }
    }
    let meta = ro_crate_metadata(&sealed, &events, &files, license, genesis_engine::now_ms());
    std::fs::write(
        tmp.join("ro-crate-metadata.json"),
        serde_json::to_string_pretty(&meta)? + "\n",
    )?;
    std::fs::rename(&tmp, dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(())
}

/// `genesis verify --crate DIR`: checks an exported crate offline: the
/// signed chain against the key, every artifact and every listed file
/// against its hash.
pub fn verify_crate(dir: &Path, given_key: Option<&str>, json: bool) -> Result<()> {
    let read = |p: &str| {
        std::fs::read_to_string(dir.join(p))
            .map_err(|e| BadInput(format!("{}: cannot read {p}: {e}", dir.display())))
    };
    let key_text = match given_key {
        Some(k) => k.to_string(),
        None => read("provenance/public-key.txt")?,
    };
    let key = PublicKey::from_hex(&key_text).map_err(|_| {
        BadInput(format!(
            "`{}` is not an Ed25519 public key",
            key_text.trim()
        ))
    })?;
    let mut sealed = Vec::new();
    for (i, line) in read("provenance/events.jsonl")?.lines().enumerate() {
        sealed.push(serde_json::from_str::<SealedEvent>(line).map_err(|e| {
            BadInput(format!(
                "{}: provenance/events.jsonl line {}: {e}",
                dir.display(),
                i + 1
            ))
        })?);
    }
    let campaign = sealed
        .first()
        .map(|s| s.campaign.clone())
        .unwrap_or_default();
    let artifact =
        |h: &genesis_prov::Digest| match std::fs::read(dir.join("artifacts").join(h.hex())) {
            Err(_) => Err(genesis_store::ArtifactProblem::Missing),
            Ok(b) if digest(&b) != *h => Err(genesis_store::ArtifactProblem::Changed(digest(&b))),
            Ok(_) => Ok(()),
        };
    let (mut broken, artifacts) =
        match genesis_store::verify_events(&campaign, &sealed, &key, &artifact) {
            Ok((_, n)) => (None, n),
            Err(b) => (Some(b), 0),
        };
    // Every file the metadata lists must still hash to its identifier.
    if broken.is_none() {
        let meta: serde_json::Value = serde_json::from_str(&read("ro-crate-metadata.json")?)
            .map_err(|e| BadInput(format!("ro-crate-metadata.json: {e}")))?;
        for f in meta["@graph"].as_array().into_iter().flatten() {
            let (Some(path), Some(id)) = (f["@id"].as_str(), f["identifier"].as_str()) else {
                continue;
            };
            let Some(want) = id.strip_prefix("blake3:") else {
                continue;
            };
            let found = std::fs::read(dir.join(path)).map(|b| digest(&b).hex());
            if found.as_deref().ok() != Some(want) {
                broken = Some(genesis_prov::Broken {
                    record: format!("file {path} of the crate"),
                    what: "content hash".into(),
                    expected: want.to_string(),
                    found: found.unwrap_or_else(|_| "no file".into()),
                });
                break;
            }
        }
    }
    let v = Verification {
        campaign: campaign.clone(),
        events: sealed.len(),
        trials: 0,
        artifacts,
        head: sealed.last().map(|s| s.hash),
        broken,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&verification_json("crate", &v, &key))?
        );
    } else {
        print_verification(&format!("crate {}", dir.display()), &v, &key);
        if given_key.is_none() && v.broken.is_none() {
            println!(
                "note: checked against the key shipped in the crate; compare fingerprint {} with the sender's, or pass --public-key",
                key.fingerprint()
            );
        }
    }
    if v.broken.is_some() {
        return Err(anyhow!("the crate failed verification"));
    }
    Ok(())
}
