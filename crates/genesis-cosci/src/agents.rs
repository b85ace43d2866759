//! The generation agent with a language model: it reads the campaign's
//! goal, its parameters and what the surrogate found, and proposes
//! hypotheses of its own — each as a directional claim about one input
//! that the planner can test. The model only *proposes*; the surrogate
//! attaches the prediction (μ ± 2σ of the contrast at the incumbent), so
//! every LLM hypothesis is tested and judged exactly like the embedded
//! ones, and the tournament's statistical judge ranks it by how strongly
//! the posterior supports it.
//!
//! The model's answer must match [`ideas_schema`]; [`crate::llm::chat_json`]
//! validates it and retries once. Its id and the prompt and answer hashes
//! go into each hypothesis's [`Source::Llm`] (and so into provenance).

use crate::CosciError;
use crate::generate::Findings;
use crate::hypothesis::{Claim, Experiment, Hypothesis, Kind, Source, Statistic, normal_cdf};
use crate::llm::{ChatRequest, LlmProvider, Message, chat_json};
use crate::surrogate::{Refusal, Surrogate};
use genesis_core::{Domain, Value};
use serde::Deserialize;
use serde_json::json;

/// One idea as the model states it.
#[derive(Clone, Debug, Deserialize)]
pub struct Idea {
    pub statement: String,
    pub rationale: String,
    /// The input it is about (a parameter name).
    pub parameter: String,
    /// Move the input from this value to that one, the others at the best trial.
    pub from: f64,
    pub to: f64,
    /// What the response does then: "increase" or "decrease".
    pub expect: String,
}

/// The model's whole answer.
#[derive(Clone, Debug, Deserialize)]
pub struct Ideas {
    pub hypotheses: Vec<Idea>,
}

/// The JSON Schema the answer must follow.
pub fn ideas_schema() -> serde_json::Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["hypotheses"],
        "properties": { "hypotheses": { "type": "array", "items": {
            "type": "object", "additionalProperties": false,
            "required": ["statement", "rationale", "parameter", "from", "to", "expect"],
            "properties": {
                "statement": { "type": "string" }, "rationale": { "type": "string" },
                "parameter": { "type": "string" }, "from": { "type": "number" }, "to": { "type": "number" },
                "expect": { "type": "string", "enum": ["increase", "decrease"] } } } } }
    })
}

/// The generation prompt: the goal, the parameters with units and bounds,
/// the surrogate's findings, and the scientist's notes.
pub fn generation_request(
    surrogate: &Surrogate,
    goal: &str,
    findings: &Findings,
    notes: &str,
    max: usize,
) -> ChatRequest {
    let parameters: Vec<String> = surrogate
        .space()
        .parameters
        .iter()
        .map(|p| {
            let range = match &p.domain {
                Domain::Float { low, high, .. } => format!("{low} to {high}"),
                Domain::Int { low, high, .. } => format!("{low} to {high} (integer)"),
                other => format!("{other:?}"),
            };
            format!(
                "- {} [{}]: {range}",
                p.name,
                p.unit.as_deref().unwrap_or("1")
            )
        })
        .collect();
    let known: Vec<String> = findings
        .hypotheses
        .iter()
        .map(|h| format!("- {}", h.statement))
        .collect();
    let response = surrogate.response();
    let user = format!(
        "Campaign goal: {goal}\nResponse: {} [{}], to {:?}.\nParameters:\n{}\n\
         {} experiments so far; the best has {} = {}.\n\
         What a statistical analysis already found:\n{}\n\
         Scientist's notes:\n{notes}\n\n\
         Propose up to {max} new, testable hypotheses about why the response behaves as it does. \
         Each must be about ONE parameter and say what happens to the response when that parameter \
         moves from one value to another (within its range) with the others at the best experiment.",
        response.name,
        response.unit.as_deref().unwrap_or("1"),
        response.goal,
        parameters.join("\n"),
        surrogate.observations(),
        response.name,
        surrogate.scale().invert(surrogate.incumbent_value()),
        if known.is_empty() {
            "- nothing yet".to_string()
        } else {
            known.join("\n")
        },
    );
    ChatRequest {
        messages: vec![
            Message::system(
                "You are a careful research scientist. You propose falsifiable hypotheses and reply with JSON only.",
            ),
            Message::user(&user),
        ],
        temperature: 0.2,
        max_tokens: 1200,
        seed: Some(0),
        json_schema: Some(("hypotheses".into(), ideas_schema())),
    }
}

