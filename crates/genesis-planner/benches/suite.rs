//! Genesis's side of the planner benchmark (`bench/run.sh` runs the peers).
//!
//! `cargo bench -p genesis-planner --bench suite -- INIT.json OUT.jsonl TIMING.jsonl [PROBLEM,...]`
//!
//! For every problem and seed in INIT.json (written by `bench/init.py`), the
//! BO planner starts from the same 10 initial points as the peers and runs
//! to the problem's budget, one suggestion at a time; each line of OUT
//! holds the best value after every evaluation and the CPU seconds of each
//! suggestion. TIMING holds the CPU seconds of one suggestion after n
//! random Hartmann6 observations, n = 50, 200, 500. PROBLEM,... limits
//! the regret runs to those problems.

use genesis_core::rng::Rng;
use genesis_core::{Domain, Goal, Inputs, Objective, Outputs, Parameter, SearchSpace, Value};
use genesis_planner::{Observation, SuggestRequest, build};
use serde_json::{Value as Json, json};
use std::f64::consts::PI;
use std::io::Write;

fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

fn num(i: &Inputs, k: &str) -> f64 {
    i[k].as_f64().expect("numeric input")
}

fn objective(problem: &str, i: &Inputs) -> f64 {
    match problem {
        "branin" => {
            let (x1, x2) = (num(i, "x1"), num(i, "x2"));
            (x2 - 5.1 / (4.0 * PI * PI) * x1 * x1 + 5.0 / PI * x1 - 6.0).powi(2)
                + 10.0 * (1.0 - 1.0 / (8.0 * PI)) * x1.cos()
                + 10.0
        }
        "hartmann6" => {
            let twin = genesis_twins::Hartmann6::new();
            genesis_core::Twin::evaluate(&twin, i).expect("valid")["f"]
        }
        p if p.starts_with("ackley") => {
            let x: Vec<f64> = i.values().map(|v| v.as_f64().expect("float")).collect();
            let d = x.len() as f64;
            let s1 = x.iter().map(|v| v * v).sum::<f64>() / d;
            let s2 = x.iter().map(|v| (2.0 * PI * v).cos()).sum::<f64>() / d;
            -20.0 * (-0.2 * s1.sqrt()).exp() - s2.exp() + 20.0 + std::f64::consts::E
        }
        "mixed" => {
            let Value::Int(n) = i["n"] else {
                panic!("n must be an integer")
            };
            let offset = match &i["c"] {
                Value::Text(c) if c == "a" => 1.0,
                Value::Text(c) if c == "b" => 0.5,
                Value::Text(c) if c == "c" => 0.0,
                _ => 0.8,
            };
            (num(i, "x1") - 0.3).powi(2)
                + (num(i, "x2") - 0.7).powi(2)
                + 0.05 * ((n - 7) as f64).powi(2)
                + offset
        }
        other => panic!("unknown problem {other}"),
    }
}

fn space_of(params: &Json) -> SearchSpace {
    let parameters = params
        .as_array()
        .expect("params list")
        .iter()
        .map(|p| {
            let name = p["name"].as_str().expect("name").to_string();
            let domain = match p["kind"].as_str().expect("kind") {
                "float" => Domain::Float {
                    low: p["low"].as_f64().unwrap(),
                    high: p["high"].as_f64().unwrap(),
                    log: false,
                },
                "int" => Domain::Int {
                    low: p["low"].as_i64().unwrap(),
                    high: p["high"].as_i64().unwrap(),
                    log: false,
                },
                _ => Domain::Categorical {
                    values: p["values"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| Value::Text(v.as_str().unwrap().into()))
                        .collect(),
                },
            };
            Parameter {
                name,
                domain,
                unit: None,
                description: None,
            }
        })
        .collect();
    SearchSpace { parameters }
}

fn inputs_of(point: &Json) -> Inputs {
    point
        .as_object()
        .expect("point")
        .iter()
        .map(|(k, v)| {
            let value = if let Some(i) = v.as_i64().filter(|_| v.is_i64()) {
                Value::Int(i)
            } else if let Some(f) = v.as_f64() {
                Value::Float(f)
            } else {
                Value::Text(v.as_str().expect("value").into())
            };
            (k.clone(), value)
        })
        .collect()
}

