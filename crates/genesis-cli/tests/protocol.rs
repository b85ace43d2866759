//! Every way an external program can break the JSON protocol becomes a
//! failed trial with a reason, and the campaign still completes.

mod common;
use common::{Genesis, repo_root};

fn campaign(mode: &str, timeout_s: f64) -> String {
    let script = repo_root().join("crates/genesis-cli/tests/data/twins/protocol.py");
    format!(
        r#"
name = "protocol-{mode}"
budget = 2
[twin]
command = ["python3", "{}"]
timeout_s = {timeout_s}
[parameters.x]
type = "float"
low = -1.0
high = 1.0
[fixed]
mode = "{mode}"
[objectives.f]
goal = "minimize"
"#,
        script.display()
    )
}

/// Runs a 2-trial campaign in `mode` and checks each trial's fate.
fn check(mode: &str, expect_reason: Option<&[&str]>) {
    let g = Genesis::new();
    let file = g.file(
        "c.toml",
        &campaign(mode, if mode == "sleep" { 1.0 } else { 30.0 }),
    );
    let report = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(report["status"], "completed", "{mode}");
    let id = report["campaign"].as_str().unwrap();
    let shown = g.run(&["show", id, "--json"]).ok().json();
    let trials = shown["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 2);
    for t in trials {
        match expect_reason {
            None => {
                assert_eq!(t["status"], "completed", "{mode}: {t}");
                let x = t["params"]["x"].as_f64().unwrap();
                assert!((t["outputs"]["f"].as_f64().unwrap() - x * x).abs() < 1e-12);
            }
            Some(fragments) => {
                assert_eq!(t["status"], "failed", "{mode}: {t}");
                let reason = t["failure_reason"].as_str().unwrap();
                for f in fragments {
                    assert!(reason.contains(f), "{mode}: reason {reason:?} lacks {f:?}");
                }
            }
        }
    }
    let expect_failed = if expect_reason.is_some() { 2 } else { 0 };
    assert_eq!(report["trials"]["failed"], expect_failed);
}

#[test]
fn a_well_behaved_program_completes() {
    check("ok", None);
}

#[test]
fn non_zero_exit_quotes_stderr() {
    check("exit3", Some(&["exited with status 3", "boom from stderr"]));
}

#[test]
fn an_exception_quotes_the_traceback() {
    check(
        "crash",
        Some(&[
            "exited with status 1",
            "RuntimeError: simulated solver divergence",
        ]),
    );
}

#[test]
fn a_hung_program_is_killed_at_its_timeout() {
    check("sleep", Some(&["timed out after 1 s"]));
}

#[test]
fn non_json_output_is_quoted() {
    check(
        "nojson",
        Some(&["not JSON: `the answer is 42`", "mode nojson"]),
    );
    check("empty", Some(&["printed nothing on stdout"]));
    check("notobject", Some(&["not a JSON object"]));
    check("string", Some(&["output `f` is not a number"]));
}

#[test]
fn nan_and_infinity_are_failures() {
    check("nan", Some(&["output `f` is NaN"]));
    check("inf", Some(&["output `f` is Infinity"]));
}

#[test]
fn a_missing_objective_is_a_failure() {
    check("missing", Some(&["output `f` is missing (got: g)"]));
}

#[test]
fn a_missing_program_is_a_failure() {
    let g = Genesis::new();
    let text = campaign("ok", 5.0).replace("\"python3\"", "\"./no-such-program\"");
    let file = g.file("c.toml", &text);
    let report = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(report["trials"]["failed"], 2);
    let shown = g
        .run(&["show", report["campaign"].as_str().unwrap(), "--json"])
        .ok()
        .json();
    let reason = shown["trials"][0]["failure_reason"].as_str().unwrap();
    assert!(
        reason.contains("cannot start") && reason.contains("no-such-program"),
        "{reason}"
    );
}
