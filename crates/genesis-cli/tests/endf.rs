//! `genesis endf info|xs|plot` through the binary, on the real evaluations of
//! `../shared/data/endf` (light files only, to keep the run short).
//!
//! Reference values come from `../shared/data/endf/reference_points.csv`
//! (NJOY2016.78 RECONR/BROADR at err = errmax = 0.001; its README says how
//! they were computed); they are read from that file, not copied here.

mod common;
use common::{Genesis, Run, repo_root};
use std::path::PathBuf;

fn data(file: &str) -> PathBuf {
    repo_root().join("../shared/data/endf").join(file)
}

/// One row of reference_points.csv: (MT, energy [eV], σ [b]).
fn reference_rows(file: &str, temperature_k: f64) -> Vec<(u32, f64, f64)> {
    let text = std::fs::read_to_string(data("reference_points.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| line.split(',').collect::<Vec<_>>())
        .filter(|f| f[9] == file && f[2].parse::<f64>().unwrap() == temperature_k)
        .filter(|f| f[5].starts_with("NJOY2016.78"))
        .map(|f| {
            (
                f[1].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

/// A pointwise CSV written by `endf xs`: header and rows.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl Table {
    fn parse(text: &str) -> Table {
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
            .collect();
        Table { header, rows }
    }

    /// σ of `mt` at `energy_ev`, lin-lin between grid points.
    fn value_at(&self, mt: u32, energy_ev: f64) -> f64 {
        let column = self
            .header
            .iter()
            .position(|h| *h == format!("MT{mt}_barns"))
            .unwrap_or_else(|| panic!("no MT{mt} column in {:?}", self.header));
        let i = self.rows.partition_point(|r| r[0] < energy_ev);
        assert!(i < self.rows.len(), "{energy_ev} eV is above the grid");
        let (hi, lo) = (&self.rows[i], &self.rows[i.saturating_sub(1)]);
        if hi[0] == energy_ev || i == 0 {
            return hi[column];
        }
        let t = (energy_ev - lo[0]) / (hi[0] - lo[0]);
        lo[column] + t * (hi[column] - lo[column])
    }
}

/// Runs `endf xs` for every MT of the reference rows at one temperature and
/// checks each reference value within 0.1 % (the criterion).
fn check_reference(file: &str, mat: &str, temperature_k: f64) {
    let rows = reference_rows(file, temperature_k);
    assert!(!rows.is_empty(), "no reference rows for {file}");
    let g = Genesis::new();
    let out = g.dir.path().join("xs.csv");
    let mut mts: Vec<u32> = rows.iter().map(|r| r.0).collect();
    mts.sort();
    mts.dedup();
    let mut args: Vec<String> = ["endf", "xs", data(file).to_str().unwrap(), "--mat", mat]
        .map(String::from)
        .to_vec();
    for mt in &mts {
        args.extend(["--mt".to_string(), mt.to_string()]);
    }
    args.extend(["--temperature".into(), temperature_k.to_string()]);
    args.extend(["--out".into(), out.to_str().unwrap().to_string()]);
    let run = g
        .run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    assert!(run.stdout.contains("points"), "{}", run.stdout);
    assert!(run.stdout.contains("wrote"), "{}", run.stdout);
    let table = Table::parse(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(table.header[0], "energy_eV");
    for (mt, energy, want) in rows {
        let got = table.value_at(mt, energy);
        let rel = (got - want).abs() / want.abs();
        assert!(
            rel <= 1e-3,
            "{file} MT{mt} at {energy} eV, {temperature_k} K: got {got}, NJOY {want} (rel {rel:.2e})"
        );
    }
}

#[test]
fn xs_reproduces_njoy_for_hydrogen_at_0_and_293_6_kelvin() {
    // H-1, ENDF/B-VIII.0, MAT 125: no resonances, MF3 INT 2 and 5.
    check_reference("n-001_H_001-ENDF8.0-Beta6.endf", "125", 0.0);
    check_reference("n-001_H_001-ENDF8.0-Beta6.endf", "125", 293.6);
}

#[test]
fn xs_reproduces_njoy_for_slbw_niobium_at_0_and_293_6_kelvin() {
    // Nb-93 (FUDGE-rewritten ENDF/B-VII.1), MAT 4125: SLBW to 7350 eV.
    check_reference("SLBWExampleFull_testFile.endf", "4125", 0.0);
    check_reference("SLBWExampleFull_testFile.endf", "4125", 293.6);
}

#[test]
fn xs_without_out_writes_the_csv_to_stdout_and_the_summary_to_stderr() {
    let g = Genesis::new();
    let file = data("SLBWExample1SRes_testFile.endf");
    // The tape holds one material, so --mat may be left out.
    let run = g
        .run(&[
            "endf",
            "xs",
            file.to_str().unwrap(),
            "--mt",
            "102,2",
            "--temperature",
            "0",
        ])
        .ok();
    let table = Table::parse(&run.stdout);
    assert_eq!(table.header, ["energy_eV", "MT102_barns", "MT2_barns"]);
    assert!(table.rows.windows(2).all(|w| w[0][0] < w[1][0]));
    assert!(run.stderr.contains("reconstruct 0 K"), "{}", run.stderr);
    assert!(!run.stderr.contains("broaden"), "{}", run.stderr);
}

#[test]
fn info_lists_materials_resonance_ranges_and_directory() {
    let g = Genesis::new();
    // Run from the data folder so the snapshot does not hold a local path.
    let run: Run = g
        .command(&["endf", "info", "SLBWExample1SRes_testFile.endf"])
        .current_dir(data(""))
        .output()
        .unwrap()
        .into();
    insta::assert_snapshot!("endf_info_pm148m", run.ok().stdout);

    // t511: ENDF/B-V standards tape, seven materials in the older ENDF-5 header.
    let json = g
        .run(&["endf", "info", data("t511").to_str().unwrap(), "--json"])
        .ok()
        .json();
    let materials = json["materials"].as_array().unwrap();
    let mats: Vec<i64> = materials
        .iter()
        .map(|m| m["mat"].as_i64().unwrap())
        .collect();
    assert_eq!(mats, [1146, 1301, 1303, 1305, 1306, 1379, 1395]);
    let u235 = &materials[6];
    assert_eq!(u235["name"], "U-235");
    assert_eq!(u235["format"], "ENDF-5");
    let ranges = u235["resonance_ranges"].as_array().unwrap();
    // README: SLBW 1-82 eV, then an unresolved range.
    assert_eq!(ranges[0]["formalism"], "SLBW");
    assert_eq!(ranges[0]["energy_low_ev"], 1.0);
    assert_eq!(ranges[0]["energy_high_ev"], 82.0);
    assert!(ranges[0]["resonance_count"].as_u64().unwrap() > 10);
    assert_eq!(ranges.last().unwrap()["formalism"], "unresolved");
    assert!(
        u235["directory"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["mf"] == 3 && d["mt"] == 18)
    );
}

#[test]
fn plot_writes_a_log_log_svg_with_units_and_title() {
    let g = Genesis::new();
    let svg = g.dir.path().join("xs.svg");
    let run = g
        .run(&[
            "endf",
            "plot",
            data("SLBWExample1SRes_testFile.endf").to_str().unwrap(),
            "--mat",
            "6153",
            "--mt",
            "102",
            "--mt",
            "2",
            "--temperature",
            "293.6",
            "--out",
            svg.to_str().unwrap(),
        ])
        .ok();
    assert!(run.stdout.contains("broaden to 293.6 K"), "{}", run.stdout);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..100.min(text.len())]);
    for want in [
        "Pm-148m (MAT 6153",
        "MT 102, MT 2 at 293.6 K",
        "incident neutron energy [eV]",
        "cross section [b]",
        "MT 102 (capture)",
        "MT 2 (elastic)",
    ] {
        assert!(text.contains(want), "SVG lacks {want:?}");
    }
    // Log axes: tick labels a decade apart.
    assert!(
        text.contains("1e-5") || text.contains("1e-4"),
        "no log ticks"
    );
}

/// Bad input exits 2 with a message quoting the offending file or option.
fn check_refused(args: &[&str], expect: &[&str]) {
    let run = Genesis::new().run(args);
    assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    for e in expect {
        assert!(
            run.stderr.contains(e),
            "{args:?}: {:?} lacks {e:?}",
            run.stderr
        );
    }
}

#[test]
fn bad_input_names_the_file_or_the_option() {
    let h1 = data("n-001_H_001-ENDF8.0-Beta6.endf");
    let h1 = h1.to_str().unwrap();
    let xs = |extra: &[&'static str]| {
        let mut a = vec!["endf", "xs", h1];
        a.extend_from_slice(extra);
        a
    };
    check_refused(
        &["endf", "info", "no/such/tape.endf"],
        &["no/such/tape.endf", "cannot read"],
    );
    check_refused(
        &xs(&["--mat", "9228", "--mt", "102", "--temperature", "0"]),
        &["--mat 9228", "n-001_H_001", "125"],
    );
    check_refused(
        &xs(&["--mat", "125", "--mt", "18", "--temperature", "0"]),
        &["--mt 18", "n-001_H_001", "available: 1, 2, 102"],
    );
    check_refused(
        &xs(&["--mat", "125", "--mt", "16", "--temperature", "0"]),
        &["--mt 16", "available"],
    );
    check_refused(
        &xs(&["--mat", "125", "--mt", "1", "--temperature", "-5"]),
        &["--temperature -5", ">= 0 K"],
    );
    check_refused(
        &xs(&[
            "--mat",
            "125",
            "--mt",
            "1",
            "--temperature",
            "0",
            "--tolerance",
            "0.5",
        ]),
        &["tolerance", "0.5"],
    );
    // t511 holds seven materials: --mat is needed.
    check_refused(
        &[
            "endf",
            "xs",
            data("t511").to_str().unwrap(),
            "--mt",
            "1",
            "--temperature",
            "0",
        ],
        &["7 materials", "--mat"],
    );
    // A corrupt tape: the reader's message names the line.
    let g = Genesis::new();
    let text = std::fs::read_to_string(data("SLBWExample1SRes_testFile.endf")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[3].replace_range(0..11, " 1.2x34+5  ");
    let bad = g.file("corrupt.endf", &lines.join("\n"));
    check_refused(
        &["endf", "info", bad.to_str().unwrap()],
        &["corrupt.endf:4"],
    );
}

/// `--register` keeps the table as a dataset with its provenance; the
/// signed record and the file are checked on every listing.
#[test]
fn processed_tables_are_registered_as_datasets_with_provenance() {
    let g = Genesis::new();
    let h1 = data("n-001_H_001-ENDF8.0-Beta6.endf");
    let args = [
        "endf",
        "xs",
        h1.to_str().unwrap(),
        "--mt",
        "102",
        "--temperature",
        "293.6",
        "--register",
        "h1-capture-293",
    ];
    let run = g.run(&args).ok();
    assert!(
        run.stderr.contains("registered dataset D-"),
        "{}",
        run.stderr
    );
    let list = g.run(&["datasets", "--json"]).ok().json();
    let d = &list["datasets"][0];
    assert_eq!(d["name"], "h1-capture-293");
    assert_eq!(d["kind"], "endf.pointwise");
    assert_eq!(d["verified"], true, "{d}");
    let m = &d["metadata"];
    let source = std::fs::read(&h1).unwrap();
    assert_eq!(m["source_blake3"], blake3_hex(&source));
    assert_eq!(
        (
            m["mat"].clone(),
            m["temperature_k"].clone(),
            m["tolerance"].clone()
        ),
        (
            serde_json::json!(125),
            serde_json::json!(293.6),
            serde_json::json!(0.001)
        )
    );
    assert!(m["software"].as_str().unwrap().starts_with("genesis "));
    // Changing the record (here its temperature) is found.
    let db = rusqlite::Connection::open(g.workspace().join("genesis.db")).unwrap();
    db.execute(
        "UPDATE datasets SET metadata = replace(metadata, '293.6', '300.0')",
        [],
    )
    .unwrap();
    let r = g.run(&["datasets"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("the record was changed"), "{}", r.stdout);
}

fn blake3_hex(bytes: &[u8]) -> String {
    genesis_prov::digest(bytes).hex()
}
