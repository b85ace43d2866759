//! An ENDF tape split into materials and sections, without interpreting the
//! numbers yet: one pass over the lines reads only the MAT/MF/MT control
//! columns (67-75). Sections are read on demand through [`Records`].

use crate::error::{EndfError, Result};
use crate::records::Records;

/// One line of the tape: byte range in the text and its control numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line {
    pub start: usize,
    pub end: usize,
}

/// Where one section (MF, MT) of a material sits on the tape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionLocation {
    /// File number (MF): 1 general information, 2 resonances, 3 cross sections, ...
    pub mf: u32,
    /// Section number (MT): the reaction or data kind.
    pub mt: u32,
    /// 1-based line number of the section's first record.
    pub first_line: usize,
    /// Number of lines in the section (without the SEND line).
    pub line_count: usize,
}

#[derive(Debug, Clone)]
struct MaterialLocation {
    mat: i32,
    sections: Vec<SectionLocation>,
}

/// A whole ENDF tape in memory: the text, its line table and the index of
/// materials and sections. Several materials per tape are allowed.
#[derive(Debug, Clone)]
pub struct Tape {
    name: String,
    text: Vec<u8>,
    lines: Vec<Line>,
    tape_id: Option<String>,
    materials: Vec<MaterialLocation>,
}

/// One material (MAT) of a tape: the entry point for typed access.
#[derive(Debug, Clone, Copy)]
pub struct Material<'t> {
    tape: &'t Tape,
    location: &'t MaterialLocation,
}

fn control(line: &[u8], from: usize, to: usize) -> Option<i64> {
    crate::number::parse_int(&line[from..to])
}

