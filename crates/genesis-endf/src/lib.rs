//! ENDF-6 nuclear data in Rust: read evaluated tapes, reconstruct pointwise
//! 0 K cross sections from resonance parameters (like NJOY's RECONR) and
//! Doppler-broaden them with the exact free-gas kernel (like BROADR).
//!
//! ```no_run
//! use genesis_endf::{Tape, ReconstructOptions, BroadenOptions};
//! let tape = Tape::read("J33U235".as_ref())?;
//! let evaluation = tape.material(9228)?.evaluation()?;
//! let cold = genesis_endf::reconstruct(&evaluation, &ReconstructOptions::default())?;
//! let warm = cold.broaden(&BroadenOptions { temperature_k: 293.6, ..BroadenOptions::default() })?;
//! println!("{} points, capture at 0.0253 eV: {} b", warm.len(), warm.value_at(102, 0.0253).unwrap());
//! # Ok::<(), genesis_endf::EndfError>(())
//! ```
//!
//! Formulas and NJOY conventions followed are in `docs/nuclear-data.md`.

mod doppler;
mod error;
mod evaluation;
mod interp;
mod mf1;
mod mf2;
mod mf3;
mod number;
mod pointwise;
mod reconstruct;
mod records;
mod resonance;
mod tape;

pub use doppler::BroadenOptions;
pub use error::{EndfError, Result};
pub use evaluation::Evaluation;
pub use interp::{Interpolation, Tabulated};
pub use mf1::{DirectoryEntry, Format, Header};
pub use mf2::{
    BreitWignerL, BreitWignerResonance, EnergyRange, Isotope, RangeKind, ReichMooreL,
    ReichMooreResonance, ResonanceParameters, Unresolved,
};
pub use mf3::CrossSection;
pub use pointwise::Pointwise;
pub use reconstruct::{ReconstructOptions, reconstruct};
pub use records::{Cont, Intg, List, Records, Tab1, Tab2};
pub use resonance::{ResonanceCrossSections, ResonanceEvaluator};
pub use tape::{Material, SectionLocation, Tape};
