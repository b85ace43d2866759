//! The reader on real tapes (several materials, ENDF-5 and ENDF-6 headers,
//! every record type) and on corrupt input: a corpus of one-defect files
//! with the exact message each must produce, and proptest mutations of a
//! real file that must never panic.

use std::path::PathBuf;

use genesis_endf::{Format, RangeKind, ReconstructOptions, Tape, reconstruct};
use proptest::prelude::*;

fn shared(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/endf")
        .join(file)
}

fn local(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file)
}

/// Reads a corpus file all the way to typed data and returns the error text.
fn first_error(file: &str) -> String {
    let path = local(&format!("bad/{file}"));
    let text = std::fs::read(&path).unwrap();
    let result = Tape::parse(text, file).and_then(|tape| {
        tape.materials()
            .map(|m| m.evaluation().map(|_| ()))
            .collect::<Result<Vec<_>, _>>()
    });
    result
        .expect_err("corrupt file must be rejected")
        .to_string()
}

fn check_error(file: &str, expect: &str) {
    assert_eq!(first_error(file), expect, "{file}");
}

#[test]
fn corrupt_files_give_messages_with_line_columns_and_record() {
    check_error(
        "bad_float.endf",
        "bad_float.endf:38: columns 12-22 of the TAB1 record: not a number: \"    5.1x33 \"",
    );
    check_error(
        "short_line.endf",
        "short_line.endf:39: control (columns 67-75) record: line has 40 characters, but MAT/MF/MT need columns 67-75: \" 3.000000-5     5.1333 5.000000-5     5.\"",
    );
    check_error(
        "huge_count.endf",
        "huge_count.endf:36: TAB1 record: NP = 999999999 needs more lines than the 47 left in the section",
    );
    check_error(
        "bad_interpolation.endf",
        "bad_interpolation.endf:36: TAB1 record: interpolation law INT=9 is not one of 1-5",
    );
    check_error(
        "decreasing_energy.endf",
        "decreasing_energy.endf:36: TAB1 record: x decreases at point 6: 0.00007 after 0.001",
    );
    check_error(
        "bad_mat_number.endf",
        "bad_mat_number.endf:40: columns 67-70 of the control record: MAT is not an integer: \"6x53\"",
    );
    check_error(
        "no_header.endf",
        "no_header.endf:4: MF1/MT451 record: material 6153 has no MF1/MT451 header section",
    );
    check_error("empty.endf", "empty.endf:1: tape record: no material found");
}

#[test]
fn tape_511_has_seven_materials_in_endf5_format() {
    let tape = Tape::read(&shared("t511")).unwrap();
    let mats: Vec<i32> = tape.materials().map(|m| m.mat()).collect();
    assert_eq!(mats, [1146, 1301, 1303, 1305, 1306, 1379, 1395]);
    let gold = tape.material(1379).unwrap().evaluation().unwrap();
    assert_eq!(gold.header.format, Format::Endf5);
    assert_eq!(gold.header.za, 79197.0);
    assert_eq!(gold.header.awr, 195.274);
    let (_, range) = gold.resonances.as_ref().unwrap().ranges().next().unwrap();
    assert_eq!(
        (range.formalism(), range.energy_low_ev, range.energy_high_ev),
        ("MLBW", 1e-5, 5e3)
    );
    assert_eq!(
        gold.header.library(),
        "ENDF/B",
        "ENDF-5 tapes have no HSUB line"
    );
    let u235 = tape.material(1395).unwrap().evaluation().unwrap();
    let formalisms: Vec<&str> = u235
        .resonances
        .as_ref()
        .unwrap()
        .ranges()
        .map(|(_, r)| r.formalism())
        .collect();
    assert_eq!(formalisms, ["SLBW", "unresolved"]);
    assert_eq!(u235.resolved_range_ev(), Some((1.0, 82.0)));
    assert!(!u235.header.directory.is_empty());
}

