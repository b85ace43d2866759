//! Language-model providers behind one trait: an OpenAI-compatible
//! `/chat/completions` client (vLLM, llama.cpp's server, Ollama, hosted
//! APIs) and a `Replay` provider for tests. The only I/O of this crate.
//!
//! Configuration (base URL, model, key) is passed in by the caller; nothing
//! here reads the environment. The key is never logged: its `Debug` prints
//! `***`, and errors quote the server's answer, never the request headers.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a chat failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// No answer (connection refused, timeout, TLS).
    #[error("no answer from {url}: {message}")]
    Transport { url: String, message: String },
    /// An HTTP error status (429 rate limit, 5xx server error, 4xx request error).
    #[error("HTTP {status} from {url}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    /// The answer was not the expected JSON, even after the retry.
    #[error("unusable answer: {0}")]
    Malformed(String),
    /// A replay cassette has no answer for this request.
    #[error("no recorded answer for request {0}")]
    NotRecorded(String),
}

/// One chat message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// "system", "user" or "assistant".
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn system(content: &str) -> Message {
        Message {
            role: "system".into(),
            content: content.into(),
        }
    }
    pub fn user(content: &str) -> Message {
        Message {
            role: "user".into(),
            content: content.into(),
        }
    }
}

/// A chat request. `json_schema`, when given, asks the server for output
/// constrained to that schema (`response_format: json_schema`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub temperature: f32,
    pub max_tokens: u32,
    pub seed: Option<u64>,
    /// (schema name, schema).
    pub json_schema: Option<(String, serde_json::Value)>,
}

impl ChatRequest {
    /// blake3 of the canonical JSON of the request (object keys sorted):
    /// the prompt hash recorded in provenance and the replay key.
    pub fn hash(&self) -> String {
        let value = serde_json::to_value(self).expect("requests serialise");
        blake3::hash(canonical(&value).to_string().as_bytes())
            .to_hex()
            .to_string()
    }
}

/// `value` with every object's keys in sorted order.
fn canonical(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let sorted: BTreeMap<&String, serde_json::Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            serde_json::Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(canonical).collect())
        }
        other => other.clone(),
    }
}

/// A chat answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The model that answered, as the server names it.
    pub model: String,
    pub content: String,
}

impl ChatResponse {
    /// blake3 of the answer text, recorded in provenance.
    pub fn hash(&self) -> String {
        blake3::hash(self.content.as_bytes()).to_hex().to_string()
    }
}

/// A language model.
pub trait LlmProvider {
    /// Recorded in provenance, e.g. "openai-compat:http://host/v1:model".
    fn id(&self) -> String;
    fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;
}

/// A secret that never prints.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: String) -> ApiKey {
        ApiKey(key)
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// Client for `POST {base_url}/chat/completions`.
pub struct OpenAiCompat {
    base_url: String,
    model: String,
    api_key: Option<ApiKey>,
    agent: ureq::Agent,
    /// Set once the server refused OpenAI's `response_format: json_schema`
    /// and accepted the older `json_object` + `schema` form (llama.cpp's
    /// Python server, `llama-cpp-python` 0.3): every later request uses it.
    object_schema: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for OpenAiCompat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiCompat")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key)
            .finish()
    }
}

