//! The co-scientist over a stored campaign: one round reads the finished
//! trials, states what the surrogate supports (or says why it will not),
//! consults a language model when one is configured, ranks the hypotheses
//! by tournament, and records verdicts of finished falsification
//! experiments; `queue_test` appends a hypothesis's experiment as trials.
//! Every step is stored with its signed event. The CLI (`genesis
//! hypotheses`, `genesis report`) and the server's runs share it.

use crate::now_ms;
use genesis_core::TrialStatus;
use genesis_cosci::CosciError;
use genesis_cosci::generate::{Findings, GenerationSettings, generate_from};
use genesis_cosci::hypothesis::{Hypothesis, Source, evaluate};
use genesis_cosci::surrogate::{Dataset, Refusal, Response, Surrogate};
use genesis_cosci::tournament::{Judge, Match, START_RATING, StatisticalJudge, play};
use genesis_store::{CampaignRecord, HypothesisRecord, MatchRecord, NewTrial, Store, StoreError};
use serde_json::{Value, json};

/// Why a round of the co-scientist failed.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    /// The user's request cannot be carried out (an unknown hypothesis, a
    /// claim that cannot be tested, an unreadable notes file).
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cosci(#[from] CosciError),
    /// Stored data that no longer parses.
    #[error("{0}")]
    Unreadable(String),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

type Result<T> = std::result::Result<T, RoundError>;

/// Matches played for every new hypothesis (at least one round for all).
const MATCHES_PER_HYPOTHESIS: usize = 3;

/// The surrogate analysis of a campaign: what the report and the
/// hypotheses are built from.
pub struct Analysis {
    /// The output analysed (the first objective).
    pub response: String,
    /// Completed trials with a finite value of it.
    pub observations: usize,
    pub findings: Findings,
    /// The fitted surrogate (`None` when the analysis was refused).
    pub surrogate: Option<Surrogate>,
}

/// A language model the co-scientist may consult (`--llm-url`), and what
/// it is told.
pub struct LlmSettings {
    pub provider: genesis_cosci::llm::OpenAiCompat,
    /// The scientist's notes or abstracts (`--notes FILE`).
    pub notes: String,
}

/// The language model to consult: the command line's (`--llm-url`,
/// `--llm-model`, `--notes`) when given, else the campaign file's `[llm]`,
/// else none. The key is read from the named environment variable and
/// never stored or printed.
pub fn llm_settings(
    record: &CampaignRecord,
    flags: Option<genesis_core::LlmConfig>,
    notes_flag: Option<std::path::PathBuf>,
) -> Result<Option<LlmSettings>> {
    let from_flags = flags.is_some();
    let Some(config) = flags.or_else(|| record.spec.llm.clone()) else {
        return Ok(None);
    };
    let notes_path = match (from_flags, notes_flag, &config.notes) {
        (true, Some(path), _) => Some(path),
        (false, _, Some(rel)) => Some(std::path::Path::new(&record.base_dir).join(rel)),
        _ => None,
    };
    let notes = match notes_path {
        Some(path) => std::fs::read_to_string(&path)
            .map_err(|e| RoundError::Input(format!("cannot read notes {}: {e}", path.display())))?,
        None => String::new(),
    };
    let key = std::env::var(&config.api_key_env)
        .ok()
        .filter(|k| !k.is_empty())
        .map(genesis_cosci::llm::ApiKey::new);
    Ok(Some(LlmSettings {
        provider: genesis_cosci::llm::OpenAiCompat::new(
            &config.url,
            &config.model,
            key,
            std::time::Duration::from_secs(120),
        ),
        notes,
    }))
}

/// Analyses the campaign's completed trials for its first objective.
pub fn analysis(store: &Store, record: &CampaignRecord) -> Result<Analysis> {
    let objective = record.spec.objectives.first().ok_or_else(|| {
        RoundError::Input(format!(
            "campaign {} has no objective to explain",
            record.id
        ))
    })?;
    let unit = crate::prepare(
        &record.source_text,
        &record.source_path,
        std::path::Path::new(&record.base_dir),
    )
    .ok()
    .and_then(|p| {
        p.twin
            .spec()
            .outputs
            .iter()
            .find(|o| o.name == objective.name)
            .and_then(|o| o.unit.clone())
    });
    let mut inputs = Vec::new();
    let mut values = Vec::new();
    let mut feasible = Vec::new();
    let mut failed = Vec::new();
    for t in store.trials(&record.id)? {
        match &t.outputs {
            Some(outputs) => {
                if let Some(v) = outputs.get(&objective.name)
                    && v.is_finite()
                {
                    inputs.push(t.inputs.clone());
                    values.push(*v);
                    feasible.push(genesis_core::is_feasible(&record.spec, outputs));
                }
            }
            None if t.status == genesis_core::TrialStatus::Failed => failed.push(t.inputs.clone()),
            None => {}
        }
    }
    let dataset = Dataset {
        space: record.spec.space.clone(),
        response: Response {
            name: objective.name.clone(),
            unit,
            goal: objective.goal,
        },
        inputs,
        values,
        feasible,
        failed,
    };
    let mut settings = GenerationSettings::default();
    settings.sensitivity.seed = record.spec.seed;
    let observations = dataset.values.len();
    let (findings, surrogate) = match Surrogate::fit(&dataset) {
        Ok(s) => (generate_from(&s, &settings)?, Some(s)),
        Err(refusal) => (
            Findings {
                sensitivity: None,
                dependence: Vec::new(),
                hypotheses: Vec::new(),
                refusals: vec![refusal],
            },
            None,
        ),
    };
    Ok(Analysis {
        response: objective.name.clone(),
        observations,
        findings,
        surrogate,
    })
}

pub fn typed(h: &HypothesisRecord) -> Result<Hypothesis> {
    serde_json::from_value(h.body.clone()).map_err(|e| {
        RoundError::Unreadable(format!(
            "hypothesis {} in the store is unreadable: {e}",
            h.id
        ))
    })
}

/// Judges every `testing` hypothesis whose trials have all finished.
/// Returns (id, verdict) of those resolved now.
pub fn resolve_finished(
    store: &mut Store,
    record: &CampaignRecord,
) -> Result<Vec<(String, String)>> {
    let trials = store.trials(&record.id)?;
    let mut resolved = Vec::new();
    for h in store.hypotheses(&record.id)? {
        if h.status != "testing" {
            continue;
        }
        let mine: Vec<_> = h
            .trials
            .iter()
            .filter_map(|i| trials.iter().find(|t| t.index == *i))
            .collect();
        if mine.len() != h.trials.len() || mine.iter().any(|t| !t.status.is_finished()) {
            continue;
        }
        let hyp = typed(&h)?;
        let outcomes: Vec<Vec<f64>> = mine
            .iter()
            .map(|t| {
                t.outputs
                    .as_ref()
                    .and_then(|o| o.get(&hyp.response))
                    .filter(|v| v.is_finite() && t.status == TrialStatus::Completed)
                    .map_or_else(Vec::new, |v| vec![*v])
            })
            .collect();
        let evaluation = evaluate(&hyp.falsification, &outcomes)?;
        let verdict = serde_json::to_value(evaluation.verdict)?
            .as_str()
            .unwrap_or("inconclusive")
            .to_string();
        let evidence = json!({
            "observed": evaluation.observed,
            "observed_se": evaluation.observed_se,
            "reason": evaluation.reason,
            "trials": h.trials,
            "outcomes": outcomes,
        });
        store.resolve_hypothesis(&record.id, &h.id, &verdict, &evidence, now_ms())?;
        resolved.push((h.id.clone(), verdict));
    }
    Ok(resolved)
}

/// How many hypotheses a language model may add per call.
const LLM_IDEAS: usize = 5;
/// How many of the best-rated hypotheses the evolution agent builds on.
const EVOLVE_PARENTS: usize = 3;

/// What one round of the co-scientist did.
pub struct Update {
    /// (id, verdict) of hypotheses resolved in this round.
    pub resolved: Vec<(String, String)>,
    pub analysis: Analysis,
    /// New hypotheses stored.
    pub added: usize,
    /// Matches played.
    pub played: usize,
    /// All hypotheses, highest rating first.
    pub ranked: Vec<HypothesisRecord>,
}

/// One round: resolve finished tests, state new hypotheses (with the
/// model when given, and the scientist's `proposal`), play the tournament,
/// store everything.
pub fn update(
    store: &mut Store,
    record: &CampaignRecord,
    llm: Option<&LlmSettings>,
    proposal: Option<&genesis_cosci::agents::Idea>,
) -> Result<Update> {
    let resolved = resolve_finished(store, record)?;
    // The hypotheses stored before this round (with today's verdicts).
    let earlier = store.hypotheses(&record.id)?;
    let mut analysis = analysis(store, record)?;
    if let Some(idea) = proposal {
        let Some(surrogate) = &analysis.surrogate else {
            let why = analysis
                .findings
                .refusals
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(RoundError::Input(format!(
                "campaign {}: no surrogate to predict the hypothesis with: {why}",
                record.id
            )));
        };
        let h = genesis_cosci::agents::hypothesis_from_idea(
            surrogate,
            idea,
            &Source::Human,
            Vec::new(),
        )
        .map_err(|why| RoundError::Input(format!("the hypothesis cannot be tested: {why}")))?;
        analysis.findings.hypotheses.insert(0, h);
    }
    // The latest meta-review, fed into this round's prompts.
    let critique = store
        .latest_review(&record.id)?
        .and_then(|b| b["meta_review"].as_str().map(str::to_string))
        .unwrap_or_default();
    let goal = record
        .spec
        .description
        .clone()
        .unwrap_or_else(|| record.name.clone());
    if let (Some(llm), Some(surrogate)) = (llm, &analysis.surrogate) {
        let notes = if critique.is_empty() {
            llm.notes.clone()
        } else {
            format!(
                "{}\nCritique of the hypotheses so far: {critique}",
                llm.notes
            )
        };
        let (more, refused) = genesis_cosci::agents::generate_with_llm(
            &llm.provider,
            surrogate,
            &goal,
            &analysis.findings,
            &notes,
            LLM_IDEAS,
        )?;
        analysis.findings.hypotheses.extend(more);
        analysis.findings.refusals.extend(refused);
        // Evolution: children of the best-rated hypotheses still standing
        // (in a first round, of the ones just stated).
        let mut parents: Vec<Hypothesis> = earlier
            .iter()
            .filter(|h| matches!(h.status.as_str(), "proposed" | "supported"))
            .take(EVOLVE_PARENTS)
            .map(typed)
            .collect::<Result<_>>()?;
        if parents.is_empty() {
            parents = analysis
                .findings
                .hypotheses
                .iter()
                .take(EVOLVE_PARENTS)
                .cloned()
                .collect();
        }
        match genesis_cosci::agents::evolve(
            &llm.provider,
            surrogate,
            &goal,
            &parents,
            &critique,
            LLM_IDEAS,
        ) {
            Ok((children, refused)) => {
                analysis.findings.hypotheses.extend(children);
                analysis.findings.refusals.extend(refused);
            }
            Err(e) => analysis.findings.refusals.push(Refusal::NotResolved {
                parameters: Vec::new(),
                message: format!("no children this round: {e}"),
            }),
        }
    }
    // One open hypothesis per claim: a restatement of a claim still
    // proposed or under test (same kind, parameters and response, new
    // numbers) is not added again; once resolved, it may be.
    let open_claims: Vec<Value> = earlier
        .iter()
        .filter(|h| matches!(h.status.as_str(), "proposed" | "testing"))
        .map(|h| claim(&h.body))
        .collect();
    let new: Vec<(String, Value)> = analysis
        .findings
        .hypotheses
        .iter()
        .map(|h| serde_json::to_value(h).map(|v| (h.id.clone(), v)))
        .collect::<std::result::Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|(_, body)| !open_claims.contains(&claim(body)))
        .collect();
    let added = store.add_hypotheses(&record.id, &new, START_RATING, now_ms())?;
    // The tournament over everything still open (resolved ones keep
    // their rating), continuing the stored log.
    let stored = store.hypotheses(&record.id)?;
    let open: Vec<Hypothesis> = stored
        .iter()
        .filter(|h| matches!(h.status.as_str(), "proposed" | "testing"))
        .map(typed)
        .collect::<Result<_>>()?;
    let mut log: Vec<Match> = store
        .matches(&record.id)?
        .into_iter()
        .map(|m| Match {
            first: m.first,
            second: m.second,
            judge: m.judge,
            winner: m.winner,
        })
        .collect();
    let before = log.len();
    let rounds = if added > 0 {
        (added * MATCHES_PER_HYPOTHESIS).max(open.len())
    } else {
        0
    };
    // Reflection and meta-review of what is open, in the light of what
    // was tested; the critique goes to the judge and the next prompts.
    let mut critique = critique;
    let mut reviews = Vec::new();
    if let Some(llm) = llm
        && !open.is_empty()
    {
        let tested: Vec<(Hypothesis, String)> = stored
            .iter()
            .filter(|h| matches!(h.status.as_str(), "supported" | "refuted" | "inconclusive"))
            .map(|h| typed(h).map(|t| (t, h.status.clone())))
            .collect::<Result<_>>()?;
        match genesis_cosci::agents::reflect(&llm.provider, &goal, &open, &tested) {
            Ok(reviewed) => {
                let body = json!({
                    "reviews": reviewed.reflection.reviews,
                    "meta_review": reviewed.reflection.meta_review,
                    "source": reviewed.source,
                });
                store.record_review(
                    &record.id,
                    &genesis_cosci::llm::LlmProvider::id(&llm.provider),
                    &body,
                    now_ms(),
                )?;
                critique = reviewed.reflection.meta_review;
                reviews = reviewed.reflection.reviews;
            }
            Err(e) => analysis.findings.refusals.push(Refusal::NotResolved {
                parameters: Vec::new(),
                message: format!("no reviews this round: {e}"),
            }),
        }
    }
    let llm_judge =
        llm.map(|l| genesis_cosci::agents::LlmJudge::new(&l.provider, &critique, reviews));
    let judge: &dyn Judge = match &llm_judge {
        Some(j) => j,
        None => &StatisticalJudge,
    };
    let ratings = play(&open, judge, rounds, record.spec.seed, &mut log)?;
    let played: Vec<MatchRecord> = log[before..]
        .iter()
        .map(|m| MatchRecord {
            first: m.first.clone(),
            second: m.second.clone(),
            winner: m.winner.clone(),
            judge: m.judge.clone(),
        })
        .collect();
    let ratings: Vec<(String, f64)> = ratings.into_iter().collect();
    store.record_matches(&record.id, &played, &ratings, now_ms())?;
    let ranked = store.hypotheses(&record.id)?;
    Ok(Update {
        resolved,
        analysis,
        added,
        played: played.len(),
        ranked,
    })
}

