//! Fuzzes the running server from its own OpenAPI document with
//! schemathesis (a bounded run): no 5xx, no crash, and every status and
//! content type it answers is documented. Needs the test virtualenv
//! (GENESIS_TEST_PYTHON with schemathesis, made by scripts/test); fails
//! loudly without it.

mod common;
use common::Genesis;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn schemathesis() -> PathBuf {
    let python = std::env::var("GENESIS_TEST_PYTHON")
        .expect("GENESIS_TEST_PYTHON must name the test virtualenv's python (scripts/test)");
    let bin = PathBuf::from(python).with_file_name("schemathesis");
    assert!(
        bin.exists(),
        "{} is missing: scripts/test installs it",
        bin.display()
    );
    bin
}

#[test]
fn the_api_survives_schemathesis_with_only_documented_answers() {
    let g = Genesis::new();
    // An owner of the default project with a manual campaign to aim at.
    let password = "fuzzer-long-password";
    let mut child = g
        .command(&["user", "add", "fuzz", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    assert!(child.wait().unwrap().success());
    g.run(&["project", "grant", "default", "fuzz", "owner"])
        .ok();
    let lab = g.file(
        "lab.toml",
        "name = \"fuzz-lab\"\ntwin = \"manual\"\nbudget = 500\nplanner = \"sobol\"\n\
         [parameters]\nt = { type = \"float\", low = 0.0, high = 1.0, unit = \"K\" }\n\
         [objectives.y]\ngoal = \"maximize\"\n",
    );
    let id = g.run(&["run", lab.to_str().unwrap(), "--json"]).ok().json()["campaign"]
        .as_str()
        .unwrap()
        .to_string();
    let mut server = g
        .command(&["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let text = agent
        .post(&format!("{url}/api/v1/auth/login"))
        .header("Content-Type", "application/json")
        .send(serde_json::json!({"user": "fuzz", "password": password}).to_string())
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let login: serde_json::Value = serde_json::from_str(&text).unwrap();
    let token = login["token"].as_str().unwrap();
    // Real identifiers for the path parameters, so requests reach the handlers.
    let config = g.file(
        "schemathesis.toml",
        &format!("[parameters]\n\"path.id\" = \"{id}\"\n\"path.project\" = \"default\"\n\"path.index\" = \"0\"\n"),
    );
    let out = Command::new(schemathesis())
        // It keeps a cache folder in its working directory.
        .current_dir(g.dir.path())
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{url}/api/openapi.json")])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        // Campaign rules (a trial told twice, a campaign file without a
        // name) are semantic 422s no JSON Schema can express.
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        // These end the fuzzer's own session, or stream until the campaign ends.
        .args([
            "--exclude-path",
            "/api/v1/auth/logout",
            "--exclude-path",
            "/api/v1/auth/password",
        ])
        .args([
            "--exclude-path",
            "/api/v1/campaigns/{id}/events",
            "--exclude-path",
            "/api/v1/campaigns/{id}/cancel",
        ])
        .args(["-n", "25", "--seed", "7", "--request-timeout", "10"])
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("passed"), "{stdout}");
}