impl OpenAiCompat {
    /// A client; `base_url` ends before `/chat/completions` (e.g.
    /// `http://127.0.0.1:8080/v1`), `timeout` bounds each request.
    pub fn new(
        base_url: &str,
        model: &str,
        api_key: Option<ApiKey>,
        timeout: Duration,
    ) -> OpenAiCompat {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build()
            .into();
        OpenAiCompat {
            base_url: base_url.trim_end_matches('/').to_string(),
            model: model.to_string(),
            api_key,
            agent,
            object_schema: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn body(&self, request: &ChatRequest, object_schema: bool) -> serde_json::Value {
        let mut body = serde_json::json!({
            "model": self.model,
            "messages": request.messages,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        });
        if let Some(seed) = request.seed {
            body["seed"] = seed.into();
        }
        if let Some((name, schema)) = &request.json_schema {
            body["response_format"] = if object_schema {
                serde_json::json!({"type": "json_object", "schema": schema})
            } else {
                serde_json::json!({
                    "type": "json_schema",
                    "json_schema": {"name": name, "schema": schema, "strict": true},
                })
            };
        }
        body
    }

    /// One POST; (status, body text).
    fn post(&self, url: &str, body: &serde_json::Value) -> Result<(u16, String), LlmError> {
        let transport = |e: ureq::Error| LlmError::Transport {
            url: url.to_string(),
            message: e.to_string(),
        };
        let mut call = self
            .agent
            .post(url)
            .header("Content-Type", "application/json");
        if let Some(ApiKey(key)) = &self.api_key {
            call = call.header("Authorization", &format!("Bearer {key}"));
        }
        let mut answer = call.send(body.to_string()).map_err(transport)?;
        let status = answer.status().as_u16();
        let text = answer.body_mut().read_to_string().map_err(transport)?;
        Ok((status, text))
    }
}

#[derive(Deserialize)]
struct Completion {
    model: Option<String>,
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

impl LlmProvider for OpenAiCompat {
    fn id(&self) -> String {
        format!("openai-compat:{}:{}", self.base_url, self.model)
    }

    fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        use std::sync::atomic::Ordering::Relaxed;
        let url = format!("{}/chat/completions", self.base_url);
        let legacy = self.object_schema.load(Relaxed);
        let (mut status, mut text) = self.post(&url, &self.body(request, legacy))?;
        let refused_schema = status != 200
            && request.json_schema.is_some()
            && !legacy
            && text.contains("response_format");
        if refused_schema {
            (status, text) = self.post(&url, &self.body(request, true))?;
            if status == 200 {
                self.object_schema.store(true, Relaxed);
            }
        }
        if status != 200 {
            return Err(LlmError::Status {
                url,
                status,
                body: text.chars().take(300).collect(),
            });
        }
        let completion: Completion = serde_json::from_str(&text).map_err(|e| {
            LlmError::Malformed(format!("not a chat completion ({e}): {}", snippet(&text)))
        })?;
        let choice = completion
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| LlmError::Malformed("a chat completion without choices".into()))?;
        Ok(ChatResponse {
            model: completion.model.unwrap_or_else(|| self.model.clone()),
            content: choice.message.content,
        })
    }
}

fn snippet(text: &str) -> String {
    text.chars().take(200).collect()
}

/// Answers from a recorded cassette: request hash → response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    pub cassette: BTreeMap<String, ChatResponse>,
}

impl Replay {
    /// Records the answer to a request.
    pub fn record(&mut self, request: &ChatRequest, response: ChatResponse) {
        self.cassette.insert(request.hash(), response);
    }
}

impl LlmProvider for Replay {
    fn id(&self) -> String {
        "replay".into()
    }

    fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let key = request.hash();
        self.cassette
            .get(&key)
            .cloned()
            .ok_or(LlmError::NotRecorded(key))
    }
}

/// Asks for JSON of type `T` and validates the answer by parsing it. On a
/// parse failure, asks once more with the error appended to the
/// conversation; a second failure is [`LlmError::Malformed`]. Returns the
/// value, the request that produced it (for its hash) and the raw answer.
pub fn chat_json<T: DeserializeOwned>(
    provider: &dyn LlmProvider,
    request: &ChatRequest,
) -> Result<(T, ChatRequest, ChatResponse), LlmError> {
    let answer = provider.chat(request)?;
    let error = match serde_json::from_str::<T>(&lenient(&answer.content)) {
        Ok(value) => return Ok((value, request.clone(), answer)),
        Err(e) => e,
    };
    let mut retry = request.clone();
    retry.messages.push(Message {
        role: "assistant".into(),
        content: answer.content.clone(),
    });
    retry.messages.push(Message::user(&format!(
        "That answer is not valid JSON of the required shape: {error}. Reply with the JSON object only."
    )));
    let second = provider.chat(&retry)?;
    match serde_json::from_str::<T>(&lenient(&second.content)) {
        Ok(value) => Ok((value, retry, second)),
        Err(e) => Err(LlmError::Malformed(format!(
            "{e} in {}",
            snippet(&second.content)
        ))),
    }
}

/// What small models get wrong about JSON that changes no meaning: Markdown
/// fences around it, and raw line breaks or tabs inside strings (JSON
/// whitespace between tokens may be any of them, so replacing every control
/// character by a space keeps the structure and only touches strings).
fn lenient(text: &str) -> String {
    strip_fences(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Small models wrap JSON in Markdown fences even when told not to.
fn strip_fences(text: &str) -> &str {
    let t = text.trim();
    let t = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .unwrap_or(t);
    t.strip_suffix("```").unwrap_or(t).trim()
}