/// Asks `provider` for hypotheses and turns each valid idea into a
/// [`Hypothesis`] with a contrast experiment predicted by the surrogate.
/// Ideas about unknown parameters, or with values outside the range, are
/// refused (returned as [`Refusal::NotResolved`] with the reason).
pub fn generate_with_llm(
    provider: &dyn LlmProvider,
    surrogate: &Surrogate,
    goal: &str,
    findings: &Findings,
    notes: &str,
    max: usize,
) -> Result<(Vec<Hypothesis>, Vec<Refusal>), CosciError> {
    let request = generation_request(surrogate, goal, findings, notes, max);
    let (ideas, sent, answer): (Ideas, _, _) = chat_json(provider, &request)
        .map_err(|e| CosciError::Input(format!("language model: {e}")))?;
    let source = Source::Llm {
        model: format!("{} ({})", provider.id(), answer.model),
        prompt_hash: sent.hash(),
        response_hash: answer.hash(),
    };
    let (mut out, mut refused) = (Vec::new(), Vec::new());
    for idea in ideas.hypotheses.into_iter().take(max) {
        match hypothesis_from_idea(surrogate, &idea, &source, Vec::new()) {
            Ok(h) => out.push(h),
            Err(message) => refused.push(Refusal::NotResolved {
                parameters: vec![idea.parameter.clone()],
                message: format!("the model's idea \"{}\": {message}", idea.statement),
            }),
        }
    }
    Ok((out, refused))
}

/// A directional idea (from a model or a scientist) as a hypothesis with
/// the surrogate's prediction of its contrast at the incumbent; `Err`
/// says why the idea cannot be tested (unknown parameter, value out of
/// range, a point where the twin is predicted to fail).
pub fn hypothesis_from_idea(
    s: &Surrogate,
    idea: &Idea,
    source: &Source,
    parents: Vec<String>,
) -> Result<Hypothesis, String> {
    let p = s
        .space()
        .parameters
        .iter()
        .find(|p| p.name == idea.parameter)
        .ok_or_else(|| format!("no parameter `{}`", idea.parameter))?;
    let value = |x: f64| -> Result<Value, String> {
        match &p.domain {
            Domain::Float { low, high, .. } if (*low..=*high).contains(&x) => Ok(Value::Float(x)),
            Domain::Int { low, high, .. }
                if x.fract() == 0.0 && (*low as f64..=*high as f64).contains(&x) =>
            {
                Ok(Value::Int(x as i64))
            }
            _ => Err(format!(
                "{x} is outside the range of `{}` or of the wrong type",
                p.name
            )),
        }
    };
    let rising = match idea.expect.as_str() {
        "increase" => true,
        "decrease" => false,
        other => return Err(format!("expect = `{other}` (increase or decrease)")),
    };
    if idea.from == idea.to {
        return Err("from and to are the same value".into());
    }
    let at = |x: Value| {
        let mut inputs = s.incumbent().clone();
        inputs.insert(p.name.clone(), x);
        inputs
    };
    let points = vec![at(value(idea.from)?), at(value(idea.to)?)];
    for point in &points {
        if !s.works_at(point).map_err(|e| e.to_string())? {
            return Err(format!(
                "the twin is predicted to fail at `{}` = {} (trials nearby failed)",
                p.name, point[&p.name]
            ));
        }
    }
    let (mean, sd) = s
        .contrast(&points, &[-1.0, 1.0])
        .map_err(|e| e.to_string())?;
    let claim = if rising {
        Claim::Positive
    } else {
        Claim::Negative
    };
    let support = if sd > 0.0 {
        let z = mean / sd;
        normal_cdf(if rising { z } else { -z })
    } else if (mean > 0.0) == rising {
        1.0
    } else {
        0.0
    };
    let response = &s.response().name;
    let prediction = format!(
        "with the other inputs at the best trial, moving `{}` from {} to {} makes `{response}` {} (the surrogate predicts a change of {}{:.4} ± {:.4}, P = {:.2})",
        p.name,
        idea.from,
        idea.to,
        if rising { "rise" } else { "fall" },
        match s.scale() {
            crate::surrogate::Scale::Log => format!("ln `{response}` by "),
            crate::surrogate::Scale::Linear => String::new(),
        },
        mean,
        2.0 * sd,
        support
    );
    Ok(Hypothesis::new(
        Kind::Monotone,
        vec![p.name.clone()],
        response,
        match (source, idea.rationale.trim()) {
            (_, "") => idea.statement.clone(),
            (Source::Llm { .. }, why) => format!("{} (model's rationale: {why})", idea.statement),
            (_, why) => format!("{} (rationale: {why})", idea.statement),
        },
        Statistic {
            name: "posterior P(claim)".into(),
            value: support,
            sd: 0.0,
            n: s.observations(),
        },
        prediction,
        Experiment::Contrast {
            points,
            weights: vec![-1.0, 1.0],
            predicted_mean: mean,
            predicted_sd: sd,
            claim,
            noise_sd: s.noise_sd(),
            scale: s.scale(),
        },
        source.clone(),
        parents,
    ))
}

