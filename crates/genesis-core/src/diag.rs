//! Errors that point into a source file: the file, line, column and field,
//! the offending line with a caret underneath, and an optional hint.

use std::fmt;
use std::ops::Range;

/// A user-facing error about an input file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct Diagnostic {
    /// The file as the user named it.
    pub origin: String,
    /// 1-based line and column, when the error has a place in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Dotted path of the offending field, e.g. `parameters.x1.low`.
    pub field: Option<String>,
    pub message: String,
    /// The source line and a caret marker, already rendered.
    pub excerpt: Option<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error about the whole file (no position).
    pub fn whole(origin: &str, field: Option<&str>, message: impl Into<String>) -> Self {
        Diagnostic {
            origin: origin.to_string(),
            line: None,
            column: None,
            field: field.map(str::to_string),
            message: message.into(),
            excerpt: None,
            hint: None,
        }
    }

    /// An error at byte range `span` of `source`.
    pub fn at(
        source: &str,
        origin: &str,
        span: Range<usize>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        let start = span.start.min(source.len());
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_no = source[..start].matches('\n').count() + 1;
        let col = source[line_start..start].chars().count() + 1;
        let text = source[line_start..line_end].trim_end_matches('\r');
        let width = source[start..span.end.clamp(start, line_end)]
            .chars()
            .count()
            .max(1);
        let gutter = line_no.to_string().len();
        let excerpt = format!(
            "{blank} |\n{line_no} | {text}\n{blank} | {pad}{marks}",
            blank = " ".repeat(gutter),
            pad = " ".repeat(col - 1),
            marks = "^".repeat(width),
        );
        Diagnostic {
            origin: origin.to_string(),
            line: Some(line_no),
            column: Some(col),
            field: field.map(str::to_string),
            message: message.into(),
            excerpt: Some(excerpt),
            hint: None,
        }
    }

    /// Adds a `hint:` line (builder style).
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(ex) = &self.excerpt {
            write!(f, "\n{ex}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\nhint: {h}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_line_and_column() {
        let src = "name = \"x\"\nbudget = 0\n";
        let d = Diagnostic::at(src, "c.toml", 20..21, Some("budget"), "must be at least 1");
        assert_eq!(
            d.to_string(),
            "c.toml:2:10: field `budget`: must be at least 1\n  |\n2 | budget = 0\n  |          ^"
        );
    }
}
