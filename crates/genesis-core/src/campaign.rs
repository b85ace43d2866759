//! Campaign files: parsing and validation of the TOML a scientist writes.
//!
//! Parsing is two-staged. Serde reads the file into `Raw*` structs that keep
//! the byte span of every field (so errors can name line and column), then
//! [`parse`] checks meaning (bounds, goals, counts) and builds the clean
//! [`CampaignSpec`] the rest of Genesis uses. Checks that need to know the
//! twin (does it take this input, produce this output) run later through
//! [`ParsedCampaign::error_at`], using the spans recorded here.

use crate::diag::Diagnostic;
use crate::space::{Domain, Parameter, SearchSpace};
use crate::twin::TwinSpec;
use crate::value::{Inputs, Value};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// Errors in campaign files are diagnostics pointing into the file.
pub type CampaignError = Diagnostic;

/// Whether an objective is to be made small or large.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Goal {
    Minimize,
    Maximize,
}

/// An output of the twin the campaign optimises.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    pub name: String,
    pub goal: Goal,
    /// Reference value for the hypervolume of a Pareto front (several
    /// objectives): the worst value still worth anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<f64>,
}

/// An outcome constraint: a trial is feasible only if `min <= output <= max`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    pub output: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// Which twin evaluates the trials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TwinRef {
    /// A twin compiled into Genesis, e.g. `bench.branin`.
    Builtin {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_s: Option<f64>,
    },
    /// An external program speaking the JSON stdin/stdout protocol.
    Command {
        command: Vec<String>,
        timeout_s: f64,
        /// Outputs the program promises; lets Genesis check objectives early.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outputs: Option<Vec<String>>,
    },
    /// An instrument or service behind HTTP (see docs/twins.md, "Instruments
    /// over HTTP"): the inputs are POSTed as JSON to `url`.
    Http {
        url: String,
        /// Name of the environment variable holding the credential, sent as
        /// `Authorization: Bearer …` (the secret itself is never stored).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        auth_env: Option<String>,
        timeout_s: f64,
        /// Retries after a 5xx answer or a connection error.
        retries: u32,
        /// Seconds between polls of a long experiment's job resource.
        poll_s: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outputs: Option<Vec<String>>,
    },
}

impl TwinRef {
    /// Per-trial time limit, if any.
    pub fn timeout_s(&self) -> Option<f64> {
        match self {
            TwinRef::Builtin { timeout_s, .. } => *timeout_s,
            TwinRef::Command { timeout_s, .. } | TwinRef::Http { timeout_s, .. } => {
                Some(*timeout_s)
            }
        }
    }
}

/// Default per-trial time limit of external programs, in seconds.
pub const DEFAULT_COMMAND_TIMEOUT_S: f64 = 600.0;

/// Default planner: Bayesian optimisation.
pub const DEFAULT_PLANNER: &str = "bo";
/// Default executor: threads of this process.
pub const DEFAULT_EXECUTOR: &str = "local";

fn default_executor() -> String {
    DEFAULT_EXECUTOR.to_string()
}

/// A validated campaign: everything the engine needs to run it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub twin: TwinRef,
    /// Finished trials (completed or failed) the campaign runs in total.
    pub budget: u64,
    /// Suggestions asked of the planner at once.
    pub batch: u64,
    /// Trials run at the same time.
    pub workers: u64,
    pub seed: u64,
    pub planner: String,
    /// Settings from a `[planner]` table, passed to the planner as they are.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub planner_settings: serde_json::Map<String, serde_json::Value>,
    /// Where trials run: `local` or `slurm` (the `kind` of `[executor]`).
    #[serde(default = "default_executor")]
    pub executor: String,
    /// The other keys of `[executor]`, checked by the executor.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub executor_settings: serde_json::Map<String, serde_json::Value>,
    pub space: SearchSpace,
    /// Inputs passed unchanged to every evaluation.
    pub fixed: Inputs,
    pub objectives: Vec<Objective>,
    pub constraints: Vec<Constraint>,
    /// Run the co-scientist (`genesis hypotheses`) every this many
    /// finished trials while `genesis run` runs the campaign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hypotheses_every: Option<u64>,
    /// A language model the co-scientist consults (`[llm]`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm: Option<LlmConfig>,
}

