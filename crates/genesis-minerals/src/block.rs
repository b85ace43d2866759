//! Block-tridiagonal linear solves for the Newton and pseudo-transient
//! steps of the L1 cascade: one C×C block per stage, O(N·C³).

/// Workspace for `L_j y_(j−1) + D_j y_j + y_(j+1) = r_j` (identity upper
/// blocks: the aqueous flow from the stage above enters a balance with
/// coefficient 1). Blocks are row-major C×C; fill `lower` (block 0 unused)
/// and `diag`, then call [`BlockTridiagonal::solve`].
pub(crate) struct BlockTridiagonal {
    stages: usize,
    c: usize,
    /// L_j = ∂(balance j)/∂(aqueous flows of stage j − 1).
    pub lower: Vec<f64>,
    /// D_j = ∂(balance j)/∂(aqueous flows of stage j).
    pub diag: Vec<f64>,
    /// P_j⁻¹ of the forward elimination.
    inverse: Vec<f64>,
    pivot: Vec<f64>,
    product: Vec<f64>,
    column: Vec<f64>,
}

impl BlockTridiagonal {
    pub fn new(stages: usize, c: usize) -> Self {
        BlockTridiagonal {
            stages,
            c,
            lower: vec![0.0; stages * c * c],
            diag: vec![0.0; stages * c * c],
            inverse: vec![0.0; stages * c * c],
            pivot: vec![0.0; c * c],
            product: vec![0.0; c * c],
            column: vec![0.0; c],
        }
    }

    /// Solves in place (`rhs` becomes y). Returns `false` if a pivot block
    /// is singular, which the caller treats as a failed step.
    pub fn solve(&mut self, rhs: &mut [f64]) -> bool {
        let (n, c) = (self.stages, self.c);
        let cc = c * c;
        for j in 0..n {
            // P_j = D_j − L_j P_(j−1)⁻¹ ; z_j = P_j⁻¹ (r_j − L_j z_(j−1)).
            self.pivot.copy_from_slice(&self.diag[j * cc..(j + 1) * cc]);
            if j > 0 {
                let l = &self.lower[j * cc..(j + 1) * cc];
                let prev = &self.inverse[(j - 1) * cc..j * cc];
                mat_mul(l, prev, &mut self.product, c);
                for (p, q) in self.pivot.iter_mut().zip(&self.product) {
                    *p -= q;
                }
                let (done, rest) = rhs.split_at_mut(j * c);
                let z_prev = &done[(j - 1) * c..];
                for r in 0..c {
                    let dot: f64 = (0..c).map(|k| l[r * c + k] * z_prev[k]).sum();
                    rest[r] -= dot;
                }
            }
            let inv = &mut self.inverse[j * cc..(j + 1) * cc];
            if !invert(&mut self.pivot, inv, c) {
                return false;
            }
            let r = &mut rhs[j * c..(j + 1) * c];
            mat_vec(inv, r, &mut self.column, c);
            r.copy_from_slice(&self.column);
        }
        // y_j = z_j − P_j⁻¹ y_(j+1).
        for j in (0..n.saturating_sub(1)).rev() {
            let inv = &self.inverse[j * cc..(j + 1) * cc];
            let (head, tail) = rhs.split_at_mut((j + 1) * c);
            mat_vec(inv, &tail[..c], &mut self.column, c);
            for (y, d) in head[j * c..].iter_mut().zip(&self.column) {
                *y -= d;
            }
        }
        rhs.iter().all(|v| v.is_finite())
    }
}

fn mat_mul(a: &[f64], b: &[f64], out: &mut [f64], c: usize) {
    for r in 0..c {
        for k in 0..c {
            out[r * c + k] = (0..c).map(|l| a[r * c + l] * b[l * c + k]).sum();
        }
    }
}

fn mat_vec(a: &[f64], x: &[f64], out: &mut [f64], c: usize) {
    for r in 0..c {
        out[r] = (0..c).map(|k| a[r * c + k] * x[k]).sum();
    }
}

/// Gauss–Jordan inversion with partial pivoting; `a` is destroyed.
fn invert(a: &mut [f64], inv: &mut [f64], c: usize) -> bool {
    inv.fill(0.0);
    for i in 0..c {
        inv[i * c + i] = 1.0;
    }
    for col in 0..c {
        let best = (col..c)
            .max_by(|&x, &y| a[x * c + col].abs().total_cmp(&a[y * c + col].abs()))
            .unwrap_or(col);
        let p = a[best * c + col];
        if p == 0.0 || !p.is_finite() {
            return false;
        }
        if best != col {
            for k in 0..c {
                a.swap(best * c + k, col * c + k);
                inv.swap(best * c + k, col * c + k);
            }
        }
        for k in 0..c {
            a[col * c + k] /= p;
            inv[col * c + k] /= p;
        }
        for r in 0..c {
            if r == col {
                continue;
            }
            let m = a[r * c + col];
            if m != 0.0 {
                for k in 0..c {
                    a[r * c + k] -= m * a[col * c + k];
                    inv[r * c + k] -= m * inv[col * c + k];
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random-ish 3-stage, 2-component system against its dense solve.
    #[test]
    fn solves_a_small_block_system() {
        let mut b = BlockTridiagonal::new(3, 2);
        b.diag = vec![
            -3.0, 0.5, 0.2, -2.5, //
            -4.0, 0.1, 0.3, -3.0, //
            -2.0, 0.4, 0.1, -2.2,
        ];
        b.lower = vec![
            0.0, 0.0, 0.0, 0.0, //
            1.2, -0.3, 0.1, 0.9, //
            0.7, 0.2, -0.1, 1.1,
        ];
        let y = [1.0, -2.0, 0.5, 0.25, -1.0, 3.0];
        // r = A y with A's identity upper blocks.
        let mut r = vec![0.0; 6];
        for j in 0..3 {
            for row in 0..2 {
                let mut s = 0.0;
                for k in 0..2 {
                    s += b.diag[j * 4 + row * 2 + k] * y[j * 2 + k];
                    if j > 0 {
                        s += b.lower[j * 4 + row * 2 + k] * y[(j - 1) * 2 + k];
                    }
                }
                if j < 2 {
                    s += y[(j + 1) * 2 + row];
                }
                r[j * 2 + row] = s;
            }
        }
        assert!(b.solve(&mut r));
        for (got, want) in r.iter().zip(y) {
            assert!((got - want).abs() < 1e-13, "{got} vs {want}");
        }
    }
}
