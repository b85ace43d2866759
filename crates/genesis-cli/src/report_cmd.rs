//! `genesis report CAMPAIGN --out report.html`: one self-contained HTML page
//! a scientist can open anywhere (or mail) without Genesis: what was run,
//! how the search converged, which parameters matter and how, the Pareto
//! front, the co-scientist's ranked hypotheses with their evidence, what it
//! refused to say, and whether the provenance record verifies. Plots are
//! inline SVG and the style inline CSS, so the page loads nothing.

use crate::cosci_cmd::{self, Analysis};
use anyhow::{Result, anyhow};
use genesis_core::{Domain, Goal, Value, is_feasible, pareto_front};
use genesis_cosci::dependence::{PartialDependence, Shape};
use genesis_cosci::hypothesis::{Claim, Experiment, Hypothesis, Source, fmt};
use genesis_cosci::sensitivity::{Estimate, PosteriorSensitivity};
use genesis_cosci::surrogate::Scale;
use genesis_store::{
    CampaignRecord, HypothesisRecord, Store, TrialCounts, TrialRecord, Verification,
};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{
    AsRangedCoord, DefaultFormatting, KeyPointHint, Ranged, ValueFormatter,
};
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

type Plot = Result<String, Box<dyn std::error::Error>>;

/// Colours shared by the plots (colour-blind safe: Okabe–Ito).
const BLUE: RGBColor = RGBColor(0, 114, 178);
const ORANGE: RGBColor = RGBColor(230, 159, 0);
const VERMILION: RGBColor = RGBColor(213, 94, 0);
const GREY: RGBColor = RGBColor(150, 150, 150);
const BAND: RGBColor = RGBColor(86, 180, 233);

/// Axis and label fonts of every plot.
const FONT: &str = "sans-serif";

/// Writes the report of `record` to `out` (through a temporary file).
pub fn write(store: &Store, record: &CampaignRecord, out: &Path) -> Result<()> {
    let page = Page::gather(store, record)?;
    let html = page.render()?;
    crate::write_atomically(out, html.as_bytes())
}

/// Everything the page shows, read from the store once.
struct Page<'a> {
    record: &'a CampaignRecord,
    trials: Vec<TrialRecord>,
    counts: TrialCounts,
    /// Units of parameters and outputs by name (outputs from the twin's spec).
    units: BTreeMap<String, String>,
    /// The surrogate analysis, or why it could not be made.
    analysis: Result<Analysis, String>,
    hypotheses: Vec<(HypothesisRecord, Hypothesis)>,
    /// The latest language-model meta-review, if a model was consulted.
    meta_review: Option<serde_json::Value>,
    verification: Verification,
    key_fingerprint: String,
}

impl<'a> Page<'a> {
    fn gather(store: &Store, record: &'a CampaignRecord) -> Result<Page<'a>> {
        let trials = store.trials(&record.id)?;
        let counts = store.counts(&record.id)?;
        let mut units: BTreeMap<String, String> = BTreeMap::new();
        if let Ok(prepared) = genesis_engine::prepare(
            &record.source_text,
            &record.source_path,
            Path::new(&record.base_dir),
        ) {
            for o in &prepared.twin.spec().outputs {
                if let Some(u) = &o.unit {
                    units.insert(o.name.clone(), u.clone());
                }
            }
        }
        for p in &record.spec.space.parameters {
            if let Some(u) = &p.unit {
                units.insert(p.name.clone(), u.clone());
            }
        }
        // A failed analysis is shown on the page (with its reason), not
        // hidden: the rest of the report is still worth having.
        let analysis = cosci_cmd::analysis(store, record).map_err(|e| format!("{e:#}"));
        let hypotheses = store
            .hypotheses(&record.id)?
            .into_iter()
            .map(|h| {
                let typed: Hypothesis = serde_json::from_value(h.body.clone())
                    .map_err(|e| anyhow!("hypothesis {} in the store is unreadable: {e}", h.id))?;
                Ok((h, typed))
            })
            .collect::<Result<_>>()?;
        let meta_review = store.latest_review(&record.id)?;
        let key = store.public_key();
        let verification = store.verify(&record.id, &key)?;
        Ok(Page {
            meta_review,
            record,
            trials,
            counts,
            units,
            analysis,
            hypotheses,
            verification,
            key_fingerprint: key.fingerprint(),
        })
    }

    /// ` [unit]` of a parameter or output, or nothing.
    fn unit(&self, name: &str) -> String {
        self.units
            .get(name)
            .filter(|u| !u.is_empty())
            .map_or(String::new(), |u| format!(" [{u}]"))
    }

    fn render(&self) -> Result<String> {
        let r = self.record;
        let mut html = String::new();
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>Genesis report: {} ({})</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            escape(&r.name),
            escape(&r.id)
        );
        html.push_str(&self.header());
        html.push_str(&self.convergence()?);
        html.push_str(&self.importance()?);
        html.push_str(&self.dependence()?);
        html.push_str(&self.pareto()?);
        html.push_str(&self.hypotheses_table());
        html.push_str(&self.refusals());
        html.push_str(&self.footer());
        html.push_str("</body>\n</html>\n");
        Ok(html)
    }

