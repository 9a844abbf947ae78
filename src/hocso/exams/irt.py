"""Item response theory for exams: Rasch and 2PL calibration by marginal maximum likelihood,
EAP abilities. Pure numpy, no Django (exams/analysis.py feeds it).

Model (2PL): P(right | θ) = 1 / (1 + exp(−a·(θ − b))), θ ~ N(0, 1). Rasch: a = 1 for every item
and θ ~ N(0, σ²) with σ estimated — fitted as the equivalent one-parameter model with a
*common* slope α on N(0, 1) (σ = α, θ = α·z, b = −intercept), so both models share one code
path and every Rasch b is on the logit scale with a = 1.

Estimation: Bock–Aitkin EM over a fixed grid of `QUAD_POINTS` nodes on [−4, 4] with normal
weights. The E-step is two matrix products — log L(i, q) = R·log P + W·log(1 − P), R and W the
right / wrong indicators (missing responses are 0 in both, so they drop out) — then the
posterior over the nodes and the expected counts n(j, q), r(j, q) as two more products. The
M-step takes a few Newton–Raphson steps on every item's slope and intercept at once (closed-form
2 × 2 solves, vectorized across items). Parameters are slope a and intercept c (logit = a·θ + c,
b = −c/a); the fit has converged when no slope or intercept moved by more than `tol` in a cycle.

Items everyone got right (or wrong) among those who saw them have no finite b: they are left out
of the calibration and reported as NaN.

Partial credit is dichotomized by `dichotomize`: a response counts as right only when it earned
the item's full points (fraction 1); anything less is wrong.
"""

from dataclasses import dataclass

import numpy as np

QUAD_POINTS = 41
QUAD_BOUND = 4.0
NEWTON_STEPS = 3  # per EM cycle: the M-step need not be solved exactly while posteriors move
SLOPE_LIMITS = (-6.0, 6.0)  # keeps a nearly unidentified item from running away
INTERCEPT_LIMIT = 30.0
DIFFICULTY_LIMIT = 10.0  # b is reported within ±10 logits (items with a ≈ 0 have b → ±∞)
MAX_STEP = 1.0


@dataclass(frozen=True)
class Calibration:
    model: str  # "rasch" | "2pl"
    a: np.ndarray  # per item; NaN when the item could not be calibrated
    b: np.ndarray
    converged: bool
    iterations: int
    loglik: float  # marginal log-likelihood at the final parameters
    latent_sd: float  # SD of θ on the reported scale: 1 for 2PL, estimated for Rasch

    # On the internal N(0, 1) scale, for abilities: slope and intercept per item (NaN = left out).
    slope: np.ndarray
    intercept: np.ndarray


def quadrature(
    points: int = QUAD_POINTS, bound: float = QUAD_BOUND
) -> tuple[np.ndarray, np.ndarray]:
    """Equally spaced nodes on [−bound, bound] and their N(0, 1) weights, summing to 1."""
    nodes = np.linspace(-bound, bound, points)
    weights = np.exp(-0.5 * nodes**2)
    return nodes, weights / weights.sum()


def dichotomize(fractions: np.ndarray) -> np.ndarray:
    """1 where the response earned the item's full points, 0 otherwise, NaN stays NaN."""
    fractions = np.asarray(fractions, dtype=float)
    return np.where(np.isnan(fractions), np.nan, (fractions >= 1.0 - 1e-9).astype(float))


def _log_likelihoods(right, wrong, slope, intercept, nodes) -> np.ndarray:
    """log L(i, q): each candidate's log-likelihood at each node (candidates × nodes)."""
    logits = slope[:, None] * nodes[None, :] + intercept[:, None]  # items × nodes
    log_p = -np.logaddexp(0.0, -logits)
    log_q = -np.logaddexp(0.0, logits)
    return right @ log_p + wrong @ log_q


def _posterior(log_l, weights) -> tuple[np.ndarray, float]:
    """Posterior over the nodes per candidate, and the marginal log-likelihood of the data."""
    top = log_l.max(axis=1, keepdims=True)
    joint = np.exp(log_l - top) * weights[None, :]
    marginal = joint.sum(axis=1, keepdims=True)
    loglik = float((top + np.log(marginal)).sum())
    return joint / marginal, loglik


