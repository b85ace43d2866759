//! Elo tournament over hypotheses (Gottweis et al. 2025: start 1200,
//! similar hypotheses meet, newer and top-ranked ones play more), with the
//! full match log so that ratings can be recomputed, and the
//! order-independent Bradley–Terry fit of the same log.

use crate::CosciError;
use crate::hypothesis::Hypothesis;
use genesis_core::rng::{Rng, derive_seed};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Rating of a hypothesis that has not played.
pub const START_RATING: f64 = 1200.0;
/// Elo step size.
pub const K_FACTOR: f64 = 32.0;

/// Which of the two presented hypotheses a judge prefers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    First,
    Second,
}

/// Decides a match. The order of presentation is randomised by the
/// tournament, so a judge with position bias is not systematically favoured.
pub trait Judge {
    /// Recorded in the match log (e.g. "statistical/1" or the LLM's id).
    fn id(&self) -> String;
    fn judge(&self, first: &Hypothesis, second: &Hypothesis) -> Result<Preference, CosciError>;
}

/// The judge without an LLM: prefers the hypothesis whose prediction the
/// posterior supports more strongly: higher probability that the
/// falsification comes out as predicted ([`Hypothesis::support`]); within
/// 0.01 of each other, the sharper prediction ([`Hypothesis::precision`]).
pub struct StatisticalJudge;

impl Judge for StatisticalJudge {
    fn id(&self) -> String {
        "statistical/1".into()
    }

    fn judge(&self, first: &Hypothesis, second: &Hypothesis) -> Result<Preference, CosciError> {
        let (s1, s2) = (first.support(), second.support());
        let first_wins = if (s1 - s2).abs() > 0.01 {
            s1 > s2
        } else {
            first.precision() >= second.precision()
        };
        Ok(if first_wins {
            Preference::First
        } else {
            Preference::Second
        })
    }
}

/// One match as played.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// Hypothesis ids in presentation order.
    pub first: String,
    pub second: String,
    pub judge: String,
    /// Id of the winner.
    pub winner: String,
}

/// Elo update of (winner, loser) ratings.
pub fn elo_update(winner: f64, loser: f64) -> (f64, f64) {
    let expected = 1.0 / (1.0 + 10f64.powf((loser - winner) / 400.0));
    let delta = K_FACTOR * (1.0 - expected);
    (winner + delta, loser - delta)
}

/// Replays a match log: every listed id starts at [`START_RATING`].
pub fn elo_from_log(ids: &[String], log: &[Match]) -> BTreeMap<String, f64> {
    let mut ratings: BTreeMap<String, f64> =
        ids.iter().map(|id| (id.clone(), START_RATING)).collect();
    for m in log {
        let loser = if m.winner == m.first {
            &m.second
        } else {
            &m.first
        };
        let w = *ratings.entry(m.winner.clone()).or_insert(START_RATING);
        let l = *ratings.entry(loser.clone()).or_insert(START_RATING);
        let (w, l) = elo_update(w, l);
        ratings.insert(m.winner.clone(), w);
        ratings.insert(loser.clone(), l);
    }
    ratings
}

/// Similarity used to pair opponents: Jaccard overlap of the parameters,
/// plus 0.5 for the same kind, plus 0.25 for the same response.
pub fn similarity(a: &Hypothesis, b: &Hypothesis) -> f64 {
    let common = a
        .parameters
        .iter()
        .filter(|p| b.parameters.contains(p))
        .count() as f64;
    let union = (a.parameters.len() + b.parameters.len()) as f64 - common;
    let jaccard = if union > 0.0 { common / union } else { 0.0 };
    jaccard
        + if a.kind == b.kind { 0.5 } else { 0.0 }
        + if a.response == b.response { 0.25 } else { 0.0 }
}

/// Plays `matches` matches among `hypotheses`, continuing `log` (which may
/// hold earlier matches). Scheduling: even-numbered matches start from the
/// hypothesis that has played least (newest first on ties), odd ones from
/// the top-rated; its opponent is the most similar other hypothesis, less
/// 0.5 for every time the two have already met (so pairings rotate).
/// Presentation order is a fair coin from `seed`.
pub fn play(
    hypotheses: &[Hypothesis],
    judge: &dyn Judge,
    matches: usize,
    seed: u64,
    log: &mut Vec<Match>,
) -> Result<BTreeMap<String, f64>, CosciError> {
    let ids: Vec<String> = hypotheses.iter().map(|h| h.id.clone()).collect();
    let mut ratings = elo_from_log(&ids, log);
    if hypotheses.len() < 2 {
        return Ok(ratings);
    }
    let mut rng = Rng::new(derive_seed(seed, log.len() as u64));
    let played = |log: &[Match], id: &str| {
        log.iter()
            .filter(|m| m.first == id || m.second == id)
            .count()
    };
    let met = |log: &[Match], a: &str, b: &str| {
        log.iter()
            .filter(|m| (m.first == a && m.second == b) || (m.first == b && m.second == a))
            .count()
    };
    for round in 0..matches {
        let a = if round % 2 == 0 {
            (0..hypotheses.len())
                .rev()
                .min_by_key(|&k| played(log, &ids[k]))
                .expect("two hypotheses")
        } else {
            (0..hypotheses.len())
                .max_by(|&x, &y| {
                    ratings[&ids[x]]
                        .total_cmp(&ratings[&ids[y]])
                        .then(y.cmp(&x))
                })
                .expect("two hypotheses")
        };
        let score = |k: usize| {
            similarity(&hypotheses[a], &hypotheses[k]) - 0.5 * met(log, &ids[a], &ids[k]) as f64
        };
        let b = (0..hypotheses.len())
            .filter(|&k| k != a)
            .max_by(|&x, &y| score(x).total_cmp(&score(y)).then(y.cmp(&x)))
            .expect("two hypotheses");
        let (first, second) = if rng.uniform() < 0.5 { (a, b) } else { (b, a) };
        let winner = match judge.judge(&hypotheses[first], &hypotheses[second])? {
            Preference::First => first,
            Preference::Second => second,
        };
        let loser = if winner == first { second } else { first };
        let (w, l) = elo_update(ratings[&ids[winner]], ratings[&ids[loser]]);
        ratings.insert(ids[winner].clone(), w);
        ratings.insert(ids[loser].clone(), l);
        log.push(Match {
            first: ids[first].clone(),
            second: ids[second].clone(),
            judge: judge.id(),
            winner: ids[winner].clone(),
        });
    }
    Ok(ratings)
}

