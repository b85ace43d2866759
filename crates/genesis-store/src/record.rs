//! The provenance record in the store: appending sealed events inside the
//! same transaction as the state change they describe, reading them back,
//! and verifying a campaign end to end.

use crate::{Result, Store, StoreError, TrialRecord};
use genesis_core::Outputs;
use genesis_prov::{
    ArtifactRef, Broken, Digest, Event, GENESIS_PREV, PublicKey, Reporter, SealedEvent, Signer,
    check_chain, replay_state, seal,
};
use rusqlite::{OptionalExtension, Transaction, params};

/// Seals `event` after the campaign's last event and inserts it. Runs in
/// the caller's transaction, so the event and the change it records commit
/// together or not at all.
pub(crate) fn append(
    tx: &Transaction<'_>,
    signer: &Signer,
    campaign: &str,
    at_ms: i64,
    event: &Event,
) -> Result<()> {
    append_all(tx, signer, campaign, at_ms, std::slice::from_ref(event))
}

/// Seals and inserts several events in order, looking up the chain's head
/// once (a batch of proposals is one transaction).
pub(crate) fn append_all(
    tx: &Transaction<'_>,
    signer: &Signer,
    campaign: &str,
    at_ms: i64,
    events: &[Event],
) -> Result<()> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM events WHERE campaign_id = ?1 ORDER BY seq DESC LIMIT 1",
            [campaign],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (mut seq, mut prev) = match last {
        None => (0, GENESIS_PREV),
        Some((seq, hash)) => (
            seq as u64 + 1,
            hash.parse::<Digest>().map_err(|e| {
                StoreError::Corrupt(format!("event {seq} of campaign {campaign}: {e}"))
            })?,
        ),
    };
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (campaign_id, seq, at, kind, trial_idx, body, prev_hash, hash, signature) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for event in events {
        let sealed = seal(campaign, seq, at_ms, prev, event, signer);
        stmt.execute(params![
            campaign,
            sealed.seq as i64,
            at_ms,
            event.kind(),
            event.trial().map(|t| t as i64),
            sealed.body,
            sealed.prev.hex(),
            sealed.hash.hex(),
            sealed.signature
        ])?;
        seq += 1;
        prev = sealed.hash;
    }
    Ok(())
}

/// Runs an `UPDATE … RETURNING campaign_id, idx` that must change one row;
/// `None` when it changed none.
pub(crate) fn update_one(
    tx: &Transaction<'_>,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Option<(String, u64)>> {
    Ok(tx
        .query_row(sql, args, |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })
        .optional()?)
}

/// The event recording a finished trial.
pub(crate) fn finished(
    trial: u64,
    result: &std::result::Result<Outputs, String>,
    artifacts: &[ArtifactRef],
    reported_by: Reporter,
    execution: Option<&serde_json::Value>,
) -> Event {
    let execution = execution.cloned();
    match result {
        Ok(outputs) => Event::TrialCompleted {
            trial,
            outputs: outputs.clone(),
            artifacts: artifacts.to_vec(),
            reported_by,
            execution,
        },
        Err(reason) => Event::TrialFailed {
            trial,
            reason: reason.clone(),
            artifacts: artifacts.to_vec(),
            reported_by,
            execution,
        },
    }
}

/// A campaign's record: its stored events and the same events decoded.
pub type CheckedEvents = (Vec<SealedEvent>, Vec<Event>);

/// The outcome of verifying one campaign.
#[derive(Clone, Debug)]
pub struct Verification {
    pub campaign: String,
    pub events: usize,
    pub trials: usize,
    pub artifacts: usize,
    /// Hash of the last event: keep it elsewhere to detect a truncated tail.
    pub head: Option<Digest>,
    /// The first record that does not hold; `None` when everything does.
    pub broken: Option<Broken>,
}

impl Verification {
    /// The outcome as JSON (`genesis verify --json`, the server's verify route).
    pub fn to_json(&self, key: &PublicKey) -> serde_json::Value {
        serde_json::json!({
            "campaign": self.campaign,
            "ok": self.broken.is_none(),
            "events": self.events,
            "trials": self.trials,
            "artifacts": self.artifacts,
            "head": self.head.map(|h| h.hex()),
            "key_fingerprint": key.fingerprint(),
            "broken": self.broken.as_ref().map(|b| serde_json::json!({
                "record": b.record, "check": b.what, "expected": b.expected, "found": b.found,
            })),
        })
    }
}

