"""Independent high-precision reference for spec T5 (L1 binary near S_min).

The L1 cascade of docs/twins/minerals-sx-cascade.md (saturated organic S,
constant beta, aqueous feed at stage n, product-reflux scrub W), solved by
marching the stage balances from the raffinate up in 300-digit arithmetic
(mpmath) and bisecting the Nd leak until the top stage's balance closes.
At this precision the exponential growth of the march does no harm.

    python3 pinch_leak.py 200 2.8 2.05   # -> 2.88041984665605e-09
    python3 pinch_leak.py 100 2.8 2.05   # -> 3.30836344...e-05 (spec 3.308363e-5)
"""

import sys

import mpmath as mp

mp.mp.dps = 300
BETA, F_ND = mp.mpf("1.5"), mp.mpf("0.75")


def top_mismatch(n, s, w, leak):
    """Nd balance of the top stage when the raffinate carries `leak` Nd."""
    feed = [F_ND, 1 - F_ND]
    aqueous = [leak, (1 + w - s) - leak]
    organic_below = [mp.mpf(0), mp.mpf(0)]
    for stage in range(1, 2 * n + 1):
        extractable = BETA * aqueous[0] + aqueous[1]
        organic = [s * BETA * aqueous[0] / extractable, s * aqueous[1] / extractable]
        fed = feed if stage == n else [0, 0]
        aqueous = [organic[i] + aqueous[i] - organic_below[i] - fed[i] for i in range(2)]
        organic_below = organic
    return aqueous[0] - (w / s) * organic_below[0]


def leak(n, s, w):
    """Bisects the leak on the bracket where the march stays physical."""
    lo, hi = mp.mpf(10) ** -40, mp.mpf("1e-1")
    # Scan down a log grid for the sign change that has all flows positive.
    grid = [mp.mpf(10) ** (-k / mp.mpf(4)) for k in range(2, 160)]
    values = [top_mismatch(n, s, w, x) for x in grid]
    for (x_hi, f_hi), (x_lo, f_lo) in zip(zip(grid, values), zip(grid[1:], values[1:])):
        if (f_hi > 0) != (f_lo > 0):
            lo, hi = x_lo, x_hi
            break
    f_lo = top_mismatch(n, s, w, lo)
    for _ in range(400):
        mid = (lo + hi) / 2
        f_mid = top_mismatch(n, s, w, mid)
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return lo


if __name__ == "__main__":
    n, s, w = int(sys.argv[1]), mp.mpf(sys.argv[2]), mp.mpf(sys.argv[3])
    print(mp.nstr(leak(n, s, w), 15))
