//! The Slurm executor against a real single-node Slurm (scripts/slurm-dev-cluster,
//! started by scripts/test): job arrays, a time-limit kill, cancellation, and
//! a Genesis restart while jobs are queued. Without Slurm these tests fail.

mod common;
use common::Genesis;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn require_slurm() {
    let ok = Command::new("sinfo")
        .args(["-h", "-o", "%t"])
        .output()
        .map(|o| o.status.success() && !o.stdout.is_empty())
        .unwrap_or(false);
    assert!(
        ok,
        "Slurm is not running here: start it with `scripts/slurm-dev-cluster up` (as root; scripts/test does this)"
    );
}

fn campaign(
    g: &Genesis,
    name: &str,
    twin: &str,
    budget: u64,
    workers: u64,
    executor: &str,
) -> std::path::PathBuf {
    g.file(
        &format!("{name}.toml"),
        &format!(
            r#"
name = "{name}"
budget = {budget}
batch = {workers}
workers = {workers}
seed = 1
planner = "sobol"
{twin}
[executor]
kind = "slurm"
{executor}
[parameters]
x1 = {{ type = "float", low = -5.0, high = 10.0 }}
x2 = {{ type = "float", low = 0.0, high = 15.0 }}
[objectives.f]
goal = "minimize"
"#
        ),
    )
}

/// A program twin that sleeps `seconds`, then answers.
fn sleeper(g: &Genesis, seconds: u64) -> String {
    g.file(
        "sleepy.py",
        &format!(
            "import json, sys, time\nx = json.load(sys.stdin)\ntime.sleep({seconds})\nprint(json.dumps({{\"f\": x[\"x1\"] ** 2}}))\n"
        ),
    );
    "[twin]\ncommand = [\"python3\", \"sleepy.py\"]\ntimeout_s = 600".to_string()
}

fn lineage(g: &Genesis, id: &str, trial: u64) -> serde_json::Value {
    g.run(&["lineage", id, &trial.to_string(), "--json"])
        .ok()
        .json()
}

fn campaign_id(g: &Genesis) -> String {
    let list = g.run(&["list", "--json"]).ok().json();
    list[0]["id"].as_str().unwrap().to_string()
}

