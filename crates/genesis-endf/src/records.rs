//! ENDF record types (TEXT, CONT/HEAD, LIST, TAB1, TAB2, INTG) and a cursor
//! that reads them in order from one section, checking counts before
//! allocating so that a corrupt count cannot exhaust memory.

use crate::error::{EndfError, Result};
use crate::interp::{Interpolation, Tabulated};
use crate::number::{parse_float, parse_int};
use crate::tape::Tape;

/// CONT (and HEAD) record: two floats and four integers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cont {
    /// First float (ZA in a HEAD record).
    pub c1: f64,
    /// Second float (AWR in a HEAD record).
    pub c2: f64,
    /// First integer.
    pub l1: i64,
    /// Second integer.
    pub l2: i64,
    /// Third integer (often a count).
    pub n1: i64,
    /// Fourth integer (often a count).
    pub n2: i64,
}

/// LIST record: a CONT followed by NPL floats.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    /// Header; `n1` is NPL.
    pub cont: Cont,
    /// The NPL values.
    pub values: Vec<f64>,
}

/// TAB1 record: a CONT and a one-dimensional table y(x).
#[derive(Debug, Clone, PartialEq)]
pub struct Tab1 {
    /// Header; `n1` is NR, `n2` is NP.
    pub cont: Cont,
    /// The table with its interpolation laws.
    pub table: Tabulated,
}

/// TAB2 record: a CONT and the interpolation regions of a 2-D table whose NZ
/// sub-records follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Tab2 {
    /// Header; `n1` is NR, `n2` is NZ.
    pub cont: Cont,
    /// (NBT, INT) pairs.
    pub regions: Vec<(i64, i64)>,
}

/// INTG record: a row of a compact correlation matrix (MF32 LCOMP=2).
#[derive(Debug, Clone, PartialEq)]
pub struct Intg {
    /// Row index II.
    pub row: i64,
    /// Column index JJ of the first value.
    pub column: i64,
    /// The KIJ values.
    pub values: Vec<i64>,
}

/// Reads the records of one section in order.
#[derive(Debug, Clone)]
pub struct Records<'t> {
    tape: &'t Tape,
    next: usize,
    end: usize,
}

impl<'t> Records<'t> {
    pub(crate) fn new(tape: &'t Tape, first: usize, end: usize) -> Self {
        Records {
            tape,
            next: first,
            end,
        }
    }

    /// True when every line of the section has been read.
    pub fn is_done(&self) -> bool {
        self.next >= self.end
    }

    /// 1-based line number of the next line to be read.
    pub fn line_number(&self) -> usize {
        self.next + 1
    }

    /// An error at the current position.
    pub(crate) fn error(&self, record: &'static str, reason: impl Into<String>) -> EndfError {
        EndfError::Structure {
            file: self.tape.name().to_string(),
            line: self.next.min(self.end) + 1,
            record,
            reason: reason.into(),
        }
    }

    fn take_line(&mut self, record: &'static str) -> Result<(usize, &'t [u8])> {
        if self.next >= self.end {
            return Err(self.error(record, "section ends before this record"));
        }
        let index = self.next;
        self.next += 1;
        Ok((index, self.tape.line(index)))
    }

    fn field_error(
        &self,
        index: usize,
        column: usize,
        width: usize,
        record: &'static str,
        line: &[u8],
        reason: &str,
    ) -> EndfError {
        let to = (column + width).min(line.len());
        EndfError::Field {
            file: self.tape.name().to_string(),
            line: index + 1,
            first_column: column + 1,
            last_column: column + width,
            record,
            text: String::from_utf8_lossy(&line[column.min(to)..to]).into_owned(),
            reason: reason.to_string(),
        }
    }

    fn float_at(
        &self,
        index: usize,
        line: &[u8],
        slot: usize,
        record: &'static str,
    ) -> Result<f64> {
        let column = 11 * slot;
        parse_float(&line[column..column + 11])
            .ok_or_else(|| self.field_error(index, column, 11, record, line, "not a number"))
    }

    fn int_at(&self, index: usize, line: &[u8], slot: usize, record: &'static str) -> Result<i64> {
        let column = 11 * slot;
        parse_int(&line[column..column + 11])
            .ok_or_else(|| self.field_error(index, column, 11, record, line, "not an integer"))
    }

    fn cont_named(&mut self, record: &'static str) -> Result<Cont> {
        let (i, line) = self.take_line(record)?;
        Ok(Cont {
            c1: self.float_at(i, line, 0, record)?,
            c2: self.float_at(i, line, 1, record)?,
            l1: self.int_at(i, line, 2, record)?,
            l2: self.int_at(i, line, 3, record)?,
            n1: self.int_at(i, line, 4, record)?,
            n2: self.int_at(i, line, 5, record)?,
        })
    }

    /// Reads a CONT (or HEAD) record.
    pub fn cont(&mut self) -> Result<Cont> {
        self.cont_named("CONT")
    }