/// What a hypothesis claims, whatever its numbers: kind, parameters,
/// response, direction, and who claims it (a scientist's "rises with R"
/// stands beside the surrogate's "falls with R").
fn claim(body: &Value) -> Value {
    json!([
        body["kind"],
        body["parameters"],
        body["response"],
        body["falsification"]["claim"]["claim"],
        body["source"]["type"]
    ])
}

/// A falsification experiment appended as trials.
pub struct Queued {
    pub hypothesis: HypothesisRecord,
    pub campaign: CampaignRecord,
    /// Store ids of the new trials (to run them).
    pub ids: Vec<i64>,
    /// Their indices in the campaign.
    pub indices: Vec<u64>,
}

/// Appends the falsification experiment of the hypothesis whose id starts
/// with `prefix` as trials of its campaign (planner `cosci`, the reason
/// naming the hypothesis). Running them is the caller's; when they have
/// finished, [`resolve_finished`] records the verdict.
pub fn queue_test(store: &mut Store, prefix: &str) -> Result<Queued> {
    let h = store.hypothesis(prefix).map_err(|e| {
        RoundError::Input(format!(
            "{e}\nhint: `genesis hypotheses CAMPAIGN` lists the hypotheses"
        ))
    })?;
    let record = store.campaign(&h.campaign_id)?;
    let hyp = typed(&h)?;
    let points = hyp.falsification.points();
    let next = store
        .trials(&record.id)?
        .iter()
        .map(|t| t.index + 1)
        .max()
        .unwrap_or(0);
    let twin_version = record.twin_version.clone();
    let reasons: Vec<String> = (0..points.len())
        .map(|k| {
            format!(
                "falsification experiment of {}, point {} of {}: {}",
                h.id,
                k + 1,
                points.len(),
                hyp.prediction
            )
        })
        .collect();
    let trials: Vec<NewTrial<'_>> = points
        .iter()
        .enumerate()
        .map(|(k, p)| NewTrial {
            index: next + k as u64,
            inputs: p,
            planner_name: "cosci",
            planner_version: env!("CARGO_PKG_VERSION"),
            planner_reason: &reasons[k],
            twin_name: &record.twin_name,
            twin_version: &twin_version,
        })
        .collect();
    let ids = store
        .test_hypothesis(&record.id, &h.id, &trials, now_ms())
        .map_err(|e| RoundError::Input(e.to_string()))?;
    let indices: Vec<u64> = trials.iter().map(|t| t.index).collect();
    Ok(Queued {
        hypothesis: store.hypothesis(&h.id)?,
        campaign: record,
        ids,
        indices,
    })
}

/// The round a campaign's `hypotheses_every = N` asks for once `finished`
/// trials have finished (a multiple of N), with the campaign's `[llm]` if
/// any; `None` when no round is due. Called between trials by whoever
/// runs the campaign (`genesis run`, the server).
pub fn scheduled_round(
    store: &mut Store,
    campaign: &CampaignRecord,
    finished: u64,
) -> Option<Result<Update>> {
    let every = campaign.spec.hypotheses_every?;
    if finished == 0 || !finished.is_multiple_of(every) {
        return None;
    }
    Some(
        llm_settings(campaign, None, None)
            .and_then(|llm| update(store, campaign, llm.as_ref(), None)),
    )
}