impl Tape {
    /// Reads a tape from a file; the file name is used in error messages.
    pub fn read(path: &std::path::Path) -> Result<Tape> {
        let text = std::fs::read(path).map_err(|e| EndfError::Io {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        Tape::parse(text, &path.display().to_string())
    }

    /// Indexes tape text already in memory. `name` appears in error messages.
    pub fn parse(text: Vec<u8>, name: &str) -> Result<Tape> {
        let mut lines = Vec::new();
        let mut start = 0;
        while start < text.len() {
            let newline = text[start..].iter().position(|&b| b == b'\n');
            let stop = newline.map_or(text.len(), |p| start + p);
            let mut end = stop;
            if end > start && text[end - 1] == b'\r' {
                end -= 1;
            }
            lines.push(Line { start, end });
            start = stop + 1;
        }
        while lines
            .last()
            .is_some_and(|l| text[l.start..l.end].iter().all(u8::is_ascii_whitespace))
        {
            lines.pop();
        }
        let mut tape = Tape {
            name: name.to_string(),
            text,
            lines,
            tape_id: None,
            materials: Vec::new(),
        };
        tape.index()?;
        Ok(tape)
    }

    fn structure(&self, line_index: usize, reason: String) -> EndfError {
        EndfError::Structure {
            file: self.name.clone(),
            line: line_index + 1,
            record: "control (columns 67-75)",
            reason,
        }
    }

    /// Reads MAT, MF, MT of a line, with an error naming the columns.
    fn controls(&self, index: usize) -> Result<(i32, u32, u32)> {
        let line = self.line(index);
        if line.len() < 75 {
            return Err(self.structure(
                index,
                format!(
                    "line has {} characters, but MAT/MF/MT need columns 67-75: {:?}",
                    line.len(),
                    String::from_utf8_lossy(line)
                ),
            ));
        }
        let field = |from: usize, to: usize, what: &str| -> Result<i64> {
            control(line, from, to).ok_or_else(|| EndfError::Field {
                file: self.name.clone(),
                line: index + 1,
                first_column: from + 1,
                last_column: to,
                record: "control",
                text: String::from_utf8_lossy(&line[from..to]).into_owned(),
                reason: format!("{what} is not an integer"),
            })
        };
        let mat = field(66, 70, "MAT")?;
        let mf = field(70, 72, "MF")?;
        let mt = field(72, 75, "MT")?;
        if !(-1..=9999).contains(&mat) || !(0..=99).contains(&mf) || !(0..=999).contains(&mt) {
            return Err(self.structure(index, format!("MAT={mat} MF={mf} MT={mt} out of range")));
        }
        Ok((mat as i32, mf as u32, mt as u32))
    }

    fn index(&mut self) -> Result<()> {
        let mut i = 0;
        if let Some(first) = self.lines.first() {
            let (_, mf, mt) = self.controls(0)?;
            if mf == 0 && mt == 0 {
                let text = &self.text[first.start..first.end];
                self.tape_id = Some(
                    String::from_utf8_lossy(&text[..66.min(text.len())])
                        .trim_end()
                        .to_string(),
                );
                i = 1;
            }
        }
        let mut materials: Vec<MaterialLocation> = Vec::new();
        let mut current: Option<MaterialLocation> = None;
        while i < self.lines.len() {
            let (mat, mf, mt) = self.controls(i)?;
            if mat == -1 {
                // TEND: anything after it is ignored.
                break;
            }
            if mat == 0 || mf == 0 || mt == 0 {
                // MEND, FEND or SEND: a control record, nothing to store.
                if mat == 0
                    && let Some(done) = current.take()
                {
                    materials.push(done);
                }
                i += 1;
                continue;
            }
            if current.as_ref().is_some_and(|m| m.mat != mat)
                && let Some(done) = current.take()
            {
                materials.push(done);
            }
            let material = current.get_or_insert_with(|| MaterialLocation {
                mat,
                sections: Vec::new(),
            });
            let first = i;
            while i < self.lines.len() {
                let (m2, f2, t2) = self.controls(i)?;
                if (m2, f2, t2) != (mat, mf, mt) {
                    break;
                }
                i += 1;
            }
            if material.sections.iter().any(|s| s.mf == mf && s.mt == mt) {
                return Err(self.structure(
                    first,
                    format!("MAT {mat} has a second MF={mf} MT={mt} section"),
                ));
            }
            material.sections.push(SectionLocation {
                mf,
                mt,
                first_line: first + 1,
                line_count: i - first,
            });
        }
        if let Some(done) = current.take() {
            materials.push(done);
        }
        if materials.is_empty() {
            return Err(EndfError::Structure {
                file: self.name.clone(),
                line: self.lines.len().max(1),
                record: "tape",
                reason: "no material found".into(),
            });
        }
        self.materials = materials;
        Ok(())
    }

    pub(crate) fn line(&self, index: usize) -> &[u8] {
        let l = self.lines[index];
        &self.text[l.start..l.end]
    }

    /// File name given when reading, used in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tape identification line (TPID), if the tape has one.
    pub fn tape_id(&self) -> Option<&str> {
        self.tape_id.as_deref()
    }

    /// All materials, in tape order.
    pub fn materials(&self) -> impl Iterator<Item = Material<'_>> {
        self.materials.iter().map(move |location| Material {
            tape: self,
            location,
        })
    }

    /// The material with this MAT number (the first, if it occurs twice).
    pub fn material(&self, mat: i32) -> Result<Material<'_>> {
        self.materials()
            .find(|m| m.mat() == mat)
            .ok_or_else(|| EndfError::MissingMaterial {
                file: self.name.clone(),
                mat,
                available: self.materials.iter().map(|m| m.mat).collect(),
            })
    }
}

impl<'t> Material<'t> {
    /// MAT number.
    pub fn mat(&self) -> i32 {
        self.location.mat
    }

    /// The tape this material belongs to.
    pub fn tape(&self) -> &'t Tape {
        self.tape
    }

    /// Sections present on the tape (as found, not as the directory claims).
    pub fn sections(&self) -> &'t [SectionLocation] {
        &self.location.sections
    }

    /// A record reader over section (MF, MT), or `None` when absent.
    pub fn section(&self, mf: u32, mt: u32) -> Option<Records<'t>> {
        self.location
            .sections
            .iter()
            .find(|s| s.mf == mf && s.mt == mt)
            .map(|s| Records::new(self.tape, s.first_line - 1, s.first_line - 1 + s.line_count))
    }
}