#[test]
fn endf6_header_directory_and_reich_moore_ranges() {
    let tape = Tape::read(&shared("J33U238")).unwrap();
    let u238 = tape.material(9237).unwrap().evaluation().unwrap();
    assert_eq!(u238.header.format, Format::Endf6);
    assert_eq!(u238.header.library(), "JENDL-3.3");
    assert_eq!(
        u238.header.directory.len(),
        tape.material(9237).unwrap().sections().len()
    );
    let ranges: Vec<_> = u238
        .resonances
        .as_ref()
        .unwrap()
        .ranges()
        .map(|(_, r)| r)
        .collect();
    assert_eq!(
        ranges.len(),
        11,
        "10 Reich-Moore ranges of 1 keV and the unresolved range"
    );
    assert!(ranges[..10].iter().all(|r| r.formalism() == "Reich-Moore"));
    let RangeKind::Unresolved(urr) = &ranges[10].kind else {
        panic!("range 11 should be unresolved")
    };
    assert_eq!(
        (ranges[10].energy_low_ev, ranges[10].energy_high_ev),
        (1e4, 1.5e5)
    );
    assert!(urr.sequences > 0);
    assert!(tape.material(1).is_err());
}

#[test]
fn every_file_in_the_shared_set_reads() {
    for file in [
        "n-001_H_001-ENDF8.0-Beta6.endf",
        "t511",
        "n-008_O_016-ENDF7.1-ENDFtk.endf",
        "n-026_Fe_056-endfbvii.1.endf",
        "J33U238",
        "J33U235",
        "n-094_Pu_241-ENDF8.0.endf",
        "n-050_Sn_119-ENDF8.0.endf",
        "SLBWExampleFull_testFile.endf",
        "SLBWExample1SRes_testFile.endf",
        "MLBWExample1PRes_testFile.endf",
    ] {
        let tape = Tape::read(&shared(file)).unwrap();
        for material in tape.materials() {
            let evaluation = material
                .evaluation()
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(
                evaluation.cross_section(2).is_some(),
                "{file} MAT {} has elastic",
                material.mat()
            );
        }
    }
}

#[test]
fn intg_records_of_every_width() {
    let line = |fields: &str, mt: &str| format!("{fields:<66}9999{mt}    1\n");
    let text = [
        line(
            " 1.000000+0 1.000000+0          0          0          0          0",
            "32151",
        ),
        line("    1    1 12 -3 45  0 99", "32151"),
        line("   12    7    12    -3", "32151"),
    ]
    .concat();
    let tape = Tape::parse(text.into_bytes(), "intg").unwrap();
    let mut records = tape.material(9999).unwrap().section(32, 151).unwrap();
    records.cont().unwrap();
    let two = records.intg(2).unwrap();
    assert_eq!((two.row, two.column), (1, 1));
    assert_eq!(&two.values[..5], &[12, -3, 45, 0, 99]);
    let five = records.intg(5).unwrap();
    assert_eq!(
        (five.row, five.column, five.values[0], five.values[1]),
        (12, 7, 12, -3)
    );
    assert!(records.is_done());
}

fn read_everything(text: Vec<u8>) {
    if let Ok(tape) = Tape::parse(text, "mutant") {
        for material in tape.materials() {
            if let Ok(evaluation) = material.evaluation() {
                let options = ReconstructOptions {
                    tolerance: 0.01,
                    energy_window_ev: Some((1e-3, 10.0)),
                    extra_energies_ev: vec![],
                };
                let _ = reconstruct(&evaluation, &options);
            }
        }
    }
}

fn original() -> Vec<u8> {
    std::fs::read(local("pm148m_slbw_1res.endf")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Random bytes overwritten anywhere: errors are fine, panics are not.
    #[test]
    fn overwritten_bytes_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b" 0123456789+-.eEDx\n\r\t\xff".to_vec())), 1..12)) {
        let mut text = original();
        for (index, byte) in edits {
            let i = index.index(text.len());
            text[i] = byte;
        }
        read_everything(text);
    }

    /// Whole lines deleted, duplicated or swapped.
    #[test]
    fn shuffled_lines_never_panic(ops in prop::collection::vec((0u8..3, any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..6)) {
        let text = original();
        let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        for (op, a, b) in ops {
            let (i, j) = (a.index(lines.len()), b.index(lines.len()));
            match op {
                0 => { lines.remove(i); }
                1 => { let l = lines[i]; lines.insert(j, l); }
                _ => lines.swap(i, j),
            }
            if lines.is_empty() { break; }
        }
        read_everything(lines.join(&b'\n'));
    }

    /// Any number field replaced by any 11-character string of number characters.
    #[test]
    fn fields_replaced_never_panic(line in 1usize..180, slot in 0usize..6, field in "[ 0-9+.eE-]{11}") {
        let text = original();
        let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        if line < lines.len() && lines[line].len() >= 66 {
            lines[line][11 * slot..11 * slot + 11].copy_from_slice(field.as_bytes());
        }
        read_everything(lines.join(&b'\n'));
    }
}
