//! `genesis endf info|xs|plot`: evaluated nuclear data (ENDF-6 tapes) from
//! the command line, through `genesis-endf` — what is on a tape, pointwise
//! cross sections at a temperature as CSV (NJOY's RECONR + BROADR), and a
//! log-log plot of them.

use crate::BadInput;
use anyhow::Result;
use clap::Subcommand;
use genesis_endf::{
    BroadenOptions, EndfError, Evaluation, Header, Material, Pointwise, ReconstructOptions,
    ResonanceParameters, Tape,
};
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum EndfCommand {
    /// What a tape holds: materials (MAT, ZA, AWR, library), resonance
    /// ranges with formalism, energy bounds and counts, and the MF/MT directory.
    Info {
        /// The ENDF tape.
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Pointwise cross sections as CSV (`energy_eV,MT<n>_barns,...`): the
    /// 0 K reconstruction, Doppler-broadened unless --temperature is 0.
    Xs {
        #[command(flatten)]
        selection: Selection,
        /// Write the CSV here (atomically); without it the CSV goes to
        /// stdout and the summary to stderr.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also register the table as a dataset NAME in the workspace, with
        /// its provenance (source file hash, MAT, MTs, temperature,
        /// tolerance, code version); `genesis datasets` lists them.
        #[arg(long, value_name = "NAME")]
        register: Option<String>,
    },
    /// Log-log SVG plot of pointwise cross sections.
    Plot {
        #[command(flatten)]
        selection: Selection,
        /// The SVG file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Which data to process and how: shared by `xs` and `plot`.
#[derive(clap::Args)]
pub struct Selection {
    /// The ENDF tape.
    file: PathBuf,
    /// Material number (MAT); may be left out when the tape holds one material.
    #[arg(long)]
    mat: Option<i32>,
    /// Reactions: 1 total, 2 elastic, 18 fission, 102 capture (repeat or comma-separate).
    #[arg(long = "mt", required = true, value_delimiter = ',')]
    mts: Vec<u32>,
    /// Temperature [K]; 0 gives the 0 K reconstruction.
    #[arg(long = "temperature", allow_negative_numbers = true)]
    temperature_k: f64,
    /// Relative tolerance of linear interpolation, for reconstruction and thinning.
    #[arg(long, default_value_t = 0.001)]
    tolerance: f64,
}

pub fn dispatch(cmd: EndfCommand, ws: &Path) -> Result<()> {
    match cmd {
        EndfCommand::Info { file, json } => info(&file, json),
        EndfCommand::Xs {
            selection,
            out,
            register,
        } => xs(&selection, out.as_deref(), register.as_deref(), ws),
        EndfCommand::Plot { selection, out } => plot(&selection, &out),
    }
}

/// Errors in the tape or the options are the user's (exit 2); a numerical
/// failure of the processing is ours (exit 1).
fn endf_error(e: EndfError) -> anyhow::Error {
    match e {
        EndfError::Numerical { .. } => anyhow::Error::new(e),
        other => BadInput(other.to_string()).into(),
    }
}

fn read_tape(file: &Path) -> Result<Tape> {
    Tape::read(file).map_err(endf_error)
}

/// Element symbols by Z, for readable names such as "U-235".
const ELEMENTS: [&str; 118] = [
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl",
    "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As",
    "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In",
    "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb",
    "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl",
    "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk",
    "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh",
    "Fl", "Mc", "Lv", "Ts", "Og",
];

/// "U-235", "C-nat" (A = 0), "Pm-148m" (LIS > 0); "ZA 1234" for unknown Z.
fn nuclide_name(header: &Header) -> String {
    let za = header.za.round() as i64;
    let (z, a) = (za / 1000, za % 1000);
    let Some(symbol) = usize::try_from(z - 1).ok().and_then(|i| ELEMENTS.get(i)) else {
        return format!("ZA {za}");
    };
    let mass = if a == 0 { "nat".into() } else { a.to_string() };
    let state = if header.lis > 0 { "m" } else { "" };
    format!("{symbol}-{mass}{state}")
}

fn reaction_name(mt: u32) -> &'static str {
    match mt {
        1 => "total",
        2 => "elastic",
        18 => "fission",
        102 => "capture",
        _ => "reaction",
    }
}

// ---------------------------------------------------------------- info

#[derive(Serialize)]
struct MaterialInfo {
    mat: i32,
    name: String,
    za: f64,
    awr: f64,
    library: String,
    nlib: i64,
    format: &'static str,
    temperature_k: f64,
    /// Resolved and unresolved ranges; empty without MF2/MT151.
    resonance_ranges: Vec<RangeInfo>,
    /// Why MF2 could not be read into ranges (e.g. LRF 7), when it could not.
    resonance_note: Option<String>,
    directory: Vec<DirectoryInfo>,
}

#[derive(Serialize)]
struct RangeInfo {
    isotope_za: f64,
    abundance: f64,
    formalism: &'static str,
    lru: i64,
    lrf: i64,
    energy_low_ev: f64,
    energy_high_ev: f64,
    resonance_count: usize,
}

#[derive(Serialize)]
struct DirectoryInfo {
    mf: i64,
    mt: i64,
    line_count: i64,
}

fn material_info(material: &Material<'_>) -> Result<MaterialInfo> {
    let header = Header::read(material).map_err(endf_error)?;
    // An unsupported resonance representation is reported, not fatal: the
    // rest of the material is still worth showing.
    let (resonances, resonance_note) = match ResonanceParameters::read(material) {
        Ok(r) => (r, None),
        Err(e @ EndfError::Unsupported { .. }) => (None, Some(e.to_string())),
        Err(e) => return Err(endf_error(e)),
    };
    let resonance_ranges = resonances
        .iter()
        .flat_map(|r| r.ranges())
        .map(|(isotope, range)| RangeInfo {
            isotope_za: isotope.zai,
            abundance: isotope.abundance,
            formalism: range.formalism(),
            lru: range.lru,
            lrf: range.lrf,
            energy_low_ev: range.energy_low_ev,
            energy_high_ev: range.energy_high_ev,
            resonance_count: range.resonance_count(),
        })
        .collect();
    Ok(MaterialInfo {
        mat: material.mat(),
        name: nuclide_name(&header),
        za: header.za,
        awr: header.awr,
        library: header.library(),
        nlib: header.nlib,
        format: match header.format {
            genesis_endf::Format::Endf6 => "ENDF-6",
            genesis_endf::Format::Endf5 => "ENDF-5",
        },
        temperature_k: header.temperature_k,
        resonance_ranges,
        resonance_note,
        directory: header
            .directory
            .iter()
            .map(|d| DirectoryInfo {
                mf: d.mf,
                mt: d.mt,
                line_count: d.line_count,
            })
            .collect(),
    })
}

fn info(file: &Path, json: bool) -> Result<()> {
    let tape = read_tape(file)?;
    let materials: Vec<MaterialInfo> = tape
        .materials()
        .map(|m| material_info(&m))
        .collect::<Result<_>>()?;
    if json {
        let doc = serde_json::json!({
            "file": file.display().to_string(),
            "tape_id": tape.tape_id(),
            "materials": materials,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", info_text(file, &materials));
    }
    Ok(())
}

fn info_text(file: &Path, materials: &[MaterialInfo]) -> String {
    let plural = if materials.len() == 1 { "" } else { "s" };
    let mut out = format!("{}: {} material{plural}\n", file.display(), materials.len());
    for m in materials {
        out.push_str(&format!(
            "\nMAT {}  {}  ZA {}  AWR {}  {}  ({}, NLIB {})\n",
            m.mat, m.name, m.za, m.awr, m.library, m.format, m.nlib
        ));
        if m.temperature_k != 0.0 {
            out.push_str(&format!("  temperature {} K\n", m.temperature_k));
        }
        if let Some(note) = &m.resonance_note {
            out.push_str(&format!("  resonances: {note}\n"));
        } else if m.resonance_ranges.is_empty() {
            out.push_str("  resonances: none (no MF2/MT151)\n");
        } else {
            out.push_str("  resonance ranges:\n");
        }
        for r in &m.resonance_ranges {
            let count = match r.lru {
                1 => format!(
                    ", {} resonance{}",
                    r.resonance_count,
                    if r.resonance_count == 1 { "" } else { "s" }
                ),
                _ => String::new(),
            };
            out.push_str(&format!(
                "    {:e} - {:e} eV  {} (LRU {}, LRF {}){count}  [isotope ZA {}, abundance {}]\n",
                r.energy_low_ev,
                r.energy_high_ev,
                r.formalism,
                r.lru,
                r.lrf,
                r.isotope_za,
                r.abundance
            ));
        }
        out.push_str("  directory (MF: MT list):\n");
        let mut mfs: Vec<i64> = m.directory.iter().map(|d| d.mf).collect();
        mfs.dedup();
        for mf in mfs {
            let mts: Vec<String> = m
                .directory
                .iter()
                .filter(|d| d.mf == mf)
                .map(|d| d.mt.to_string())
                .collect();
            out.push_str(&format!("    MF{mf}: {}\n", mts.join(" ")));
        }
    }
    out
}

// ---------------------------------------------------------------- xs, plot

/// Pointwise data of one material at one temperature, with what it cost.
struct Processed {
    evaluation: Evaluation,
    pointwise: Pointwise,
    read_time: Duration,
    reconstruct_time: Duration,
    /// Points of the 0 K grid (before broadening and thinning).
    cold_points: usize,
    /// Broadening + thinning time, when the temperature is above 0 K.
    broaden_time: Option<Duration>,
}

impl Processed {
    fn title(&self, selection: &Selection) -> String {
        let h = &self.evaluation.header;
        let mts: Vec<String> = selection.mts.iter().map(u32::to_string).collect();
        format!(
            "{} (MAT {}, {}), MT {} at {} K, tolerance {}",
            nuclide_name(h),
            self.evaluation.mat,
            h.library(),
            mts.join(", "),
            selection.temperature_k,
            selection.tolerance
        )
    }

    fn summary(&self, selection: &Selection) -> String {
        let mut s = format!(
            "{}\n  read tape (MF1, MF2, MF3): {:.3} s\n  reconstruct 0 K: {:.3} s, {} points\n",
            self.title(selection),
            self.read_time.as_secs_f64(),
            self.reconstruct_time.as_secs_f64(),
            self.cold_points
        );
        if let Some(t) = self.broaden_time {
            s.push_str(&format!(
                "  broaden to {} K and thin: {:.3} s, {} points\n",
                selection.temperature_k,
                t.as_secs_f64(),
                self.pointwise.len()
            ));
        }
        s
    }
}

/// The reactions `xs` produces for this evaluation: MT 1, 2, 102 always,
/// MT 18 for fissionable materials (as `genesis_endf::reconstruct` does).
fn available_mts(evaluation: &Evaluation) -> Vec<u32> {
    let fissile = evaluation.header.lfi == 1
        || evaluation
            .cross_sections
            .iter()
            .any(|s| matches!(s.mt, 18..=21 | 38));
    let mut mts = vec![1, 2];
    if fissile {
        mts.push(18);
    }
    mts.push(102);
    mts
}

fn check_selection(selection: &Selection, evaluation: &Evaluation) -> Result<()> {
    let available = available_mts(evaluation);
    let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    for &mt in &selection.mts {
        if !available.contains(&mt) {
            let why = if evaluation.cross_section(mt).is_some() {
                "is on the tape, but only these reactions are reconstructed"
            } else {
                "is not present"
            };
            return Err(BadInput(format!(
                "{}: --mt {mt}: MT {mt} {why} for MAT {}; available: {}",
                selection.file.display(),
                evaluation.mat,
                list(&available)
            ))
            .into());
        }
    }
    Ok(())
}

fn choose_material<'t>(tape: &'t Tape, selection: &Selection) -> Result<Material<'t>> {
    let mats: Vec<i32> = tape.materials().map(|m| m.mat()).collect();
    match selection.mat {
        Some(mat) => tape.material(mat).map_err(|e| {
            BadInput(format!(
                "--mat {mat}: {e}\nhint: `genesis endf info {}` lists the materials",
                selection.file.display()
            ))
            .into()
        }),
        None if mats.len() == 1 => Ok(tape.materials().next().expect("one material")),
        None => Err(BadInput(format!(
            "{} holds {} materials ({mats:?}); choose one with --mat",
            selection.file.display(),
            mats.len()
        ))
        .into()),
    }
}

fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .expect("valid template"),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn process(selection: &Selection) -> Result<Processed> {
    if !(selection.temperature_k >= 0.0 && selection.temperature_k.is_finite()) {
        return Err(BadInput(format!(
            "--temperature {}: must be a temperature >= 0 K (0 = the 0 K reconstruction)",
            selection.temperature_k
        ))
        .into());
    }
    let start = Instant::now();
    let tape = read_tape(&selection.file)?;
    let material = choose_material(&tape, selection)?;
    let evaluation = material.evaluation().map_err(endf_error)?;
    let read_time = start.elapsed();
    check_selection(selection, &evaluation)?;

    let bar = spinner(&format!(
        "reconstructing MAT {} at 0 K (tolerance {})",
        evaluation.mat, selection.tolerance
    ));
    let start = Instant::now();
    let cold = genesis_endf::reconstruct(
        &evaluation,
        &ReconstructOptions {
            tolerance: selection.tolerance,
            ..ReconstructOptions::default()
        },
    );
    let reconstruct_time = start.elapsed();
    let cold = cold.map_err(|e| {
        bar.finish_and_clear();
        endf_error(e)
    })?;
    let cold_points = cold.len();
    let (pointwise, broaden_time) = if selection.temperature_k == 0.0 {
        (cold, None)
    } else {
        bar.set_message(format!(
            "broadening {} points to {} K",
            cold_points, selection.temperature_k
        ));
        let start = Instant::now();
        let warm = cold.broaden(&BroadenOptions {
            temperature_k: selection.temperature_k,
            tolerance: selection.tolerance,
            upper_energy_ev: None,
        });
        let elapsed = start.elapsed();
        let warm = warm.map_err(|e| {
            bar.finish_and_clear();
            endf_error(e)
        })?;
        (warm, Some(elapsed))
    };
    bar.finish_and_clear();
    Ok(Processed {
        evaluation,
        pointwise,
        read_time,
        reconstruct_time,
        cold_points,
        broaden_time,
    })
}

/// Each MT once, in the order given.
fn unique(mts: &[u32]) -> Vec<u32> {
    let mut seen = Vec::new();
    for &mt in mts {
        if !seen.contains(&mt) {
            seen.push(mt);
        }
    }
    seen
}

fn xs(selection: &Selection, out: Option<&Path>, register: Option<&str>, ws: &Path) -> Result<()> {
    let processed = process(selection)?;
    let csv = processed.pointwise.to_csv(&unique(&selection.mts));
    let summary = processed.summary(selection);
    if let Some(name) = register {
        let source = std::fs::read(&selection.file)
            .map_err(|e| BadInput(format!("cannot read {}: {e}", selection.file.display())))?;
        let metadata = serde_json::json!({
            "source_file": selection.file.display().to_string(),
            "source_blake3": genesis_prov::digest(&source).hex(),
            "mat": processed.evaluation.mat,
            "nuclide": nuclide_name(&processed.evaluation.header),
            "library": processed.evaluation.header.library(),
            "mts": unique(&selection.mts),
            "temperature_k": selection.temperature_k,
            "tolerance": selection.tolerance,
            "points": processed.pointwise.len(),
            "columns": csv.lines().next().unwrap_or_default(),
            "software": format!("genesis {} (genesis-endf)", env!("CARGO_PKG_VERSION")),
        });
        let mut store = crate::open_store(ws)?;
        let d = store.add_dataset(
            name,
            "endf.pointwise",
            &metadata,
            &format!("{name}.csv"),
            csv.as_bytes(),
            genesis_engine::now_ms(),
        )?;
        eprintln!("registered dataset {} ({name}) in {}", d.id, ws.display());
    }
    match out {
        Some(path) => {
            crate::write_atomically(path, csv.as_bytes())?;
            print!("{summary}");
            println!(
                "wrote {} ({} rows)",
                path.display(),
                processed.pointwise.len()
            );
        }
        None => {
            print!("{csv}");
            eprint!("{summary}");
        }
    }
    Ok(())
}

fn plot(selection: &Selection, out: &Path) -> Result<()> {
    let processed = process(selection)?;
    let mts: Vec<String> = unique(&selection.mts)
        .iter()
        .map(|mt| format!("MT {mt}"))
        .collect();
    let title = format!(
        "{} (MAT {}, {}): {} at {} K",
        nuclide_name(&processed.evaluation.header),
        processed.evaluation.mat,
        processed.evaluation.header.library(),
        mts.join(", "),
        selection.temperature_k
    );
    let curves: Vec<(u32, Vec<(f64, f64)>)> = unique(&selection.mts)
        .into_iter()
        .map(|mt| {
            let values = processed
                .pointwise
                .reaction(mt)
                .expect("checked against the available reactions");
            (
                mt,
                envelope(processed.pointwise.energies_ev(), values, PLOT_BINS),
            )
        })
        .collect();
    if curves.iter().all(|(_, c)| c.is_empty()) {
        return Err(BadInput(format!(
            "{}: MAT {}: the selected reactions are zero everywhere, nothing to plot on log axes",
            selection.file.display(),
            processed.evaluation.mat
        ))
        .into());
    }
    let svg = draw(&title, &curves).map_err(|e| anyhow::anyhow!("drawing the plot: {e}"))?;
    crate::write_atomically(out, svg.as_bytes())?;
    print!("{}", processed.summary(selection));
    println!("wrote {}", out.display());
    Ok(())
}

/// Log-energy bins of the plot; each keeps its lowest and highest point, so
/// resonance peaks and dips survive while the SVG stays small.
const PLOT_BINS: usize = 2000;

/// Positive points (log axes), reduced to the min and max of each
/// log-energy bin, in energy order.
fn envelope(energies: &[f64], values: &[f64], bins: usize) -> Vec<(f64, f64)> {
    let points: Vec<(f64, f64)> = energies
        .iter()
        .zip(values)
        .filter(|&(&e, &v)| e > 0.0 && v > 0.0)
        .map(|(&e, &v)| (e, v))
        .collect();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return points;
    };
    let (lo, hi) = (first.0.ln(), last.0.ln());
    let width = ((hi - lo) / bins as f64).max(f64::MIN_POSITIVE);
    // The last point belongs to the last bin, not to one of its own.
    let bin_of = |energy: f64| (((energy.ln() - lo) / width) as usize).min(bins.max(1) - 1);
    let mut kept = Vec::new();
    let mut start = 0;
    while start < points.len() {
        let bin = bin_of(points[start].0);
        let mut end = start;
        while end < points.len() && bin_of(points[end].0) == bin {
            end += 1;
        }
        let slice = &points[start..end];
        let min = (0..slice.len())
            .min_by(|&a, &b| slice[a].1.total_cmp(&slice[b].1))
            .expect("bin is not empty");
        let max = (0..slice.len())
            .max_by(|&a, &b| slice[a].1.total_cmp(&slice[b].1))
            .expect("bin is not empty");
        let (a, b) = (min.min(max), min.max(max));
        kept.push(slice[a]);
        if b != a {
            kept.push(slice[b]);
        }
        start = end;
    }
    kept
}

fn reaction_color(mt: u32) -> RGBColor {
    match mt {
        1 => RGBColor(0, 0, 0),
        2 => RGBColor(31, 119, 180),
        18 => RGBColor(214, 39, 40),
        _ => RGBColor(44, 160, 44),
    }
}

fn draw(
    title: &str,
    curves: &[(u32, Vec<(f64, f64)>)],
) -> Result<String, Box<dyn std::error::Error>> {
    let all = || curves.iter().flat_map(|(_, c)| c.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(e, v) in all() {
        x0 = x0.min(e);
        x1 = x1.max(e);
        y0 = y0.min(v);
        y1 = y1.max(v);
    }
    // Half a decade of room around the data; never a zero-width range.
    let (y0, y1) = (y0 / 3.0, y1 * 3.0);
    let (x0, x1) = if x1 > x0 {
        (x0, x1)
    } else {
        (x0 / 2.0, x1 * 2.0)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 650)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("incident neutron energy [eV]")
            .y_desc("cross section [b]")
            .x_label_formatter(&|v| format!("{v:.0e}"))
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        for (mt, points) in curves {
            let style = reaction_color(*mt).stroke_width(1);
            chart
                .draw_series(std::iter::once(PathElement::new(points.clone(), style)))?
                .label(format!("MT {mt} ({})", reaction_name(*mt)))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_keeps_the_peak_and_the_dip_of_each_bin() {
        // 1000 points in one decade, a spike at 5 and a dip at 7: with 4
        // bins, every bin keeps its extremes (spike and dip survive).
        let e: Vec<f64> = (0..1000).map(|i| 1.0 + 9.0 * i as f64 / 999.0).collect();
        let v: Vec<f64> = e
            .iter()
            .map(|&x| {
                if (x - 5.0).abs() < 0.005 {
                    1e4
                } else if (x - 7.0).abs() < 0.005 {
                    1e-3
                } else {
                    1.0 + x
                }
            })
            .collect();
        let kept = envelope(&e, &v, 4);
        assert!(kept.len() <= 8, "{} points", kept.len());
        assert!(kept.iter().any(|p| p.1 == 1e4));
        assert!(kept.iter().any(|p| p.1 == 1e-3));
        assert!(kept.windows(2).all(|w| w[0].0 < w[1].0));
        // Zeros cannot be drawn on log axes and are left out.
        assert!(envelope(&[1.0, 2.0], &[0.0, 0.0], 4).is_empty());
    }
}