/// Checks a chain and the files it names: hashes, links, signatures, the
/// transitions it implies, and that every artifact exists with its hash.
/// Used for a workspace and for an exported crate alike.
pub fn verify_events(
    campaign: &str,
    sealed: &[SealedEvent],
    key: &PublicKey,
    artifact: &dyn Fn(&Digest) -> std::result::Result<(), crate::ArtifactProblem>,
) -> std::result::Result<(Vec<Event>, usize), Broken> {
    let events = check_chain(campaign, sealed, key)?;
    replay_state(campaign, &events)?;
    let mut checked = 0;
    for (s, e) in sealed.iter().zip(&events) {
        for a in e.artifacts() {
            let record = match e.trial() {
                Some(t) => format!("artifact `{}` of trial {t} (event {})", a.name, s.seq),
                None => format!(
                    "artifact `{}` of campaign {campaign} (event {})",
                    a.name, s.seq
                ),
            };
            match artifact(&a.hash) {
                Ok(()) => checked += 1,
                Err(crate::ArtifactProblem::Missing) => {
                    return Err(Broken {
                        record,
                        what: "file".into(),
                        expected: format!("a file with BLAKE3 {}", a.hash),
                        found: "no file".into(),
                    });
                }
                Err(crate::ArtifactProblem::Changed(found)) => {
                    return Err(Broken {
                        record,
                        what: "content hash (the file was changed)".into(),
                        expected: a.hash.hex(),
                        found: found.hex(),
                    });
                }
                Err(crate::ArtifactProblem::Undecryptable) => {
                    return Err(Broken {
                        record,
                        what: "encrypted file (the file was changed)".into(),
                        expected: format!("ciphertext of BLAKE3 {} that opens", a.hash),
                        found: "bytes that do not authenticate".into(),
                    });
                }
            }
        }
    }
    Ok((events, checked))
}

