//! Provenance through the real binary: `verify` passes on an untouched
//! workspace and names the first broken record after each kind of
//! tampering; `lineage`, `replay`; PROV-JSON and RO-Crate exports checked
//! with the reference Python tools (`prov`, `rocrate`).

mod common;
use common::Genesis;
use std::path::{Path, PathBuf};

/// A program twin that prints a progress line, then its outputs.
const PROGRAM: &str = r#"
import json, sys
x = json.load(sys.stdin)
print("evaluating", x["a"], x["b"])
print(json.dumps({"f": (x["a"] - 0.3) ** 2 + abs(x["b"] - 2) / 10}))
"#;

fn campaign(g: &Genesis) -> PathBuf {
    g.file("model.py", PROGRAM);
    g.file(
        "c.toml",
        r#"
name = "prov-demo"
budget = 6
batch = 2
workers = 2
seed = 5
planner = "sobol"
[twin]
command = ["python3", "model.py"]
timeout_s = 30
[parameters.a]
type = "float"
low = 0.0
high = 1.0
[parameters.b]
type = "int"
low = 0
high = 4
[objectives.f]
goal = "minimize"
"#,
    )
}

/// Runs the program campaign and returns its id.
fn run_campaign(g: &Genesis) -> String {
    let file = campaign(g);
    let report = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(report["trials"]["completed"], 6, "{report}");
    report["campaign"].as_str().unwrap().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Copies the workspace, tampers with the copy, and checks that `verify`
/// fails and names `record` (a fragment) and the `check` that failed.
fn check_tamper(g: &Genesis, tamper: impl FnOnce(&Path), record: &str, check: &str) {
    let copy = g
        .dir
        .path()
        .join(format!("tampered-{}", check.replace(' ', "-")));
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&g.workspace(), &copy);
    tamper(&copy);
    let out = std::process::Command::new(common::bin())
        .args(["--workspace", copy.to_str().unwrap(), "verify", "--json"])
        .output()
        .unwrap();
    let run: common::Run = out.into();
    assert_eq!(
        run.code, 1,
        "tampering ({check}) not detected:\n{}",
        run.stdout
    );
    let doc = run.json();
    let broken = &doc["campaigns"][0]["broken"];
    assert!(
        broken["record"].as_str().unwrap().contains(record),
        "expected record containing {record:?}, got {broken}"
    );
    assert_eq!(broken["check"], check, "{broken}");
}

fn sql(ws: &Path, statement: &str) {
    let db = rusqlite::Connection::open(ws.join("genesis.db")).unwrap();
    let n = db.execute(statement, []).unwrap();
    assert!(n > 0, "{statement} changed nothing");
}