fn observe(problem: &str, inputs: Inputs) -> Observation {
    let f = objective(problem, &inputs);
    Observation {
        inputs,
        outputs: Some(Outputs::from([("f".to_string(), f)])),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (init, out, timing, only) = match &args[..] {
        [init, out, timing] => (init, out, timing, None),
        [init, out, timing, only] => (init, out, timing, Some(only)),
        _ => {
            eprintln!(
                "usage: cargo bench -p genesis-planner --bench suite -- INIT.json OUT.jsonl TIMING.jsonl [PROBLEM,...]"
            );
            return;
        }
    };
    // INIT = "-" skips the regret runs (timing only).
    let init: Json = if init == "-" {
        json!({ "problems": {} })
    } else {
        serde_json::from_str(&std::fs::read_to_string(init).expect("read init")).expect("init JSON")
    };
    let objectives = [Objective {
        name: "f".into(),
        goal: Goal::Minimize,
        reference: None,
    }];
    let settings = serde_json::json!({ "initial": 10 })
        .as_object()
        .cloned()
        .expect("object");
    let mut out = std::fs::File::create(out).expect("create output");
    for (problem, spec) in init["problems"].as_object().expect("problems") {
        if only.is_some_and(|o| !o.split(',').any(|p| p == problem)) {
            continue;
        }
        let space = space_of(&spec["params"]);
        let evals = spec["evals"].as_u64().expect("evals");
        for (seed, points) in spec["seeds"].as_object().expect("seeds") {
            let seed_n: u64 = seed.parse().expect("seed");
            let planner = build("bo", seed_n, &settings).expect("planner");
            let mut obs: Vec<Observation> = points
                .as_array()
                .unwrap()
                .iter()
                .map(|p| observe(problem, inputs_of(p)))
                .collect();
            let mut cpu = Vec::new();
            while (obs.len() as u64) < evals {
                let t0 = cpu_seconds();
                let req = SuggestRequest {
                    space: &space,
                    objectives: &objectives,
                    constraints: &[],
                    observations: &obs,
                    pending: &[],
                    first_index: obs.len() as u64,
                    count: 1,
                };
                let s = planner.suggest(&req).expect("suggest").remove(0);
                cpu.push(cpu_seconds() - t0);
                obs.push(observe(problem, s.inputs));
            }
            let mut best = f64::INFINITY;
            let curve: Vec<f64> = obs
                .iter()
                .map(|o| {
                    best = best.min(o.outputs.as_ref().unwrap()["f"]);
                    best
                })
                .collect();
            let line = json!({ "tool": "genesis-bo", "problem": problem, "seed": seed_n, "best_so_far": curve, "suggest_cpu_s": cpu });
            writeln!(out, "{line}").expect("write");
            eprintln!(
                "{problem} seed {seed}: regret {:.5}",
                best - spec["f_star"].as_f64().unwrap()
            );
        }
    }
    // CPU per suggestion after n random Hartmann6 observations (TIMING = "-" skips it).
    if timing == "-" {
        return;
    }
    let mut timing = std::fs::File::create(timing).expect("create timing");
    let space = SearchSpace {
        parameters: (1..=6)
            .map(|i| Parameter {
                name: format!("x{i}"),
                domain: Domain::Float {
                    low: 0.0,
                    high: 1.0,
                    log: false,
                },
                unit: None,
                description: None,
            })
            .collect(),
    };
    for n in [50usize, 200, 500] {
        for seed in 0..3u64 {
            let mut rng = Rng::new(seed);
            let obs: Vec<Observation> = (0..n)
                .map(|_| {
                    observe(
                        "hartmann6",
                        space.from_unit(&(0..6).map(|_| rng.uniform()).collect::<Vec<_>>()),
                    )
                })
                .collect();
            let planner = build("bo", seed, &settings).expect("planner");
            let req = SuggestRequest {
                space: &space,
                objectives: &objectives,
                constraints: &[],
                observations: &obs,
                pending: &[],
                first_index: n as u64,
                count: 1,
            };
            let t0 = cpu_seconds();
            planner.suggest(&req).expect("suggest");
            let line =
                json!({ "tool": "genesis-bo", "n": n, "seed": seed, "cpu_s": cpu_seconds() - t0 });
            writeln!(timing, "{line}").expect("write");
            eprintln!("timing n = {n}: {line}");
        }
    }
}