/// A hypothesis as the model sees it: its id, statement, prediction and,
/// once tested, its verdict.
fn brief(h: &Hypothesis, verdict: Option<&str>) -> String {
    format!(
        "[{}] {}\n  prediction: {}{}",
        h.id,
        h.statement,
        h.prediction,
        verdict
            .map(|v| format!("\n  tested: {v}"))
            .unwrap_or_default()
    )
}

/// The tournament's judge when a model is configured: it reads both
/// hypotheses (in the tournament's randomised order) with the reflection's
/// scores and critique of each, and the meta-review, and names the better
/// one. Its id — recorded with every match —
/// names the model. When the model's answer is unusable (even after the
/// retry), that match falls back to the statistical judge, and the match
/// log says so.
pub struct LlmJudge<'a> {
    provider: &'a dyn LlmProvider,
    critique: String,
    reviews: Vec<Review>,
    fell_back: std::cell::Cell<bool>,
}

impl<'a> LlmJudge<'a> {
    /// `critique`: the latest meta-review ("" when there is none yet);
    /// `reviews`: the reflection's reviews of the hypotheses it will meet.
    pub fn new(
        provider: &'a dyn LlmProvider,
        critique: &str,
        reviews: Vec<Review>,
    ) -> LlmJudge<'a> {
        LlmJudge {
            provider,
            critique: critique.to_string(),
            reviews,
            fell_back: std::cell::Cell::new(false),
        }
    }

    /// A hypothesis with its review, if it has one.
    fn shown(&self, h: &Hypothesis) -> String {
        match self.reviews.iter().find(|r| r.id == h.id) {
            Some(r) => format!(
                "{}\n  reviewer: plausibility {}/5, novelty {}/5, testability {}/5; {}",
                brief(h, None),
                r.plausibility,
                r.novelty,
                r.testability,
                r.critique
            ),
            None => brief(h, None),
        }
    }

    fn ask(
        &self,
        first: &Hypothesis,
        second: &Hypothesis,
    ) -> Result<crate::tournament::Preference, CosciError> {
        #[derive(Deserialize)]
        struct Choice {
            better: String,
        }

        let user = format!(
            "Two hypotheses about the same experiment campaign.\n\n1: {}\n\n2: {}\n\n\
             A reviewer's critique of the hypotheses so far: {}\n\n\
             Which is the better hypothesis: more plausible given the evidence, more informative, \
             and more likely to survive its falsification experiment? Answer \"1\" or \"2\".",
            self.shown(first),
            self.shown(second),
            if self.critique.is_empty() {
                "none yet"
            } else {
                &self.critique
            },
        );
        let request = ChatRequest {
            messages: vec![
                Message::system("You are a strict scientific referee. You reply with JSON only."),
                Message::user(&user),
            ],
            temperature: 0.0,
            max_tokens: 60,
            seed: Some(0),
            json_schema: Some((
                "choice".into(),
                json!({"type": "object", "additionalProperties": false, "required": ["better"],
                       "properties": {"better": {"type": "string", "enum": ["1", "2"]}}}),
            )),
        };
        let (choice, _, _): (Choice, _, _) = chat_json(self.provider, &request)
            .map_err(|e| CosciError::Input(format!("language model (judge): {e}")))?;
        match choice.better.trim() {
            "1" => Ok(crate::tournament::Preference::First),
            "2" => Ok(crate::tournament::Preference::Second),
            other => Err(CosciError::Input(format!(
                "language model (judge): `{other}` is neither 1 nor 2"
            ))),
        }
    }
}

