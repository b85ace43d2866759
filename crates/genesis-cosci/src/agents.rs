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
        match hypothesis_from_idea(surrogate, &idea, &source) {
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
        Vec::new(),
    ))
}
