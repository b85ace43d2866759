//! The OpenAI-compatible client against a real HTTP server started here,
//! serving canned answers (no network).

use genesis_cosci::llm::{
    ApiKey, ChatRequest, ChatResponse, LlmError, LlmProvider, Message, OpenAiCompat, Replay,
    chat_json,
};
use serde::Deserialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Serves `answers` (status, body) in order, one per connection; records
/// each request (headers and body). A status of 0 means: read, never answer.
fn server(answers: Vec<(u16, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (status, body) in answers {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                head.push_str(&line);
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let mut request_body = vec![0; length];
            reader.read_exact(&mut request_body).unwrap();
            log.lock()
                .unwrap()
                .push(head + &String::from_utf8(request_body).unwrap());
            if status == 0 {
                std::thread::sleep(Duration::from_secs(2));
                continue;
            }
            let mut stream = stream;
            write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (url, seen)
}

fn completion(content: &str) -> String {
    serde_json::json!({"model": "tiny-1", "choices": [{"message": {"role": "assistant", "content": content}}]}).to_string()
}

#[derive(Deserialize, Debug, PartialEq)]
struct Idea {
    statement: String,
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![
            Message::system("You propose hypotheses."),
            Message::user("Why does Q rise?"),
        ],
        temperature: 0.0,
        max_tokens: 100,
        seed: Some(1),
        json_schema: Some((
            "idea".into(),
            serde_json::json!({"type": "object", "properties": {"statement": {"type": "string"}}, "required": ["statement"]}),
        )),
    }
}

fn client(url: &str) -> OpenAiCompat {
    OpenAiCompat::new(
        url,
        "tiny",
        Some(ApiKey::new("sk-secret".into())),
        Duration::from_millis(800),
    )
}

#[test]
fn a_good_answer_is_parsed_and_the_request_is_well_formed() {
    let (url, seen) = server(vec![(200, completion(r#"{"statement": "B0 raises Q"}"#))]);
    let (idea, _, answer): (Idea, _, _) = chat_json(&client(&url), &request()).unwrap();
    assert_eq!(idea.statement, "B0 raises Q");
    assert_eq!(answer.model, "tiny-1");
    let sent = &seen.lock().unwrap()[0];
    assert!(sent.starts_with("POST /v1/chat/completions"));
    assert!(sent.contains("Bearer sk-secret"));
    let body: serde_json::Value =
        serde_json::from_str(sent.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["model"], "tiny");
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(
        body["response_format"]["json_schema"]["schema"]["required"][0],
        "statement"
    );
}

#[test]
fn a_server_without_json_schema_gets_the_json_object_form() {
    // llama-cpp-python 0.3.36's server answers OpenAI's `json_schema` with
    // this 500 (recorded from a real run); it takes `json_object` + `schema`.
    let refusal = r#"{"error":{"message":"1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}","type":"internal_server_error"}}"#;
    let (url, seen) = server(vec![
        (500, refusal.to_string()),
        (200, completion(r#"{"statement": "B0 raises Q"}"#)),
        (200, completion(r#"{"statement": "again"}"#)),
    ]);
    let provider = client(&url);
    let (idea, _, _): (Idea, _, _) = chat_json(&provider, &request()).unwrap();
    assert_eq!(idea.statement, "B0 raises Q");
    let (again, _, _): (Idea, _, _) = chat_json(&provider, &request()).unwrap();
    assert_eq!(again.statement, "again");
    let formats: Vec<serde_json::Value> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|sent| {
            let body: serde_json::Value =
                serde_json::from_str(sent.split("\r\n\r\n").nth(1).unwrap()).unwrap();
            body["response_format"].clone()
        })
        .collect();
    assert_eq!(formats[0]["type"], "json_schema");
    assert_eq!(formats[1]["type"], "json_object");
    assert_eq!(formats[1]["schema"]["required"][0], "statement");
    // Remembered: the next request goes straight to the form that works.
    assert_eq!(formats[2]["type"], "json_object");
}

#[test]
fn a_malformed_answer_is_retried_once_with_the_error() {
    let (url, seen) = server(vec![
        (200, completion("Sure! Here is the idea: B0")),
        (
            200,
            completion("```json\n{\"statement\": \"B0 raises Q\"}\n```"),
        ),
    ]);
    let (idea, retry, _): (Idea, _, _) = chat_json(&client(&url), &request()).unwrap();
    assert_eq!(idea.statement, "B0 raises Q");
    assert_eq!(retry.messages.len(), 4);
    assert!(seen.lock().unwrap()[1].contains("not valid JSON"));
    // Twice malformed: an error, not a guess.
    let (url, _) = server(vec![(200, completion("no")), (200, completion("still no"))]);
    let got: Result<(Idea, _, _), _> = chat_json(&client(&url), &request());
    assert!(matches!(got, Err(LlmError::Malformed(_))), "{got:?}");
    // Not even a chat completion.
    let (url, _) = server(vec![(200, "<html>".into())]);
    assert!(matches!(
        client(&url).chat(&request()),
        Err(LlmError::Malformed(_))
    ));
}

#[test]
fn http_errors_and_timeouts_are_errors_without_the_key() {
    for status in [500, 429] {
        let (url, _) = server(vec![(status, r#"{"error": "busy"}"#.into())]);
        let err = client(&url).chat(&request()).unwrap_err();
        assert!(
            matches!(err, LlmError::Status { status: s, .. } if s == status),
            "{err:?}"
        );
        assert!(!err.to_string().contains("sk-secret"));
    }
    let (url, _) = server(vec![(0, String::new())]);
    let err = client(&url).chat(&request()).unwrap_err();
    assert!(matches!(err, LlmError::Transport { .. }), "{err:?}");
    assert!(!format!("{:?}", client(&url)).contains("sk-secret"));
}

#[test]
fn replay_answers_recorded_requests_only() {
    let mut replay = Replay::default();
    let answer = ChatResponse {
        model: "m".into(),
        content: r#"{"statement": "x"}"#.into(),
    };
    replay.record(&request(), answer.clone());
    assert_eq!(replay.chat(&request()).unwrap(), answer);
    let mut other = request();
    other.temperature = 0.5;
    assert!(matches!(replay.chat(&other), Err(LlmError::NotRecorded(_))));
    // The hash ignores key order inside the schema.
    let mut reordered = request();
    reordered.json_schema = Some((
        "idea".into(),
        serde_json::json!({"required": ["statement"], "properties": {"statement": {"type": "string"}}, "type": "object"}),
    ));
    assert_eq!(reordered.hash(), request().hash());
}

#[test]
fn line_breaks_inside_strings_and_fences_are_forgiven() {
    // SmolLM2-135M under llama.cpp's grammar wrote a raw line break inside a
    // string (recorded); JSON forbids it, but it changes no meaning.
    let mut replay = Replay::default();
    replay.record(
        &request(),
        ChatResponse {
            model: "m".into(),
            content: "```json\n{\"statement\": \"B0\n\traises Q\"}\n```".into(),
        },
    );
    let (idea, _, _): (Idea, _, _) = chat_json(&replay, &request()).unwrap();
    assert_eq!(idea.statement, "B0  raises Q");
}
