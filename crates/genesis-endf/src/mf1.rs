//! MF1/MT451: descriptive header and directory of a material.

use crate::error::{EndfError, Result};
use crate::tape::Material;

/// Which generation of the format the material is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ENDF-6: four header CONT records, NFOR = 6.
    Endf6,
    /// ENDF-5 and older: three header CONT records (e.g. ENDF/B-V tape 511).
    Endf5,
}

/// One line of the MF1/MT451 directory: a section the evaluation declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// File number.
    pub mf: i64,
    /// Section number.
    pub mt: i64,
    /// Number of lines of the section (NC).
    pub line_count: i64,
    /// Modification number (MOD).
    pub modification: i64,
}

/// The MF1/MT451 header: identification of the material and evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Format generation.
    pub format: Format,
    /// ZA = 1000 Z + A.
    pub za: f64,
    /// Target mass in neutron masses (AWR).
    pub awr: f64,
    /// LRP: 1 when MF2 holds resonance parameters.
    pub lrp: i64,
    /// LFI: 1 when the material fissions.
    pub lfi: i64,
    /// NLIB: library code (0 ENDF/B, 2 JEFF, 6 JENDL, ...).
    pub nlib: i64,
    /// NMOD: modification number.
    pub nmod: i64,
    /// Excitation energy of the target (eV).
    pub elis: f64,
    /// LIS: target state number.
    pub lis: i64,
    /// Projectile mass (AWI, neutron masses; ENDF-6 only, 1 assumed otherwise).
    pub awi: f64,
    /// Upper energy limit of the evaluation (EMAX, eV; ENDF-6 only).
    pub emax: f64,
    /// NSUB: sublibrary (10 = incident neutrons; ENDF-6 only).
    pub nsub: i64,
    /// NVER: library version (ENDF-6 only).
    pub nver: i64,
    /// Temperature of the data (K; 0 for evaluations, set in PENDF tapes).
    pub temperature_k: f64,
    /// The descriptive TEXT lines (NWD of them).
    pub description: Vec<String>,
    /// The declared directory (NXC lines).
    pub directory: Vec<DirectoryEntry>,
}

impl Header {
    /// Name of the library family from NLIB (ENDF-6 manual Table 0.2).
    pub fn library_name(&self) -> &'static str {
        match self.nlib {
            0 => "ENDF/B",
            1 => "ENDF/A",
            2 => "JEFF",
            3 => "EFF",
            4 => "ENDF/B High Energy",
            5 => "CENDL",
            6 => "JENDL",
            17 => "TENDL",
            18 => "ROSFOND",
            21 => "SG-23",
            31 => "INDL/V",
            32 => "INDL/A",
            33 => "FENDL",
            34 => "IRDF",
            35 => "BROND",
            36 => "INGDB-90",
            37 => "FENDL/A",
            38 => "IAEA/PD",
            41 => "BROND",
            _ => "unknown library",
        }
    }

    /// The library as the evaluation names itself: the HSUB text line
    /// (`----JENDL-3.3  MATERIAL 9237` gives "JENDL-3.3") when present,
    /// else the NLIB family name (some files carry NLIB = 0 whatever the library).
    pub fn library(&self) -> String {
        let hsub = self
            .description
            .get(2)
            .filter(|_| self.format == Format::Endf6)
            .and_then(|line| line.strip_prefix("----"));
        match hsub
            .and_then(|rest| rest.split("MATERIAL").next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(name) => name.to_string(),
            None => self.library_name().to_string(),
        }
    }

    /// Reads MF1/MT451 of a material.
    pub fn read(material: &Material<'_>) -> Result<Header> {
        let mut records = material
            .section(1, 451)
            .ok_or_else(|| EndfError::Structure {
                file: material.tape().name().to_string(),
                line: material.sections().first().map_or(1, |s| s.first_line),
                record: "MF1/MT451",
                reason: format!(
                    "material {} has no MF1/MT451 header section",
                    material.mat()
                ),
            })?;
        let head = records.cont()?;
        let second = records.cont()?;
        let endf6 = second.n2 == 6;
        let (awi, emax, nsub, nver, temperature_k, last) = if endf6 {
            let third = records.cont()?;
            let fourth = records.cont()?;
            (third.c1, third.c2, third.n1, third.n2, fourth.c1, fourth)
        } else {
            (1.0, 0.0, 10, 5, 0.0, records.cont()?)
        };
        let nwd = last.n1;
        let nxc = last.n2;
        if nwd < 0 || nxc < 0 {
            return Err(records.error("MF1/MT451", format!("negative NWD={nwd} or NXC={nxc}")));
        }
        let mut description = Vec::new();
        for _ in 0..nwd {
            description.push(records.text()?);
        }
        let mut directory = Vec::new();
        for _ in 0..nxc {
            let line = records.cont()?;
            directory.push(DirectoryEntry {
                mf: line.l1,
                mt: line.l2,
                line_count: line.n1,
                modification: line.n2,
            });
        }
        Ok(Header {
            format: if endf6 { Format::Endf6 } else { Format::Endf5 },
            za: head.c1,
            awr: head.c2,
            lrp: head.l1,
            lfi: head.l2,
            nlib: head.n1,
            nmod: head.n2,
            elis: second.c1,
            lis: second.l1,
            awi,
            emax,
            nsub,
            nver,
            temperature_k,
            description,
            directory,
        })
    }
}