impl crate::tournament::Judge for LlmJudge<'_> {
    fn id(&self) -> String {
        if self.fell_back.get() {
            format!("statistical/1 (llm:{} unusable)", self.provider.id())
        } else {
            format!("llm:{}", self.provider.id())
        }
    }

    fn judge(
        &self,
        first: &Hypothesis,
        second: &Hypothesis,
    ) -> Result<crate::tournament::Preference, CosciError> {
        match self.ask(first, second) {
            Ok(p) => {
                self.fell_back.set(false);
                Ok(p)
            }
            Err(_) => {
                self.fell_back.set(true);
                crate::tournament::StatisticalJudge.judge(first, second)
            }
        }
    }
}

/// One hypothesis as the reflection agent reviewed it (scores 1–5).
#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
pub struct Review {
    pub id: String,
    pub plausibility: u8,
    pub novelty: u8,
    pub testability: u8,
    pub critique: String,
}

/// Reflection and meta-review in one answer: a review of each hypothesis,
/// and the critique of the set that the next prompts carry.
#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
pub struct Reflection {
    pub reviews: Vec<Review>,
    /// Patterns across the reviews and the verdicts so far: what the next
    /// hypotheses should do differently.
    pub meta_review: String,
}

/// The reflection schema.
pub fn reflection_schema() -> serde_json::Value {
    let score = json!({"type": "integer", "minimum": 1, "maximum": 5});
    json!({
        "type": "object", "additionalProperties": false, "required": ["reviews", "meta_review"],
        "properties": {
            "meta_review": {"type": "string"},
            "reviews": {"type": "array", "items": {
                "type": "object", "additionalProperties": false,
                "required": ["id", "plausibility", "novelty", "testability", "critique"],
                "properties": {"id": {"type": "string"}, "plausibility": score, "novelty": score,
                               "testability": score, "critique": {"type": "string"}}}}}
    })
}

/// What a model's reflection produced, with its provenance.
#[derive(Clone, Debug, PartialEq)]
pub struct Reviewed {
    pub reflection: Reflection,
    pub source: Source,
}

/// The reflection agent: reviews every hypothesis in `open` and writes the
/// meta-review from them and from the verdicts in `tested` (hypothesis,
/// verdict). Reviews of ids not asked about are dropped; scores outside
/// 1–5 are refused by the schema check below.
pub fn reflect(
    provider: &dyn LlmProvider,
    goal: &str,
    open: &[Hypothesis],
    tested: &[(Hypothesis, String)],
) -> Result<Reviewed, CosciError> {
    let user = format!(
        "Campaign goal: {goal}\n\nOpen hypotheses:\n{}\n\nHypotheses already tested:\n{}\n\n\
         Review each open hypothesis (by its id in brackets): plausibility, novelty and testability \
         from 1 to 5, and a one-sentence critique. Then write a meta-review: what the tested \
         hypotheses teach, and what the next hypotheses should do differently.",
        open.iter()
            .map(|h| brief(h, None))
            .collect::<Vec<_>>()
            .join("\n"),
        if tested.is_empty() {
            "none yet".to_string()
        } else {
            tested
                .iter()
                .map(|(h, v)| brief(h, Some(v)))
                .collect::<Vec<_>>()
                .join("\n")
        },
    );
    let request = ChatRequest {
        messages: vec![
            Message::system(
                "You are a critical reviewer of scientific hypotheses. You reply with JSON only.",
            ),
            Message::user(&user),
        ],
        temperature: 0.0,
        max_tokens: 1500,
        seed: Some(0),
        json_schema: Some(("reflection".into(), reflection_schema())),
    };
    let (mut reflection, sent, answer): (Reflection, _, _) = chat_json(provider, &request)
        .map_err(|e| CosciError::Input(format!("language model (reflection): {e}")))?;
    reflection.reviews.retain(|r| {
        open.iter().any(|h| h.id == r.id)
            && [r.plausibility, r.novelty, r.testability]
                .iter()
                .all(|s| (1..=5).contains(s))
    });
    Ok(Reviewed {
        reflection,
        source: Source::Llm {
            model: format!("{} ({})", provider.id(), answer.model),
            prompt_hash: sent.hash(),
            response_hash: answer.hash(),
        },
    })
}