def _newton(slope, intercept, n, r, nodes, *, common_slope: bool):
    """A few Newton–Raphson steps on the expected complete-data log-likelihood
    Σ_q r·log P + (n − r)·log(1 − P), for every item at once."""
    x, x2 = nodes[None, :], (nodes**2)[None, :]
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(slope[:, None] * x + intercept[:, None])))
        residual = r - n * p
        info = n * p * (1.0 - p)
        g_a, g_c = (residual * x).sum(axis=1), residual.sum(axis=1)
        h_aa, h_ac, h_cc = (info * x2).sum(axis=1), (info * x).sum(axis=1), info.sum(axis=1)
        h_cc = np.maximum(h_cc, 1e-9)
        if common_slope:
            step_c = g_c / h_cc
            step_a = np.full_like(slope, g_a.sum() / max(h_aa.sum(), 1e-9))
        else:
            det = np.maximum(h_aa * h_cc - h_ac**2, 1e-9)
            step_a = (h_cc * g_a - h_ac * g_c) / det
            step_c = (h_aa * g_c - h_ac * g_a) / det
        slope = np.clip(slope + np.clip(step_a, -MAX_STEP, MAX_STEP), *SLOPE_LIMITS)
        intercept = np.clip(
            intercept + np.clip(step_c, -MAX_STEP, MAX_STEP), -INTERCEPT_LIMIT, INTERCEPT_LIMIT
        )
    return slope, intercept


def calibrate(
    responses: np.ndarray,
    *,
    model: str = "2pl",
    tol: float = 1e-4,
    max_iterations: int = 500,
    quad_points: int = QUAD_POINTS,
) -> Calibration:
    """Fit the model to a candidates × items matrix of 0/1 (NaN = not asked / missing)."""
    if model not in ("rasch", "2pl"):
        raise ValueError(f"unknown IRT model {model!r}")
    data = np.asarray(responses, dtype=float)
    asked = ~np.isnan(data)
    right_all = np.where(asked, data, 0.0)
    rights, counts = right_all.sum(axis=0), asked.sum(axis=0)
    usable = (rights > 0) & (rights < counts)
    right = right_all[:, usable]
    wrong = np.where(asked[:, usable], 1.0 - data[:, usable], 0.0)
    seen = asked[:, usable].astype(float)
    nodes, weights = quadrature(quad_points)

    # Start: slope 1 and the intercept of each item's observed share right.
    share = rights[usable] / counts[usable]
    slope = np.ones(usable.sum())
    intercept = np.log(share / (1.0 - share))
    converged, iterations, loglik = False, 0, float("nan")
    if usable.any():
        for iterations in range(1, max_iterations + 1):  # noqa: B007 (used after the loop)
            posterior, loglik = _posterior(
                _log_likelihoods(right, wrong, slope, intercept, nodes), weights
            )
            n = seen.T @ posterior  # expected candidates at each node, per item
            r = right.T @ posterior  # … of whom right
            new_slope, new_intercept = _newton(
                slope, intercept, n, r, nodes, common_slope=model == "rasch"
            )
            change = max(np.abs(new_slope - slope).max(), np.abs(new_intercept - intercept).max())
            slope, intercept = new_slope, new_intercept
            if change < tol:
                converged = True
                break
        _posterior_final, loglik = _posterior(
            _log_likelihoods(right, wrong, slope, intercept, nodes), weights
        )

    full_slope = np.full(data.shape[1], np.nan)
    full_intercept = np.full(data.shape[1], np.nan)
    full_slope[usable], full_intercept[usable] = slope, intercept
    if model == "rasch":
        latent_sd = float(slope[0]) if usable.any() else 1.0
        a = np.where(usable, 1.0, np.nan)
        b = -full_intercept
    else:
        latent_sd = 1.0
        a = full_slope
        with np.errstate(divide="ignore", invalid="ignore"):
            b = -full_intercept / full_slope
    b = np.clip(b, -DIFFICULTY_LIMIT, DIFFICULTY_LIMIT)
    return Calibration(
        model=model,
        a=a,
        b=b,
        converged=converged,
        iterations=iterations,
        loglik=loglik,
        latent_sd=latent_sd,
        slope=full_slope,
        intercept=full_intercept,
    )


def abilities(
    responses: np.ndarray, calibration: Calibration, *, quad_points: int = QUAD_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """EAP ability (posterior mean) and its posterior SD per candidate, on the calibration's
    reported scale. Items left out of the calibration and missing responses are ignored; a
    candidate with no usable response gets the prior (0, latent SD)."""
    data = np.asarray(responses, dtype=float)
    usable = ~np.isnan(calibration.slope)
    asked = ~np.isnan(data[:, usable])
    right = np.where(asked, data[:, usable], 0.0)
    wrong = np.where(asked, 1.0 - data[:, usable], 0.0)
    nodes, weights = quadrature(quad_points)
    posterior, _loglik = _posterior(
        _log_likelihoods(
            right, wrong, calibration.slope[usable], calibration.intercept[usable], nodes
        ),
        weights,
    )
    mean = posterior @ nodes
    sd = np.sqrt(np.maximum(posterior @ nodes**2 - mean**2, 0.0))
    return mean * calibration.latent_sd, sd * calibration.latent_sd
