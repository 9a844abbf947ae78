"""IRT: 2PL calibration of 20,000 candidates × 100 items, ours beside the `girth` package's.

Data: simulated 2PL responses with a fixed seed — a ~ lognormal(0, 0.3), b ~ N(0, 1),
θ ~ N(0, 1) — the same 0/1 matrix for both.

Figure: `exams.irt.calibrate(model="2pl")` — Bock–Aitkin EM over 41 quadrature nodes on
[−4, 4], run until no slope or intercept moves by more than 1e-4 (what `hocso exams calibrate`
and the analysis page use), then the EAP abilities of every candidate (`exams.irt.abilities`).
Reference: `girth.twopl_mml` with its default options (marginal maximum likelihood, 41
quadrature nodes on [−4.5, 4.5], a look-up table for its integrals, at most 25 EM cycles),
calibration only — it computes no abilities, so the ratio favours girth slightly.

Prints:
  irt_2pl: 20000 x 100 our X s; girth Y s; ratio R
  irt_2pl recovery: corr(b) ours C1, girth C2; corr(a) ours A1, girth A2; our EM cycles N
Pure numpy: no database.
"""

import os
import sys

import numpy as np
from _setup import Stopwatch, say

CANDIDATES = int(os.environ.get("N", "20000"))
ITEMS = 100
SEED = 20250905


def simulate():
    rng = np.random.default_rng(SEED)
    a = rng.lognormal(0.0, 0.3, ITEMS)
    b = rng.normal(0.0, 1.0, ITEMS)
    theta = rng.normal(0.0, 1.0, CANDIDATES)
    p = 1.0 / (1.0 + np.exp(-a * (theta[:, None] - b)))
    return (rng.random((CANDIDATES, ITEMS)) < p).astype(float), a, b


def corr(x, y) -> float:
    return float(np.corrcoef(x, y)[0, 1])


def main() -> int:
    from girth import twopl_mml

    from hocso.exams import irt

    say(f"bench_irt: simulating {CANDIDATES} x {ITEMS} 2PL responses…")
    responses, a, b = simulate()
    irt.calibrate(responses[:500, :10])  # warm up numpy's BLAS before timing
    with Stopwatch() as ours:
        fit = irt.calibrate(responses, model="2pl")
        irt.abilities(responses, fit)
    say("bench_irt: girth.twopl_mml…")
    with Stopwatch() as girth:
        reference = twopl_mml(responses.T.astype(int))  # girth wants items × candidates
    assert fit.converged, "our 2PL calibration did not converge"
    print(
        f"irt_2pl: {CANDIDATES} x {ITEMS} our {ours.seconds:.1f} s; girth {girth.seconds:.1f} s; "
        f"ratio {ours.seconds / girth.seconds:.2f}"
    )
    print(
        f"irt_2pl recovery: corr(b) ours {corr(fit.b, b):.4f}, "
        f"girth {corr(reference['Difficulty'], b):.4f}; corr(a) ours {corr(fit.a, a):.4f}, "
        f"girth {corr(reference['Discrimination'], a):.4f}; our EM cycles {fit.iterations}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
