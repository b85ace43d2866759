//! A campaign killed with SIGKILL mid-run and resumed ends with exactly
//! `budget` finished trials, no duplicate indices, and no finished result
//! lost or changed.

mod common;
use common::Genesis;
use serde_json::Value;
use std::time::{Duration, Instant};

const SLOW_TWIN: &str = r#"
import json, sys, time
x = json.load(sys.stdin)
time.sleep(0.15)
print(json.dumps({"f": x["x1"] ** 2 + x["x2"]}))
"#;

fn campaign(g: &Genesis) -> std::path::PathBuf {
    g.file("slow.py", SLOW_TWIN);
    g.file(
        "slow.toml",
        r#"
name = "slow"
planner = "sobol"   # index-based: the resumed run must equal a clean one exactly
budget = 24
batch = 3
workers = 2
seed = 5
[twin]
command = ["python3", "slow.py"]
timeout_s = 20
[parameters.x1]
type = "float"
low = -1.0
high = 1.0
[parameters.x2]
type = "int"
low = 0
high = 3
[objectives.f]
goal = "minimize"
"#,
    )
}

fn show(g: &Genesis, id: &str) -> Value {
    g.run(&["show", id, "--json"]).ok().json()
}

fn finished(trials: &Value) -> Vec<Value> {
    trials
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "completed" || t["status"] == "failed")
        .cloned()
        .collect()
}

/// The campaign's id once at least `after` of its trials have completed.
fn completed_at_least(g: &Genesis, after: u64) -> Option<String> {
    if !g.workspace().join("genesis.db").exists() {
        return None;
    }
    let list = g.run(&["list", "--json"]);
    if list.code != 0 {
        return None;
    }
    let list = list.json();
    let c = list.as_array()?.first()?;
    (c["completed"].as_u64()? >= after).then(|| c["id"].as_str().unwrap().to_string())
}

/// Starts the campaign, waits until `after` trials finished, then kills -9.
fn kill_midway(g: &Genesis, file: &std::path::Path, after: u64) -> String {
    let mut child = g
        .command(&["run", file.to_str().unwrap(), "--json"])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let id = loop {
        std::thread::sleep(Duration::from_millis(50));
        if let Some(id) = completed_at_least(g, after) {
            break Some(id);
        }
        if Instant::now() > deadline {
            break None;
        }
    };
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    id.expect("the campaign never got going")
}

#[test]
fn kill_9_then_resume_finishes_exactly_the_budget() {
    let g = Genesis::new();
    let file = campaign(&g);
    let id = kill_midway(&g, &file, 5);

    let before = show(&g, &id);
    assert_eq!(before["status"], "running");
    let done_before = finished(&before["trials"]);
    assert!(
        done_before.len() >= 5 && done_before.len() < 24,
        "{}",
        done_before.len()
    );
    let interrupted = before["counts"]["running"].as_u64().unwrap();

    let report = g
        .run(&["run", file.to_str().unwrap(), "--resume", "--json"])
        .ok()
        .json();
    assert_eq!(report["campaign"], id.as_str());
    assert_eq!(report["status"], "completed");
    assert_eq!(report["trials"]["requeued_after_interruption"], interrupted);

    let after = show(&g, &id);
    let trials = after["trials"].as_array().unwrap();
    assert_eq!(finished(&after["trials"]).len(), 24, "exactly the budget");
    let indices: Vec<u64> = trials
        .iter()
        .map(|t| t["index"].as_u64().unwrap())
        .collect();
    assert_eq!(
        indices,
        (0..24).collect::<Vec<_>>(),
        "no duplicates, no gaps"
    );
    for t in &done_before {
        let now = &trials[t["index"].as_u64().unwrap() as usize];
        assert_eq!(now, t, "a result finished before the kill must not change");
    }
    // The resumed campaign proposes exactly what an uninterrupted one would.
    let g2 = Genesis::new();
    let file2 = campaign(&g2);
    let clean = g2
        .run(&["run", file2.to_str().unwrap(), "--json"])
        .ok()
        .json();
    let clean_trials = show(&g2, clean["campaign"].as_str().unwrap())["trials"].clone();
    for (a, b) in trials.iter().zip(clean_trials.as_array().unwrap()) {
        assert_eq!(a["params"], b["params"]);
        assert_eq!(a["outputs"], b["outputs"]);
    }
    assert_eq!(report["best"]["objectives"], clean["best"]["objectives"]);
    // The kill left the signed record whole: it verifies, with the requeue in it.
    let v = g.run(&["verify", &id, "--json"]).ok().json();
    assert_eq!(v["ok"], true, "{v}");
}

#[test]
fn resume_by_id_and_refusals() {
    let g = Genesis::new();
    let file = campaign(&g);
    let id = kill_midway(&g, &file, 2);
    // A changed file cannot silently continue the old campaign.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("budget = 24", "budget = 30");
    std::fs::write(&file, text).unwrap();
    let refused = g.run(&["run", file.to_str().unwrap(), "--resume"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("has changed since campaign"),
        "{}",
        refused.stderr
    );
    // `genesis resume ID` finishes it as it was started.
    let report = g.run(&["resume", &id, "--json"]).ok().json();
    assert_eq!(report["trials"]["completed"], 24);
    // A completed campaign is not resumed again.
    let again = g.run(&["resume", &id]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("is completed"), "{}", again.stderr);
}

#[test]
fn sigterm_stops_the_running_programs_too() {
    let g = Genesis::new();
    // Each trial sleeps 3 s and then leaves a marker file: a marker that
    // appears after Genesis was stopped means an orphan kept running.
    g.file(
        "marker.py",
        "import json, sys, time, os\nx = json.load(sys.stdin)\ntime.sleep(3)\nopen(f\"marker-{os.getpid()}\", \"w\").close()\nprint(json.dumps({\"f\": x[\"x1\"]}))\n",
    );
    let file = g.file(
        "marker.toml",
        "name = \"marker\"\nbudget = 4\nworkers = 2\n[twin]\ncommand = [\"python3\", \"marker.py\"]\n\
         [parameters.x1]\ntype = \"float\"\nlow = 0.0\nhigh = 1.0\n[objectives.f]\n",
    );
    let child = g
        .command(&["run", file.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200)); // both programs are sleeping now
    // SAFETY: sending SIGTERM to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(128 + 15));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("interrupted: finished trials are saved"),
        "{stderr}"
    );
    std::thread::sleep(Duration::from_millis(3000));
    let markers = std::fs::read_dir(g.dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("marker-")
        })
        .count();
    assert_eq!(markers, 0, "the twin programs outlived Genesis");
    let report = g
        .run(&["run", file.to_str().unwrap(), "--resume", "--json"])
        .ok()
        .json();
    assert_eq!(report["trials"]["completed"], 4);
    assert_eq!(report["trials"]["requeued_after_interruption"], 2);
}
