//! `genesis report`: one self-contained HTML page with the campaign's plots
//! and ranked hypotheses, checked as text and rendered in headless Chromium.

mod common;
use common::{Genesis, repo_root};
use std::path::Path;
use std::process::Command;

/// Runs an example campaign, generates its hypotheses, writes the report;
/// returns the HTML, its path and the campaign's hypotheses (`--json`).
/// One worker, so that the run (and what it supports) is the same every
/// time; branin's seed 1 supports several statements.
fn report_of(g: &Genesis, example: &str) -> (String, std::path::PathBuf, serde_json::Value) {
    let text = std::fs::read_to_string(repo_root().join("examples").join(example))
        .unwrap()
        .replace("workers = 2", "workers = 1")
        .replace("seed = 7", "seed = 1");
    let file = g.file(example, &text);
    let run = g
        .run(&["run", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    let id = run["campaign"].as_str().unwrap().to_string();
    let hypotheses = g.run(&["hypotheses", &id, "--json"]).ok().json();
    let out = g.dir.path().join("report.html");
    let wrote = g.run(&["report", &id, "--out", out.to_str().unwrap()]).ok();
    assert!(wrote.stdout.contains("report.html"), "{}", wrote.stdout);
    (std::fs::read_to_string(&out).unwrap(), out, hypotheses)
}

/// What every report must hold: plots, every stored statement, the
/// parameter names, and nothing loaded from the network.
fn check_self_contained(html: &str, hypotheses: &serde_json::Value, parameters: &[&str]) {
    let plots = html.matches("<svg").count();
    assert!(plots >= 3, "{plots} plots");
    let listed = hypotheses["hypotheses"].as_array().unwrap();
    assert!(!listed.is_empty(), "no hypotheses: {hypotheses}");
    for h in listed {
        let statement = h["hypothesis"]["statement"].as_str().unwrap();
        // Statements are escaped and their `names` set as code.
        let shown: String = statement
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .split('`')
            .enumerate()
            .map(|(k, part)| match k % 2 {
                1 => format!("<code>{part}</code>"),
                _ => part.to_string(),
            })
            .collect();
        assert!(html.contains(&shown), "statement missing: {shown}");
        assert!(html.contains(h["id"].as_str().unwrap()));
    }
    for p in parameters {
        assert!(html.contains(&format!("<code>{p}</code>")), "parameter {p}");
    }
    for scheme in ["http://", "https://"] {
        // The only URL allowed is the SVG namespace, which loads nothing.
        let links: Vec<&str> = html
            .match_indices(scheme)
            .map(|(i, _)| &html[i..(i + 40).min(html.len())])
            .filter(|s| !s.starts_with("http://www.w3.org/2000/svg"))
            .collect();
        assert!(links.is_empty(), "external resources: {links:?}");
    }
    assert!(html.contains("provenance verified"), "footer");
}

/// Renders the page in headless Chromium and checks the screenshot is a
/// real 1280 × 4000 image with content (a blank page compresses to a few kB).
fn render(html: &Path) {
    let chromium = "/usr/bin/chromium";
    assert!(
        Path::new(chromium).exists(),
        "{chromium} is missing: the report test renders the page in headless Chromium \
         (`.ci/run` installs it; or `apt-get install chromium`)"
    );
    let png = html.with_extension("png");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,4000",
        ])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success() && png.exists(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 4000));
    assert!(bytes.len() > 30_000, "blank page? {} bytes", bytes.len());
}

#[test]
fn report_of_a_single_objective_campaign_renders_with_plots_and_hypotheses() {
    let g = Genesis::new();
    let (html, path, hypotheses) = report_of(&g, "branin.toml");
    check_self_contained(&html, &hypotheses, &["x1", "x2"]);
    for section in [
        "Convergence",
        "Parameter importance",
        "Partial dependence",
        "Hypotheses",
    ] {
        assert!(html.contains(&format!("<h2>{section}</h2>")), "{section}");
    }
    assert!(!html.contains("<h2>Pareto front</h2>"), "one objective");
    render(&path);
}

#[test]
fn report_of_two_objectives_has_the_pareto_front() {
    let g = Genesis::new();
    let (html, path, hypotheses) = report_of(&g, "branin-currin.toml");
    check_self_contained(&html, &hypotheses, &["x1", "x2"]);
    let pareto = html
        .split("<h2>Pareto front</h2>")
        .nth(1)
        .expect("a Pareto section");
    let section = pareto.split("</section>").next().unwrap();
    assert!(section.contains("<svg"), "the Pareto plot");
    assert!(section.contains("hypervolume"));
    // One convergence plot per objective.
    let convergence = html.split("<h2>Convergence</h2>").nth(1).unwrap();
    let convergence = convergence.split("</section>").next().unwrap();
    assert_eq!(convergence.matches("<svg").count(), 2);
    render(&path);
}

#[test]
fn report_of_an_unknown_campaign_is_bad_input() {
    let g = Genesis::new();
    let file = repo_root().join("examples/branin.toml");
    g.run(&["run", file.to_str().unwrap(), "--json"]).ok();
    let out = g.dir.path().join("r.html");
    let bad = g.run(&["report", "nosuch", "--out", out.to_str().unwrap()]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(!out.exists());
}
