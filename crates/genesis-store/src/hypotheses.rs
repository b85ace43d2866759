//! The co-scientist's hypotheses and tournament, stored beside the trials
//! they are about. Each change appends its signed event in the same
//! transaction (`hypothesis_proposed`, `hypothesis_match`,
//! `hypothesis_tested`, `hypothesis_resolved`), so the record of what was
//! claimed, how it ranked, how it was tested and what the test said is as
//! tamper-evident as the results.
//!
//! The body of a hypothesis is kept as JSON: the store does not need its
//! type (it lives in `genesis-cosci`), only its id, rating and state.

use crate::{NewTrial, Result, Store, StoreError, insert_trials, record};
use genesis_prov::Event;
use rusqlite::{OptionalExtension, params};
use serde_json::Value;

/// A stored hypothesis.
#[derive(Clone, Debug, PartialEq)]
pub struct HypothesisRecord {
    pub campaign_id: String,
    /// Content-addressed id (`H-…`), unique within the campaign.
    pub id: String,
    pub created_at: i64,
    /// The typed hypothesis as JSON (statement, statistic, prediction,
    /// falsification experiment, source).
    pub body: Value,
    /// Elo rating from the tournament.
    pub elo: f64,
    /// `proposed`, `testing`, `supported`, `refuted` or `inconclusive`.
    pub status: String,
    /// Trial indices of its falsification experiment, once queued.
    pub trials: Vec<u64>,
    /// The verdict's evidence, once resolved.
    pub evidence: Option<Value>,
}

/// One tournament match, as played.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchRecord {
    /// Hypothesis ids in presentation order.
    pub first: String,
    pub second: String,
    pub winner: String,
    /// Who judged: `statistical/1`, or a model's id.
    pub judge: String,
}

const COLUMNS: &str = "campaign_id, id, created_at, body, elo, status, trials, evidence";