/// Waits until `cond` holds, failing after `secs`.
fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(
            t.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Slurm job ids recorded for the campaign's trials (`trial_submitted` events).
fn submitted_jobs(ws: &Path) -> Vec<String> {
    let Ok(db) = rusqlite::Connection::open(ws.join("genesis.db")) else {
        return vec![];
    };
    let Ok(mut stmt) = db.prepare("SELECT body FROM events WHERE kind = 'trial_submitted'") else {
        return vec![];
    };
    stmt.query_map([], |r| r.get::<_, String>(0))
        .map(|rows| {
            rows.filter_map(Result::ok)
                .filter_map(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
                .filter_map(|v| v["execution"]["job_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn in_queue(job: &str) -> bool {
    let out = Command::new("squeue")
        .args(["-h", "-r", "-o", "%i"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == job)
}

#[test]
fn a_campaign_runs_as_slurm_job_arrays() {
    require_slurm();
    let g = Genesis::new();
    let file = campaign(
        &g,
        "arrays",
        "twin = \"bench.branin\"",
        8,
        4,
        "time_limit = \"5\"",
    );
    let report = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(report["trials"]["completed"], 8, "{report}");
    let id = report["campaign"].as_str().unwrap();
    // The first four trials went as one array job: ids J_0 .. J_3.
    let jobs: Vec<String> = (0..4)
        .map(|t| {
            lineage(&g, id, t)["result"]["execution"]["job_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let array = jobs[0].split('_').next().unwrap().to_string();
    for (k, j) in jobs.iter().enumerate() {
        assert_eq!(j, &format!("{array}_{k}"), "{jobs:?}");
    }
    let x = &lineage(&g, id, 7)["result"]["execution"];
    assert_eq!(x["executor"], "slurm");
    assert_eq!(x["state"], "COMPLETED");
    assert_eq!(x["node"], "localhost");
    assert!(x["elapsed"].as_str().is_some(), "{x}");
    // The job's own log is an artifact, and the record verifies.
    assert_eq!(
        lineage(&g, id, 7)["result"]["artifacts"][0]["name"],
        "slurm.out"
    );
    g.run(&["verify", id]).ok();
}

#[test]
fn a_job_over_its_time_limit_is_a_failed_trial() {
    require_slurm();
    let g = Genesis::new();
    let twin = sleeper(&g, 300);
    // Slurm's smallest limit is one minute; it kills within about a minute after.
    let file = campaign(&g, "overtime", &twin, 1, 1, "time_limit = \"1\"");
    let report = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(report["trials"]["failed"], 1, "{report}");
    let id = report["campaign"].as_str().unwrap();
    let l = lineage(&g, id, 0);
    let reason = l["failure_reason"].as_str().unwrap();
    assert!(reason.contains("time limit"), "{reason}");
    assert_eq!(l["result"]["execution"]["state"], "TIMEOUT");
}

#[test]
fn cancel_stops_the_campaign_and_its_jobs() {
    require_slurm();
    let g = Genesis::new();
    let twin = sleeper(&g, 120);
    let file = campaign(&g, "to-cancel", &twin, 6, 2, "time_limit = \"5\"");
    let mut run = g
        .command(&["run", file.to_str().unwrap(), "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ws = g.workspace();
    wait_for(60, "two submitted jobs", || submitted_jobs(&ws).len() >= 2);
    let jobs = submitted_jobs(&ws);
    let id = campaign_id(&g);
    let out = g.run(&["cancel", &id]).ok();
    assert!(
        out.stdout.contains("2 Slurm job(s) cancelled"),
        "{}",
        out.stdout
    );
    let t = Instant::now();
    let status = loop {
        if let Some(s) = run.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "genesis run did not stop"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success(), "{status}");
    for j in &jobs {
        assert!(!in_queue(j), "job {j} is still queued");
    }
    let shown = g.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(shown["status"], "cancelled", "{shown}");
    assert_eq!(shown["counts"]["failed"], 2, "{shown}");
    assert_eq!(shown["counts"]["completed"], 0, "{shown}");
    let reason = shown["trials"][0]["failure_reason"].as_str().unwrap();
    assert!(reason.contains("cancelled"), "{reason}");
    g.run(&["verify", &id]).ok();
    // A cancelled campaign is not resumed.
    assert_eq!(g.run(&["resume", &id]).code, 1);
}

#[test]
fn a_restart_reattaches_to_queued_jobs_without_duplicates() {
    require_slurm();
    let g = Genesis::new();
    // Held jobs stay queued until released: Genesis dies while they wait.
    let file = campaign(
        &g,
        "restart",
        "twin = \"bench.branin\"",
        3,
        3,
        "sbatch_args = [\"--hold\"]",
    );
    let mut run = g
        .command(&["run", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ws = g.workspace();
    wait_for(60, "three submitted jobs", || {
        submitted_jobs(&ws).len() >= 3
    });
    run.kill().unwrap(); // SIGKILL
    run.wait().unwrap();
    let jobs = submitted_jobs(&ws);
    assert_eq!(jobs.len(), 3, "{jobs:?}");
    for j in &jobs {
        assert!(in_queue(j), "job {j} should still be queued (held)");
    }
    let array = jobs[0].split('_').next().unwrap();
    Command::new("scontrol")
        .args(["release", array])
        .status()
        .unwrap();
    let id = campaign_id(&g);
    let report = g.run(&["resume", &id, "--json"]).ok().json();
    assert_eq!(report["trials"]["completed"], 3, "{report}");
    assert_eq!(
        report["trials"]["requeued_after_interruption"], 0,
        "{report}"
    );
    // The same jobs finished the trials: nothing was submitted twice.
    assert_eq!(submitted_jobs(&ws), jobs);
    for t in 0..3 {
        let job = lineage(&g, &id, t)["result"]["execution"]["job_id"].clone();
        assert!(jobs.iter().any(|j| job == j.as_str()), "{job}");
    }
    g.run(&["verify", &id]).ok();
}