/// Bradley–Terry strengths fitted to a match log by maximum likelihood
/// (Hunter 2004 MM iterations), on the Elo scale: 1200 + 400·log10(p_i/ḡ)
/// with ḡ the geometric mean strength. The result does not depend on the
/// order of the log. Each player gets one virtual draw (½ win, ½ loss)
/// against a reference of strength ḡ, so unbeaten or winless players have
/// finite ratings.
pub fn bradley_terry(log: &[Match]) -> Result<BTreeMap<String, f64>, CosciError> {
    let mut names: Vec<String> = log
        .iter()
        .flat_map(|m| [m.first.clone(), m.second.clone()])
        .collect();
    names.sort();
    names.dedup();
    let index: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let n = names.len();
    let mut wins = vec![0.5; n];
    let mut games = vec![vec![0.0; n]; n];
    for m in log {
        let (a, b) = (index[m.first.as_str()], index[m.second.as_str()]);
        games[a][b] += 1.0;
        games[b][a] += 1.0;
        wins[if m.winner == m.first { a } else { b }] += 1.0;
    }
    let mut p = vec![1.0; n];
    for _ in 0..10_000 {
        let mut next: Vec<f64> = (0..n)
            .map(|i| {
                let denom: f64 = (0..n)
                    .filter(|&j| j != i)
                    .map(|j| games[i][j] / (p[i] + p[j]))
                    .sum::<f64>()
                    + 1.0 / (p[i] + 1.0);
                wins[i] / denom
            })
            .collect();
        let g = (next.iter().map(|v| v.ln()).sum::<f64>() / n as f64).exp();
        next.iter_mut().for_each(|v| *v /= g);
        let change = next
            .iter()
            .zip(&p)
            .map(|(a, b)| (a.ln() - b.ln()).abs())
            .fold(0.0, f64::max);
        p = next;
        if change < 1e-10 {
            return Ok(names
                .into_iter()
                .zip(p)
                .map(|(k, v)| (k, START_RATING + 400.0 * v.log10()))
                .collect());
        }
    }
    Err(CosciError::Numerical(
        "Bradley–Terry iterations did not converge in 10000 steps".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elo_arithmetic() {
        // Equal ratings: expected score ½, so the winner gains K/2 = 16.
        assert_eq!(elo_update(1200.0, 1200.0), (1216.0, 1184.0));
        // 400 points apart: expected 10/11 for the favourite; it gains 32/11.
        let (w, l) = elo_update(1600.0, 1200.0);
        assert!(
            (w - (1600.0 + 32.0 / 11.0)).abs() < 1e-9 && (l - (1200.0 - 32.0 / 11.0)).abs() < 1e-9
        );
    }

    fn synthetic_log(strengths: &[f64], games_per_pair: usize, seed: u64) -> Vec<Match> {
        let mut rng = Rng::new(seed);
        let mut log = Vec::new();
        for i in 0..strengths.len() {
            for j in i + 1..strengths.len() {
                for _ in 0..games_per_pair {
                    let i_wins = rng.uniform() < strengths[i] / (strengths[i] + strengths[j]);
                    let (a, b) = (format!("h{i}"), format!("h{j}"));
                    log.push(Match {
                        winner: if i_wins { a.clone() } else { b.clone() },
                        first: a,
                        second: b,
                        judge: "synthetic".into(),
                    });
                }
            }
        }
        log
    }

    #[test]
    fn bradley_terry_recovers_known_strengths_in_any_order() {
        // Strengths 1 : 2 : 4 : 8, i.e. Elo gaps of 400·log10 2 = 120.4.
        let strengths = [1.0, 2.0, 4.0, 8.0];
        let log = synthetic_log(&strengths, 400, 11);
        let fitted = bradley_terry(&log).unwrap();
        for k in 1..4 {
            let gap = fitted[&format!("h{k}")] - fitted[&format!("h{}", k - 1)];
            // 400 games per pair: the sd of each gap is about 12 Elo points.
            assert!((gap - 120.4).abs() < 36.0, "gap {k}: {gap}");
        }
        let mut reversed = log.clone();
        reversed.reverse();
        let again = bradley_terry(&reversed).unwrap();
        for (k, v) in &fitted {
            assert!((v - again[k]).abs() < 1e-6, "order changed {k}");
        }
        // Elo, by contrast, depends on the order.
        let ids: Vec<String> = (0..4).map(|i| format!("h{i}")).collect();
        assert_ne!(elo_from_log(&ids, &log), elo_from_log(&ids, &reversed));
    }
}