/// Where the co-scientist's language model is (`[llm]` in a campaign file).
/// The key is never here: the file is stored with the campaign, so it names
/// the environment variable that holds the key instead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlmConfig {
    /// Base of an OpenAI-compatible API, e.g. `http://127.0.0.1:8080/v1`.
    pub url: String,
    pub model: String,
    /// The environment variable holding the key (default `GENESIS_LLM_API_KEY`).
    pub api_key_env: String,
    /// A file of notes or abstracts for the model, relative to the campaign file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The variable an `[llm]` key is read from unless `api_key_env` says otherwise.
pub const DEFAULT_LLM_KEY_ENV: &str = "GENESIS_LLM_API_KEY";

impl CampaignSpec {
    /// Every input of one trial: the planner's choice followed by the fixed inputs.
    pub fn full_inputs(&self, chosen: &Inputs) -> Inputs {
        let mut all = chosen.clone();
        for (k, v) in &self.fixed {
            all.insert(k.clone(), v.clone());
        }
        all
    }
}

/// A campaign with its source kept, so later checks can still point into it.
#[derive(Clone, Debug)]
pub struct ParsedCampaign {
    pub spec: CampaignSpec,
    pub source: String,
    pub origin: String,
    spans: BTreeMap<String, Range<usize>>,
}

impl ParsedCampaign {
    /// A diagnostic at the field `path` (e.g. `objectives.f`), or about the
    /// whole file if the field has no recorded place.
    pub fn error_at(&self, path: &str, message: impl Into<String>) -> CampaignError {
        match self.spans.get(path) {
            Some(span) => Diagnostic::at(
                &self.source,
                &self.origin,
                span.clone(),
                Some(path),
                message,
            ),
            None => Diagnostic::whole(&self.origin, Some(path), message),
        }
    }

