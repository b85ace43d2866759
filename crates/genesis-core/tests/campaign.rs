//! What a campaign file means: defaults, types, and the errors for bad ones.

use genesis_core::campaign::{DEFAULT_COMMAND_TIMEOUT_S, parse};
use genesis_core::{Domain, Goal, TwinRef, Value};

const MINIMAL: &str = r#"
name = "m"
twin = "bench.branin"
budget = 5
[parameters.x1]
type = "float"
low = -5
high = 10
[objectives.f]
"#;

/// Parses `text` and expects an error whose rendering contains every fragment.
fn check_err(text: &str, fragments: &[&str]) {
    let err = parse(text, "c.toml").expect_err(text).to_string();
    for f in fragments {
        assert!(err.contains(f), "error {err:?} lacks {f:?}");
    }
}

#[test]
fn defaults_of_a_minimal_file() {
    let spec = parse(MINIMAL, "c.toml").unwrap().spec;
    assert_eq!(
        (spec.budget, spec.workers, spec.batch, spec.seed),
        (5, 1, 1, 0)
    );
    assert_eq!(spec.planner, "bo");
    assert_eq!(spec.objectives[0].goal, Goal::Minimize);
    assert_eq!(
        spec.twin,
        TwinRef::Builtin {
            name: "bench.branin".into(),
            timeout_s: None
        }
    );
    // Integer bounds on a float parameter are read as floats.
    assert_eq!(
        spec.space.parameters[0].domain,
        Domain::Float {
            low: -5.0,
            high: 10.0,
            log: false
        }
    );
}

#[test]
fn batch_defaults_to_workers() {
    let spec = parse(
        &MINIMAL.replace("budget = 5", "budget = 5\nworkers = 3"),
        "c.toml",
    )
    .unwrap()
    .spec;
    assert_eq!((spec.workers, spec.batch), (3, 3));
}

#[test]
fn every_parameter_type_and_fixed_inputs() {
    let text = r#"
name = "types"
budget = 3
[twin]
command = ["./sim", "--fast"]
outputs = ["y"]
[parameters.rate]
type = "float"
low = 1e-4
high = 1.0
log = true
unit = "mol/s"
[parameters.stages]
type = "int"
low = 2
high = 40
[parameters.solvent]
type = "categorical"
values = ["D2EHPA", "PC88A", 3]
[fixed]
temperature_K = 298.15
mode = "fast"
steps = 10
[objectives.y]
goal = "maximize"
[constraints]
cost = { max = 10.0 }
purity = { min = 0.99, max = 1.0 }
"#;
    let spec = parse(text, "c.toml").unwrap().spec;
    let names: Vec<&str> = spec
        .space
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["rate", "stages", "solvent"], "file order is kept");
    assert_eq!(spec.space.parameters[0].unit.as_deref(), Some("mol/s"));
    assert_eq!(
        spec.space.parameters[1].domain,
        Domain::Int {
            low: 2,
            high: 40,
            log: false
        }
    );
    assert_eq!(
        spec.space.parameters[2].domain,
        Domain::Categorical {
            values: vec![
                Value::Text("D2EHPA".into()),
                Value::Text("PC88A".into()),
                Value::Int(3)
            ]
        }
    );
    assert_eq!(spec.fixed["temperature_K"], Value::Float(298.15));
    assert_eq!(spec.fixed["steps"], Value::Int(10));
    assert_eq!(spec.objectives[0].goal, Goal::Maximize);
    assert_eq!(spec.constraints.len(), 2);
    assert_eq!(
        spec.twin,
        TwinRef::Command {
            command: vec!["./sim".into(), "--fast".into()],
            timeout_s: DEFAULT_COMMAND_TIMEOUT_S,
            outputs: Some(vec!["y".into()])
        }
    );
    let chosen = spec.space.from_unit(&[0.5, 0.0, 0.99]);
    let all = spec.full_inputs(&chosen);
    assert_eq!(
        all.keys().collect::<Vec<_>>(),
        [
            "rate",
            "stages",
            "solvent",
            "temperature_K",
            "mode",
            "steps"
        ]
    );
}

#[test]
fn errors_name_line_column_and_field() {
    check_err(
        &MINIMAL.replace("budget = 5", "budget = 0"),
        &["c.toml:4:10", "field `budget`", "must be at least 1"],
    );
    check_err(
        &MINIMAL.replace("high = 10", "high = -5"),
        &[
            "c.toml:7:7",
            "parameters.x1.low",
            "low (-5) must be less than high (-5)",
        ],
    );
    check_err(
        &MINIMAL
            .replace("type = \"float\"", "type = \"int\"\nlog = true")
            .replace("low = -5", "low = 0"),
        &["log-scale int parameter needs low >= 1"],
    );
    check_err(
        &MINIMAL
            .replace("low = -5", "low = 0.5")
            .replace("type = \"float\"", "type = \"int\""),
        &["whole-number bounds, got 0.5"],
    );
    check_err(
        &MINIMAL.replace("[objectives.f]", "[objectives.f]\nsense = \"up\""),
        &["unknown field `sense`", "field `objectives.f.sense`"],
    );
    check_err(
        &MINIMAL.replace("[objectives.f]", "[fixed]\nx1 = 2.0\n[objectives.f]"),
        &["field `fixed.x1`", "cannot be both searched and fixed"],
    );
    check_err(
        &MINIMAL.replace("[objectives.f]", "[fixed]\nlist = [1, 2]\n[objectives.f]"),
        &[
            "field `fixed.list`",
            "must be a number, a boolean or a string",
        ],
    );
    check_err(
        &MINIMAL
            .replace("seed", "x")
            .replace("budget = 5", "budget = 5\nseed = -1"),
        &["field `seed`", "must not be negative"],
    );
    check_err(
        &MINIMAL.replace("twin = \"bench.branin\"", "twin = 3"),
        &[
            "field `twin`",
            "must be a twin name or a [twin] table",
            "hint:",
        ],
    );
    check_err(
        &MINIMAL.replace("name = \"m\"", "name = \"  \""),
        &["field `name`", "must not be empty"],
    );
    check_err(
        &MINIMAL.replace("twin = \"bench.branin\"\n", "").replace(
            "[objectives.f]",
            "[objectives.f]\n[twin]\nname = \"a\"\ncommand = [\"b\"]",
        ),
        &["give either `name` or `command`, not both"],
    );
    check_err(
        &MINIMAL.replace(
            "[objectives.f]",
            "[parameters.c]\ntype = \"categorical\"\nvalues = [\"a\", \"a\"]\n[objectives.f]",
        ),
        &["value `a` is listed twice"],
    );
    check_err(
        &MINIMAL.replace(
            "[objectives.f]",
            "[constraints]\ng = { min = 2.0, max = 1.0 }\n[objectives.f]",
        ),
        &["field `constraints.g`", "min (2) is above max (1)"],
    );
}