    fn header(&self) -> String {
        let r = self.record;
        let c = self.counts;
        let mut h = String::new();
        let _ = write!(
            h,
            "<header>\n<h1>{}</h1>\n<p class=\"sub\">campaign <code>{}</code> · {} · created {}</p>\n",
            escape(&r.name),
            escape(&r.id),
            escape(r.status.as_str()),
            escape(&genesis_engine::export::rfc3339(r.created_at)[..19].replace('T', " "))
        );
        if let Some(d) = &r.spec.description {
            let _ = writeln!(h, "<p>{}</p>", escape(d));
        }
        let objectives: Vec<String> = r
            .spec
            .objectives
            .iter()
            .map(|o| {
                format!(
                    "{} <code>{}</code>{}",
                    goal_word(o.goal),
                    escape(&o.name),
                    escape(&self.unit(&o.name))
                )
            })
            .collect();
        let _ = write!(
            h,
            "<dl class=\"facts\">\n\
             <dt>twin</dt><dd><code>{}</code> {}</dd>\n\
             <dt>planner</dt><dd><code>{}</code> (seed {})</dd>\n\
             <dt>objectives</dt><dd>{}</dd>\n\
             <dt>budget</dt><dd>{} trials</dd>\n\
             <dt>trials</dt><dd>{} completed, {} failed, {} running, {} pending</dd>\n</dl>\n",
            escape(&r.twin_name),
            escape(&r.twin_version),
            escape(&r.spec.planner),
            r.spec.seed,
            objectives.join("; "),
            r.spec.budget,
            c.completed,
            c.failed,
            c.running,
            c.pending
        );
        match genesis_engine::best_trial(&r.spec, &self.trials) {
            None => h.push_str(
                "<p><strong>Best trial:</strong> none (no completed, feasible trial).</p>\n",
            ),
            Some(b) => {
                let _ = write!(
                    h,
                    "<h2>Best trial #{}</h2>\n<table class=\"best\">\n<tr><th>input</th><th>value</th><th>output</th><th>value</th></tr>\n",
                    b.index
                );
                let inputs: Vec<(&String, &Value)> = b.inputs.iter().collect();
                let outputs: Vec<(&String, &f64)> =
                    b.outputs.iter().flat_map(|o| o.iter()).collect();
                for k in 0..inputs.len().max(outputs.len()) {
                    let cell = |name: &str, value: String, emphasis: bool| {
                        let tag = if emphasis { "strong" } else { "span" };
                        [
                            format!(
                                "<td><code>{}</code>{}</td>",
                                escape(name),
                                escape(&self.unit(name))
                            ),
                            format!("<td class=\"num\"><{tag}>{}</{tag}></td>", escape(&value)),
                        ]
                        .concat()
                    };
                    let left = inputs.get(k).map_or("<td></td><td></td>".into(), |(n, v)| {
                        cell(n, value_text(v), false)
                    });
                    let right = outputs
                        .get(k)
                        .map_or("<td></td><td></td>".into(), |(n, v)| {
                            let objective = r.spec.objectives.iter().any(|o| &o.name == *n);
                            cell(n, fmt(**v), objective)
                        });
                    let _ = writeln!(h, "<tr>{left}{right}</tr>");
                }
                h.push_str("</table>\n");
            }
        }
        h.push_str("</header>\n");
        h
    }

    /// Completed trials' values of `objective`: (trial index, value, feasible).
    fn series(&self, objective: &str) -> Vec<(u64, f64, bool)> {
        let mut points: Vec<(u64, f64, bool)> = self
            .trials
            .iter()
            .filter_map(|t| {
                let outputs = t.outputs.as_ref()?;
                let v = *outputs.get(objective)?;
                v.is_finite()
                    .then(|| (t.index, v, is_feasible(&self.record.spec, outputs)))
            })
            .collect();
        points.sort_by_key(|p| p.0);
        points
    }

    fn convergence(&self) -> Result<String> {
        let mut h = String::from(
            "<section>\n<h2>Convergence</h2>\n<p>Every completed trial's objective value by trial number; the line is the best feasible value so far.</p>\n<div class=\"grid wide\">\n",
        );
        for o in &self.record.spec.objectives {
            let points = self.series(&o.name);
            if points.is_empty() {
                let _ = writeln!(
                    h,
                    "<p>No completed trial has a value of <code>{}</code> yet.</p>",
                    escape(&o.name)
                );
                continue;
            }
            let label = format!("{}{}", o.name, self.unit(&o.name));
            let svg = convergence_plot(&label, o.goal, &points)
                .map_err(|e| anyhow!("drawing the convergence of {}: {e}", o.name))?;
            let mut marks = vec![(Mark::Dot(BLUE), "completed trial")];
            if points.iter().any(|p| !p.2) {
                marks.push((Mark::Cross(GREY), "infeasible trial"));
            }
            marks.push((Mark::Line(VERMILION), "best feasible so far"));
            let _ = writeln!(h, "<figure>{svg}{}</figure>", legend(&marks));
        }
        h.push_str("</div>\n</section>\n");
        Ok(h)
    }

