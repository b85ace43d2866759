//! Built-in twins of Genesis.
//!
//! Benchmark functions with known optima (`bench.*`) come first: they let
//! anyone check that the loop, the planners and the store work before
//! pointing Genesis at a real simulator. Domain twins follow: the 0-D
//! tokamak `fusion.tokamak` (crate `genesis-fusion`) and the rare-earth
//! solvent-extraction cascade `minerals.sx_cascade` (crate
//! `genesis-minerals`, which sizes itself from the campaign's element
//! names); nuclear data joins the registry in [`resolve`] when it lands.

mod bench;

pub use bench::{Branin, BraninCurrin, Hartmann6, Rosenbrock};
use genesis_core::Twin;
use std::sync::Arc;

/// Names of every built-in twin, for listings and error hints.
pub const BUILTIN_NAMES: &[&str] = &[
    "bench.branin",
    "bench.branin_currin",
    "bench.hartmann6",
    "bench.rosenbrock",
    genesis_fusion::TWIN_NAME,
    genesis_minerals::TWIN_NAME,
];

/// Builds the built-in twin `name`.
///
/// `input_names` are the inputs the campaign will send; twins whose
/// dimension is not fixed (Rosenbrock; the SX cascade's elements) size
/// themselves from them. Returns
/// `None` for an unknown name.
pub fn resolve(name: &str, input_names: &[&str]) -> Option<Arc<dyn Twin>> {
    match name {
        "bench.branin" => Some(Arc::new(Branin::new())),
        "bench.branin_currin" => Some(Arc::new(BraninCurrin::new())),
        "bench.hartmann6" => Some(Arc::new(Hartmann6::new())),
        "bench.rosenbrock" => {
            let dim = Rosenbrock::dimension_for(input_names);
            Some(Arc::new(Rosenbrock::new(dim)))
        }
        genesis_fusion::TWIN_NAME => Some(Arc::new(genesis_fusion::TokamakTwin::new())),
        genesis_minerals::TWIN_NAME => Some(Arc::new(genesis_minerals::SxCascadeTwin::for_inputs(
            input_names,
        ))),
        _ => None,
    }
}
