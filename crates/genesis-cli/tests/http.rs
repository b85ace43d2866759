//! Instruments over HTTP: a campaign against a mock instrument (a Python
//! `http.server` in tests/instrument/) that needs a token, answers some
//! requests with 5xx, runs long experiments behind a polling URL, jams on
//! some inputs and adds measurement noise.

mod common;
use common::Genesis;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Instrument {
    child: Child,
    port: u16,
}

impl Instrument {
    fn start(token: &str) -> Instrument {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/instrument/mock_instrument.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(token)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the mock instrument");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .expect("PORT line")
            .parse()
            .unwrap();
        Instrument { child, port }
    }

    fn stats(&self) -> serde_json::Value {
        let out = Command::new("python3")
            .args([
                "-c",
                &format!("import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:{}/stats').read().decode())", self.port),
            ])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Instrument {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn campaign(g: &Genesis, port: u16) -> std::path::PathBuf {
    g.file(
        "lab.toml",
        &format!(
            r#"
name = "lab"
budget = 14
batch = 3
workers = 3
seed = 4
planner = "sobol"
[twin]
url = "http://127.0.0.1:{port}/api/run"
auth_env = "LAB_TOKEN"
timeout_s = 30
retries = 4
poll_s = 0.1
outputs = ["f"]
[parameters]
x1 = {{ type = "float", low = 0.0, high = 1.0 }}
x2 = {{ type = "float", low = 0.0, high = 1.0 }}
[objectives.f]
goal = "minimize"
"#
        ),
    )
}

#[test]
fn a_campaign_runs_against_an_instrument_over_http() {
    let lab = Instrument::start("s3cret");
    let g = Genesis::new();
    let file = campaign(&g, lab.port);
    let out = g
        .command(&["run", file.to_str().unwrap(), "--json"])
        .env("LAB_TOKEN", "s3cret")
        .output()
        .unwrap();
    let run: common::Run = out.into();
    let report = run.ok().json();
    let stats = lab.stats();
    let (completed, failed) = (
        report["trials"]["completed"].as_u64().unwrap(),
        report["trials"]["failed"].as_u64().unwrap(),
    );
    assert_eq!(completed + failed, 14, "{report}");
    // Injected 5xx answers were retried: no trial failed for them.
    assert!(stats["injected_5xx"].as_u64().unwrap() >= 3, "{stats}");
    assert_eq!(
        failed,
        stats["jammed"].as_u64().unwrap(),
        "{stats} {report}"
    );
    assert!(
        stats["polls"].as_u64().unwrap() > 0,
        "long experiments were polled: {stats}"
    );
    assert_eq!(stats["measured"].as_u64().unwrap(), completed, "{stats}");
    let id = report["campaign"].as_str().unwrap();
    let shown = g.run(&["show", id, "--json"]).ok().json();
    for t in shown["trials"].as_array().unwrap() {
        if let Some(reason) = t["failure_reason"].as_str() {
            assert!(reason.contains("sample holder jammed"), "{reason}");
        }
    }
    // The credential is not in the store or the record.
    let db = std::fs::read(g.workspace().join("genesis.db")).unwrap();
    assert!(
        !db.windows(6).any(|w| w == b"s3cret"),
        "the token leaked into the store"
    );
    g.run(&["verify", id]).ok();
}

#[test]
fn a_missing_or_wrong_credential_is_reported() {
    let lab = Instrument::start("right");
    let g = Genesis::new();
    let file = campaign(&g, lab.port);
    // No variable: refused before anything runs.
    let r = g
        .command(&["run", file.to_str().unwrap()])
        .env_remove("LAB_TOKEN")
        .output()
        .unwrap();
    let r: common::Run = r.into();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("`LAB_TOKEN`"), "{}", r.stderr);
    assert!(!g.workspace().exists(), "bad input must leave no workspace");
    // A wrong token: every trial fails with the instrument's refusal, no retries.
    let r = g
        .command(&["run", file.to_str().unwrap(), "--json"])
        .env("LAB_TOKEN", "wrong")
        .output()
        .unwrap();
    let r: common::Run = r.into();
    let report = r.ok().json();
    assert_eq!(report["trials"]["failed"], 14, "{report}");
    let id = report["campaign"].as_str().unwrap();
    let shown = g.run(&["show", id, "--json"]).ok().json();
    let reason = shown["trials"][0]["failure_reason"].as_str().unwrap();
    assert!(reason.contains("HTTP 401"), "{reason}");
    assert_eq!(lab.stats()["unauthorized"], 14);
}