#[test]
fn verify_passes_untouched_and_names_each_tampering() {
    let g = Genesis::new();
    let id = run_campaign(&g);
    let ok = g.run(&["verify", "--json"]).ok().json();
    let c = &ok["campaigns"][0];
    assert_eq!(c["ok"], true, "{ok}");
    assert_eq!(c["trials"], 6);
    // created + 6 × (proposed, started, completed) + campaign completed.
    assert_eq!(c["events"], 20);
    // The campaign file and each trial's stdout (identical stdouts are stored once).
    assert!(c["artifacts"].as_u64().unwrap() >= 7, "{c}");
    let text = g.run(&["verify", &id]).ok().stdout;
    assert!(text.contains("verified: 20 events, 6 trials"), "{text}");

    check_tamper(
        &g,
        |ws| {
            sql(
                ws,
                "UPDATE trials SET outputs_json = '{\"f\":0.0}' WHERE idx = 3",
            )
        },
        "trial 3 of campaign",
        "output `f`",
    );
    check_tamper(
        &g,
        |ws| {
            sql(
                ws,
                "UPDATE trials SET params_json = replace(params_json, '\"b\":', '\"b\":1') WHERE idx = 2",
            )
        },
        "trial 2 of campaign",
        "inputs",
    );
    check_tamper(
        &g,
        |ws| sql(ws, "DELETE FROM events WHERE seq = 7"),
        "event 7 of campaign",
        "sequence",
    );
    // Deleting the last event is caught by the tables, which say more.
    check_tamper(
        &g,
        |ws| sql(ws, "DELETE FROM events WHERE seq = 19"),
        &format!("campaign {id} (table campaigns)"),
        "status",
    );
    check_tamper(
        &g,
        |ws| {
            sql(ws, "UPDATE events SET seq = -1 WHERE seq = 4");
            sql(ws, "UPDATE events SET seq = 4 WHERE seq = 5");
            sql(ws, "UPDATE events SET seq = 5 WHERE seq = -1");
        },
        "event 4 of campaign",
        "link to the previous event",
    );
    check_tamper(
        &g,
        |ws| {
            sql(
                ws,
                "UPDATE events SET body = replace(body, '\"attempt\":1', '\"attempt\":2') WHERE seq = (SELECT MIN(seq) FROM events WHERE kind = 'trial_started')",
            )
        },
        "of campaign",
        "hash of the stored event (its content was changed)",
    );
    check_tamper(
        &g,
        |ws| sql(ws, "DELETE FROM trials WHERE idx = 5"),
        "trial 5 of campaign",
        "row",
    );
    check_tamper(
        &g,
        |ws| {
            // Change one stdout artifact file.
            let db = rusqlite::Connection::open(ws.join("genesis.db")).unwrap();
            let body: String = db
                .query_row(
                    "SELECT body FROM events WHERE kind = 'trial_completed' ORDER BY seq LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let event: serde_json::Value = serde_json::from_str(&body).unwrap();
            let hash = event["artifacts"][0]["hash"].as_str().unwrap().to_string();
            let path = ws.join("artifacts").join(&hash[..2]).join(&hash[2..]);
            // Artifacts are encrypted at rest: flip one ciphertext byte.
            let mut bytes = std::fs::read(&path).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x20;
            std::fs::write(&path, bytes).unwrap();
        },
        "artifact `stdout` of trial",
        "encrypted file (the file was changed)",
    );
    check_tamper(
        &g,
        |ws| {
            let key = ws.join("keys/signing.key");
            // A different key: every signature now fails.
            std::fs::write(&key, "11".repeat(32)).unwrap();
        },
        "event 0 of campaign",
        "signature",
    );
}

#[test]
fn lineage_explains_a_result() {
    let g = Genesis::new();
    let id = run_campaign(&g);
    let l = g.run(&["lineage", &id, "4", "--json"]).ok().json();
    assert_eq!(l["trial"], 4);
    assert_eq!(l["status"], "completed");
    assert_eq!(l["proposal"]["planner"], "sobol 1.0.0");
    assert_eq!(l["campaign"]["name"], "prov-demo");
    assert_eq!(l["result"]["artifacts"][0]["name"], "stdout");
    // Batches of 2, two workers: trial 4 was proposed after trials 0-1 finished at least.
    let informed = l["proposal"]["informed_by"].as_array().unwrap();
    assert!(informed.len() >= 2 && informed.len() <= 4, "{l}");
    let tree = g.run(&["lineage", &id, "4"]).ok().stdout;
    assert!(
        tree.starts_with(&format!("trial 4 of campaign {id} \"prov-demo\"")),
        "{tree}"
    );
    assert!(tree.contains("artifact stdout"), "{tree}");
    let dot = g.run(&["lineage", &id, "4", "--dot"]).ok().stdout;
    assert!(
        dot.starts_with("digraph lineage {") && dot.contains("result -> run"),
        "{dot}"
    );
    let missing = g.run(&["lineage", &id, "99"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("has no trial 99"),
        "{}",
        missing.stderr
    );
}

#[test]
fn replay_reproduces_builtin_trials_exactly_and_notices_a_changed_program() {
    let g = Genesis::new();
    let file = g.file(
        "b.toml",
        r#"
name = "replay-builtin"
twin = "bench.hartmann6"
budget = 8
seed = 2
planner = "bo"
[parameters]
x1 = { type = "float", low = 0.0, high = 1.0 }
x2 = { type = "float", low = 0.0, high = 1.0 }
x3 = { type = "float", low = 0.0, high = 1.0 }
x4 = { type = "float", low = 0.0, high = 1.0 }
x5 = { type = "float", low = 0.0, high = 1.0 }
x6 = { type = "float", low = 0.0, high = 1.0 }
[objectives.f]
goal = "minimize"
"#,
    );
    let report = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    let id = report["campaign"].as_str().unwrap();
    let r = g.run(&["replay", id, "7", "--json"]).ok().json();
    assert_eq!(r["matches"], true, "{r}");
    assert_eq!(r["tolerance"], "exact (bit for bit)");
    assert_eq!(r["outputs"][0]["recorded"], r["outputs"][0]["replayed"]);

    let id = run_campaign(&g);
    g.run(&["replay", &id, "1"]).ok();
    // Edit the program: the replay differs, and says the twin changed.
    g.file("model.py", &PROGRAM.replace("/ 10", "/ 7"));
    let r = g.run(&["replay", &id, "1"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("NOT reproduced"), "{}", r.stdout);
    assert!(r.stdout.contains("twin then:"), "{}", r.stdout);
}

/// The Python with `prov` and `rocrate` installed; `scripts/test` sets it.
fn python() -> String {
    std::env::var("GENESIS_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "GENESIS_TEST_PYTHON is not set: the export tests need a Python with the `prov` and \
             `rocrate` packages. Run ./scripts/test, which creates target/pyenv and sets it."
        )
    })
}

fn validator(script: &str, target: &Path) -> common::Run {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/validate")
        .join(script);
    std::process::Command::new(python())
        .arg(path)
        .arg(target)
        .output()
        .unwrap()
        .into()
}

#[test]
fn prov_json_and_ro_crate_pass_the_reference_tools() {
    let g = Genesis::new();
    let id = run_campaign(&g);
    let prov = g.dir.path().join("prov.json");
    g.run(&[
        "export",
        &id,
        "--format",
        "prov-json",
        "-o",
        prov.to_str().unwrap(),
    ])
    .ok();
    let summary = validator("prov_check.py", &prov).ok().json();
    let kinds = &summary["kinds"];
    // 6 proposals and 6 runs; inputs and outputs of 6 trials, the campaign
    // file, the record, and 6 stdout artifacts.
    assert_eq!(kinds["Activity"], 12, "{summary}");
    assert_eq!(kinds["Entity"], 6 + 6 + 2 + 6, "{summary}");
    assert_eq!(kinds["Agent"], 4, "{summary}");
    assert_eq!(kinds["Derivation"], 6, "{summary}");
    assert_eq!(kinds["Usage"], 12, "{summary}");
    assert_eq!(summary["types"]["genesis:TrialRun"], 6, "{summary}");

    let dir = g.dir.path().join("crate");
    g.run(&[
        "export",
        &id,
        "--format",
        "ro-crate",
        "-o",
        dir.to_str().unwrap(),
    ])
    .ok();
    let summary = validator("rocrate_check.py", &dir).ok().json();
    assert_eq!(summary["actions"], 1, "{summary}");
    // campaign.toml, trials.csv, prov.json, events, key, and the artifacts.
    assert!(summary["files"].as_u64().unwrap() >= 6, "{summary}");

    // The crate verifies offline, and a changed file in it is named.
    let v = g
        .run(&["verify", "--crate", dir.to_str().unwrap()])
        .ok()
        .stdout;
    assert!(v.contains("verified: 20 events"), "{v}");
    let csv = dir.join("trials.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, text.replacen(',', ";", 1)).unwrap();
    let v = g.run(&["verify", "--crate", dir.to_str().unwrap()]);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(
        v.stdout.contains("file trials.csv of the crate"),
        "{}",
        v.stdout
    );
    // Exporting into an existing folder is refused and changes nothing.
    let again = g.run(&[
        "export",
        &id,
        "--format",
        "ro-crate",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(again.code, 2, "{}", again.stderr);
}

#[test]
fn the_signing_key_is_private_and_a_readable_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let g = Genesis::new();
    g.run(&["init"]).ok();
    let key = g.workspace().join("keys/signing.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(key.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = g.run(&["list"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("readable by others") && r.stderr.contains("chmod 600"),
        "{}",
        r.stderr
    );
}
