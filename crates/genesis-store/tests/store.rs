//! The store's contract: state changes are atomic, finished trials are final,
//! and everything survives closing and reopening the file.

use genesis_core::campaign::parse;
use genesis_core::{CampaignStatus, Inputs, Outputs, TrialStatus, Value};
use genesis_store::{NewCampaign, NewTrial, Store, StoreError};

const CAMPAIGN: &str = r#"
name = "store-test"
twin = "bench.branin"
budget = 4
[parameters.x1]
type = "float"
low = -5.0
high = 10.0
[parameters.x2]
type = "float"
low = 0.0
high = 15.0
[objectives.f]
goal = "minimize"
"#;

fn new_campaign(store: &mut Store) -> String {
    let parsed = parse(CAMPAIGN, "c.toml").unwrap();
    store
        .create_campaign(&NewCampaign {
            spec: &parsed.spec,
            source_text: CAMPAIGN,
            source_path: "c.toml",
            base_dir: ".",
            project: "default",
            in_server: false,
            owner: "tester",
            twin_name: "bench.branin",
            twin_version: "1.0.0",
            planner: &serde_json::json!({"name": "sobol", "version": "1", "settings": {}}),
            now_ms: 1,
        })
        .unwrap()
        .id
}

fn inputs(x: f64) -> Inputs {
    Inputs::from([
        ("x1".to_string(), Value::Float(x)),
        ("x2".to_string(), Value::Int(2)),
    ])
}

fn add(store: &mut Store, campaign: &str, indices: &[u64]) -> Vec<i64> {
    let ins: Vec<Inputs> = indices.iter().map(|&i| inputs(i as f64)).collect();
    let trials: Vec<NewTrial> = indices
        .iter()
        .zip(&ins)
        .map(|(&index, inputs)| NewTrial {
            index,
            inputs,
            planner_name: "sobol",
            planner_version: "1.0.0",
            planner_reason: "test",
            twin_name: "bench.branin",
            twin_version: "1.0.0",
        })
        .collect();
    store.add_trials(campaign, &trials, 2).unwrap()
}

#[test]
fn trial_lifecycle_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genesis.db");
    let (campaign, ids) = {
        let mut store = Store::open(&path).unwrap();
        let campaign = new_campaign(&mut store);
        let ids = add(&mut store, &campaign, &[0, 1, 2]);
        store.start_trial(ids[0], 3).unwrap();
        store
            .finish_trial(
                ids[0],
                &Ok(Outputs::from([("f".into(), 1.5)])),
                &[],
                None,
                4,
            )
            .unwrap();
        store.start_trial(ids[1], 3).unwrap();
        store
            .finish_trial(ids[1], &Err("exit status 3".into()), &[], None, 5)
            .unwrap();
        store.start_trial(ids[2], 3).unwrap();
        (campaign, ids)
    };
    let mut store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        genesis_store::SCHEMA_VERSION
    );
    let trials = store.trials(&campaign).unwrap();
    assert_eq!(trials.len(), 3);
    assert_eq!(trials[0].status, TrialStatus::Completed);
    assert_eq!(trials[0].outputs.as_ref().unwrap()["f"], 1.5);
    assert_eq!(
        trials[0].inputs,
        inputs(0.0),
        "ints stay ints and floats stay floats"
    );
    assert_eq!(
        (trials[0].started_at, trials[0].ended_at),
        (Some(3), Some(4))
    );
    assert_eq!(trials[1].failure_reason.as_deref(), Some("exit status 3"));
    assert_eq!(trials[2].status, TrialStatus::Running);

    // A crash left trial 2 running: it is requeued and started again.
    assert_eq!(store.requeue_interrupted(&campaign, &[], 9).unwrap(), 1);
    store.start_trial(ids[2], 6).unwrap();
    let t2 = &store.trials(&campaign).unwrap()[2];
    assert_eq!((t2.status, t2.attempts), (TrialStatus::Running, 2));
    let counts = store.counts(&campaign).unwrap();
    assert_eq!(
        (
            counts.completed,
            counts.failed,
            counts.running,
            counts.finished()
        ),
        (1, 1, 1, 2)
    );

    // Every change above is in the signed record, and the record agrees
    // with the tables: created, 3 proposed, started ×2 + finished ×2,
    // started, requeued, started again.
    let key = store.public_key();
    let v = store.verify(&campaign, &key).unwrap();
    assert_eq!(v.broken, None);
    assert_eq!((v.events, v.trials, v.artifacts), (11, 3, 1));
    let kinds: Vec<String> = store
        .events(&campaign)
        .unwrap()
        .iter()
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.body).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "campaign_created",
            "trial_proposed",
            "trial_proposed",
            "trial_proposed",
            "trial_started",
            "trial_completed",
            "trial_started",
            "trial_failed",
            "trial_started",
            "trials_requeued",
            "trial_started",
        ]
    );
    // The key persists with the workspace: reopening verifies with it.
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.public_key(), key);
}

