//! `genesis popcon CASE.toml`: the fusion twin's operating space on a
//! density–temperature grid, as a CSV and an SVG plot (filled Q contours,
//! line contours of P_aux, P_fus, P_SOL/P_LH, f_GW and beta_N, the
//! over-ignited region masked).

use crate::BadInput;
use anyhow::Result;
use genesis_core::{Inputs, Value};
use genesis_fusion::{Popcon, PopconCell, TokamakTwin, popcon};
use plotters::prelude::*;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A POPCON case file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// `fusion.tokamak` inputs; those left out take the twin's defaults
    /// (ITER's Q = 10 baseline).
    #[serde(default)]
    machine: toml::Table,
    grid: Grid,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Grid {
    /// Volume-averaged electron density [1e20 m⁻³].
    ne_avg20: Axis,
    /// Volume-averaged electron temperature [keV].
    te_avg: Axis,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Axis {
    low: f64,
    high: f64,
    points: usize,
}

impl Axis {
    fn values(&self, what: &str, file: &Path) -> Result<Vec<f64>> {
        if !(self.low > 0.0 && self.high > self.low && (2..=2000).contains(&self.points)) {
            return Err(BadInput(format!(
                "{}: grid.{what}: need 0 < low < high and 2 <= points <= 2000 (got low = {}, high = {}, points = {})",
                file.display(),
                self.low,
                self.high,
                self.points
            ))
            .into());
        }
        let n = self.points - 1;
        Ok((0..=n)
            .map(|i| self.low + (self.high - self.low) * i as f64 / n as f64)
            .collect())
    }
}

/// Reads the case, evaluates the grid, writes `OUT.csv` and `OUT.svg`
/// (`OUT` defaults to the case name in the current folder).
pub fn run(file: &Path, out: Option<&Path>) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", file.display())))?;
    let case: Case =
        toml::from_str(&text).map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
    let twin = TokamakTwin::new();
    let spec = genesis_core::Twin::spec(&twin);
    let mut inputs = Inputs::new();
    for (k, v) in &case.machine {
        if spec.input(k).is_none() {
            let known: Vec<&str> = spec.inputs.iter().map(|i| i.name.as_str()).collect();
            return Err(BadInput(format!(
                "{}: machine.{k}: `fusion.tokamak` has no input `{k}`\nhint: its inputs are: {}",
                file.display(),
                known.join(", ")
            ))
            .into());
        }
        let value = v
            .as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .ok_or_else(|| {
                BadInput(format!(
                    "{}: machine.{k}: expected a number, got {v}",
                    file.display()
                ))
            })?;
        inputs.insert(k.clone(), Value::Float(value));
    }
    let machine =
        TokamakTwin::tokamak(&inputs).map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
    let ne = case.grid.ne_avg20.values("ne_avg20", file)?;
    let te = case.grid.te_avg.values("te_avg", file)?;
    let grid =
        popcon(&machine, &ne, &te).map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
    let base: PathBuf = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(&case.name));
    let csv_path = base.with_extension("csv");
    let svg_path = base.with_extension("svg");
    crate::write_atomically(&csv_path, csv(&grid).as_bytes())?;
    // The machine's own steady state at its P_aux, marked on the plot.
    let operating = machine.solve().ok().map(|s| {
        let ne = machine.prepare().map(|p| p.ne_avg20()).unwrap_or(f64::NAN);
        (s.state.te_avg, ne, machine.P_aux, s.q)
    });
    let svg = plot(&grid, &case.name, operating)
        .map_err(|e| anyhow::anyhow!("drawing the POPCON: {e}"))?;
    crate::write_atomically(&svg_path, svg.as_bytes())?;
    let best = grid
        .cells
        .iter()
        .filter(|c| c.accessible && c.f_gw <= 1.0)
        .max_by(|a, b| a.q.total_cmp(&b.q));
    println!(
        "{}: {} x {} grid; wrote {} and {}",
        case.name,
        ne.len(),
        te.len(),
        csv_path.display(),
        svg_path.display()
    );
    if let Some(c) = best {
        println!(
            "highest Q below the Greenwald limit with P_aux >= 0: Q = {:.1} at <n_e> = {:.3}e20 m^-3, <Te> = {:.2} keV (P_aux {:.1} MW, P_fus {:.0} MW)",
            c.q, c.ne_avg20, c.te_avg, c.p_aux, c.p_fus
        );
    }
    Ok(())
}