    fn importance(&self) -> Result<String> {
        let mut h = String::from("<section>\n<h2>Parameter importance</h2>\n");
        let analysis = match &self.analysis {
            Err(e) => {
                let _ = writeln!(
                    h,
                    "<p class=\"refusal\">Not computed: the analysis failed: {}</p>\n</section>",
                    escape(e)
                );
                return Ok(h);
            }
            Ok(a) => a,
        };
        let response = format!("{}{}", analysis.response, self.unit(&analysis.response));
        let Some(s) = &analysis.findings.sensitivity else {
            let why: Vec<String> = analysis
                .findings
                .refusals
                .iter()
                .map(|r| format!("<li>{}</li>", rich(&r.to_string())))
                .collect();
            let _ = writeln!(
                h,
                "<p class=\"refusal\">Sobol indices of <code>{}</code> not computed from {} observations, because:</p>\n<ul>{}</ul>\n</section>",
                escape(&response),
                analysis.observations,
                if why.is_empty() {
                    "<li>the surrogate gave no estimate</li>".to_string()
                } else {
                    why.concat()
                }
            );
            return Ok(h);
        };
        let _ = writeln!(
            h,
            "<p>Sobol indices of <code>{}</code> on the Gaussian-process posterior ({} observations): the share of its variance over the search space due to each parameter alone (first-order S) and including its interactions (total S<sub>T</sub>). Error bars: ±2 sd (posterior and sampling).</p>",
            escape(&response),
            s.observations
        );
        let svg = importance_plot(s).map_err(|e| anyhow!("drawing the Sobol indices: {e}"))?;
        let marks = [
            (Mark::Bar(BLUE), "first order S"),
            (Mark::Bar(ORANGE), "total S_T"),
            (Mark::Line(BLACK), "±2 sd"),
        ];
        let _ = writeln!(h, "<figure>{svg}{}</figure>", legend(&marks));
        h.push_str("<table class=\"numbers\">\n<tr><th>parameter</th><th>S (first order)</th><th>S<sub>T</sub> (total)</th><th>S<sub>T</sub> − S (interactions)</th></tr>\n");
        for (k, name) in s.parameters.iter().enumerate() {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(name),
                estimate_text(&s.first[k]),
                estimate_text(&s.total[k]),
                s.interaction.get(k).map_or(String::new(), estimate_text)
            );
        }
        h.push_str("</table>\n");
        if let Some(p) = &s.pair {
            let _ = writeln!(
                h,
                "<p>Second-order index of the top pair: S<sub><code>{}</code>,<code>{}</code></sub> = {}.</p>",
                escape(&p.a),
                escape(&p.b),
                estimate_text(&p.estimate)
            );
        }
        h.push_str("</section>\n");
        Ok(h)
    }

    fn dependence(&self) -> Result<String> {
        let Ok(analysis) = &self.analysis else {
            return Ok(String::new());
        };
        let curves = &analysis.findings.dependence;
        let mut h = String::from("<section>\n<h2>Partial dependence</h2>\n");
        if curves.is_empty() {
            h.push_str("<p class=\"refusal\">Not computed: see <a href=\"#refusals\">what was not stated</a>.</p>\n</section>\n");
            return Ok(h);
        }
        let response = format!("{}{}", analysis.response, self.unit(&analysis.response));
        let response = match analysis.surrogate.as_ref().map(|s| s.scale()) {
            Some(Scale::Log) => format!("ln {response}"),
            _ => response,
        };
        let _ = writeln!(
            h,
            "<p>The posterior mean of <code>{}</code> as one parameter moves with the others averaged over the search space; the band holds 90% of the posterior's curves (5–95%). The shape is stated only when at least 90% of them have it.</p>\n{}\n<div class=\"grid\">",
            escape(&response),
            legend(&[
                (Mark::Line(BLUE), "posterior mean"),
                (Mark::Band(BAND), "5–95% band"),
                (Mark::Line(ORANGE), "stated optimum"),
                (Mark::Band(ORANGE), "its 90% interval"),
                (Mark::Line(GREY), "start of a plateau"),
            ])
        );
        for pd in curves {
            let log = self.record.spec.space.parameters.iter().any(|p| {
                p.name == pd.parameter
                    && matches!(
                        p.domain,
                        Domain::Float { log: true, .. } | Domain::Int { log: true, .. }
                    )
            });
            let svg = dependence_plot(pd, &response, log)
                .map_err(|e| anyhow!("drawing the partial dependence on {}: {e}", pd.parameter))?;
            let _ = writeln!(
                h,
                "<figure>{svg}<figcaption><code>{}</code>: {}</figcaption></figure>",
                escape(&pd.parameter),
                escape(&shape_text(&pd.shape, &self.unit(&pd.parameter)))
            );
        }
        h.push_str("</div>\n</section>\n");
        Ok(h)
    }

    fn pareto(&self) -> Result<String> {
        let objectives = &self.record.spec.objectives;
        if objectives.len() < 2 {
            return Ok(String::new());
        }
        let completed: Vec<&TrialRecord> =
            self.trials.iter().filter(|t| t.outputs.is_some()).collect();
        let outputs: Vec<_> = completed
            .iter()
            .filter_map(|t| t.outputs.as_ref())
            .collect();
        let mut h = String::from("<section>\n<h2>Pareto front</h2>\n");
        let Some(front) = pareto_front(&self.record.spec, &outputs) else {
            h.push_str("<p>No feasible completed trial yet: no front.</p>\n</section>\n");
            return Ok(h);
        };
        let (a, b) = (&objectives[0], &objectives[1]);
        let _ = writeln!(
            h,
            "<p>{} trial(s) on the front of {} completed; hypervolume {} against the reference point ({}).{}</p>",
            front.members.len(),
            completed.len(),
            escape(&fmt(front.hypervolume)),
            escape(
                &front
                    .reference
                    .iter()
                    .map(|v| fmt(*v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            if objectives.len() > 2 {
                " The plot shows the first two objectives."
            } else {
                ""
            }
        );
        let point = |o: &genesis_core::Outputs| -> Option<(f64, f64)> {
            Some((*o.get(&a.name)?, *o.get(&b.name)?))
        };
        let all: Vec<(f64, f64, bool)> = outputs
            .iter()
            .filter_map(|o| point(o).map(|(x, y)| (x, y, is_feasible(&self.record.spec, o))))
            .filter(|(x, y, _)| x.is_finite() && y.is_finite())
            .collect();
        let mut members: Vec<(f64, f64)> = front
            .members
            .iter()
            .filter_map(|&i| point(outputs[i]))
            .collect();
        members.sort_by(|p, q| p.0.total_cmp(&q.0));
        let axes = (
            (format!("{}{}", a.name, self.unit(&a.name)), a.goal),
            (format!("{}{}", b.name, self.unit(&b.name)), b.goal),
        );
        let svg = pareto_plot(
            &all,
            &members,
            (front.reference[0], front.reference[1]),
            &axes,
        )
        .map_err(|e| anyhow!("drawing the Pareto front: {e}"))?;
        let mut marks = vec![(Mark::Dot(GREY), "completed trial")];
        if all.iter().any(|p| !p.2) {
            marks.push((Mark::Cross(GREY), "infeasible trial"));
        }
        marks.push((Mark::Dot(VERMILION), "on the Pareto front"));
        marks.push((Mark::Triangle(BLACK), "hypervolume reference point"));
        let _ = writeln!(h, "<figure>{svg}{}</figure>\n</section>", legend(&marks));
        Ok(h)
    }

    fn hypotheses_table(&self) -> String {
        let mut h = String::from("<section>\n<h2>Hypotheses</h2>\n");
        if self.hypotheses.is_empty() {
            let _ = writeln!(
                h,
                "<p>None stored yet: <code>genesis hypotheses {}</code> generates and ranks them.</p>\n</section>",
                escape(&self.record.id)
            );
            return h;
        }
        h.push_str("<p>Ranked by Elo rating from the tournament (every hypothesis starts at 1200). Each comes with the experiment that could refute it; <code>genesis hypotheses test ID</code> runs it and records the verdict.</p>\n");
        h.push_str("<table class=\"hyp\">\n<tr><th>#</th><th>Elo</th><th>status</th><th>statement</th><th>statistic</th><th>prediction</th><th>falsification experiment</th><th>evidence</th></tr>\n");
        for (rank, (record, hyp)) in self.hypotheses.iter().enumerate() {
            let s = &hyp.statistic;
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{:.0}</td><td><span class=\"status {}\">{}</span></td>\
                 <td>{}<div class=\"id\">{} · {}</div></td><td class=\"num\">{} = {} ± {}<br>n = {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                rank + 1,
                record.elo,
                status_class(&record.status),
                escape(&record.status),
                rich(&hyp.statement),
                escape(&record.id),
                escape(&source_text(hyp)),
                escape(&s.name),
                escape(&fmt(s.value)),
                escape(&fmt(s.sd)),
                s.n,
                rich(&hyp.prediction),
                experiment_text(&hyp.falsification),
                evidence_text(record)
            );
        }
        h.push_str("</table>\n");
        if let Some(review) = &self.meta_review
            && let Some(text) = review["meta_review"].as_str()
        {
            let _ = writeln!(
                h,
                "<p><strong>Latest meta-review</strong> ({}): {}</p>",
                escape(
                    review["source"]["model"]
                        .as_str()
                        .unwrap_or("language model")
                ),
                escape(text)
            );
        }
        h.push_str("</section>\n");
        h
    }

    fn refusals(&self) -> String {
        let refusals = match &self.analysis {
            Ok(a) => &a.findings.refusals,
            Err(_) => return String::new(),
        };
        let mut h = String::from("<section id=\"refusals\">\n<h2>Not stated</h2>\n");
        if refusals.is_empty() {
            h.push_str("<p>The co-scientist held back nothing it computed.</p>\n");
        } else {
            h.push_str("<ul class=\"refusals\">\n");
            for r in refusals {
                let _ = writeln!(h, "<li>Not stated because {}</li>", rich(&r.to_string()));
            }
            h.push_str("</ul>\n");
        }
        h.push_str("</section>\n");
        h
    }

    fn footer(&self) -> String {
        let v = &self.verification;
        let status = match &v.broken {
            None => format!(
                "<span class=\"ok\">provenance verified</span>: {} signed events, {} trials, {} artifacts; head {}; key {}",
                v.events,
                v.trials,
                v.artifacts,
                v.head
                    .map_or("none".to_string(), |d| escape(&d.hex()[..16])),
                escape(&self.key_fingerprint)
            ),
            Some(b) => format!(
                "<span class=\"broken\">provenance does NOT verify</span>: {}: {} (expected {}, found {})",
                escape(&b.record),
                escape(&b.what),
                escape(&b.expected),
                escape(&b.found)
            ),
        };
        format!(
            "<footer>Genesis {} · generated {} · {status} (<code>genesis verify {}</code>)</footer>\n",
            env!("CARGO_PKG_VERSION"),
            escape(
                &genesis_engine::export::rfc3339(genesis_engine::now_ms())[..19].replace('T', " ")
            ),
            escape(&self.record.id)
        )
    }
}

const STYLE: &str = "
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1d1d1f;max-width:1240px;margin:0 auto;padding:24px 32px;background:#fff}
h1{margin:0 0 4px;font-size:28px}h2{margin:28px 0 8px;font-size:20px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 12px}code{font:13px ui-monospace,'DejaVu Sans Mono',monospace;background:#f3f3f5;padding:0 3px;border-radius:3px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}dl.facts dt{color:#666}dl.facts dd{margin:0}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f6f6f8;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.hyp{width:100%;font-size:13px}table.hyp td:nth-child(4){min-width:240px}table.hyp td:nth-child(6){min-width:180px}
.id{color:#888;font-size:11px;margin-top:2px}
.status{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.status.proposed{background:#8a8a8a}.status.testing{background:#0072b2}.status.supported{background:#1b8a3a}
.status.refuted{background:#c0392b}.status.inconclusive{background:#d68910}
.legend{display:flex;flex-wrap:wrap;gap:2px 18px;font-size:13px;color:#333;margin:4px 0 0 64px}
.sw{display:inline-block;vertical-align:middle;margin-right:6px}.sw.dot{width:9px;height:9px;border-radius:50%}
.sw.line{width:20px;height:3px}.sw.bar{width:12px;height:12px}.sw.band{width:20px;height:11px;opacity:.4}.sw.glyph{font-weight:700}
table.runs{margin:4px 0;font-size:12px}table.runs th,table.runs td{padding:1px 6px}
figure{margin:8px 0}figure svg{max-width:100%;height:auto;display:block}figcaption{font-size:13px;color:#444;margin-top:2px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:12px}.grid.wide{grid-template-columns:repeat(auto-fill,minmax(560px,1fr))}
.refusal,ul.refusals li{color:#8a4b00}
footer{margin-top:32px;padding-top:8px;border-top:1px solid #ddd;color:#555;font-size:13px}
.ok{color:#1b8a3a;font-weight:600}.broken{color:#c0392b;font-weight:700}
";

/// Text for HTML: `&`, `<`, `>`, and both quotes escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text whose `backticked` names become `<code>` (how the
/// co-scientist's statements quote parameters).
fn rich(text: &str) -> String {
    let escaped = escape(text);
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An unpaired backtick: leave the text as it is.
        return escaped;
    }
    parts
        .iter()
        .enumerate()
        .map(|(k, p)| {
            if k % 2 == 1 {
                format!("<code>{p}</code>")
            } else {
                (*p).to_string()
            }
        })
        .collect()
}

fn goal_word(goal: Goal) -> &'static str {
    match goal {
        Goal::Minimize => "minimise",
        Goal::Maximize => "maximise",
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Float(x) => fmt(*x),
        other => other.to_string(),
    }
}

fn estimate_text(e: &Estimate) -> String {
    format!("{} ± {}", fmt(e.value), fmt(e.sd))
}

/// The CSS class of a hypothesis status (unknown ones stay grey).
fn status_class(status: &str) -> &'static str {
    match status {
        "testing" => "testing",
        "supported" => "supported",
        "refuted" => "refuted",
        "inconclusive" => "inconclusive",
        _ => "proposed",
    }
}

/// The shape of a partial-dependence curve in words (`unit` is ` [u]` or empty).
fn shape_text(shape: &Shape, unit: &str) -> String {
    let plateau = |p: &Option<f64>| {
        p.map_or(String::new(), |v| {
            format!(", levelling off above {}", fmt(v))
        })
    };
    match shape {
        Shape::Increasing {
            probability,
            plateau_from,
        } => format!(
            "increasing (P = {:.2}){}",
            probability,
            plateau(plateau_from)
        ),
        Shape::Decreasing {
            probability,
            plateau_from,
        } => format!(
            "decreasing (P = {:.2}){}",
            probability,
            plateau(plateau_from)
        ),
        Shape::InteriorMaximum {
            probability,
            at,
            interval,
        } => format!(
            "interior maximum at {}{unit}, 90% interval [{}, {}] (P = {:.2})",
            fmt(*at),
            fmt(interval.0),
            fmt(interval.1),
            probability
        ),
        Shape::InteriorMinimum {
            probability,
            at,
            interval,
        } => format!(
            "interior minimum at {}{unit}, 90% interval [{}, {}] (P = {:.2})",
            fmt(*at),
            fmt(interval.0),
            fmt(interval.1),
            probability
        ),
        Shape::Flat => "flat: no effect the posterior can see".into(),
        Shape::Multimodal => "multimodal: several separated optima, none stated".into(),
        Shape::Irregular => "no shape resolved (irregular)".into(),
        Shape::Unordered => "unordered categories".into(),
    }
}

/// A short shape name for the plot's title.
fn shape_name(shape: &Shape) -> &'static str {
    match shape {
        Shape::Increasing { .. } => "increasing",
        Shape::Decreasing { .. } => "decreasing",
        Shape::InteriorMaximum { .. } => "interior maximum",
        Shape::InteriorMinimum { .. } => "interior minimum",
        Shape::Flat => "flat",
        Shape::Multimodal => "multimodal",
        Shape::Irregular => "irregular",
        Shape::Unordered => "unordered",
    }
}

/// How a series is drawn, for the legend under its plot (kept out of the
/// plot so it never hides data).
enum Mark {
    Dot(RGBColor),
    Line(RGBColor),
    Bar(RGBColor),
    Band(RGBColor),
    Cross(RGBColor),
    Triangle(RGBColor),
}

fn legend(entries: &[(Mark, &str)]) -> String {
    let hex = |c: &RGBColor| format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2);
    let items: Vec<String> = entries
        .iter()
        .map(|(mark, text)| {
            let swatch = match mark {
                Mark::Dot(c) => format!(
                    "<span class=\"sw dot\" style=\"background:{}\"></span>",
                    hex(c)
                ),
                Mark::Line(c) => format!(
                    "<span class=\"sw line\" style=\"background:{}\"></span>",
                    hex(c)
                ),
                Mark::Bar(c) => format!(
                    "<span class=\"sw bar\" style=\"background:{}\"></span>",
                    hex(c)
                ),
                Mark::Band(c) => format!(
                    "<span class=\"sw band\" style=\"background:{}\"></span>",
                    hex(c)
                ),
                Mark::Cross(c) => format!(
                    "<span class=\"sw glyph\" style=\"color:{}\">×</span>",
                    hex(c)
                ),
                Mark::Triangle(c) => format!(
                    "<span class=\"sw glyph\" style=\"color:{}\">▲</span>",
                    hex(c)
                ),
            };
            format!("<span>{swatch}{}</span>", escape(text))
        })
        .collect();
    format!("<div class=\"legend\">{}</div>", items.concat())
}

/// What the falsification experiment runs and what it expects.
fn experiment_text(e: &Experiment) -> String {
    match e {
        Experiment::Contrast {
            points,
            weights,
            predicted_mean,
            predicted_sd,
            claim,
            ..
        } => {
            // One row per run; the inputs the contrast moves in bold.
            let names: Vec<&String> = points.first().map_or(Vec::new(), |p| p.keys().collect());
            let moved = |name: &String| points.iter().any(|p| p.get(name) != points[0].get(name));
            let mut runs = String::from("<table class=\"runs\"><tr><th>w</th>");
            for name in &names {
                let _ = write!(runs, "<th>{}</th>", escape(name));
            }
            runs.push_str("</tr>");
            for (p, w) in points.iter().zip(weights) {
                let _ = write!(
                    runs,
                    "<tr><td class=\"num\">{}{}</td>",
                    if *w < 0.0 { "−" } else { "+" },
                    fmt(w.abs())
                );
                for name in &names {
                    let v = p
                        .get(*name)
                        .map_or(String::new(), |v| escape(&value_text(v)));
                    if moved(name) {
                        let _ = write!(runs, "<td class=\"num\"><strong>{v}</strong></td>");
                    } else {
                        let _ = write!(runs, "<td class=\"num\">{v}</td>");
                    }
                }
                runs.push_str("</tr>");
            }
            runs.push_str("</table>");
            let expect = match claim {
                Claim::Positive => "expected &gt; 0".to_string(),
                Claim::Negative => "expected &lt; 0".to_string(),
                Claim::Negligible { bound } => format!("expected |Δ| ≤ {}", escape(&fmt(*bound))),
            };
            format!(
                "Contrast Δ = Σ w·y of {} runs:{runs}predicted Δ = {} ± {} (2σ), {expect}",
                points.len(),
                escape(&fmt(*predicted_mean)),
                escape(&fmt(2.0 * predicted_sd))
            )
        }
        Experiment::Sweep {
            parameter,
            positions,
            predicted_at,
            interval,
            maximum,
            ..
        } => format!(
            "Sweep of <code>{}</code> over {} (the rest at the best trial): the {} should be inner, at {} in [{}, {}]",
            escape(parameter),
            escape(
                &positions
                    .iter()
                    .map(|p| fmt(*p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            if *maximum { "maximum" } else { "minimum" },
            escape(&fmt(*predicted_at)),
            escape(&fmt(interval.0)),
            escape(&fmt(interval.1))
        ),
    }
}

/// The verdict's evidence once resolved; the queued trials while testing.
fn evidence_text(h: &HypothesisRecord) -> String {
    let trials = || {
        h.trials
            .iter()
            .map(|t| format!("#{t}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &h.evidence {
        None if h.trials.is_empty() => "—".into(),
        None => format!("queued as trials {}", escape(&trials())),
        Some(e) => {
            let observed = e["observed"].as_f64().map_or(String::new(), |o| {
                let se = e["observed_se"].as_f64().filter(|s| *s > 0.0);
                format!(
                    "observed {}{}<br>",
                    escape(&fmt(o)),
                    se.map_or(String::new(), |s| format!(" ± {} (se)", escape(&fmt(s))))
                )
            });
            format!(
                "<strong>{}</strong>: {observed}{}<br><span class=\"id\">trials {}</span>",
                escape(&h.status),
                rich(e["reason"].as_str().unwrap_or("")),
                escape(&trials())
            )
        }
    }
}

/// An axis of `n` named slots centred on 0, 1, …, n − 1 (parameters,
/// categories), labelled by the chart's own formatter; bars sit at
/// fractional offsets within a slot.
struct Slots(usize);

impl Ranged for Slots {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value + 0.5) / self.0 as f64;
        limit.0 + (share * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.0).map(|k| k as f64).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        -0.5..self.0 as f64 - 0.5
    }
}

/// A vertical error bar from `range.0` to `range.1` at `x`, with caps
/// `cap` wide each side (in x units).
fn error_bar(x: f64, range: (f64, f64), cap: f64, style: ShapeStyle) -> PathElement<(f64, f64)> {
    let (lo, hi) = range;
    PathElement::new(
        vec![
            (x - cap, lo),
            (x + cap, lo),
            (x, lo),
            (x, hi),
            (x - cap, hi),
            (x + cap, hi),
        ],
        style,
    )
}

/// Axis range with a margin, never empty.
fn padded(low: f64, high: f64) -> (f64, f64) {
    let span = high - low;
    if span > 0.0 {
        (low - 0.05 * span, high + 0.05 * span)
    } else {
        let d = if low == 0.0 { 1.0 } else { 0.1 * low.abs() };
        (low - d, high + d)
    }
}

fn svg_root(svg: &mut String, size: (u32, u32)) -> DrawingArea<SVGBackend<'_>, Shift> {
    SVGBackend::with_string(svg, size).into_drawing_area()
}

/// Convergence: trial values and the best feasible value so far.
fn convergence_plot(label: &str, goal: Goal, points: &[(u64, f64, bool)]) -> Plot {
    let last = points.iter().map(|p| p.0).max().unwrap_or(0);
    let mut best: Vec<(u64, f64)> = Vec::new();
    for &(i, v, feasible) in points {
        let better = |b: f64| match goal {
            Goal::Minimize => v < b,
            Goal::Maximize => v > b,
        };
        match best.last() {
            _ if !feasible => {}
            Some(&(_, b)) if !better(b) => best.push((i, b)),
            _ => best.push((i, v)),
        }
    }
    if let Some(&(_, b)) = best.last() {
        best.push((last, b));
    }
    let mut svg = String::new();
    {
        let root = svg_root(&mut svg, (600, 340));
        root.fill(&WHITE)?;
        let x = 0..last + 1;
        let caption = format!("{label}: {} by trial", goal_word(goal));
        match Span::of(points.iter().map(|p| p.1)) {
            Span::Log(lo, hi) => {
                let y = (lo..hi).log_scale();
                convergence_axes(&root, &caption, label, x, y, points, &best)?
            }
            Span::Linear(lo, hi) => {
                convergence_axes(&root, &caption, label, x, lo..hi, points, &best)?
            }
        }
        root.present()?;
    }
    Ok(svg)
}

fn convergence_axes<Y>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    label: &str,
    x: std::ops::Range<u64>,
    y: Y,
    points: &[(u64, f64, bool)],
    best: &[(u64, f64)],
) -> Result<(), Box<dyn std::error::Error>>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FONT, 17))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(RGBColor(230, 230, 230))
        .x_desc("trial")
        .y_desc(label)
        .y_label_formatter(&|v| fmt(*v))
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .draw()?;
    chart.draw_series(
        points
            .iter()
            .filter(|p| p.2)
            .map(|&(i, v, _)| Circle::new((i, v), 3, BLUE.mix(0.7).filled())),
    )?;
    if points.iter().any(|p| !p.2) {
        chart.draw_series(
            points
                .iter()
                .filter(|p| !p.2)
                .map(|&(i, v, _)| Cross::new((i, v), 3, GREY)),
        )?;
    }
    // The best so far as a step line.
    let mut steps = Vec::with_capacity(2 * best.len());
    for (k, &(i, b)) in best.iter().enumerate() {
        if k > 0 {
            steps.push((i, best[k - 1].1));
        }
        steps.push((i, b));
    }
    chart.draw_series(std::iter::once(PathElement::new(
        steps,
        ShapeStyle::from(&VERMILION).stroke_width(2),
    )))?;
    Ok(())
}

/// First-order and total Sobol indices as grouped bars with ±2 sd bars.
fn importance_plot(s: &PosteriorSensitivity) -> Plot {
    let n = s.parameters.len();
    let extremes = s
        .first
        .iter()
        .chain(&s.total)
        .flat_map(|e| [e.value - 2.0 * e.sd, e.value + 2.0 * e.sd]);
    let low = extremes.clone().fold(0.0_f64, f64::min);
    let high = extremes.fold(1.0_f64, f64::max);
    let width = (160 + 110 * n as u32).clamp(560, 1180);
    let mut svg = String::new();
    {
        let root = svg_root(&mut svg, (width, 340));
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(Slots(n), low..high + 0.05)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(RGBColor(230, 230, 230))
            .x_label_formatter(&|v| {
                s.parameters
                    .get(v.round() as usize)
                    .cloned()
                    .unwrap_or_default()
            })
            .y_desc("Sobol index")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 13))
            .draw()?;
        let half = 0.36;
        for (estimates, offset, color) in [(&s.first, -half, BLUE), (&s.total, 0.0, ORANGE)] {
            chart.draw_series(estimates.iter().enumerate().map(|(k, e)| {
                let x = k as f64 + offset;
                Rectangle::new(
                    [(x + 0.02, 0.0), (x + half - 0.02, e.value)],
                    color.filled(),
                )
            }))?;
            chart.draw_series(estimates.iter().enumerate().map(|(k, e)| {
                error_bar(
                    k as f64 + offset + half / 2.0,
                    (e.value - 2.0 * e.sd, e.value + 2.0 * e.sd),
                    0.04,
                    BLACK.stroke_width(1),
                )
            }))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
            BLACK.stroke_width(1),
        )))?;
        root.present()?;
    }
    Ok(svg)
}

