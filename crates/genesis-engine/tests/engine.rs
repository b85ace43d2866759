//! The loop's contract, checked in-process against an in-memory store.

use genesis_core::{CampaignStatus, TrialStatus};
use genesis_engine::{Silent, create, prepare, run};
use genesis_store::Store;
use std::path::Path;

const CAMPAIGN: &str = r#"
name = "engine"
twin = "bench.hartmann6"
budget = 20
batch = 3
workers = 2
seed = 11
[parameters.x1]
type = "float"
low = 0.0
high = 1.0
[parameters.x2]
type = "float"
low = 0.0
high = 1.0
[fixed]
x3 = 0.5
x4 = 0.5
x5 = 0.5
x6 = 0.5
[objectives.f]
goal = "minimize"
"#;

#[test]
fn every_bundled_example_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files = vec![root.join("branin.toml")];
    files.push(root.join("python-twin/campaign.toml"));
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        if let Err(e) = prepare(&text, &f.display().to_string(), f.parent().unwrap()) {
            panic!("{e}");
        }
    }
}

#[test]
fn runs_to_budget_with_fixed_inputs_passed_through() {
    let prepared = prepare(CAMPAIGN, "c.toml", Path::new(".")).unwrap();
    let mut store = Store::in_memory().unwrap();
    let campaign = create(&mut store, &prepared, "tester").unwrap();
    let report = run(&mut store, &campaign, &prepared, &mut Silent).unwrap();
    assert_eq!(report.status, CampaignStatus::Completed);
    assert_eq!((report.counts.completed, report.counts.failed), (20, 0));
    let trials = store.trials(&campaign.id).unwrap();
    assert_eq!(trials.len(), 20);
    // Only the searched parameters are stored as the trial's parameters.
    assert_eq!(trials[0].inputs.keys().collect::<Vec<_>>(), ["x1", "x2"]);
    let best = report.best.unwrap();
    let min = trials
        .iter()
        .map(|t| t.outputs.as_ref().unwrap()["f"])
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best.outputs.unwrap()["f"], min);
    assert!(
        trials
            .iter()
            .all(|t| t.attempts == 1 && t.planner_name == "bo")
    );
    // A finished campaign is not run again.
    let campaign = store.campaign(&campaign.id).unwrap();
    assert!(run(&mut store, &campaign, &prepared, &mut Silent).is_err());
}

#[test]
fn trials_left_running_by_a_crash_run_again() {
    let prepared = prepare(CAMPAIGN, "c.toml", Path::new(".")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let id = {
        // First process: one trial proposed and started, then "killed".
        let mut store = Store::open(&db).unwrap();
        let campaign = create(&mut store, &prepared, "tester").unwrap();
        let spec = &prepared.parsed.spec;
        let chosen = spec.space.from_unit(&[0.25, 0.75]);
        let ids = store
            .add_trials(
                &campaign.id,
                &[genesis_store::NewTrial {
                    index: 0,
                    inputs: &chosen,
                    planner_name: "sobol",
                    planner_version: "1.0.0",
                    planner_reason: "crash test",
                    twin_name: "bench.hartmann6",
                    twin_version: "1.0.0",
                }],
                0,
            )
            .unwrap();
        store.start_trial(ids[0], 0).unwrap();
        campaign.id
    };
    let mut store = Store::open(&db).unwrap();
    let campaign = store.campaign(&id).unwrap();
    let report = run(&mut store, &campaign, &prepared, &mut Silent).unwrap();
    assert_eq!(report.requeued, 1);
    assert_eq!(report.counts.finished(), 20);
    let t0 = &store.trials(&id).unwrap()[0];
    assert_eq!((t0.status, t0.attempts), (TrialStatus::Completed, 2));
    assert_eq!(
        t0.planner_reason, "crash test",
        "the interrupted trial kept its inputs"
    );
}

#[test]
fn a_missing_objective_fails_the_trial_not_the_campaign() {
    // A subprocess twin that answers with the wrong output name.
    let text = CAMPAIGN
        .replace("twin = \"bench.hartmann6\"\n", "")
        .replace(
            "goal = \"minimize\"",
            "goal = \"minimize\"\n[twin]\ncommand = [\"python3\", \"-c\", \"print('{\\\"g\\\": 1}')\"]",
        );
    let prepared = prepare(&text, "c.toml", Path::new(".")).unwrap();
    let mut store = Store::in_memory().unwrap();
    let campaign = create(&mut store, &prepared, "tester").unwrap();
    let report = run(&mut store, &campaign, &prepared, &mut Silent).unwrap();
    assert_eq!((report.counts.completed, report.counts.failed), (0, 20));
    assert!(report.best.is_none());
    let reason = store.trials(&campaign.id).unwrap()[0]
        .failure_reason
        .clone()
        .unwrap();
    assert_eq!(reason, "output `f` is missing (got: g)");
}