fn csv(grid: &Popcon) -> String {
    let mut s =
        String::from("ne_avg20,te_avg,P_aux,Q,P_fus,P_SOL_over_P_LH,f_GW,beta_N,accessible\n");
    for c in &grid.cells {
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            c.ne_avg20,
            c.te_avg,
            c.p_aux,
            if c.accessible {
                c.q.to_string()
            } else {
                String::new()
            },
            c.p_fus,
            c.p_sol_over_p_lh,
            c.f_gw,
            c.beta_n,
            u8::from(c.accessible)
        ));
    }
    s
}

/// Q bands of the filled contours and their colours (light to dark).
const Q_BANDS: [(f64, RGBColor); 7] = [
    (0.0, RGBColor(255, 255, 229)),
    (1.0, RGBColor(247, 252, 185)),
    (2.0, RGBColor(217, 240, 163)),
    (5.0, RGBColor(173, 221, 142)),
    (10.0, RGBColor(120, 198, 121)),
    (20.0, RGBColor(65, 171, 93)),
    (50.0, RGBColor(35, 132, 67)),
];

/// Line contours: (label, unit, value of a cell, levels, colour).
type LineFamily = (
    &'static str,
    &'static str,
    fn(&PopconCell) -> f64,
    &'static [f64],
    RGBColor,
);

const LINES: [LineFamily; 5] = [
    (
        "P_aux",
        "MW",
        |c| c.p_aux,
        &[10.0, 25.0, 50.0, 100.0],
        RGBColor(200, 30, 30),
    ),
    (
        "P_fus",
        "MW",
        |c| c.p_fus,
        &[100.0, 250.0, 500.0, 1000.0],
        RGBColor(30, 60, 200),
    ),
    (
        "P_SOL/P_LH",
        "",
        |c| c.p_sol_over_p_lh,
        &[1.0],
        RGBColor(150, 0, 150),
    ),
    ("f_GW", "", |c| c.f_gw, &[1.0], RGBColor(0, 0, 0)),
    ("beta_N", "", |c| c.beta_n, &[2.8], RGBColor(230, 120, 0)),
];

