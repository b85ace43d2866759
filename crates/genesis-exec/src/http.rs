//! Instruments over HTTP: a lab's robot, a measurement service, anything
//! that takes a trial's inputs as JSON and answers with outputs.
//!
//! The contract (docs/twins.md, "Instruments over HTTP"): Genesis POSTs
//! `{"inputs": {...}}` to the URL. The instrument answers
//! - `200` with `{"outputs": {"name": number, ...}}`: done;
//! - `202` with `{"poll": "URL"}` (or a `Location` header): the experiment
//!   runs; Genesis GETs that URL every `poll_s` until it answers `200` with
//!   outputs (`202` again means still running);
//! - `200`/`4xx` with `{"error": "..."}` or any other `4xx`: the trial fails
//!   with that message (no retry: the request itself is wrong);
//! - `5xx` or no answer: retried `retries` times with exponential backoff
//!   (0.5 s, 1 s, 2 s, …), then the trial fails.
//!
//! `timeout_s` bounds the whole trial, polling included.

use crate::subprocess::parse_outputs;
use genesis_core::{Inputs, Outputs, Twin, TwinError, TwinSpec};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// An instrument behind an HTTP endpoint.
pub struct HttpTwin {
    spec: TwinSpec,
    url: String,
    /// `Authorization` header value, read from the environment at start.
    auth: Option<String>,
    timeout: Duration,
    retries: u32,
    poll: Duration,
    agent: ureq::Agent,
}

impl HttpTwin {
    /// The twin for `url`; `auth_env` names the environment variable with
    /// the bearer token (read now; its value is never stored or logged).
    pub fn new(
        url: &str,
        auth_env: Option<&str>,
        timeout_s: f64,
        retries: u32,
        poll_s: f64,
        outputs: Option<&[String]>,
    ) -> Result<Self, String> {
        let auth = match auth_env {
            None => None,
            Some(var) => Some(format!(
                "Bearer {}",
                std::env::var(var).map_err(|_| format!(
                    "the environment variable `{var}` (the instrument's credential, twin.auth_env) is not set"
                ))?
            )),
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs_f64(timeout_s.min(300.0))))
            .build()
            .into();
        Ok(HttpTwin {
            spec: crate::external_spec(
                format!("http:{url}"),
                "http/1".into(),
                format!("instrument at {url} (Genesis HTTP contract)"),
                outputs,
            ),
            url: url.to_string(),
            auth,
            timeout: Duration::from_secs_f64(timeout_s),
            retries,
            poll: Duration::from_secs_f64(poll_s),
            agent,
        })
    }

    /// One request with retries on 5xx and connection errors: the status
    /// and body of the first answer that is not a server error.
    fn request(
        &self,
        method: &str,
        url: &str,
        body: Option<&str>,
        deadline: Instant,
    ) -> Result<(u16, String, Option<String>), TwinError> {
        let mut delay = Duration::from_millis(500);
        let mut last = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                if Instant::now() + delay > deadline {
                    break;
                }
                std::thread::sleep(delay);
                delay *= 2;
            }
            let answer = match (method, body) {
                ("POST", Some(b)) => {
                    let mut r = self
                        .agent
                        .post(url)
                        .header("Content-Type", "application/json");
                    if let Some(a) = &self.auth {
                        r = r.header("Authorization", a);
                    }
                    r.send(b)
                }
                _ => {
                    let mut r = self.agent.get(url);
                    if let Some(a) = &self.auth {
                        r = r.header("Authorization", a);
                    }
                    r.call()
                }
            };
            match answer {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let location = resp
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let text = resp.body_mut().read_to_string().unwrap_or_default();
                    if status >= 500 {
                        last = format!("HTTP {status}: {}", snippet(&text));
                        continue;
                    }
                    return Ok((status, text, location));
                }
                Err(e) => last = format!("no answer: {e}"),
            }
        }
        Err(TwinError::Failed(format!(
            "instrument {url}: {last} (after {} attempt(s))",
            self.retries + 1
        )))
    }
}

fn snippet(text: &str) -> String {
    text.chars()
        .take(300)
        .collect::<String>()
        .trim()
        .to_string()
}

/// A URL from a `poll` field, absolute or relative to the instrument's.
fn resolve(base: &str, poll: &str) -> String {
    if poll.starts_with("http://") || poll.starts_with("https://") {
        return poll.to_string();
    }
    // scheme://host[:port] of the base, then the absolute path.
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    format!("{}/{}", &base[..host_end], poll.trim_start_matches('/'))
}

impl Twin for HttpTwin {
    fn spec(&self) -> &TwinSpec {
        &self.spec
    }

    fn evaluate(&self, inputs: &Inputs) -> Result<Outputs, TwinError> {
        let deadline = Instant::now() + self.timeout;
        let body = json!({ "inputs": inputs }).to_string();
        let (mut status, mut text, mut location) =
            self.request("POST", &self.url, Some(&body), deadline)?;
        let mut poll_url: Option<String> = None;
        loop {
            let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let error = doc.get("error").and_then(Value::as_str);
            match (status, error) {
                (200 | 202, Some(e)) => {
                    return Err(TwinError::Failed(format!("instrument reported: {e}")));
                }
                (200 | 202, None) => {}
                (s, e) => {
                    return Err(TwinError::Failed(format!(
                        "instrument refused the request: HTTP {s}: {}",
                        e.map_or_else(|| snippet(&text), str::to_string)
                    )));
                }
            }
            match status {
                200 => {
                    let Some(outputs) = doc.get("outputs") else {
                        return Err(TwinError::Failed(format!(
                            "instrument answered 200 without `outputs`: {}",
                            snippet(&text)
                        )));
                    };
                    return parse_outputs(&outputs.to_string()).map_err(TwinError::Failed);
                }
                202 => {
                    let next = doc
                        .get("poll")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .or(location.take())
                        .or_else(|| poll_url.clone())
                        .ok_or_else(|| {
                            TwinError::Failed("instrument answered 202 without a `poll` URL".into())
                        })?;
                    let next = resolve(&self.url, &next);
                    if Instant::now() + self.poll > deadline {
                        return Err(TwinError::Timeout(self.timeout.as_secs_f64()));
                    }
                    std::thread::sleep(self.poll);
                    (status, text, location) = self.request("GET", &next, None, deadline)?;
                    poll_url = Some(next);
                }
                _ => unreachable!("other statuses returned above"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn poll_urls_resolve_against_the_instrument() {
        let base = "http://127.0.0.1:8080/api/run";
        assert_eq!(
            super::resolve(base, "/jobs/7"),
            "http://127.0.0.1:8080/jobs/7"
        );
        assert_eq!(
            super::resolve(base, "jobs/7"),
            "http://127.0.0.1:8080/jobs/7"
        );
        assert_eq!(super::resolve(base, "https://x.org/j"), "https://x.org/j");
    }
}
