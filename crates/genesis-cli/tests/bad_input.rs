//! Every invalid campaign in tests/data/invalid/ is refused with exit code 2,
//! a message naming file, line and field (snapshotted), and no workspace.

mod common;
use common::Genesis;

#[test]
fn invalid_campaigns_are_refused_and_leave_no_trace() {
    let mut files: Vec<_> = std::fs::read_dir("tests/data/invalid")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "the invalid corpus went missing");
    for file in files {
        let g = Genesis::new();
        let rel = file.to_str().unwrap();
        let run = g.run(&["run", rel]);
        assert_eq!(run.code, 2, "{rel} should exit 2\nstderr:\n{}", run.stderr);
        assert!(run.stdout.is_empty(), "{rel}: stdout {:?}", run.stdout);
        assert!(
            !g.workspace().exists(),
            "{rel}: bad input must not create the workspace"
        );
        let name = file.file_stem().unwrap().to_str().unwrap().to_string();
        insta::assert_snapshot!(name, run.stderr);
    }
}

#[test]
fn a_missing_file_is_bad_input() {
    let g = Genesis::new();
    let run = g.run(&["run", "tests/data/no-such-file.toml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot read campaign file tests/data/no-such-file.toml"),
        "{}",
        run.stderr
    );
    assert!(!g.workspace().exists());
}

#[test]
fn unknown_campaign_ids_are_bad_input() {
    let g = Genesis::new();
    let run = g.run(&["show", "deadbeef"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no Genesis workspace"),
        "{}",
        run.stderr
    );
}
