//! The hash chain: sealing events and checking a stored sequence.

use crate::{Digest, Event, PublicKey, Signer};
use serde::{Deserialize, Serialize};

/// The `prev` of a campaign's first event.
pub const GENESIS_PREV: Digest = Digest([0; 32]);

/// An event as stored: its position, time, body text, the previous event's
/// hash, its own hash and the signature of that hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SealedEvent {
    pub campaign: String,
    /// 0, 1, 2, … within the campaign.
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The event's JSON ([`Event::to_body`]), exactly as hashed.
    pub body: String,
    pub prev: Digest,
    pub hash: Digest,
    /// Ed25519 signature of `hash`, hex.
    pub signature: String,
}

/// The hash that links and signs an event. Every field that matters is in
/// it, each followed by a NUL so no two field splits give the same input.
pub fn event_hash(campaign: &str, seq: u64, at_ms: i64, prev: &Digest, body: &str) -> Digest {
    let mut h = blake3::Hasher::new();
    for part in [
        "genesis-event-v1",
        campaign,
        &seq.to_string(),
        &at_ms.to_string(),
        &prev.hex(),
        body,
    ] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    Digest(*h.finalize().as_bytes())
}

/// Seals `event` as number `seq` of `campaign`, after the event whose hash
/// is `prev`.
pub fn seal(
    campaign: &str,
    seq: u64,
    at_ms: i64,
    prev: Digest,
    event: &Event,
    signer: &Signer,
) -> SealedEvent {
    let body = event.to_body();
    let hash = event_hash(campaign, seq, at_ms, &prev, &body);
    SealedEvent {
        campaign: campaign.to_string(),
        seq,
        at_ms,
        signature: signer.sign(&hash),
        body,
        prev,
        hash,
    }
}

/// The first record that does not hold, and how.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{record}: {what}: expected {expected}, found {found}")]
pub struct Broken {
    /// Which record (e.g. `event 12 of campaign 3fa2c1d0`, `trial 4`).
    pub record: String,
    pub what: String,
    pub expected: String,
    pub found: String,
}

impl Broken {
    pub(crate) fn new(
        record: impl Into<String>,
        what: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Broken {
        Broken {
            record: record.into(),
            what: what.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// Checks a campaign's stored events, in `seq` order as read: numbering
/// without gaps from 0, each hash recomputed, each link to the previous
/// hash, each signature by `key`, each body a known event. Returns the
/// decoded events.
pub fn check_chain(
    campaign: &str,
    events: &[SealedEvent],
    key: &PublicKey,
) -> Result<Vec<Event>, Broken> {
    let mut prev = GENESIS_PREV;
    let mut decoded = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let record = format!("event {} of campaign {campaign}", e.seq);
        if e.campaign != campaign {
            return Err(Broken::new(record, "campaign", campaign, &e.campaign));
        }
        if e.seq != i as u64 {
            let expected = format!("event {i}");
            let found = format!(
                "event {} (events {i}..{} are missing or reordered)",
                e.seq, e.seq
            );
            return Err(Broken::new(
                format!("event {i} of campaign {campaign}"),
                "sequence",
                expected,
                found,
            ));
        }
        if e.prev != prev {
            return Err(Broken::new(
                record,
                "link to the previous event",
                prev.hex(),
                e.prev.hex(),
            ));
        }
        let hash = event_hash(&e.campaign, e.seq, e.at_ms, &e.prev, &e.body);
        if hash != e.hash {
            return Err(Broken::new(
                record,
                "hash of the stored event (its content was changed)",
                hash.hex(),
                e.hash.hex(),
            ));
        }
        if !key.verifies(&e.hash, &e.signature) {
            return Err(Broken::new(
                record,
                "signature",
                format!("a signature by key {}", key.fingerprint()),
                "a signature that does not verify",
            ));
        }
        let event: Event = serde_json::from_str(&e.body)
            .map_err(|err| Broken::new(&record, "event body", "a known event", err.to_string()))?;
        if i == 0 && !matches!(event, Event::CampaignCreated { .. }) {
            return Err(Broken::new(
                record,
                "first event",
                "campaign_created",
                event.kind(),
            ));
        }
        decoded.push(event);
        prev = e.hash;
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ArtifactRef, Versioned, digest};

    pub(crate) fn created() -> Event {
        let v = |n: &str| Versioned {
            name: n.into(),
            version: "1".into(),
        };
        Event::CampaignCreated {
            campaign: "c1".into(),
            name: "demo".into(),
            project: "default".into(),
            owner: "ada".into(),
            spec_hash: digest(b"{}"),
            source: ArtifactRef {
                name: "campaign.toml".into(),
                hash: digest(b"name = 'demo'"),
                size: 13,
            },
            source_path: "demo.toml".into(),
            base_dir: ".".into(),
            twin: v("bench.branin"),
            planner: serde_json::json!({"name": "sobol"}),
            software: v("genesis"),
        }
    }

    fn chain(signer: &Signer) -> Vec<SealedEvent> {
        let events = [
            created(),
            Event::TrialStarted {
                trial: 0,
                attempt: 1,
            },
            Event::TrialsRequeued { trials: vec![0] },
        ];
        let mut prev = GENESIS_PREV;
        events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let s = seal("c1", i as u64, 1000 + i as i64, prev, e, signer);
                prev = s.hash;
                s
            })
            .collect()
    }

    /// What `check_chain` finds wrong after `tamper`, and in which record.
    fn check(tamper: impl Fn(&mut Vec<SealedEvent>), expect: Option<(&str, &str)>) {
        let signer = Signer::generate().unwrap();
        let mut events = chain(&signer);
        tamper(&mut events);
        match (check_chain("c1", &events, &signer.public()), expect) {
            (Ok(decoded), None) => assert_eq!(decoded.len(), events.len()),
            (Err(e), Some((record, what))) => {
                assert_eq!(e.record, record, "{e}");
                assert_eq!(e.what, what, "{e}");
            }
            (got, want) => panic!("got {got:?}, wanted {want:?}"),
        }
    }

    #[test]
    fn an_untouched_chain_holds() {
        check(|_| {}, None);
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        let in_1 = "event 1 of campaign c1";
        check(
            |e| e[1].body = e[1].body.replace("\"attempt\":1", "\"attempt\":2"),
            Some((in_1, "hash of the stored event (its content was changed)")),
        );
        check(
            |e| e[1].at_ms += 1,
            Some((in_1, "hash of the stored event (its content was changed)")),
        );
        check(
            |e| {
                e.remove(1);
            },
            Some((in_1, "sequence")),
        );
        check(|e| e.swap(1, 2), Some((in_1, "sequence")));
        check(
            |e| e[2].prev = GENESIS_PREV,
            Some(("event 2 of campaign c1", "link to the previous event")),
        );
        check(
            |e| {
                // Re-signed by someone else's key: hash fine, signature not.
                let other = Signer::generate().unwrap();
                e[1].signature = other.sign(&e[1].hash);
            },
            Some((in_1, "signature")),
        );
        check(
            |e| {
                e.remove(0);
                for (i, x) in e.iter_mut().enumerate() {
                    x.seq = i as u64;
                }
            },
            Some(("event 0 of campaign c1", "link to the previous event")),
        );
    }
}
