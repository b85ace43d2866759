//! A mutation fuzzer for the ENDF reader, for runs of minutes (not a unit
//! test): it mutates real evaluations (bytes, whole lines, single 11-column
//! fields, truncation, line duplication), reads each mutant as a tape and
//! decodes every material's MF1/MF2/MF3, and fails on the first panic,
//! saving the input. Mutants that give an error message not seen before are
//! kept in the corpus folder, which later runs start from.
//!
//! `cargo run --release -p genesis-endf --example fuzz_reader -- SECONDS CORPUS_DIR SEED FILE...`
//! (`bench/fuzz/run.sh` runs it on the small evaluations).

use genesis_endf::Tape;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// SplitMix64: seeded, so a crash is reproducible from the seed and count.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Most mutants one run adds to the corpus.
const MAX_KEPT: usize = 200;

/// Characters that matter to the ENDF number and record formats.
const ALPHABET: &[u8] = b"0123456789+-.eE D\n-1";

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    let lines: Vec<(usize, usize)> = {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, b) in out.iter().enumerate() {
            if *b == b'\n' {
                v.push((start, i));
                start = i + 1;
            }
        }
        v
    };
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = ALPHABET[rng.below(ALPHABET.len())];
            }
            1 if !lines.is_empty() => {
                // Overwrite one 11-column field of a line.
                let (s, e) = lines[rng.below(lines.len())];
                let field = rng.below(6) * 11;
                for k in 0..11 {
                    if s + field + k < e.min(out.len()) {
                        out[s + field + k] = ALPHABET[rng.below(ALPHABET.len())];
                    }
                }
            }
            2 if !lines.is_empty() => {
                // Delete a line.
                let (s, e) = lines[rng.below(lines.len())];
                if e < out.len() {
                    out.drain(s..=e);
                }
            }
            3 if !lines.is_empty() => {
                // Duplicate a line.
                let (s, e) = lines[rng.below(lines.len())];
                if e < out.len() {
                    let copy = out[s..=e].to_vec();
                    out.splice(s..s, copy);
                }
            }
            4 if !out.is_empty() => {
                let n = rng.below(out.len());
                out.truncate(n);
            }
            _ if !out.is_empty() => {
                // A random byte anywhere, including non-ASCII.
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            _ => {}
        }
    }
    out
}

/// Reads and decodes everything; the error text (first line, numbers
/// stripped) classifies the outcome.
fn exercise(bytes: Vec<u8>) -> String {
    match Tape::parse(bytes, "mutant") {
        Err(e) => shape(&e.to_string()),
        Ok(tape) => {
            let mut seen = String::from("ok");
            for m in tape.materials() {
                if let Err(e) = m.evaluation() {
                    seen = shape(&e.to_string());
                }
            }
            seen
        }
    }
}

/// The kind of an outcome: the message's first line without numbers,
/// quoted text and file positions, cut to its leading words — so the
/// corpus keeps one mutant per kind of error, not per bad value.
fn shape(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    let mut out = String::new();
    let mut quoted = false;
    for c in first.chars() {
        match c {
            '`' | '"' | '\'' => quoted = !quoted,
            _ if quoted || c.is_ascii_digit() => {}
            _ => out.push(c),
        }
    }
    // Drop the "mutant, line N, columns A-B:" prefix.
    let body = out.rsplit(": ").next().unwrap_or(&out);
    body.split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: fuzz_reader SECONDS CORPUS_DIR SEED FILE...");
        std::process::exit(2);
    }
    let seconds: u64 = args[1].parse().expect("SECONDS is a number");
    let corpus = PathBuf::from(&args[2]);
    let seed: u64 = args[3].parse().expect("SEED is a number");
    std::fs::create_dir_all(&corpus).expect("the corpus folder can be made");
    let mut seeds: Vec<Vec<u8>> = args[4..]
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_else(|e| panic!("cannot read {f}: {e}")))
        .collect();
    let kept: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "endf"))
        .collect();
    for p in &kept {
        seeds.push(std::fs::read(p).unwrap());
    }
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed);
    let mut shapes: BTreeSet<String> = BTreeSet::new();
    let (mut runs, mut added) = (0u64, 0usize);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        let from = rng.below(seeds.len());
        let mutant = mutate(&seeds[from], &mut rng);
        let copy = mutant.clone();
        runs += 1;
        match std::panic::catch_unwind(move || exercise(copy)) {
            Ok(outcome) => {
                if shapes.insert(outcome) && mutant.len() < 100_000 && added < MAX_KEPT {
                    let name = corpus.join(format!("mutant-{seed}-{runs}.endf"));
                    std::fs::write(&name, &mutant).unwrap();
                    added += 1;
                }
            }
            Err(_) => {
                let name = Path::new(&args[2]).join(format!("CRASH-{seed}-{runs}.endf"));
                std::fs::write(&name, &mutant).unwrap();
                eprintln!(
                    "PANIC on mutant {runs} (seed {seed}); input saved to {}",
                    name.display()
                );
                std::process::exit(1);
            }
        }
    }
    println!(
        "{runs} mutants in {:.0} s ({:.0}/s), no panic; {} distinct outcomes; {added} added to {} ({} kept before)",
        start.elapsed().as_secs_f64(),
        runs as f64 / start.elapsed().as_secs_f64(),
        shapes.len(),
        corpus.display(),
        kept.len()
    );
}
