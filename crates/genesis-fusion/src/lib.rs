//! A 0-D tokamak systems model, in the tradition of PROCESS (UKAEA) and
//! cfspopcon (CFS): parabolic profiles integrated by 64-point Gauss–Legendre
//! quadrature, Bosch–Hale DT reactivity, bremsstrahlung and Mavrin line
//! radiation, IPB98(y,2) confinement, and a self-consistent power balance
//! solved for the volume-averaged temperature (every root found, unstable
//! ones rejected). Formulas, sources and reference cases:
//! `docs/twins/fusion-tokamak.md`.
//!
//! [`Tokamak`] holds the inputs by name; [`Tokamak::solve`] gives a
//! [`Solution`]; [`TokamakTwin`] is the `fusion.tokamak` twin; [`popcon`]
//! evaluates the inverted problem on a density–temperature grid.

mod model;
pub mod physics;
mod popcon;
mod quadrature;
mod twin;

pub use model::{
    FusionError, Prepared, Root, SCAN_HIGH, SCAN_LOW, SCAN_POINTS, Solution, State, Tokamak,
};
pub use popcon::{Popcon, PopconCell, popcon};
pub use twin::{TWIN_NAME, TokamakTwin};
