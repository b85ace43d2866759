//! Fortran-style number fields of ENDF tapes.
//!
//! Accepts every style found in real evaluations (spec §3): `1.234567+5`
//! (no 'E'), `-2.225002+6` (11 characters, no blank), `1.0E-5`, `1.0D-5`,
//! `.001195469`, `41093.0`, bare integers `0`, embedded blanks
//! (`2.00300+ 3`, `2. 3 - 1` = 0.23: blanks are ignored, Fortran BN mode) and
//! wholly blank fields (= 0).

/// Parses one float field; `None` when the text is not a number.
pub(crate) fn parse_float(field: &[u8]) -> Option<f64> {
    let mut buf = [0u8; 32];
    let mut n = 0;
    let mut has_exponent_letter = false;
    for &b in field {
        let c = match b {
            b' ' | b'\t' => continue,
            b'0'..=b'9' | b'.' | b'+' | b'-' => b,
            b'e' | b'E' | b'd' | b'D' => {
                has_exponent_letter = true;
                b'e'
            }
            _ => return None,
        };
        if n >= buf.len() - 1 {
            return None;
        }
        buf[n] = c;
        n += 1;
    }
    if n == 0 {
        return Some(0.0);
    }
    if !has_exponent_letter && let Some(p) = (1..n).find(|&i| buf[i] == b'+' || buf[i] == b'-') {
        // Fortran allows the exponent sign without the letter: 1.5+3.
        buf.copy_within(p..n, p + 1);
        buf[p] = b'e';
        n += 1;
    }
    let text = std::str::from_utf8(&buf[..n]).ok()?;
    let value: f64 = text.parse().ok()?;
    value.is_finite().then_some(value)
}

/// Parses one integer field (I11); blank is 0, blanks inside are ignored.
pub(crate) fn parse_int(field: &[u8]) -> Option<i64> {
    let mut value: i64 = 0;
    let mut negative = false;
    let mut seen_sign = false;
    let mut seen_digit = false;
    for &b in field {
        match b {
            b' ' | b'\t' => {}
            b'+' | b'-' if !seen_sign && !seen_digit => {
                seen_sign = true;
                negative = b == b'-';
            }
            b'0'..=b'9' => {
                seen_digit = true;
                value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
            }
            _ => return None,
        }
    }
    if seen_sign && !seen_digit {
        return None;
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_float(text: &str, expect: Option<f64>) {
        let got = parse_float(text.as_bytes());
        match (got, expect) {
            (Some(g), Some(e)) => assert!((g - e).abs() <= 1e-15 * e.abs(), "{text:?}: {g} != {e}"),
            _ => assert_eq!(got, expect, "{text:?}"),
        }
    }

    #[test]
    fn floats_in_every_style_found_on_real_tapes() {
        check_float(" 1.234567+5", Some(1.234567e5));
        check_float(" 2.530000-2", Some(2.53e-2));
        check_float("-2.225002+6", Some(-2.225002e6));
        check_float(" 1234.56789", Some(1234.56789));
        check_float(" 1.00000E-5", Some(1.0e-5));
        check_float(" 1.00000D-5", Some(1.0e-5));
        check_float(" .001195469", Some(0.001195469));
        check_float(" 8016.00000", Some(8016.0));
        check_float("    41093.0", Some(41093.0));
        check_float("          0", Some(0.0));
        check_float("           ", Some(0.0));
        check_float(" 2.00300+ 3", Some(2003.0));
        check_float("  2. 3 - 1 ", Some(0.23));
        check_float("-1.0-10", Some(-1.0e-10));
        check_float("+5.0+0", Some(5.0));
    }

    #[test]
    fn malformed_floats_are_rejected() {
        check_float(" 1.2.3+4", None);
        check_float(" abc", None);
        check_float(" inf", None);
        check_float(" 1.0e+", None);
        check_float(" 1.0+999", None);
        check_float(" -", None);
    }

    #[test]
    fn integers() {
        assert_eq!(parse_int(b"          5"), Some(5));
        assert_eq!(parse_int(b"         -5"), Some(-5));
        assert_eq!(parse_int(b"           "), Some(0));
        assert_eq!(parse_int(b"  1 2"), Some(12));
        assert_eq!(parse_int(b" 1.0"), None);
        assert_eq!(parse_int(b"  -"), None);
        assert_eq!(parse_int(b"99999999999999999999"), None);
    }
}