fn row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(HypothesisRecord, String, String, Option<String>)> {
    Ok((
        HypothesisRecord {
            campaign_id: r.get(0)?,
            id: r.get(1)?,
            created_at: r.get(2)?,
            body: Value::Null,
            elo: r.get(4)?,
            status: r.get(5)?,
            trials: Vec::new(),
            evidence: None,
        },
        r.get(3)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn decode(raw: (HypothesisRecord, String, String, Option<String>)) -> Result<HypothesisRecord> {
    let (mut h, body, trials, evidence) = raw;
    let bad = |what: &str| StoreError::Corrupt(format!("{what} of hypothesis {}", h.id));
    h.body = serde_json::from_str(&body).map_err(|_| bad("body"))?;
    h.trials = serde_json::from_str(&trials).map_err(|_| bad("trials"))?;
    h.evidence = evidence
        .map(|e| serde_json::from_str(&e))
        .transpose()
        .map_err(|_| bad("evidence"))?;
    Ok(h)
}

impl Store {
    /// Stores new hypotheses (`(id, body)`, rated `elo`); ids already
    /// stored for the campaign are skipped. Returns how many were new.
    pub fn add_hypotheses(
        &mut self,
        campaign_id: &str,
        new: &[(String, Value)],
        elo: f64,
        now_ms: i64,
    ) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut ord: i64 = tx.query_row(
            "SELECT coalesce(max(ord), 0) FROM hypotheses WHERE campaign_id = ?1",
            [campaign_id],
            |r| r.get(0),
        )?;
        let mut events = Vec::new();
        for (id, body) in new {
            ord += 1;
            let n = tx.execute(
                "INSERT OR IGNORE INTO hypotheses (campaign_id, id, ord, created_at, body, elo, status) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'proposed')",
                params![campaign_id, id, ord, now_ms, body.to_string(), elo],
            )?;
            if n == 1 {
                events.push(Event::HypothesisProposed {
                    hypothesis: id.clone(),
                    body: body.clone(),
                });
            }
        }
        record::append_all(&tx, &self.signer, campaign_id, now_ms, &events)?;
        tx.commit()?;
        Ok(events.len())
    }

    /// Records a language model's reviews and critique of the campaign's
    /// hypotheses (a signed `hypotheses_reviewed` event).
    pub fn record_review(
        &mut self,
        campaign_id: &str,
        model: &str,
        body: &Value,
        now_ms: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let event = Event::HypothesesReviewed {
            model: model.to_string(),
            body: body.clone(),
        };
        record::append(&tx, &self.signer, campaign_id, now_ms, &event)?;
        tx.commit()?;
        Ok(())
    }

    /// The body of the campaign's latest `hypotheses_reviewed` event: the
    /// critique the next round's prompts carry.
    pub fn latest_review(&self, campaign_id: &str) -> Result<Option<Value>> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM events WHERE campaign_id = ?1 AND kind = 'hypotheses_reviewed' \
                 ORDER BY seq DESC LIMIT 1",
                [campaign_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(body
            .and_then(|b| serde_json::from_str::<Value>(&b).ok())
            .map(|event| event["body"].clone()))
    }

    /// A campaign's hypotheses, highest rating first.
    pub fn hypotheses(&self, campaign_id: &str) -> Result<Vec<HypothesisRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM hypotheses WHERE campaign_id = ?1 ORDER BY elo DESC, ord"
        ))?;
        let rows = stmt.query_map([campaign_id], row)?;
        rows.map(|r| decode(r?)).collect()
    }

    /// The hypothesis whose id starts with `prefix`, in any campaign.
    pub fn hypothesis(&self, prefix: &str) -> Result<HypothesisRecord> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM hypotheses WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 2"
        ))?;
        let found: Vec<HypothesisRecord> = stmt
            .query_map([prefix], row)?
            .map(|r| decode(r?))
            .collect::<Result<_>>()?;
        match found.len() {
            0 => Err(StoreError::NotFound(format!("hypothesis `{prefix}`"))),
            1 => Ok(found.into_iter().next().expect("one")),
            _ => Err(StoreError::Ambiguous {
                prefix: prefix.to_string(),
                matches: found
                    .iter()
                    .map(|h| h.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The campaign's tournament log, in order.
    pub fn matches(&self, campaign_id: &str) -> Result<Vec<MatchRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT first, second, winner, judge FROM hypothesis_matches WHERE campaign_id = ?1 ORDER BY ord",
        )?;
        let rows = stmt.query_map([campaign_id], |r| {
            Ok(MatchRecord {
                first: r.get(0)?,
                second: r.get(1)?,
                winner: r.get(2)?,
                judge: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Appends matches to the log and sets the ratings they lead to, in
    /// one transaction.
    pub fn record_matches(
        &mut self,
        campaign_id: &str,
        matches: &[MatchRecord],
        ratings: &[(String, f64)],
        now_ms: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let mut ord: i64 = tx.query_row(
            "SELECT coalesce(max(ord), 0) FROM hypothesis_matches WHERE campaign_id = ?1",
            [campaign_id],
            |r| r.get(0),
        )?;
        let mut events = Vec::new();
        for m in matches {
            ord += 1;
            tx.execute(
                "INSERT INTO hypothesis_matches (campaign_id, ord, at, first, second, winner, judge) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![campaign_id, ord, now_ms, m.first, m.second, m.winner, m.judge],
            )?;
            events.push(Event::HypothesisMatch {
                first: m.first.clone(),
                second: m.second.clone(),
                winner: m.winner.clone(),
                judge: m.judge.clone(),
            });
        }
        for (id, elo) in ratings {
            tx.execute(
                "UPDATE hypotheses SET elo = ?3 WHERE campaign_id = ?1 AND id = ?2",
                params![campaign_id, id, elo],
            )?;
        }
        record::append_all(&tx, &self.signer, campaign_id, now_ms, &events)?;
        tx.commit()?;
        Ok(())
    }

    /// Queues a hypothesis's falsification experiment as proposed trials
    /// and marks it `testing`, in one transaction. Refused unless it is
    /// `proposed`.
    pub fn test_hypothesis(
        &mut self,
        campaign_id: &str,
        id: &str,
        trials: &[NewTrial<'_>],
        now_ms: i64,
    ) -> Result<Vec<i64>> {
        let tx = self.conn.transaction()?;
        let indices: Vec<u64> = trials.iter().map(|t| t.index).collect();
        let n = tx.execute(
            "UPDATE hypotheses SET status = 'testing', trials = ?3 \
             WHERE campaign_id = ?1 AND id = ?2 AND status = 'proposed'",
            params![
                campaign_id,
                id,
                serde_json::to_string(&indices).expect("numbers")
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Io(format!(
                "hypothesis {id} is not waiting for a test (already tested, or unknown)"
            )));
        }
        let ids = insert_trials(&tx, &self.signer, campaign_id, trials, now_ms)?;
        record::append(
            &tx,
            &self.signer,
            campaign_id,
            now_ms,
            &Event::HypothesisTested {
                hypothesis: id.to_string(),
                trials: indices,
            },
        )?;
        tx.commit()?;
        Ok(ids)
    }

    /// Records the verdict on a tested hypothesis with its evidence.
    pub fn resolve_hypothesis(
        &mut self,
        campaign_id: &str,
        id: &str,
        verdict: &str,
        evidence: &Value,
        now_ms: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE hypotheses SET status = ?3, evidence = ?4 \
             WHERE campaign_id = ?1 AND id = ?2 AND status = 'testing'",
            params![campaign_id, id, verdict, evidence.to_string()],
        )?;
        if n == 1 {
            record::append(
                &tx,
                &self.signer,
                campaign_id,
                now_ms,
                &Event::HypothesisResolved {
                    hypothesis: id.to_string(),
                    verdict: verdict.to_string(),
                    evidence: evidence.clone(),
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
