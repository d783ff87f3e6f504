"""Gradient checking (notes 13 and 14): is ``d_theta`` really the gradient of ``J(theta)``?

Every component of theta is nudged both ways and the two-sided difference

    d_theta_approx[i] = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

is compared with the analytic gradient by the notes' relative difference

    difference = ||d_theta_approx - d_theta|| / (||d_theta_approx|| + ||d_theta||)

read with the notes' bands: below 1e-7 "correct", up to 1e-3 "inspect" (look for components that
stand out), from 1e-3 "bug". The components that contribute most to the difference are named as the
notes write them (``W2[1, 0]``), and the mismatch is localised to the parameter array it sits in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import DataError, argument_error
from ...validation import Integral, Interval, Real, check

#: The notes' bands: below CORRECT "correct"; from BUG on "bug"; in between "inspect".
CORRECT, BUG = 1e-7, 1e-3


def verdict_of(difference):
    """The notes' reading of a relative difference: "correct", "inspect" or "bug"."""
    if not np.isfinite(difference) or difference >= BUG:
        return "bug"
    return "correct" if difference < CORRECT else "inspect"


def relative_difference(approx, grad):
    """``||approx - grad|| / (||approx|| + ||grad||)``; 0 when both are exactly zero."""
    approx, grad = np.asarray(approx, float), np.asarray(grad, float)
    denominator = np.linalg.norm(approx) + np.linalg.norm(grad)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(approx - grad) / denominator)


@dataclass
class GradCheckResult:
    """What a gradient check found.

    Attributes
    ----------
    difference : float
        The notes' relative difference between ``approx`` and ``grad``, over the components where
        J is differentiable (all of them unless some are ``kinked``).
    verdict : str
        "correct" (below 1e-7), "inspect" (up to 1e-3) or "bug" (from 1e-3).
    approx, grad : ndarray
        The two-sided numerical gradient and the analytic gradient that was checked.
    worst : list of dict
        The components with the largest ``|approx - grad|``, largest first: ``index``, ``name``
        (``"W2[1, 0]"`` when names are known, else ``"theta[i]"``), ``array``, ``analytic``,
        ``numeric``, ``abs_difference`` and ``share`` (its part of ``||approx - grad||^2``).
    arrays : dict
        Per parameter array (``W1``, ``b1``, ...; only when names are known): its own relative
        difference, verdict and share of the squared error.
    suspect : str or None
        The array holding the largest share of the error when the verdict is not "correct".
    epsilon : float
    roundoff : float
        The difference that round-off in J alone would give, about
        ``sqrt(n) * |J| * 2.2e-16 / epsilon / (||approx|| + ||grad||)``. When the gradient is small
        (near a minimum) this floor rises, and a difference close to it is noise, not a bug.
    iteration : int
        Training iterations run before the check (0: at initialization).
    note : str
        How the check was made (dropout off or masks frozen, dtype), for the reader.
    kinked : list of dict
        Components whose two-sided step crossed a kink of J (a relu changing sides), where J has
        no derivative and the numeric value means nothing; left out of ``difference``, ``worst``
        and ``arrays``. Same keys as ``worst``.
    difference_all : float
        The relative difference over every component, kinked ones included.
    """

    difference: float
    verdict: str
    approx: np.ndarray
    grad: np.ndarray
    worst: list
    epsilon: float
    arrays: dict = field(default_factory=dict)
    suspect: str | None = None
    roundoff: float = 0.0
    iteration: int = 0
    note: str = ""
    kinked: list = field(default_factory=list)
    difference_all: float | None = None

    def to_dict(self):
        return {
            "difference": self.difference,
            "verdict": self.verdict,
            "epsilon": self.epsilon,
            "iteration": self.iteration,
            "suspect": self.suspect,
            "roundoff": self.roundoff,
            "worst": self.worst,
            "arrays": self.arrays,
            "n_parameters": int(self.grad.size),
            "note": self.note,
            "kinked": self.kinked,
            "difference_all": self.difference_all,
        }


def _namer(names):
    if names is None:
        return lambda i: f"theta[{i}]", None
    if hasattr(names, "name_of"):
        return names.name_of, names.array_of
    if callable(names):
        return names, None
    names = list(names)
    return (lambda i: names[i]), None


