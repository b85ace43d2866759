//! Speed of the ENDF pipeline on JENDL-3.3 U-235 (3193 Reich-Moore
//! resonances with fission) and U-238 (10 Reich-Moore ranges): parse the
//! tape and read MF1/MF2/MF3, reconstruct at 0 K to 0.1 %, broaden to
//! 293.6 K and thin to 0.1 %. Point counts are printed before the timings.
//!
//! `cargo bench -p genesis-endf --bench endf`

use std::path::PathBuf;

use genesis_endf::{BroadenOptions, Evaluation, Pointwise, ReconstructOptions, Tape, reconstruct};

fn path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/endf")
        .join(file)
}

fn evaluation(file: &str, mat: i32) -> Evaluation {
    Tape::read(&path(file))
        .unwrap()
        .material(mat)
        .unwrap()
        .evaluation()
        .unwrap()
}

fn cold(file: &str, mat: i32) -> Pointwise {
    reconstruct(&evaluation(file, mat), &ReconstructOptions::default()).unwrap()
}

fn main() {
    for (name, file, mat) in [("U-235", "J33U235", 9228), ("U-238", "J33U238", 9237)] {
        let zero = cold(file, mat);
        let warm = zero.broaden(&BroadenOptions::default()).unwrap();
        println!(
            "{name}: 0 K points {}, 293.6 K points {}",
            zero.len(),
            warm.len()
        );
    }
    divan::main();
}

#[divan::bench(args = [("J33U235", 9228), ("J33U238", 9237)])]
fn parse(args: (&str, i32)) -> usize {
    let tape = Tape::read(&path(args.0)).unwrap();
    tape.material(args.1)
        .unwrap()
        .evaluation()
        .unwrap()
        .cross_sections
        .len()
}

#[divan::bench(args = [("J33U235", 9228), ("J33U238", 9237)], sample_count = 3)]
fn reconstruct_0k(bencher: divan::Bencher, args: (&str, i32)) {
    let evaluation = evaluation(args.0, args.1);
    bencher.bench(|| {
        reconstruct(&evaluation, &ReconstructOptions::default())
            .unwrap()
            .len()
    });
}

#[divan::bench(args = [("J33U235", 9228), ("J33U238", 9237)], sample_count = 3)]
fn broaden_293k(bencher: divan::Bencher, args: (&str, i32)) {
    let zero = cold(args.0, args.1);
    bencher.bench(|| zero.broaden(&BroadenOptions::default()).unwrap().len());
}
