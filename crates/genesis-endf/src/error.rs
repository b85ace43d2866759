//! Errors of the reader and the processors. Every input error names the file,
//! the line (1-based), the columns and the record being read, and quotes the
//! offending text, so a user can open the tape and see the problem.

/// Everything that can go wrong reading or processing an ENDF tape.
#[derive(Debug, thiserror::Error)]
pub enum EndfError {
    /// The file could not be read at all.
    #[error("{file}: cannot read: {message}")]
    Io {
        /// File name as given by the caller.
        file: String,
        /// Operating-system message.
        message: String,
    },
    /// A field of a record does not hold a valid number.
    #[error(
        "{file}:{line}: columns {first_column}-{last_column} of the {record} record: {reason}: {text:?}"
    )]
    Field {
        /// File name.
        file: String,
        /// 1-based line number in the file.
        line: usize,
        /// First column of the field (1-based).
        first_column: usize,
        /// Last column of the field (1-based, inclusive).
        last_column: usize,
        /// Record type being read (CONT, LIST, TAB1, ...).
        record: &'static str,
        /// The field text as found on the tape.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The records do not fit together (counts, ordering, missing lines).
    #[error("{file}:{line}: {record} record: {reason}")]
    Structure {
        /// File name.
        file: String,
        /// 1-based line number where the problem was found.
        line: usize,
        /// Record or section being read.
        record: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A material asked for is not on the tape.
    #[error("{file}: material MAT={mat} is not on the tape (materials present: {available:?})")]
    MissingMaterial {
        /// File name.
        file: String,
        /// MAT number asked for.
        mat: i32,
        /// MAT numbers on the tape.
        available: Vec<i32>,
    },
    /// Valid ENDF data that this crate does not process (yet).
    #[error("{file}: MAT {mat}: {what} is not supported")]
    Unsupported {
        /// File name.
        file: String,
        /// MAT number.
        mat: i32,
        /// The feature, e.g. "R-Matrix Limited resonances (LRF=7)".
        what: String,
    },
    /// A processing option is out of range.
    #[error("invalid option {option} = {value}: {reason}")]
    InvalidOption {
        /// Option name.
        option: &'static str,
        /// Value given.
        value: String,
        /// Allowed range.
        reason: String,
    },
    /// A numerical procedure failed; no partial answer is returned.
    #[error("numerical failure in {stage} at E = {energy_ev} eV: {reason}")]
    Numerical {
        /// Processing stage (reconstruction, broadening).
        stage: &'static str,
        /// Energy in eV where it happened.
        energy_ev: f64,
        /// What went wrong.
        reason: String,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, EndfError>;
