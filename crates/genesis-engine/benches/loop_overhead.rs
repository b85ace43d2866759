//! Store throughput and loop overhead per trial, printed as a table.
//!
//! `cargo bench -p genesis-engine --bench loop_overhead`
//!
//! The twin does nothing and the planner is Sobol, so the time per trial is
//! Genesis's own cost: planner call, three store transactions (propose,
//! start, finish, each fsynced, each with its signed provenance event), the
//! executor's thread hand-off and the bookkeeping.

use genesis_core::{Inputs, Outputs, Twin, TwinError, TwinSpec};
use genesis_engine::{Prepared, Silent, create, prepare, run};
use genesis_store::{NewTrial, Store};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

struct NoOp(TwinSpec);

impl Twin for NoOp {
    fn spec(&self) -> &TwinSpec {
        &self.0
    }
    fn evaluate(&self, _: &Inputs) -> Result<Outputs, TwinError> {
        Ok(Outputs::from([("f".to_string(), 0.0)]))
    }
}

fn campaign(budget: u64, batch: u64, workers: u64) -> Prepared {
    let text = format!(
        "name = \"bench\"\ntwin = \"bench.branin\"\nplanner = \"sobol\"\nbudget = {budget}\nbatch = {batch}\nworkers = {workers}\n\
         [parameters.x1]\ntype = \"float\"\nlow = -5.0\nhigh = 10.0\n\
         [parameters.x2]\ntype = \"float\"\nlow = 0.0\nhigh = 15.0\n[objectives.f]\n"
    );
    let mut p = prepare(&text, "bench.toml", Path::new(".")).expect("valid");
    let mut spec = p.twin.spec().clone();
    spec.name = "bench.noop".into();
    p.twin = Arc::new(NoOp(spec));
    p
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    println!("| measurement | value |");
    println!("|---|---|");

    // Provenance: sealing one event (BLAKE3 hash + Ed25519 signature).
    let signer = genesis_prov::Signer::generate().expect("key");
    let event = genesis_prov::Event::TrialStarted {
        trial: 7,
        attempt: 1,
    };
    let n = 20_000;
    let t = Instant::now();
    let mut prev = genesis_prov::GENESIS_PREV;
    for seq in 0..n {
        prev = genesis_prov::seal("bench", seq, 0, prev, &event, &signer).hash;
    }
    println!(
        "| provenance: seal one event (BLAKE3 + Ed25519 signature) | {:.1} µs |",
        t.elapsed().as_secs_f64() / n as f64 * 1e6
    );

    // Store: batched inserts of proposed trials (one transaction per batch).
    let prepared = campaign(1, 1, 1);
    let mut store = Store::open(&dir.path().join("store.db")).expect("store");
    let c = create(&mut store, &prepared, "bench").expect("campaign");
    let inputs: Inputs = prepared.parsed.spec.space.from_unit(&[0.5, 0.5]);
    let (batches, per_batch) = (20, 500);
    let t = Instant::now();
    for b in 0..batches {
        let trials: Vec<NewTrial> = (0..per_batch)
            .map(|k| NewTrial {
                index: (b * per_batch + k) as u64,
                inputs: &inputs,
                planner_name: "bench",
                planner_version: "0",
                planner_reason: "bench",
                twin_name: "bench.noop",
                twin_version: "0",
            })
            .collect();
        store.add_trials(&c.id, &trials, 0).expect("insert");
    }
    let rate = (batches * per_batch) as f64 / t.elapsed().as_secs_f64();
    println!("| store: trial inserts, {per_batch} per transaction | {rate:.0} /s |");

    // Store: one state change per transaction (start + finish a trial).
    let ids: Vec<i64> = store
        .trials(&c.id)
        .expect("trials")
        .iter()
        .take(500)
        .map(|t| t.id)
        .collect();
    let t = Instant::now();
    for &id in &ids {
        store.start_trial(id, 1).expect("start");
        store
            .finish_trial(id, &Ok(Outputs::from([("f".into(), 1.0)])), &[], None, 2)
            .expect("finish");
    }
    let per = t.elapsed().as_secs_f64() / (2 * ids.len()) as f64;
    println!(
        "| store: single-change transactions (fsync each) | {:.0} /s ({:.2} ms each) |",
        1.0 / per,
        per * 1e3
    );

    // The whole loop with a no-op twin.
    for (budget, batch, workers) in [(1000, 1, 1), (1000, 8, 4)] {
        let runs: Vec<f64> = (0..3)
            .map(|r| {
                let p = campaign(budget, batch, workers);
                let mut store =
                    Store::open(&dir.path().join(format!("loop-{batch}-{workers}-{r}.db")))
                        .expect("store");
                let c = create(&mut store, &p, "bench").expect("campaign");
                let t = Instant::now();
                run(&mut store, &c, &p, &mut Silent).expect("run");
                t.elapsed().as_secs_f64() / budget as f64
            })
            .collect();
        println!(
            "| loop overhead per trial, no-op twin, {budget} trials, batch {batch}, workers {workers} (median of 3) | {:.0} µs |",
            median(runs) * 1e6
        );
    }
}