#[test]
fn a_state_change_and_its_event_commit_together() {
    let mut store = Store::in_memory().unwrap();
    let campaign = new_campaign(&mut store);
    let id = add(&mut store, &campaign, &[0])[0];
    let before = store.events(&campaign).unwrap().len();
    // A refused transition writes no event either.
    assert!(
        store
            .finish_trial(id, &Ok(Outputs::new()), &[], None, 1)
            .is_err()
    );
    assert_eq!(store.events(&campaign).unwrap().len(), before);
    let v = store.verify(&campaign, &store.public_key()).unwrap();
    assert_eq!(v.broken, None);
}

#[test]
fn finished_trials_are_final() {
    let mut store = Store::in_memory().unwrap();
    let campaign = new_campaign(&mut store);
    let id = add(&mut store, &campaign, &[0])[0];
    assert!(matches!(
        store.finish_trial(id, &Err("x".into()), &[], None, 1),
        Err(StoreError::BadTransition(_))
    ));
    store.start_trial(id, 1).unwrap();
    store
        .finish_trial(id, &Err("boom".into()), &[], None, 2)
        .unwrap();
    assert!(matches!(
        store.start_trial(id, 3),
        Err(StoreError::BadTransition(_))
    ));
    assert!(matches!(
        store.finish_trial(id, &Err("again".into()), &[], None, 3),
        Err(StoreError::BadTransition(_))
    ));
    assert_eq!(
        store.trials(&campaign).unwrap()[0]
            .failure_reason
            .as_deref(),
        Some("boom")
    );
}

#[test]
fn a_trial_index_is_proposed_once_and_batches_are_atomic() {
    let mut store = Store::in_memory().unwrap();
    let campaign = new_campaign(&mut store);
    add(&mut store, &campaign, &[0, 1]);
    let ins = inputs(0.0);
    let dup = |index| NewTrial {
        index,
        inputs: &ins,
        planner_name: "p",
        planner_version: "1",
        planner_reason: "r",
        twin_name: "t",
        twin_version: "1",
    };
    // Index 2 is new but index 1 is taken: nothing of the batch is stored.
    assert!(store.add_trials(&campaign, &[dup(2), dup(1)], 3).is_err());
    assert_eq!(store.counts(&campaign).unwrap().total(), 2);
}

#[test]
fn campaigns_are_found_by_unique_prefix_and_by_name() {
    let mut store = Store::in_memory().unwrap();
    let a = new_campaign(&mut store);
    let found = store.campaign(&a[..3]).unwrap();
    assert_eq!(found.id, a);
    assert_eq!(found.spec.budget, 4);
    assert_eq!(found.status, CampaignStatus::Running);
    assert!(matches!(
        store.campaign("zzzz-none"),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.latest_running("store-test").unwrap().unwrap().id, a);
    store
        .set_campaign_status(&a, CampaignStatus::Completed, 9)
        .unwrap();
    assert!(store.latest_running("store-test").unwrap().is_none());
    assert_eq!(store.campaigns().unwrap().len(), 1);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genesis.db");
    drop(Store::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Store::open(&path).err().unwrap().to_string();
    let expected = format!(
        "schema 99, this build knows {}",
        genesis_store::SCHEMA_VERSION
    );
    assert!(err.contains(&expected), "{err}");
}
