//! Tabulated functions with ENDF interpolation laws 1-5 (spec §4).

/// ENDF interpolation law between two tabulated points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// INT=1: y constant (histogram) from x1 up to x2.
    Histogram,
    /// INT=2: y linear in x.
    LinLin,
    /// INT=3: y linear in ln x.
    LinLog,
    /// INT=4: ln y linear in x.
    LogLin,
    /// INT=5: ln y linear in ln x.
    LogLog,
}

impl Interpolation {
    /// The law for an ENDF INT code, `None` for codes outside 1-5.
    pub fn from_code(code: i64) -> Option<Interpolation> {
        Some(match code {
            1 => Interpolation::Histogram,
            2 => Interpolation::LinLin,
            3 => Interpolation::LinLog,
            4 => Interpolation::LogLin,
            5 => Interpolation::LogLog,
            _ => return None,
        })
    }

    /// Value at `x` between (x1, y1) and (x2, y2). Log laws fall back to
    /// lin-lin where a logarithm is undefined (zero or negative values), as
    /// processing codes do.
    pub fn eval(self, x: f64, x1: f64, y1: f64, x2: f64, y2: f64) -> f64 {
        if x2 == x1 {
            return y1;
        }
        let lin = |t: f64| y1 + (y2 - y1) * t;
        match self {
            Interpolation::Histogram => y1,
            Interpolation::LinLin => lin((x - x1) / (x2 - x1)),
            Interpolation::LinLog if x1 > 0.0 && x > 0.0 => lin((x / x1).ln() / (x2 / x1).ln()),
            Interpolation::LogLin if y1 > 0.0 && y2 > 0.0 => {
                y1 * ((x - x1) / (x2 - x1) * (y2 / y1).ln()).exp()
            }
            Interpolation::LogLog if x1 > 0.0 && x > 0.0 && y1 > 0.0 && y2 > 0.0 => {
                y1 * ((x / x1).ln() / (x2 / x1).ln() * (y2 / y1).ln()).exp()
            }
            _ => lin((x - x1) / (x2 - x1)),
        }
    }
}

/// y(x) given at points with interpolation regions, as in a TAB1 record.
#[derive(Debug, Clone, PartialEq)]
pub struct Tabulated {
    x: Vec<f64>,
    y: Vec<f64>,
    /// (NBT, law): NBT is the 1-based index of the last point of the region.
    regions: Vec<(i64, Interpolation)>,
}

impl Tabulated {
    /// Checks and builds a table: x non-decreasing, regions increasing and
    /// ending at the last point. A repeated x is a discontinuity.
    pub fn new(
        x: Vec<f64>,
        y: Vec<f64>,
        regions: Vec<(i64, Interpolation)>,
    ) -> Result<Tabulated, String> {
        if x.len() != y.len() {
            return Err(format!("{} x values but {} y values", x.len(), y.len()));
        }
        if let Some(i) = (1..x.len()).find(|&i| x[i] < x[i - 1]) {
            return Err(format!(
                "x decreases at point {}: {} after {}",
                i + 1,
                x[i],
                x[i - 1]
            ));
        }
        let mut last = 0;
        for &(nbt, _) in &regions {
            if nbt <= last || nbt > x.len() as i64 {
                return Err(format!(
                    "interpolation boundary NBT={nbt} out of order (previous {last}, NP={})",
                    x.len()
                ));
            }
            last = nbt;
        }
        if !x.is_empty() && last != x.len() as i64 {
            return Err(format!(
                "interpolation regions end at point {last}, but NP={}",
                x.len()
            ));
        }
        Ok(Tabulated { x, y, regions })
    }

    /// A lin-lin table.
    pub fn linear(x: Vec<f64>, y: Vec<f64>) -> Result<Tabulated, String> {
        let n = x.len() as i64;
        Tabulated::new(
            x,
            y,
            if n > 0 {
                vec![(n, Interpolation::LinLin)]
            } else {
                Vec::new()
            },
        )
    }

    /// Abscissae.
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// Ordinates.
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// Interpolation regions as (last point, 1-based; law).
    pub fn regions(&self) -> &[(i64, Interpolation)] {
        &self.regions
    }

    /// Law of the interval from point `i` to `i + 1` (0-based).
    pub fn law(&self, i: usize) -> Interpolation {
        let right = i as i64 + 2;
        self.regions
            .iter()
            .find(|(nbt, _)| *nbt >= right)
            .map_or(Interpolation::LinLin, |r| r.1)
    }

    /// Value at `x`: zero outside the table; at a discontinuity, the value to
    /// the right.
    pub fn eval(&self, x: f64) -> f64 {
        let n = self.x.len();
        if n == 0 || x < self.x[0] || x > self.x[n - 1] {
            return 0.0;
        }
        let i = self.x.partition_point(|&v| v <= x);
        if i >= n {
            return self.y[n - 1];
        }
        let i = i - 1;
        self.law(i)
            .eval(x, self.x[i], self.y[i], self.x[i + 1], self.y[i + 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(law: Interpolation, x: f64, expect: f64) {
        let got = law.eval(x, 1.0, 2.0, 4.0, 8.0);
        assert!(
            (got - expect).abs() < 1e-12,
            "{law:?} at {x}: {got} != {expect}"
        );
    }

    #[test]
    fn the_five_laws_between_1_2_and_4_8() {
        check(Interpolation::Histogram, 2.0, 2.0);
        check(Interpolation::LinLin, 2.0, 4.0);
        check(Interpolation::LinLog, 2.0, 2.0 + 6.0 * 0.5);
        check(Interpolation::LogLin, 2.0, 2.0 * 4f64.powf(1.0 / 3.0));
        check(Interpolation::LogLog, 2.0, 4.0);
    }

    #[test]
    fn table_evaluates_regions_and_discontinuities() {
        let t = Tabulated::new(
            vec![1.0, 2.0, 2.0, 4.0],
            vec![1.0, 1.0, 5.0, 20.0],
            vec![(2, Interpolation::LinLin), (4, Interpolation::LogLog)],
        )
        .unwrap();
        assert_eq!(t.eval(0.5), 0.0);
        assert_eq!(t.eval(1.5), 1.0);
        assert_eq!(t.eval(2.0), 5.0);
        assert!((t.eval(3.0) - 5.0 * 1.5f64.powf(2.0)).abs() < 1e-12);
        assert_eq!(t.eval(4.0), 20.0);
        assert_eq!(t.eval(4.5), 0.0);
    }

    #[test]
    fn bad_tables_are_rejected() {
        assert!(
            Tabulated::new(
                vec![2.0, 1.0],
                vec![0.0, 0.0],
                vec![(2, Interpolation::LinLin)]
            )
            .is_err()
        );
        assert!(
            Tabulated::new(
                vec![1.0, 2.0],
                vec![0.0, 0.0],
                vec![(1, Interpolation::LinLin)]
            )
            .is_err()
        );
        assert!(
            Tabulated::new(
                vec![1.0, 2.0],
                vec![0.0, 0.0],
                vec![(3, Interpolation::LinLin)]
            )
            .is_err()
        );
    }
}