/// One partial-dependence curve with its band; categories as points with bars.
/// Who proposed a hypothesis, for the table.
fn source_text(h: &Hypothesis) -> String {
    match &h.source {
        Source::Surrogate => "surrogate".into(),
        Source::Human => "scientist".into(),
        Source::Llm { model, .. } if h.parent_ids.is_empty() => format!("model {model}"),
        Source::Llm { model, .. } => format!("model {model}, child of {}", h.parent_ids.join(", ")),
    }
}

fn dependence_plot(pd: &PartialDependence, response: &str, log_x: bool) -> Plot {
    let low = pd
        .lower
        .iter()
        .chain(&pd.mean)
        .copied()
        .fold(f64::INFINITY, f64::min);
    let high = pd
        .upper
        .iter()
        .chain(&pd.mean)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let (y0, y1) = padded(low, high);
    let mut svg = String::new();
    {
        let root = svg_root(&mut svg, (420, 300));
        root.fill(&WHITE)?;
        let caption = format!("{}: {}", pd.parameter, shape_name(&pd.shape));
        match &pd.positions {
            Some(x) => {
                let (x0, x1) = (x[0], x[x.len() - 1]);
                if log_x && x0 > 0.0 {
                    dependence_axes(
                        &root,
                        &caption,
                        pd,
                        response,
                        x,
                        (x0..x1).log_scale(),
                        y0..y1,
                    )?;
                } else {
                    dependence_axes(&root, &caption, pd, response, x, x0..x1, y0..y1)?;
                }
            }
            None => {
                let n = pd.levels.len();
                let mut chart = ChartBuilder::on(&root)
                    .caption(&caption, (FONT, 15))
                    .margin(8)
                    .margin_right(22)
                    .x_label_area_size(36)
                    .y_label_area_size(64)
                    .build_cartesian_2d(Slots(n), y0..y1)?;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .light_line_style(WHITE.mix(0.0))
                    .x_label_formatter(&|v| {
                        pd.levels
                            .get(v.round() as usize)
                            .cloned()
                            .unwrap_or_default()
                    })
                    .y_label_formatter(&|v| fmt(*v))
                    .y_desc(response)
                    .label_style((FONT, 11))
                    .axis_desc_style((FONT, 12))
                    .draw()?;
                chart.draw_series((0..n).map(|k| {
                    error_bar(
                        k as f64,
                        (pd.lower[k], pd.upper[k]),
                        0.08,
                        BLUE.stroke_width(2),
                    )
                }))?;
                chart.draw_series(
                    (0..n).map(|k| Circle::new((k as f64, pd.mean[k]), 4, BLUE.filled())),
                )?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

fn dependence_axes<X>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    pd: &PartialDependence,
    response: &str,
    positions: &[f64],
    x: X,
    y: std::ops::Range<f64>,
) -> Result<(), Box<dyn std::error::Error>>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let (y0, y1) = (y.start, y.end);
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FONT, 15))
        .margin(8)
        .margin_right(22)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)?;
    let unit = pd.unit.as_deref().filter(|u| !u.is_empty());
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(RGBColor(232, 232, 232))
        .x_desc(match unit {
            Some(u) => format!("{} [{u}]", pd.parameter),
            None => pd.parameter.clone(),
        })
        .y_desc(response)
        .x_labels(6)
        .x_label_formatter(&|v| fmt(*v))
        .y_label_formatter(&|v| fmt(*v))
        .label_style((FONT, 11))
        .axis_desc_style((FONT, 12))
        .draw()?;
    // The stated optimum's interval, then the band, then the mean on top.
    match &pd.shape {
        Shape::InteriorMaximum { at, interval, .. }
        | Shape::InteriorMinimum { at, interval, .. } => {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(interval.0, y0), (interval.1, y1)],
                ORANGE.mix(0.18).filled(),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(*at, y0), (*at, y1)],
                ORANGE.stroke_width(2),
            )))?;
        }
        Shape::Increasing {
            plateau_from: Some(p),
            ..
        }
        | Shape::Decreasing {
            plateau_from: Some(p),
            ..
        } => {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(*p, y0), (*p, y1)],
                GREY.stroke_width(1),
            )))?;
        }
        _ => {}
    }
    let band: Vec<(f64, f64)> = positions
        .iter()
        .zip(&pd.lower)
        .map(|(x, l)| (*x, *l))
        .chain(positions.iter().zip(&pd.upper).rev().map(|(x, u)| (*x, *u)))
        .collect();
    chart.draw_series(std::iter::once(Polygon::new(band, BAND.mix(0.3).filled())))?;
    chart.draw_series(std::iter::once(PathElement::new(
        positions
            .iter()
            .copied()
            .zip(pd.mean.iter().copied())
            .collect::<Vec<_>>(),
        BLUE.stroke_width(2),
    )))?;
    Ok(())
}

