//! Encryption at rest: artifacts and secrets are ciphertext on disk under
//! a data key wrapped by the master key; provenance hashes (of the
//! plaintext) still verify; the master key rotates without touching the
//! data; a wrong key is refused with nothing changed.

mod common;
use common::Genesis;

const CAMPAIGN: &str = r#"
name = "sealed"
budget = 4
seed = 1
planner = "sobol"
[twin]
command = ["python3", "-c", "import json,sys; x=json.load(sys.stdin); print('MARKER-STDOUT-7f3a'); print('MARKER-STDERR-91bc', file=sys.stderr); print(json.dumps({'f': x['a']**2}))"]
[parameters]
a = { type = "float", low = -1.0, high = 1.0, unit = "1" }
[objectives.f]
goal = "minimize"
"#;

fn artifact_files(g: &Genesis) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(g.workspace().join("artifacts")).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            out.push(f.unwrap().path());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn artifacts_are_ciphertext_and_still_verify_through_a_key_rotation() {
    let g = Genesis::new();
    let file = g.file("c.toml", CAMPAIGN);
    let run = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    let id = run["campaign"].as_str().unwrap().to_string();
    // The program's output was kept (lineage lists it) but no file shows it.
    let files = artifact_files(&g);
    assert!(files.len() >= 3, "campaign file, stdout, stderr: {files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            bytes.starts_with(b"GNSENC1\0"),
            "{} is not encrypted",
            f.display()
        );
        for marker in [
            "MARKER-STDOUT-7f3a",
            "MARKER-STDERR-91bc",
            "sealed",
            "python3",
        ] {
            assert!(
                !contains(&bytes, marker),
                "{marker} in plain text in {}",
                f.display()
            );
        }
    }
    g.run(&["verify", &id]).ok();

    // Rotate: a new master key, the same data; the old key no longer opens it.
    let old_key = std::fs::read(g.workspace().join("keys/master.key")).unwrap();
    let r = g.run(&["keys", "rotate"]).ok();
    assert!(r.stdout.contains("new master key"), "{}", r.stdout);
    let new_key = std::fs::read(g.workspace().join("keys/master.key")).unwrap();
    assert_ne!(old_key, new_key);
    g.run(&["verify", &id]).ok();
    let export = g.dir.path().join("crate");
    g.run(&[
        "export",
        &id,
        "--format",
        "ro-crate",
        "--output",
        export.to_str().unwrap(),
    ])
    .ok();
    // The exported crate carries the plaintext (it is for sharing) and verifies.
    g.run(&["verify", "--crate", export.to_str().unwrap()]).ok();
    let old = g.file("old.key", std::str::from_utf8(&old_key).unwrap());
    let before = std::fs::read(g.workspace().join("keys/data.key")).unwrap();
    let r: common::Run = g
        .command(&["verify", &id])
        .env("GENESIS_MASTER_KEY_FILE", &old)
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("does not open this workspace's data key"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    assert_eq!(
        std::fs::read(g.workspace().join("keys/data.key")).unwrap(),
        before
    );
    // A missing key file named by the operator is not created.
    let r: common::Run = g
        .command(&["list"])
        .env("GENESIS_MASTER_KEY_FILE", g.dir.path().join("nowhere.key"))
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);

    // Changing one byte of the ciphertext is caught, naming the artifact.
    let victim = files
        .iter()
        .max_by_key(|f| std::fs::metadata(f).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(victim).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(victim, bytes).unwrap();
    let r = g.run(&["verify", &id]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("artifact"), "{}", r.stdout);
}

#[test]
fn an_interrupted_rotation_is_finished_at_the_next_open() {
    let g = Genesis::new();
    let file = g.file("c.toml", CAMPAIGN);
    let id = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json()["campaign"]
        .as_str()
        .unwrap()
        .to_string();
    let keys = g.workspace().join("keys");
    let data_before = std::fs::read(keys.join("data.key")).unwrap();
    g.run(&["keys", "rotate"]).ok();
    // Simulate a crash between "new master key written" and "data key
    // renamed": put the old wrapping back as current and the new one aside.
    let data_after = std::fs::read(keys.join("data.key")).unwrap();
    std::fs::write(keys.join("data.key.next"), &data_after).unwrap();
    std::fs::write(keys.join("data.key"), &data_before).unwrap();
    g.run(&["verify", &id]).ok();
    assert_eq!(std::fs::read(keys.join("data.key")).unwrap(), data_after);
    assert!(!keys.join("data.key.next").exists());
}