    /// Checks the campaign against what its twin declares: parameters and
    /// fixed inputs must be inputs of the twin, required inputs must be
    /// given, objectives and constraints must be outputs of the twin.
    pub fn check_against(&self, twin: &TwinSpec) -> Result<(), CampaignError> {
        let spec = &self.spec;
        let inputs_list = || {
            twin.inputs
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !twin.open_inputs {
            let given = spec
                .space
                .parameters
                .iter()
                .map(|p| ("parameters", p.name.as_str()))
                .chain(spec.fixed.keys().map(|k| ("fixed", k.as_str())));
            for (table, name) in given {
                if twin.input(name).is_none() {
                    return Err(self
                        .error_at(
                            &format!("{table}.{name}"),
                            format!("twin `{}` has no input `{name}`", twin.name),
                        )
                        .with_hint(format!("its inputs are: {}", inputs_list())));
                }
            }
            for input in &twin.inputs {
                let given = spec.fixed.contains_key(&input.name)
                    || spec.space.parameters.iter().any(|p| p.name == input.name);
                if !given && input.default.is_none() {
                    return Err(Diagnostic::whole(
                        &self.origin,
                        Some("parameters"),
                        format!(
                            "twin `{}` needs input `{}`, which is neither a parameter nor fixed",
                            twin.name, input.name
                        ),
                    )
                    .with_hint(format!(
                        "add [parameters.{0}] to search it, or `{0} = ...` under [fixed]",
                        input.name
                    )));
                }
            }
        }
        let outputs = twin
            .outputs
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let wanted = spec
            .objectives
            .iter()
            .map(|o| ("objectives", &o.name))
            .chain(spec.constraints.iter().map(|c| ("constraints", &c.output)));
        for (table, name) in wanted {
            if !twin.produces(name) {
                return Err(self
                    .error_at(
                        &format!("{table}.{name}"),
                        format!("twin `{}` does not produce an output `{name}`", twin.name),
                    )
                    .with_hint(format!("its outputs are: {outputs}")));
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    twin: Spanned<toml::Value>,
    budget: Spanned<i64>,
    batch: Option<Spanned<i64>>,
    workers: Option<Spanned<i64>>,
    seed: Option<Spanned<i64>>,
    planner: Option<Spanned<toml::Value>>,
    executor: Option<Spanned<toml::Value>>,
    parameters: Spanned<IndexMap<String, Spanned<RawParameter>>>,
    #[serde(default)]
    fixed: IndexMap<String, Spanned<toml::Value>>,
    objectives: Spanned<IndexMap<String, Spanned<RawObjective>>>,
    #[serde(default)]
    constraints: IndexMap<String, Spanned<RawConstraint>>,
    hypotheses_every: Option<Spanned<i64>>,
    llm: Option<Spanned<RawLlm>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLlm {
    url: Spanned<String>,
    model: Spanned<String>,
    api_key_env: Option<Spanned<String>>,
    notes: Option<String>,
    /// Refused with a reason (a key does not belong in a stored file).
    api_key: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    #[serde(rename = "type")]
    kind: Spanned<String>,
    low: Option<Spanned<f64>>,
    high: Option<Spanned<f64>>,
    #[serde(default)]
    log: bool,
    values: Option<Spanned<Vec<toml::Value>>>,
    unit: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObjective {
    goal: Option<Spanned<String>>,
    reference: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConstraint {
    min: Option<f64>,
    max: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTwinTable {
    name: Option<String>,
    command: Option<Vec<String>>,
    url: Option<String>,
    auth_env: Option<String>,
    retries: Option<u32>,
    poll_s: Option<f64>,
    timeout_s: Option<f64>,
    outputs: Option<Vec<String>>,
}

/// Collects spans and builds diagnostics while validating one file.
fn parse_llm(ck: &Checker<'_>, raw: &RawLlm) -> Result<LlmConfig, CampaignError> {
    if let Some(key) = &raw.api_key {
        // Quote the line, not the secret.
        let span = key.span();
        let mut masked = ck.source.to_string();
        masked.replace_range(span.clone(), &"*".repeat(span.len()));
        return Err(Diagnostic::at(
            &masked,
            ck.origin,
            span,
            Some("llm.api_key"),
            "a key must not be written in the campaign file (the file is stored with the campaign); \
             put it in an environment variable and name that with `api_key_env`",
        ));
    }
    let url = raw.url.get_ref().trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ck.err(
            raw.url.span(),
            "llm.url",
            format!("`{url}` is not an http:// or https:// address"),
        ));
    }
    let model = raw.model.get_ref().trim();
    if model.is_empty() {
        return Err(ck.err(raw.model.span(), "llm.model", "must not be empty"));
    }
    let api_key_env = match &raw.api_key_env {
        None => DEFAULT_LLM_KEY_ENV.to_string(),
        Some(v) => {
            let name = v.get_ref().trim();
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                return Err(ck.err(
                    v.span(),
                    "llm.api_key_env",
                    format!("`{name}` is not an environment variable name"),
                ));
            }
            name.to_string()
        }
    };
    Ok(LlmConfig {
        url: url.to_string(),
        model: model.to_string(),
        api_key_env,
        notes: raw.notes.clone(),
    })
}

struct Checker<'a> {
    source: &'a str,
    origin: &'a str,
    spans: BTreeMap<String, Range<usize>>,
}

impl Checker<'_> {
    fn err(&self, span: Range<usize>, field: &str, msg: impl Into<String>) -> CampaignError {
        Diagnostic::at(self.source, self.origin, span, Some(field), msg)
    }

    /// A count (budget, batch, workers) that must be at least 1.
    fn count(
        &self,
        v: Option<&Spanned<i64>>,
        field: &str,
        default: u64,
    ) -> Result<u64, CampaignError> {
        match v {
            None => Ok(default),
            Some(s) if *s.get_ref() >= 1 => Ok(*s.get_ref() as u64),
            Some(s) => Err(self.err(
                s.span(),
                field,
                format!("must be at least 1, got {}", s.get_ref()),
            )),
        }
    }
}

/// Parses and validates a campaign file. `origin` names the file in errors.
pub fn parse(source: &str, origin: &str) -> Result<ParsedCampaign, CampaignError> {
    let raw: RawCampaign = toml::from_str(source).map_err(|e| {
        let message = plain_types(e.message().trim());
        match e.span() {
            Some(span) => {
                let field = field_at(source, span.start);
                Diagnostic::at(source, origin, span, field.as_deref(), message)
            }
            None => Diagnostic::whole(origin, None, message),
        }
    })?;
    let mut ck = Checker {
        source,
        origin,
        spans: BTreeMap::new(),
    };

    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(ck.err(raw.name.span(), "name", "must not be empty"));
    }

    ck.spans.insert("twin".into(), raw.twin.span());
    let twin = parse_twin(&ck, &raw.twin)?;

    let budget = ck.count(Some(&raw.budget), "budget", 1)?;
    let workers = ck.count(raw.workers.as_ref(), "workers", 1)?;
    let hypotheses_every = raw
        .hypotheses_every
        .as_ref()
        .map(|v| ck.count(Some(v), "hypotheses_every", 1))
        .transpose()?;
    let llm = raw
        .llm
        .as_ref()
        .map(|l| parse_llm(&ck, l.get_ref()))
        .transpose()?;
    let batch = ck.count(raw.batch.as_ref(), "batch", workers)?;
    let seed = match &raw.seed {
        None => 0,
        Some(s) if *s.get_ref() >= 0 => *s.get_ref() as u64,
        Some(s) => return Err(ck.err(s.span(), "seed", "must not be negative")),
    };
    let (planner, planner_settings) = match &raw.planner {
        None => (DEFAULT_PLANNER.to_string(), serde_json::Map::new()),
        Some(p) => {
            ck.spans.insert("planner".into(), p.span());
            parse_planner(&ck, p)?
        }
    };

    let (executor, executor_settings) = match &raw.executor {
        None => (DEFAULT_EXECUTOR.to_string(), serde_json::Map::new()),
        Some(e) => {
            ck.spans.insert("executor".into(), e.span());
            parse_executor(&ck, e)?
        }
    };

    if raw.parameters.get_ref().is_empty() {
        return Err(ck.err(
            raw.parameters.span(),
            "parameters",
            "at least one parameter is needed",
        ));
    }
    let mut parameters = Vec::new();
    for (pname, p) in raw.parameters.get_ref() {
        let path = format!("parameters.{pname}");
        ck.spans.insert(path.clone(), p.span());
        parameters.push(parse_parameter(&ck, &path, pname, p.get_ref())?);
    }

    let mut fixed = Inputs::new();
    for (fname, v) in &raw.fixed {
        let path = format!("fixed.{fname}");
        ck.spans.insert(path.clone(), v.span());
        if raw.parameters.get_ref().contains_key(fname) {
            return Err(ck.err(
                v.span(),
                &path,
                format!("`{fname}` is also a parameter; it cannot be both searched and fixed"),
            ));
        }
        let value = Value::from_toml(v.get_ref())
            .ok_or_else(|| ck.err(v.span(), &path, "must be a number, a boolean or a string"))?;
        fixed.insert(fname.clone(), value);
    }

    if raw.objectives.get_ref().is_empty() {
        return Err(ck
            .err(
                raw.objectives.span(),
                "objectives",
                "at least one objective is needed",
            )
            .with_hint("add e.g. [objectives.f] with goal = \"minimize\""));
    }
    let mut objectives = Vec::new();
    for (oname, o) in raw.objectives.get_ref() {
        let path = format!("objectives.{oname}");
        ck.spans.insert(path.clone(), o.span());
        let goal = match &o.get_ref().goal {
            None => Goal::Minimize,
            Some(g) => match g.get_ref().as_str() {
                "minimize" | "min" => Goal::Minimize,
                "maximize" | "max" => Goal::Maximize,
                other => {
                    return Err(ck.err(
                        g.span(),
                        &format!("{path}.goal"),
                        format!("unknown goal `{other}`; expected \"minimize\" or \"maximize\""),
                    ));
                }
            },
        };
        objectives.push(Objective {
            name: oname.clone(),
            goal,
            reference: o.get_ref().reference,
        });
    }

    let mut constraints = Vec::new();
    for (cname, c) in &raw.constraints {
        let path = format!("constraints.{cname}");
        ck.spans.insert(path.clone(), c.span());
        let RawConstraint { min, max } = *c.get_ref();
        if min.is_none() && max.is_none() {
            return Err(ck.err(c.span(), &path, "give `min`, `max` or both"));
        }
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            return Err(ck.err(c.span(), &path, format!("min ({lo}) is above max ({hi})")));
        }
        constraints.push(Constraint {
            output: cname.clone(),
            min,
            max,
        });
    }

    let spec = CampaignSpec {
        name,
        description: raw.description,
        twin,
        budget,
        batch,
        workers,
        seed,
        planner,
        planner_settings,
        executor,
        executor_settings,
        space: SearchSpace { parameters },
        fixed,
        objectives,
        constraints,
        hypotheses_every,
        llm,
    };
    Ok(ParsedCampaign {
        spec,
        source: source.to_string(),
        origin: origin.to_string(),
        spans: ck.spans,
    })
}

/// Serde names Rust types in its messages; scientists read TOML types.
fn plain_types(message: &str) -> String {
    message
        .replace("expected i64", "expected an integer")
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected an array")
        .replace("expected a map", "expected a table")
}

/// The dotted field a byte offset falls in, read from the text itself: the
/// key on its line, under the nearest `[table]` header above. Used for
/// serde errors, which carry a span but no field path.
fn field_at(source: &str, offset: usize) -> Option<String> {
    let line_start = source[..offset.min(source.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = source[line_start..].lines().next().unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"'))?;
    if key.is_empty() || key.starts_with('[') {
        return None;
    }
    let table = source[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
}

/// `planner = "name"`, or a `[planner]` table with `name` and settings.
fn parse_planner(
    ck: &Checker,
    raw: &Spanned<toml::Value>,
) -> Result<(String, serde_json::Map<String, serde_json::Value>), CampaignError> {
    match raw.get_ref() {
        toml::Value::String(name) => Ok((name.clone(), serde_json::Map::new())),
        toml::Value::Table(t) => {
            let mut settings = match serde_json::to_value(t) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return Err(ck.err(raw.span(), "planner", "settings must be plain values")),
            };
            match settings.remove("name") {
                Some(serde_json::Value::String(name)) => Ok((name, settings)),
                _ => Err(ck
                    .err(
                        raw.span(),
                        "planner.name",
                        "a [planner] table needs `name = \"...\"`",
                    )
                    .with_hint("e.g. [planner] name = \"bo\", initial = 10")),
            }
        }
        _ => Err(ck.err(
            raw.span(),
            "planner",
            "must be a planner name or a [planner] table",
        )),
    }
}

fn parse_executor(
    ck: &Checker,
    raw: &Spanned<toml::Value>,
) -> Result<(String, serde_json::Map<String, serde_json::Value>), CampaignError> {
    let toml::Value::Table(t) = raw.get_ref() else {
        return Err(ck
            .err(raw.span(), "executor", "must be an [executor] table")
            .with_hint("e.g. [executor] kind = \"slurm\", partition = \"debug\""));
    };
    let mut settings = match serde_json::to_value(t) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => return Err(ck.err(raw.span(), "executor", "settings must be plain values")),
    };
    match settings.remove("kind") {
        None => Ok((DEFAULT_EXECUTOR.to_string(), settings)),
        Some(serde_json::Value::String(kind)) if kind == "local" || kind == "slurm" => {
            Ok((kind, settings))
        }
        Some(other) => Err(ck
            .err(
                raw.span(),
                "executor.kind",
                format!("unknown executor kind {other}"),
            )
            .with_hint("kinds are: \"local\" (the default), \"slurm\"")),
    }
}

fn parse_twin(ck: &Checker, raw: &Spanned<toml::Value>) -> Result<TwinRef, CampaignError> {
    let span = raw.span();
    let table: RawTwinTable = match raw.get_ref() {
        toml::Value::String(name) => {
            return Ok(TwinRef::Builtin {
                name: name.clone(),
                timeout_s: None,
            });
        }
        toml::Value::Table(t) => t
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| ck.err(span.clone(), "twin", e.message().trim()))?,
        _ => {
            return Err(ck.err(span, "twin", "must be a twin name or a [twin] table")
                .with_hint("e.g. twin = \"bench.branin\", or [twin] with command = [\"python3\", \"sim.py\"]"));
        }
    };
    let timeout_s = match table.timeout_s {
        Some(t) if !(t > 0.0 && t.is_finite()) => {
            return Err(ck.err(
                span,
                "twin.timeout_s",
                format!("must be a positive number of seconds, got {t}"),
            ));
        }
        t => t,
    };
    if let Some(url) = table.url {
        if table.name.is_some() || table.command.is_some() {
            return Err(ck.err(span, "twin", "give one of `name`, `command` or `url`"));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ck.err(
                span,
                "twin.url",
                format!("`{url}` is not an http:// or https:// URL"),
            ));
        }
        let poll_s = table.poll_s.unwrap_or(1.0);
        if !(poll_s > 0.0 && poll_s.is_finite()) {
            return Err(ck.err(span, "twin.poll_s", "must be a positive number of seconds"));
        }
        return Ok(TwinRef::Http {
            url,
            auth_env: table.auth_env,
            timeout_s: timeout_s.unwrap_or(DEFAULT_COMMAND_TIMEOUT_S),
            retries: table.retries.unwrap_or(3),
            poll_s,
            outputs: table.outputs,
        });
    }
    if table.auth_env.is_some() || table.retries.is_some() || table.poll_s.is_some() {
        return Err(ck.err(
            span,
            "twin",
            "`auth_env`, `retries` and `poll_s` apply to `url` twins only",
        ));
    }
    match (table.name, table.command) {
        (Some(name), None) => {
            if table.outputs.is_some() {
                return Err(ck.err(
                    span,
                    "twin.outputs",
                    "built-in twins declare their own outputs",
                ));
            }
            Ok(TwinRef::Builtin { name, timeout_s })
        }
        (None, Some(command)) => {
            if command.is_empty() || command[0].trim().is_empty() {
                return Err(ck.err(span, "twin.command", "must name a program"));
            }
            Ok(TwinRef::Command {
                command,
                timeout_s: timeout_s.unwrap_or(DEFAULT_COMMAND_TIMEOUT_S),
                outputs: table.outputs,
            })
        }
        (Some(_), Some(_)) => {
            Err(ck.err(span, "twin", "give either `name` or `command`, not both"))
        }
        (None, None) => Err(ck.err(
            span,
            "twin",
            "a [twin] table needs `command`, `url` (an instrument over HTTP) or `name` (a built-in)",
        )),
    }
}

