//! The Python client (clients/python) against a live `genesis serve`: its
//! pytest suite, and the example lab script in --simulate mode. Needs the
//! test virtualenv (GENESIS_TEST_PYTHON with httpx and pytest, made by
//! scripts/test); fails loudly without it.

mod common;
use common::{Genesis, repo_root};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

fn python() -> String {
    std::env::var("GENESIS_TEST_PYTHON").expect(
        "GENESIS_TEST_PYTHON must name a Python with httpx and pytest (scripts/test makes target/pyenv)",
    )
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(g: &Genesis) -> (Server, String) {
    let mut child = g
        .command(&["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("not a listening line: {line}"))
        .to_string();
    (Server(child), url)
}

fn editor(g: &Genesis, name: &str) -> String {
    let password = format!("{name}-long-password");
    let mut child = g
        .command(&["user", "add", name, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    assert!(child.wait().unwrap().success());
    g.run(&["project", "grant", "default", name, "editor"]).ok();
    password
}

fn run_python(args: &[&str], url: &str, user: &str, password: &str) -> common::Run {
    let root = repo_root();
    Command::new(python())
        .args(args)
        .current_dir(&root)
        .env("PYTHONPATH", root.join("clients/python"))
        .env("GENESIS_URL", url)
        .env("GENESIS_USER", user)
        .env("GENESIS_PASSWORD", password)
        .env("GENESIS_PROJECT", "default")
        .output()
        .unwrap()
        .into()
}

#[test]
fn the_python_client_passes_its_tests_against_a_live_server() {
    let g = Genesis::new();
    let password = editor(&g, "pyuser");
    let (_server, url) = serve(&g);
    let r = run_python(
        &[
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "clients/python/tests",
        ],
        &url,
        "pyuser",
        &password,
    );
    assert_eq!(r.code, 0, "pytest failed:\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("passed"), "{}", r.stdout);
}

#[test]
fn the_example_lab_script_runs_a_manual_campaign() {
    let g = Genesis::new();
    let password = editor(&g, "labuser");
    let (_server, url) = serve(&g);
    let r = run_python(
        &[
            "examples/lab_campaign.py",
            "--url",
            &url,
            "--user",
            "labuser",
            "--simulate",
        ],
        &url,
        "labuser",
        &password,
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("best: trial"), "{}", r.stdout);
    assert!(
        r.stdout.contains("provenance verifies: True"),
        "{}",
        r.stdout
    );
    // The campaign is in the workspace with all 12 results, and verifies.
    let list = g.run(&["list", "--json"]).ok().json();
    let id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        (list[0]["completed"].clone(), list[0]["status"].clone()),
        (serde_json::json!(12), serde_json::json!("completed")),
        "{list}"
    );
    g.run(&["verify", &id]).ok();
}