/// `operating`: (<Te>, <n_e>, P_aux, Q) of the machine's steady state.
fn plot(
    grid: &Popcon,
    name: &str,
    operating: Option<(f64, f64, f64, f64)>,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 700)).into_drawing_area();
        root.fill(&WHITE)?;
        let (te, ne) = (&grid.te_avg, &grid.ne_avg20);
        let (x0, x1) = (te[0], te[te.len() - 1]);
        let (y0, y1) = (ne[0], ne[ne.len() - 1]);
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("POPCON {name}: Q (filled), limits and powers (lines)"),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("volume-averaged electron temperature <Te> [keV]")
            .y_desc("volume-averaged electron density <n_e> [1e20 m^-3]")
            .draw()?;
        let cell = |i: usize, j: usize| &grid.cells[i * te.len() + j];
        // Filled Q bands, drawn cell by cell; over-ignited cells (P_aux < 0) hatched grey.
        let dx = |j: usize| {
            if j + 1 < te.len() {
                (te[j + 1] - te[j]) / 2.0
            } else {
                (te[j] - te[j - 1]) / 2.0
            }
        };
        let dy = |i: usize| {
            if i + 1 < ne.len() {
                (ne[i + 1] - ne[i]) / 2.0
            } else {
                (ne[i] - ne[i - 1]) / 2.0
            }
        };
        for (i, &n) in ne.iter().enumerate() {
            for (j, &t) in te.iter().enumerate() {
                let c = cell(i, j);
                let color = if !c.accessible {
                    RGBColor(200, 200, 200)
                } else {
                    Q_BANDS
                        .iter()
                        .rev()
                        .find(|(q, _)| c.q >= *q)
                        .map_or(Q_BANDS[0].1, |b| b.1)
                };
                let (hx, hy) = (dx(j), dy(i));
                chart.draw_series(std::iter::once(Rectangle::new(
                    [
                        ((t - hx).max(x0), (n - hy).max(y0)),
                        ((t + hx).min(x1), (n + hy).min(y1)),
                    ],
                    color.filled(),
                )))?;
            }
        }
        // Legend entries for the Q bands and the mask.
        for (k, (q, color)) in Q_BANDS.iter().enumerate() {
            let label = match Q_BANDS.get(k + 1) {
                Some((next, _)) => format!("{q} <= Q < {next}"),
                None => format!("Q >= {q}"),
            };
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled())
                });
        }
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
            .label("inaccessible: P_aux < 0 (over-ignited)")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 14, y + 5)],
                    RGBColor(200, 200, 200).filled(),
                )
            });
        // Line contours (marching squares), each level labelled on the plot.
        for (label, unit, value, levels, color) in LINES {
            let field: Vec<f64> = grid.cells.iter().map(value).collect();
            for &level in levels {
                let segments = contour(te, ne, &field, level);
                if segments.is_empty() {
                    continue;
                }
                let style = ShapeStyle::from(&color).stroke_width(2);
                chart.draw_series(
                    segments
                        .iter()
                        .map(|&(a, b)| PathElement::new(vec![a, b], style)),
                )?;
                let text = if unit.is_empty() {
                    format!("{label} = {level}")
                } else {
                    format!("{label} = {level} {unit}")
                };
                let (a, b) = segments[segments.len() / 2];
                let at = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
                chart.draw_series(std::iter::once(Text::new(
                    text,
                    at,
                    ("sans-serif", 12).into_font().color(&color),
                )))?;
            }
            chart
                .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 14, y)],
                        ShapeStyle::from(&color).stroke_width(2),
                    )
                });
        }
        if let Some((t, n, p_aux, q)) =
            operating.filter(|o| (x0..=x1).contains(&o.0) && (y0..=y1).contains(&o.1))
        {
            chart
                .draw_series(std::iter::once(Circle::new((t, n), 6, BLACK.filled())))?
                .label(format!("steady state at P_aux = {p_aux} MW: Q = {q:.1}"))
                .legend(|(x, y)| Circle::new((x + 7, y), 4, BLACK.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 11))
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

/// Marching squares: the segments where `field` (row-major over (y, x))
/// crosses `level`, by linear interpolation along cell edges. NaN corners
/// skip the cell.
fn contour(x: &[f64], y: &[f64], field: &[f64], level: f64) -> Vec<((f64, f64), (f64, f64))> {
    let at = |i: usize, j: usize| field[i * x.len() + j];
    let mut out = Vec::new();
    for i in 0..y.len() - 1 {
        for j in 0..x.len() - 1 {
            // Corners counter-clockwise from bottom-left.
            let corners = [
                (x[j], y[i], at(i, j)),
                (x[j + 1], y[i], at(i, j + 1)),
                (x[j + 1], y[i + 1], at(i + 1, j + 1)),
                (x[j], y[i + 1], at(i + 1, j)),
            ];
            if corners.iter().any(|c| !c.2.is_finite()) {
                continue;
            }
            let mut crossings = Vec::with_capacity(4);
            for k in 0..4 {
                let (a, b) = (corners[k], corners[(k + 1) % 4]);
                if (a.2 < level) != (b.2 < level) {
                    let t = (level - a.2) / (b.2 - a.2);
                    crossings.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
                }
            }
            match crossings.len() {
                2 => out.push((crossings[0], crossings[1])),
                4 => {
                    // Saddle: pair edges consistently.
                    out.push((crossings[0], crossings[1]));
                    out.push((crossings[2], crossings[3]));
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::contour;

    #[test]
    fn contour_of_a_plane_is_a_straight_line() {
        // f = x + y on a 3 × 3 grid; the level 2 passes through (0,2), (1,1), (2,0).
        let (x, y) = ([0.0, 1.0, 2.0], [0.0, 1.0, 2.0]);
        let f: Vec<f64> = y
            .iter()
            .flat_map(|yi| x.iter().map(move |xj| xj + yi))
            .collect();
        let segs = contour(&x, &y, &f, 1.5);
        assert!(!segs.is_empty());
        for (a, b) in segs {
            assert!((a.0 + a.1 - 1.5).abs() < 1e-12 && (b.0 + b.1 - 1.5).abs() < 1e-12);
        }
    }
}
