//! L0: constant distribution ratio per section. Each component is an
//! independent tridiagonal system, solved exactly by one Thomas sweep.

use crate::{MineralsError, Solution, check_layout, thomas};

/// A cascade whose distribution ratios D = y/c are fixed per section by the
/// acidity set-points (spec §1.2, L0). Flows are volumes per unit volume of
/// aqueous feed; component amounts per unit feed volume (use feed
/// fractions for "per mol REE fed"). Organic and scrub liquor enter free of
/// REE (acid scrub). No loading limit.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearCascade {
    /// Extraction stages n (stages 1..n use `d_extraction`).
    pub n_extraction: usize,
    /// Scrub stages m (stages n+1..n+m use `d_scrub`).
    pub n_scrub: usize,
    /// Stage receiving the aqueous feed (1-based); stages up to it carry
    /// feed + scrub liquor, those above only scrub liquor.
    pub feed_stage: usize,
    /// Organic flow over aqueous feed flow, Q_o/Q_F.
    pub organic_to_feed: f64,
    /// Scrub liquor flow over aqueous feed flow, Q_W/Q_F.
    pub scrub_to_feed: f64,
    /// Amount of each component in the feed.
    pub feed: Vec<f64>,
    /// Distribution ratio of each component in the extraction section.
    pub d_extraction: Vec<f64>,
    /// Distribution ratio of each component in the scrub section.
    pub d_scrub: Vec<f64>,
}

impl LinearCascade {
    /// Solves every component's stage balances
    /// `ε_(j−1) a_(j−1) − (1 + ε_j) a_j + a_(j+1) = −f_j`,
    /// ε_j = D_j Q_o / Q_a,j, a = aqueous component flow.
    pub fn solve(&self) -> Result<Solution, MineralsError> {
        check_layout(self.n_extraction, self.n_scrub, self.feed_stage)?;
        let c = self.feed.len();
        if self.d_extraction.len() != c || self.d_scrub.len() != c {
            return Err(MineralsError::invalid(
                "D",
                self.d_extraction.len().min(self.d_scrub.len()) as f64,
                "one extraction and one scrub distribution ratio per feed component",
            ));
        }
        if !(self.organic_to_feed > 0.0 && self.organic_to_feed.is_finite()) {
            return Err(MineralsError::invalid(
                "O_A",
                self.organic_to_feed,
                "must be positive",
            ));
        }
        let scrub_needed = self.feed_stage < self.n_extraction + self.n_scrub;
        if self.scrub_to_feed.is_nan()
            || self.scrub_to_feed < 0.0
            || (scrub_needed && self.scrub_to_feed == 0.0)
        {
            return Err(MineralsError::invalid(
                "W",
                self.scrub_to_feed,
                "must be positive when stages above the feed stage carry only scrub liquor",
            ));
        }
        for (name, ds) in [("D", &self.d_extraction), ("Dscrub", &self.d_scrub)] {
            if let Some(&bad) = ds.iter().find(|d| !(**d >= 0.0 && d.is_finite())) {
                return Err(MineralsError::invalid(
                    name,
                    bad,
                    "distribution ratios must be finite and ≥ 0",
                ));
            }
        }
        if let Some(&bad) = self.feed.iter().find(|f| !(**f >= 0.0 && f.is_finite())) {
            return Err(MineralsError::invalid(
                "feed",
                bad,
                "feed amounts must be finite and ≥ 0",
            ));
        }

        let n = self.n_extraction + self.n_scrub;
        let mut aqueous = vec![0.0; n * c];
        let mut organic = vec![0.0; n * c];
        let (mut lower, mut diag, upper, mut rhs, mut scratch) = (
            vec![0.0; n],
            vec![0.0; n],
            vec![-1.0; n],
            vec![0.0; n],
            vec![0.0; n],
        );
        let mut eps = vec![0.0; n];
        for i in 0..c {
            for (j, e) in eps.iter_mut().enumerate() {
                let stage = j + 1;
                let d = if stage <= self.n_extraction {
                    self.d_extraction[i]
                } else {
                    self.d_scrub[i]
                };
                let q_aq = self.scrub_to_feed + if stage <= self.feed_stage { 1.0 } else { 0.0 };
                *e = d * self.organic_to_feed / q_aq;
            }
            for j in 0..n {
                lower[j] = if j > 0 { -eps[j - 1] } else { 0.0 };
                diag[j] = 1.0 + eps[j];
                rhs[j] = if j + 1 == self.feed_stage {
                    self.feed[i]
                } else {
                    0.0
                };
            }
            thomas(&lower, &diag, &upper, &mut rhs, &mut scratch);
            for j in 0..n {
                aqueous[j * c + i] = rhs[j];
                organic[j * c + i] = eps[j] * rhs[j];
            }
        }
        let raffinate = aqueous[..c].to_vec();
        let loaded = organic[(n - 1) * c..].to_vec();
        let residual = balance_residual(&aqueous, &organic, &self.feed, self.feed_stage, n, c, 0.0);
        let balance_error = product_balance(&raffinate, &loaded, &self.feed);
        Ok(Solution {
            stages: n,
            components: c,
            aqueous,
            organic,
            raffinate,
            loaded,
            residual,
            balance_error,
            iterations: 0,
            method: "linear",
        })
    }
}

/// Largest |stage balance| relative to the flows in it, over all stages
/// and components. `reflux` is the fraction of the last stage's organic
/// returned as aqueous reflux (W/S in L1, 0 for an REE-free scrub).
pub(crate) fn balance_residual(
    aqueous: &[f64],
    organic: &[f64],
    feed: &[f64],
    feed_stage: usize,
    n: usize,
    c: usize,
    reflux: f64,
) -> f64 {
    let mut worst: f64 = 0.0;
    for j in 0..n {
        for i in 0..c {
            let o_in = if j > 0 { organic[(j - 1) * c + i] } else { 0.0 };
            let a_in = if j + 1 < n {
                aqueous[(j + 1) * c + i]
            } else {
                reflux * organic[j * c + i]
            };
            let f = if j + 1 == feed_stage { feed[i] } else { 0.0 };
            let (o, a) = (organic[j * c + i], aqueous[j * c + i]);
            let scale = o_in + a_in + f + o + a;
            if scale > 0.0 {
                worst = worst.max((o_in + a_in + f - o - a).abs() / scale);
            } else if !scale.is_finite() {
                return f64::INFINITY;
            }
        }
    }
    worst
}

/// Largest |raffinate + loaded − feed| over components (T4 of the spec).
pub(crate) fn product_balance(raffinate: &[f64], loaded: &[f64], feed: &[f64]) -> f64 {
    raffinate
        .iter()
        .zip(loaded)
        .zip(feed)
        .map(|((r, l), f)| (r + l - f).abs())
        .fold(0.0, f64::max)
}