/// The evolution agent: children of the `parents` (the best-rated open or
/// supported hypotheses) — refined, combined or extended ideas, each a new
/// testable claim about one parameter, predicted by the surrogate like any
/// other. Each child records its parent's id.
pub fn evolve(
    provider: &dyn LlmProvider,
    surrogate: &Surrogate,
    goal: &str,
    parents: &[Hypothesis],
    critique: &str,
    max: usize,
) -> Result<(Vec<Hypothesis>, Vec<Refusal>), CosciError> {
    if parents.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut schema = ideas_schema();
    let item = &mut schema["properties"]["hypotheses"]["items"];
    item["required"]
        .as_array_mut()
        .expect("array")
        .push("parent".into());
    item["properties"]["parent"] = json!({"type": "string"});
    let user = format!(
        "Campaign goal: {goal}\nThe best hypotheses so far:\n{}\nCritique of the hypotheses so far: {}\n\n\
         Propose up to {max} new hypotheses, each a child of one of these (give its id in brackets as \
         `parent`): sharpen it, extend it to another range, or combine it with another. Each must be \
         about ONE parameter moved from one value to another (within its range) with the others at the \
         best experiment, and say whether the response will increase or decrease.",
        parents
            .iter()
            .map(|h| brief(h, None))
            .collect::<Vec<_>>()
            .join("\n"),
        if critique.is_empty() {
            "none yet"
        } else {
            critique
        },
    );
    let request = ChatRequest {
        messages: vec![
            Message::system(
                "You are a careful research scientist. You refine hypotheses and reply with JSON only.",
            ),
            Message::user(&user),
        ],
        temperature: 0.2,
        max_tokens: 1200,
        seed: Some(0),
        json_schema: Some(("children".into(), schema)),
    };
    #[derive(Deserialize)]
    struct Child {
        parent: String,
        #[serde(flatten)]
        idea: Idea,
    }
    #[derive(Deserialize)]
    struct Children {
        hypotheses: Vec<Child>,
    }
    let (children, sent, answer): (Children, _, _) = chat_json(provider, &request)
        .map_err(|e| CosciError::Input(format!("language model (evolution): {e}")))?;
    let source = Source::Llm {
        model: format!("{} ({})", provider.id(), answer.model),
        prompt_hash: sent.hash(),
        response_hash: answer.hash(),
    };
    let (mut out, mut refused) = (Vec::new(), Vec::new());
    for child in children.hypotheses.into_iter().take(max) {
        let parent = child.parent.trim_matches(|c| c == '[' || c == ']');
        let result = match parents.iter().find(|p| p.id == parent) {
            None => Err(format!(
                "its parent `{}` is not one of the hypotheses shown",
                child.parent
            )),
            Some(p) => hypothesis_from_idea(surrogate, &child.idea, &source, vec![p.id.clone()]),
        };
        match result {
            Ok(h) => out.push(h),
            Err(message) => refused.push(Refusal::NotResolved {
                parameters: vec![child.idea.parameter.clone()],
                message: format!(
                    "the model's child idea \"{}\": {message}",
                    child.idea.statement
                ),
            }),
        }
    }
    Ok((out, refused))
}