def gradient_check(cost_fn, theta, grad, epsilon=1e-7, *, names=None, n_worst=5, progress=None, crossed=None):
    """Check an analytic gradient against two-sided differences of the cost.

    Parameters
    ----------
    cost_fn : callable
        Maps a flat parameter vector to the scalar cost J. It is called with ``theta`` itself,
        perturbed in place one component at a time, so a function that reads the parameters
        from elsewhere (a network whose ``params`` is ``theta``) works too.
    theta : ndarray
        The flat parameter vector (float). Each component is restored bit for bit after its
        two evaluations, even if ``cost_fn`` raises: theta is never left modified.
    grad : ndarray
        The analytic gradient to check, same size as theta.
    epsilon : float
        The step (the notes' 1e-7).
    names : ParamLayout, callable or sequence, optional
        Names of the components: a layout (``network.layout``) gives ``W2[1, 0]`` and the
        per-array breakdown; a callable maps an index to a name; a sequence lists them.
    n_worst : int
        How many of the worst components to report.
    progress : callable, optional
        Called as ``progress(done, total)`` while the components are checked.
    crossed : callable, optional
        Called with no argument right after each evaluation of ``cost_fn``; True when that
        evaluation lies on another smooth piece of J than theta itself (a relu changed sides).
        Components whose step crosses are reported in ``kinked`` and left out of the difference.

    Returns
    -------
    GradCheckResult
    """
    grad = _check_arrays(theta, grad)
    epsilon = check("epsilon", epsilon, Interval(Real, 0, None, closed="neither"))
    n_worst = check("n_worst", n_worst, Interval(Integral, 0, None))
    J_here = float(cost_fn(theta))
    approx, kinked = _two_sided(cost_fn, theta, epsilon, progress, crossed)
    smooth = ~kinked
    difference = relative_difference(approx[smooth], grad[smooth])
    verdict = verdict_of(difference)
    errors = np.abs(approx - grad)
    squared = float(np.sum(errors[smooth] ** 2))
    name_of, array_of = _namer(names)

    def describe(i):
        name = name_of(int(i))
        return {
            "index": int(i),
            "name": name,
            "array": name.split("[")[0],
            "analytic": float(grad[i]),
            "numeric": float(approx[i]),
            "abs_difference": float(errors[i]),
            "share": float(errors[i] ** 2 / squared) if squared and smooth[i] else 0.0,
        }

    order = [i for i in np.argsort(-errors, kind="stable") if smooth[i]][:n_worst]
    arrays, suspect = {}, None
    if array_of is not None:
        arrays = _by_array(names, approx, grad, smooth, squared)
        if verdict != "correct" and arrays:
            suspect = max(arrays, key=lambda a: arrays[a]["share"])
    return GradCheckResult(
        difference,
        verdict,
        approx,
        grad,
        [describe(i) for i in order],
        epsilon,
        arrays,
        suspect,
        _roundoff(approx[smooth], grad[smooth], J_here, epsilon),
        kinked=[describe(i) for i in np.flatnonzero(kinked)],
        difference_all=relative_difference(approx, grad),
    )


def _check_arrays(theta, grad):
    """``grad`` as a flat float array, once theta is a flat float array and grad has its size."""
    if not isinstance(theta, np.ndarray) or theta.ndim != 1 or not np.issubdtype(theta.dtype, np.floating):
        raise argument_error(
            "theta",
            f"{type(theta).__name__} {getattr(theta, 'shape', '')}".strip(),
            "a 1-D float numpy array (the flat parameter vector)",
            DataError,
        )
    grad = np.asarray(grad, dtype=float).ravel()
    if grad.shape != theta.shape:
        raise argument_error("grad", f"array of shape {grad.shape}", f"the shape of theta, {theta.shape}", DataError)
    return grad


def _two_sided(cost_fn, theta, epsilon, progress, crossed):
    """The two-sided differences of J at every component (theta restored bit for bit after each,
    even when cost_fn raises), and which components' steps crossed a kink."""
    total = theta.size
    approx, kinked = np.empty(total), np.zeros(total, bool)
    every = max(1, total // 100)
    for i in range(total):
        saved = theta[i]
        try:
            theta[i] = saved + epsilon
            J_plus = float(cost_fn(theta))
            kinked[i] = crossed is not None and crossed()
            theta[i] = saved - epsilon
            J_minus = float(cost_fn(theta))
            kinked[i] |= crossed is not None and crossed()
        finally:
            theta[i] = saved
        approx[i] = (J_plus - J_minus) / (2 * epsilon)
        if progress is not None and (i + 1) % every == 0:
            progress(i + 1, total)
    return approx, kinked


def _roundoff(approx, grad, J, epsilon):
    """The relative difference round-off in J alone would give (see GradCheckResult.roundoff)."""
    denominator = np.linalg.norm(approx) + np.linalg.norm(grad)
    if not denominator:
        return 0.0
    return float(np.sqrt(approx.size) * abs(J) * np.finfo(float).eps / epsilon / denominator)


def _by_array(layout, approx, grad, smooth, squared):
    out = {}
    for name, (where, _) in layout.slices.items():
        keep = smooth[where]
        if not keep.any():
            out[name] = {"difference": None, "verdict": "not differentiable", "share": 0.0}
            continue
        a, g = approx[where][keep], grad[where][keep]
        d = relative_difference(a, g)
        out[name] = {
            "difference": d,
            "verdict": verdict_of(d),
            "share": float(np.sum((a - g) ** 2) / squared) if squared else 0.0,
        }
    return out