    /// Reads a TEXT record (columns 1-66).
    pub fn text(&mut self) -> Result<String> {
        let (_, line) = self.take_line("TEXT")?;
        Ok(String::from_utf8_lossy(&line[..66]).trim_end().to_string())
    }

    /// Checks that `count` items at `per_line` per line fit in the section.
    /// `header_line` is the 1-based line of the record's CONT, named in the error.
    fn check_count(
        &self,
        header_line: usize,
        count: i64,
        per_line: usize,
        what: &str,
        record: &'static str,
    ) -> Result<usize> {
        let remaining = self.end - self.next;
        if count < 0 || (count as u64).div_ceil(per_line as u64) > remaining as u64 {
            return Err(EndfError::Structure {
                file: self.tape.name().to_string(),
                line: header_line,
                record,
                reason: format!(
                    "{what} = {count} needs more lines than the {remaining} left in the section"
                ),
            });
        }
        Ok(count as usize)
    }

    fn floats(&mut self, count: usize, record: &'static str) -> Result<Vec<f64>> {
        let mut values = Vec::with_capacity(count);
        while values.len() < count {
            let (i, line) = self.take_line(record)?;
            for slot in 0..6.min(count - values.len()) {
                values.push(self.float_at(i, line, slot, record)?);
            }
        }
        Ok(values)
    }

    fn int_pairs(&mut self, count: usize, record: &'static str) -> Result<Vec<(i64, i64)>> {
        let mut pairs = Vec::with_capacity(count);
        while pairs.len() < count {
            let (i, line) = self.take_line(record)?;
            for pair in 0..3.min(count - pairs.len()) {
                pairs.push((
                    self.int_at(i, line, 2 * pair, record)?,
                    self.int_at(i, line, 2 * pair + 1, record)?,
                ));
            }
        }
        Ok(pairs)
    }

    /// Reads a LIST record.
    pub fn list(&mut self) -> Result<List> {
        let header_line = self.next + 1;
        let cont = self.cont_named("LIST")?;
        let npl = self.check_count(header_line, cont.n1, 6, "NPL", "LIST")?;
        Ok(List {
            cont,
            values: self.floats(npl, "LIST")?,
        })
    }

    /// Reads a TAB1 record and validates its table.
    pub fn tab1(&mut self) -> Result<Tab1> {
        let header_line = self.next + 1;
        let cont = self.cont_named("TAB1")?;
        let nr = self.check_count(header_line, cont.n1, 3, "NR", "TAB1")?;
        let regions = self.int_pairs(nr, "TAB1")?;
        let np = self.check_count(header_line, cont.n2, 3, "NP", "TAB1")?;
        let xy = self.floats(2 * np, "TAB1")?;
        let (x, y): (Vec<f64>, Vec<f64>) = xy.chunks_exact(2).map(|p| (p[0], p[1])).unzip();
        let mut laws = Vec::with_capacity(nr);
        for &(nbt, code) in &regions {
            let law = Interpolation::from_code(code).ok_or_else(|| EndfError::Structure {
                file: self.tape.name().to_string(),
                line: header_line,
                record: "TAB1",
                reason: format!("interpolation law INT={code} is not one of 1-5"),
            })?;
            laws.push((nbt, law));
        }
        let table = Tabulated::new(x, y, laws).map_err(|reason| EndfError::Structure {
            file: self.tape.name().to_string(),
            line: header_line,
            record: "TAB1",
            reason,
        })?;
        Ok(Tab1 { cont, table })
    }

    /// Reads a TAB2 record header (the NZ sub-records are read by the caller).
    pub fn tab2(&mut self) -> Result<Tab2> {
        let header_line = self.next + 1;
        let cont = self.cont_named("TAB2")?;
        let nr = self.check_count(header_line, cont.n1, 3, "NR", "TAB2")?;
        let regions = self.int_pairs(nr, "TAB2")?;
        Ok(Tab2 { cont, regions })
    }

    /// Reads an INTG record with NDIGIT digits per value (2-6).
    pub fn intg(&mut self, ndigit: usize) -> Result<Intg> {
        if !(2..=6).contains(&ndigit) {
            return Err(self.error("INTG", format!("NDIGIT = {ndigit} is not in 2-6")));
        }
        let (i, line) = self.take_line("INTG")?;
        let row = parse_int(&line[0..5])
            .ok_or_else(|| self.field_error(i, 0, 5, "INTG", line, "II is not an integer"))?;
        let column = parse_int(&line[5..10])
            .ok_or_else(|| self.field_error(i, 5, 5, "INTG", line, "JJ is not an integer"))?;
        let width = ndigit + 1;
        let count = 56 / width;
        let mut values = Vec::with_capacity(count);
        for k in 0..count {
            let from = 11 + k * width;
            let value = parse_int(&line[from..from + width]).ok_or_else(|| {
                self.field_error(i, from, width, "INTG", line, "KIJ is not an integer")
            })?;
            values.push(value);
        }
        Ok(Intg {
            row,
            column,
            values,
        })
    }
}