/// All trials in the plane of two objectives, the front and its reference
/// point; an objective spread over decades gets a log axis.
fn pareto_plot(
    all: &[(f64, f64, bool)],
    front: &[(f64, f64)],
    reference: (f64, f64),
    axes: &((String, Goal), (String, Goal)),
) -> Plot {
    let xs = all.iter().map(|p| p.0).chain([reference.0]);
    let ys = all.iter().map(|p| p.1).chain([reference.1]);
    let (x, y) = (Span::of(xs), Span::of(ys));
    let mut svg = String::new();
    {
        let root = svg_root(&mut svg, (680, 480));
        root.fill(&WHITE)?;
        let plot = (all, front, reference, axes);
        match (x, y) {
            (Span::Linear(a, b), Span::Linear(c, d)) => pareto_axes(&root, a..b, c..d, plot)?,
            (Span::Log(a, b), Span::Linear(c, d)) => {
                pareto_axes(&root, (a..b).log_scale(), c..d, plot)?
            }
            (Span::Linear(a, b), Span::Log(c, d)) => {
                pareto_axes(&root, a..b, (c..d).log_scale(), plot)?
            }
            (Span::Log(a, b), Span::Log(c, d)) => {
                pareto_axes(&root, (a..b).log_scale(), (c..d).log_scale(), plot)?
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// An axis range for some values: linear with a margin, or logarithmic
/// when they are positive and span more than two decades.
#[derive(Clone, Copy)]
enum Span {
    Linear(f64, f64),
    Log(f64, f64),
}

impl Span {
    fn of(values: impl Iterator<Item = f64> + Clone) -> Span {
        let low = values.clone().fold(f64::INFINITY, f64::min);
        let high = values.fold(f64::NEG_INFINITY, f64::max);
        if low > 0.0 && high / low > 100.0 {
            Span::Log(low / 1.5, high * 1.5)
        } else {
            let (a, b) = padded(low, high);
            Span::Linear(a, b)
        }
    }
}

type ParetoData<'a> = (
    &'a [(f64, f64, bool)],
    &'a [(f64, f64)],
    (f64, f64),
    &'a ((String, Goal), (String, Goal)),
);

fn pareto_axes<X, Y>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    x: X,
    y: Y,
    (all, front, reference, axes): ParetoData<'_>,
) -> Result<(), Box<dyn std::error::Error>>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let ((xl, xg), (yl, yg)) = axes;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "Pareto front: {} {xl}, {} {yl}",
                goal_word(*xg),
                goal_word(*yg)
            ),
            (FONT, 16),
        )
        .margin(10)
        .margin_right(22)
        .x_label_area_size(42)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(RGBColor(232, 232, 232))
        .x_desc(xl.as_str())
        .y_desc(yl.as_str())
        .x_label_formatter(&|v| fmt(*v))
        .y_label_formatter(&|v| fmt(*v))
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .draw()?;
    chart.draw_series(
        all.iter()
            .filter(|p| p.2)
            .map(|&(x, y, _)| Circle::new((x, y), 3, GREY.mix(0.8).filled())),
    )?;
    chart.draw_series(
        all.iter()
            .filter(|p| !p.2)
            .map(|&(x, y, _)| Cross::new((x, y), 3, GREY)),
    )?;
    // The front as the staircase of the region it dominates (sorted by
    // the first objective): each corner is worse than both neighbours.
    let mut stairs = Vec::with_capacity(2 * front.len());
    for (k, &(x, y)) in front.iter().enumerate() {
        if k > 0 {
            let prev = front[k - 1];
            stairs.push(match xg {
                Goal::Minimize => (x, prev.1),
                Goal::Maximize => (prev.0, y),
            });
        }
        stairs.push((x, y));
    }
    chart.draw_series(std::iter::once(PathElement::new(
        stairs,
        VERMILION.stroke_width(1),
    )))?;
    chart.draw_series(front.iter().map(|&p| Circle::new(p, 5, VERMILION.filled())))?;
    chart.draw_series(std::iter::once(TriangleMarker::new(
        reference,
        7,
        BLACK.filled(),
    )))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{escape, rich};

    #[test]
    fn text_is_escaped_before_names_become_code() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(rich("`x<1>` rises"), "<code>x&lt;1&gt;</code> rises");
        assert_eq!(rich("odd ` tick"), "odd ` tick");
    }
}