fn broken(record: String, what: &str, expected: impl ToString, found: impl ToString) -> Broken {
    Broken {
        record,
        what: what.to_string(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

impl Store {
    /// Stores a file by content (once per distinct content) and returns
    /// its reference for an event.
    pub fn put_artifact(&mut self, name: &str, bytes: &[u8]) -> Result<ArtifactRef> {
        self.artifacts.put(&self.vault, name, bytes)
    }

    /// The content of an artifact, checked against its hash.
    pub fn artifact(&self, hash: &Digest) -> std::result::Result<Vec<u8>, crate::ArtifactProblem> {
        self.artifacts.get(&self.vault, hash)
    }

    /// The workspace's public key, which verifies its records.
    pub fn public_key(&self) -> PublicKey {
        self.signer.public()
    }

    /// A campaign's events in order.
    pub fn events(&self, campaign_id: &str) -> Result<Vec<SealedEvent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, body, prev_hash, hash, signature FROM events \
             WHERE campaign_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([campaign_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at_ms, body, prev, hash, signature) = row?;
            let parse = |h: &str| {
                h.parse::<Digest>().map_err(|e| {
                    StoreError::Corrupt(format!("event {seq} of campaign {campaign_id}: {e}"))
                })
            };
            out.push(SealedEvent {
                campaign: campaign_id.to_string(),
                seq: seq as u64,
                at_ms,
                prev: parse(&prev)?,
                hash: parse(&hash)?,
                body,
                signature,
            });
        }
        Ok(out)
    }

    /// Verifies one campaign: its chain (hashes, links, signatures by
    /// `key`), every artifact it names, and that the campaign and trial
    /// rows say exactly what the chain implies. Store errors are `Err`;
    /// a failed check is `Ok` with `broken` set.
    pub fn verify(&self, campaign_id: &str, key: &PublicKey) -> Result<Verification> {
        Ok(self.check(campaign_id, key)?.0)
    }

    /// The campaign's events, read and decoded once, if the whole record
    /// verifies (as [`Store::verify`]); else the first broken record. For
    /// what must not run on a tampered record: lineage, exports, replay.
    pub fn verified_events(
        &self,
        campaign_id: &str,
        key: &PublicKey,
    ) -> Result<std::result::Result<CheckedEvents, Broken>> {
        Ok(match self.check(campaign_id, key)? {
            (v, _) if v.broken.is_some() => Err(v.broken.expect("checked")),
            (_, events) => Ok(events),
        })
    }

    /// [`Store::verify`], also handing back the events it read and decoded.
    fn check(&self, campaign_id: &str, key: &PublicKey) -> Result<(Verification, CheckedEvents)> {
        let campaign = self.campaign(campaign_id)?;
        let id = campaign.id.clone();
        let sealed = self.events(&id)?;
        let mut v = Verification {
            campaign: id.clone(),
            events: sealed.len(),
            trials: 0,
            artifacts: 0,
            head: sealed.last().map(|s| s.hash),
            broken: None,
        };
        if sealed.is_empty() {
            v.broken = Some(broken(
                format!("campaign {id}"),
                "provenance record",
                "a signed event chain",
                "no events (created before provenance was recorded, or deleted)",
            ));
            return Ok((v, (sealed, Vec::new())));
        }
        let (events, artifacts) = match verify_events(&id, &sealed, key, &|h| {
            self.artifacts.get(&self.vault, h).map(|_| ())
        }) {
            Ok(x) => x,
            Err(b) => {
                v.broken = Some(b);
                return Ok((v, (sealed, Vec::new())));
            }
        };
        v.artifacts = artifacts;
        let expected = replay_state(&id, &events).expect("checked by verify_events");
        // The campaign row against the first event.
        let spec_json: String = self.conn.query_row(
            "SELECT spec_json FROM campaigns WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )?;
        if let Event::CampaignCreated {
            spec_hash,
            source,
            owner,
            name,
            ..
        } = &events[0]
        {
            let row = format!("campaign {id} (table campaigns)");
            let checks = [
                (
                    "spec (hash)",
                    spec_hash.hex(),
                    genesis_prov::digest(spec_json.as_bytes()).hex(),
                ),
                (
                    "campaign file text (hash)",
                    source.hash.hex(),
                    genesis_prov::digest(campaign.source_text.as_bytes()).hex(),
                ),
                ("owner", owner.clone(), campaign.owner.clone()),
                ("name", name.clone(), campaign.name.clone()),
                (
                    "status",
                    expected.status.clone(),
                    campaign.status.as_str().to_string(),
                ),
            ];
            if let Some((what, e, f)) = checks.into_iter().find(|(_, e, f)| e != f) {
                v.broken = Some(broken(row, what, e, f));
                return Ok((v, (sealed, events)));
            }
        }
        // Every trial row against the chain, and the chain against the rows.
        let rows = self.trials(&id)?;
        v.trials = rows.len();
        for row in &rows {
            if let Some(b) = compare_trial(&id, row, expected.trials.get(&row.index)) {
                v.broken = Some(b);
                return Ok((v, (sealed, events)));
            }
        }
        if let Some((idx, _)) = expected
            .trials
            .iter()
            .find(|(idx, _)| !rows.iter().any(|r| r.index == **idx))
        {
            v.broken = Some(broken(
                format!("trial {idx} of campaign {id} (table trials)"),
                "row",
                "a row for a trial the record proposed",
                "no row (deleted)",
            ));
        }
        Ok((v, (sealed, events)))
    }
}

/// The first field of a trial row that disagrees with the chain.
fn compare_trial(
    campaign: &str,
    row: &TrialRecord,
    expected: Option<&genesis_prov::ExpectedTrial>,
) -> Option<Broken> {
    let record = format!(
        "trial {} of campaign {campaign} (table trials, id {})",
        row.index, row.id
    );
    let Some(e) = expected else {
        return Some(broken(
            record,
            "record",
            "a proposal event for this trial",
            "none: the row was added outside Genesis",
        ));
    };
    let json = |v: &dyn erased::Json| v.text();
    if row.status.as_str() != e.status {
        return Some(broken(record, "status", e.status, row.status.as_str()));
    }
    if row.inputs != e.inputs {
        return Some(broken(record, "inputs", json(&e.inputs), json(&row.inputs)));
    }
    if row.outputs != e.outputs {
        // Name the first output that differs.
        let (exp, found) = (
            e.outputs.clone().unwrap_or_default(),
            row.outputs.clone().unwrap_or_default(),
        );
        let name = exp
            .keys()
            .chain(found.keys())
            .find(|k| exp.get(*k).map(|x| x.to_bits()) != found.get(*k).map(|x| x.to_bits()));
        return Some(match name {
            Some(n) => broken(
                record,
                &format!("output `{n}`"),
                exp.get(n).map_or("absent".into(), |x| x.to_string()),
                found.get(n).map_or("absent".into(), |x| x.to_string()),
            ),
            None => broken(record, "outputs", json(&e.outputs), json(&row.outputs)),
        });
    }
    if row.failure_reason != e.failure_reason {
        return Some(broken(
            record,
            "failure reason",
            e.failure_reason.clone().unwrap_or_default(),
            row.failure_reason.clone().unwrap_or_default(),
        ));
    }
    if row.attempts != e.attempts {
        return Some(broken(record, "attempts", e.attempts, row.attempts));
    }
    if row.planner_reason != e.reason {
        return Some(broken(
            record,
            "planner reason",
            &e.reason,
            &row.planner_reason,
        ));
    }
    None
}

mod erased {
    /// Anything serialisable, shown as JSON in a report.
    pub trait Json {
        fn text(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn text(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}