fn parse_parameter(
    ck: &Checker,
    path: &str,
    name: &str,
    p: &RawParameter,
) -> Result<Parameter, CampaignError> {
    let field = |f: &str| format!("{path}.{f}");
    let kind = p.kind.get_ref().as_str();
    let bounds = || -> Result<(f64, f64), CampaignError> {
        let low = p.low.as_ref().ok_or_else(|| {
            ck.err(
                p.kind.span(),
                &field("low"),
                format!("a {kind} parameter needs `low`"),
            )
        })?;
        let high = p.high.as_ref().ok_or_else(|| {
            ck.err(
                p.kind.span(),
                &field("high"),
                format!("a {kind} parameter needs `high`"),
            )
        })?;
        for (b, f) in [(low, "low"), (high, "high")] {
            if !b.get_ref().is_finite() {
                return Err(ck.err(b.span(), &field(f), "must be a finite number"));
            }
        }
        let (lo, hi) = (*low.get_ref(), *high.get_ref());
        if lo >= hi {
            return Err(ck.err(
                low.span(),
                &field("low"),
                format!("low ({lo}) must be less than high ({hi})"),
            ));
        }
        Ok((lo, hi))
    };
    let no_values = || match &p.values {
        Some(v) => Err(ck.err(
            v.span(),
            &field("values"),
            format!("`values` is only for categorical parameters, not {kind}"),
        )),
        None => Ok(()),
    };
    let domain = match kind {
        "float" => {
            no_values()?;
            let (low, high) = bounds()?;
            if p.log && low <= 0.0 {
                return Err(ck.err(
                    p.low.as_ref().expect("checked").span(),
                    &field("low"),
                    format!("a log-scale parameter needs low > 0, got {low}"),
                ));
            }
            Domain::Float {
                low,
                high,
                log: p.log,
            }
        }
        "int" => {
            no_values()?;
            let (low, high) = bounds()?;
            for (v, f) in [(low, "low"), (high, "high")] {
                if v.fract() != 0.0 {
                    let s = if f == "low" { &p.low } else { &p.high };
                    return Err(ck.err(
                        s.as_ref().expect("checked").span(),
                        &field(f),
                        format!("an int parameter needs whole-number bounds, got {v}"),
                    ));
                }
            }
            if p.log && low < 1.0 {
                return Err(ck.err(
                    p.low.as_ref().expect("checked").span(),
                    &field("low"),
                    format!("a log-scale int parameter needs low >= 1, got {low}"),
                ));
            }
            Domain::Int {
                low: low as i64,
                high: high as i64,
                log: p.log,
            }
        }
        "categorical" => {
            if let Some(b) = p.low.as_ref().or(p.high.as_ref()) {
                return Err(ck.err(
                    b.span(),
                    path,
                    "a categorical parameter takes `values`, not `low`/`high`",
                ));
            }
            let values = p.values.as_ref().ok_or_else(|| {
                ck.err(
                    p.kind.span(),
                    &field("values"),
                    "a categorical parameter needs `values = [...]`",
                )
            })?;
            let mut out: Vec<Value> = Vec::new();
            for v in values.get_ref() {
                let value = Value::from_toml(v).ok_or_else(|| {
                    ck.err(
                        values.span(),
                        &field("values"),
                        "values must be numbers, booleans or strings",
                    )
                })?;
                if out.contains(&value) {
                    return Err(ck.err(
                        values.span(),
                        &field("values"),
                        format!("value `{value}` is listed twice"),
                    ));
                }
                out.push(value);
            }
            if out.len() < 2 {
                return Err(ck.err(
                    values.span(),
                    &field("values"),
                    "needs at least two values to choose from",
                ));
            }
            Domain::Categorical { values: out }
        }
        other => {
            return Err(ck
                .err(
                    p.kind.span(),
                    &field("type"),
                    format!("unknown parameter type `{other}`"),
                )
                .with_hint("use \"float\", \"int\" or \"categorical\""));
        }
    };
    Ok(Parameter {
        name: name.to_string(),
        domain,
        unit: p.unit.clone(),
        description: p.description.clone(),
    })
}
