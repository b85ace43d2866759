//! Validation against `shared/data/endf/reference_points.csv`: NJOY2016.78
//! RECONR/BROADR values (err = errmax = 0.001, the CSV energies as user grid
//! points), NJOY repository reference tapes (tests 01 and 36) and FUDGE's
//! resonance-only unit-test values. Sources are named per row in the CSV's
//! `source_tool` column (see that folder's README). Every row must agree
//! within 0.1 %.

use std::collections::BTreeMap;
use std::path::PathBuf;

use genesis_endf::{
    BroadenOptions, Pointwise, ReconstructOptions, ResonanceEvaluator, Tape, reconstruct,
};

const RELATIVE_TOLERANCE: f64 = 1e-3;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/endf")
}

#[derive(Debug, Clone)]
struct Row {
    material: String,
    mt: u32,
    temperature_k: f64,
    energy_ev: f64,
    xs_barns: f64,
    source: String,
    mat: i32,
    file: String,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(data_dir().join("reference_points.csv"))
        .expect("reference_points.csv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Row {
                material: f[0].into(),
                mt: f[1].parse().unwrap(),
                temperature_k: f[2].parse().unwrap(),
                energy_ev: f[3].parse().unwrap(),
                xs_barns: f[4].parse().unwrap(),
                source: f[5].into(),
                mat: f[6].parse().unwrap(),
                file: f[9].into(),
            }
        })
        .collect()
}

/// Window of the 0 K reconstruction that a value at `energy` needs: the
/// free-gas kernel reaches |√E' - √E| < 4 √(kT/A); 6 are taken, and the
/// window starts at the evaluation's 1e-5 eV when that reaches zero.
fn window_around(energy: f64, awr: f64, temperature_k: f64) -> (f64, f64) {
    let width = 6.0 * (8.617333262e-5 * temperature_k.max(1.0) / awr).sqrt();
    let low = energy.sqrt() - width;
    let low = if low > 0.0 {
        (low * low).max(1e-5)
    } else {
        1e-5
    };
    (
        low.min(energy * 0.9),
        (energy.sqrt() + width).powi(2).max(energy * 1.1),
    )
}

fn check(row: &Row, got: f64, worst: &mut BTreeMap<String, f64>) {
    let relative = (got - row.xs_barns).abs() / row.xs_barns.abs();
    let key = format!("{} MT{} {} K", row.material, row.mt, row.temperature_k);
    let entry = worst.entry(key).or_insert(0.0);
    *entry = entry.max(relative);
    println!(
        "{:<16} MT{:<4} {:>6} K  E = {:<14} ref {:<12} got {:<14.7} rel {:.2e}  [{}]",
        row.material,
        row.mt,
        row.temperature_k,
        row.energy_ev,
        row.xs_barns,
        got,
        relative,
        &row.source[..row.source.len().min(24)]
    );
    assert!(
        relative <= RELATIVE_TOLERANCE,
        "{} MT{} at {} K, {} eV: got {got}, reference {} (relative {relative:.2e})",
        row.material,
        row.mt,
        row.temperature_k,
        row.energy_ev,
        row.xs_barns
    );
}

#[test]
fn reference_points_within_a_tenth_of_a_percent() {
    let rows = rows();
    assert!(
        rows.len() >= 60,
        "expected the 68 curated rows, found {}",
        rows.len()
    );
    let mut worst = BTreeMap::new();
    let mut by_material: BTreeMap<(String, i32), Vec<Row>> = BTreeMap::new();
    for row in &rows {
        by_material
            .entry((row.file.clone(), row.mat))
            .or_default()
            .push(row.clone());
    }
    for ((file, mat), group) in &by_material {
        let tape = Tape::read(&data_dir().join(file)).unwrap();
        let evaluation = tape.material(*mat).unwrap().evaluation().unwrap();
        let resonance_only: Vec<&Row> = group
            .iter()
            .filter(|r| r.source.starts_with("FUDGE"))
            .collect();
        if !resonance_only.is_empty() {
            let evaluator =
                ResonanceEvaluator::new(evaluation.resonances.as_ref().unwrap(), file, *mat)
                    .unwrap();
            for row in resonance_only {
                let xs = evaluator.evaluate(row.energy_ev);
                let got = match row.mt {
                    1 => xs.total,
                    2 => xs.elastic,
                    18 => xs.fission,
                    102 => xs.capture,
                    other => panic!("unexpected MT {other}"),
                };
                check(row, got, &mut worst);
            }
        }
        let processed: Vec<&Row> = group
            .iter()
            .filter(|r| !r.source.starts_with("FUDGE"))
            .collect();
        // One reconstruction per reference energy window keeps U-235 (3193
        // Reich-Moore resonances) fast in debug builds; the windows are
        // wide enough for the broadening kernel.
        for row in processed {
            let options = ReconstructOptions {
                tolerance: 0.001,
                energy_window_ev: Some(window_around(
                    row.energy_ev,
                    evaluation.header.awr,
                    row.temperature_k,
                )),
                extra_energies_ev: vec![row.energy_ev],
            };
            let cold: Pointwise = reconstruct(&evaluation, &options).unwrap();
            let data = if row.temperature_k > 0.0 {
                cold.broaden(&BroadenOptions {
                    temperature_k: row.temperature_k,
                    tolerance: 0.001,
                    upper_energy_ev: None,
                })
                .unwrap()
            } else {
                cold
            };
            let got = data.value_at(row.mt, row.energy_ev).unwrap_or_else(|| {
                panic!(
                    "{} MT{} missing at {} eV",
                    row.material, row.mt, row.energy_ev
                )
            });
            check(row, got, &mut worst);
        }
    }
    println!("\nworst relative difference per material / MT / temperature:");
    for (key, value) in &worst {
        println!("  {key:<32} {value:.2e}");
    }
}
