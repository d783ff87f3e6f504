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

from ..core.dropout import keep_probs, uses_dropout
from ..core.penalties import Penalty
from ..errors import ConfigError, DataError, bad

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
    if not isinstance(theta, np.ndarray) or theta.ndim != 1 or not np.issubdtype(theta.dtype, np.floating):
        raise bad(
            "theta",
            f"{type(theta).__name__} {getattr(theta, 'shape', '')}".strip(),
            "a 1-D float numpy array (the flat parameter vector)",
            DataError,
        )
    grad = np.asarray(grad, dtype=float).ravel()
    if grad.shape != theta.shape:
        raise bad("grad", f"array of shape {grad.shape}", f"the shape of theta, {theta.shape}", DataError)
    if not (isinstance(epsilon, (int, float)) and np.isfinite(epsilon) and epsilon > 0):
        raise bad("epsilon", epsilon, "a finite number > 0")
    if isinstance(n_worst, bool) or not isinstance(n_worst, (int, np.integer)) or n_worst < 0:
        raise bad("n_worst", n_worst, "an integer >= 0")
    name_of, array_of = _namer(names)
    approx = np.empty(theta.size)
    kinked = np.zeros(theta.size, bool)
    total = theta.size
    J_here = float(cost_fn(theta))
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
    smooth = ~kinked
    difference = relative_difference(approx[smooth], grad[smooth])
    verdict = verdict_of(difference)
    errors = np.abs(approx - grad)
    squared = float(np.sum(errors[smooth] ** 2))

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
    worst = [describe(i) for i in order]
    arrays, suspect = {}, None
    if array_of is not None:
        arrays = _by_array(names, approx, grad, smooth, squared)
        if verdict != "correct" and arrays:
            suspect = max(arrays, key=lambda a: arrays[a]["share"])
    denominator = np.linalg.norm(approx[smooth]) + np.linalg.norm(grad[smooth])
    roundoff = (
        float(np.sqrt(smooth.sum()) * abs(J_here) * np.finfo(float).eps / epsilon / denominator) if denominator else 0.0
    )
    return GradCheckResult(
        difference,
        verdict,
        approx,
        grad,
        worst,
        float(epsilon),
        arrays,
        suspect,
        roundoff,
        kinked=[describe(i) for i in np.flatnonzero(kinked)],
        difference_all=relative_difference(approx, grad),
    )


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


# -- a network's gradient --------------------------------------------------------------------------


def _pattern(network, cache):
    """Which side of relu's kink every hidden pre-activation is on (empty for smooth activations)."""
    if network.hidden.name not in ("relu", "leaky_relu"):
        return []
    return [cache.Z[layer] > 0 for layer in range(1, network.n_layers)]


@dataclass
class NetworkGradCheck:
    """Gradient checks of one network, at initialization and, on request, after training.

    ``checks`` holds one GradCheckResult per checked iteration (0 first). ``difference``,
    ``verdict``, ``worst``, ``arrays``, ``suspect`` and ``approx`` are those of the check with the
    largest difference, so one reading answers "is the backward pass right?"."""

    checks: list
    dropout: str = "off"

    @property
    def worst_check(self):
        return max(self.checks, key=lambda c: (np.nan_to_num(c.difference, nan=np.inf), c.iteration))

    @property
    def difference(self):
        return self.worst_check.difference

    @property
    def verdict(self):
        return self.worst_check.verdict

    @property
    def worst(self):
        return self.worst_check.worst

    @property
    def arrays(self):
        return self.worst_check.arrays

    @property
    def suspect(self):
        return self.worst_check.suspect

    @property
    def approx(self):
        return self.worst_check.approx

    def to_dict(self):
        return {
            "difference": self.difference,
            "verdict": self.verdict,
            "suspect": self.suspect,
            "dropout": self.dropout,
            "checks": [c.to_dict() for c in self.checks],
        }


def check_network_gradients(
    network,
    X,
    Y,
    *,
    l2=0.0,
    l1=0.0,
    keep_prob=1.0,
    input_keep_prob=1.0,
    freeze_masks=False,
    after=0,
    learning_rate=0.3,
    rng=0,
    epsilon=1e-7,
    n_worst=5,
    backward=None,
    progress=None,
):
    """Gradient-check a network's backward pass on (X, Y), penalty terms included in J.

    theta is the network's flat parameter buffer (``network.params``), so nothing has to be
    reshaped; a mismatch is named (``W2[1, 0]``) and localised to its array. The check runs on a
    float64 copy: ``network`` is left as it was.

    Parameters
    ----------
    network : Network
        An initialized network.
    X, Y : ndarray
        Data in the notes' layout, (n_x, m) and (n_y, m); keep m small, checking is slow.
    l2, l1 : float
        Penalty strengths; their terms are part of J and of the gradient (notes 14).
    keep_prob, input_keep_prob : float or list
        Dropout keep probabilities. Below 1 J is not consistent (new masks at every pass) and
        the check is refused unless ``freeze_masks`` is set.
    freeze_masks : bool
        Draw one set of dropout masks and replay it at every evaluation of J: consistent, and it
        checks the backward pass through the masks (not dropout's randomness).
    after : int
        Also check after this many iterations of gradient descent (``learning_rate``); some bugs
        only show once the weights have grown (notes 14). 0: at initialization only.
    rng : seed or Generator
        Draws the dropout masks and the training masks.
    epsilon : float
        The step of the two-sided difference.
    n_worst : int
        How many of the worst components to name.
    backward : callable, optional
        A backward pass to check instead of ``network.backward``:
        ``backward(network, cache, Y, penalty) -> flat gradient`` (the layout of ``params``).
    progress : callable, optional
        ``progress(done, total)`` while components are checked.

    Returns
    -------
    NetworkGradCheck
    """
    from ..core.dropout import FreshMasks, FrozenMasks
    from ..core.network import Network
    from ..core.random import generator
    from ..training.trainer import TrainConfig, Trainer

    penalty = Penalty(l2, l1)
    keep = keep_probs(network.n_layers, keep_prob, input_keep_prob)
    dropout = uses_dropout(keep)
    if dropout and not freeze_masks:
        raise ConfigError(
            f"keep_prob={keep_prob!r}, input_keep_prob={input_keep_prob!r}: expected 1 for gradient checking: "
            "with dropout J is not consistent (new masks at every evaluation), so the numerical gradient "
            "means nothing; check with keep_prob=1 (the notes' advice), or freeze the masks "
            "(freeze_masks=True, --freeze-masks) to check the backward pass through one fixed set of masks"
        )
    if isinstance(after, bool) or not isinstance(after, (int, np.integer)) or after < 0:
        raise bad("after", after, "an integer >= 0 (training iterations before the second check)")
    net = network.copy(np.float64)
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[1])
    rng = generator(rng)
    backward = backward or Network.backward
    note = (
        "dropout off (keep_prob = 1)"
        if not dropout
        else "dropout masks frozen: one set of masks replayed at every evaluation of J"
    )
    if network.dtype != np.float64:
        note += f"; checked in float64 (the network is {network.dtype.name})"

    def check_now(iteration):
        masks = FrozenMasks(FreshMasks(rng)) if dropout else None
        keep_now = keep if dropout else None
        cache = net.forward(X, keep_now, masks)
        base, last = _pattern(net, cache), {}

        def J(theta):
            if theta is not net.params:
                net.params[...] = theta
            here = net.forward(X, keep_now, masks)
            last["crossed"] = not all(np.array_equal(a, b) for a, b in zip(_pattern(net, here), base))
            return net.cost(here, Y, penalty)[0]

        grad = np.asarray(backward(net, cache, Y, penalty), dtype=float)
        result = gradient_check(
            J,
            net.params,
            grad,
            epsilon,
            names=net.layout,
            n_worst=n_worst,
            progress=progress,
            crossed=lambda: last["crossed"],
        )
        result.iteration, result.note = iteration, note
        if result.kinked:
            result.note += (
                f"; {len(result.kinked)} component(s) left out: their +-epsilon step moves a hidden "
                f"{net.hidden.name} unit across its kink at 0, where J has no derivative (a dead layer "
                "with zero biases puts Z exactly on it)"
            )
        return result

    checks = [check_now(0)]
    if after:
        config = TrainConfig(
            learning_rate=learning_rate,
            iterations=after,
            l2=l2,
            l1=l1,
            keep_prob=keep_prob,
            input_keep_prob=input_keep_prob,
            record_every=after,
        )
        Trainer(net, config, rng=rng).fit(X, Y)
        checks.append(check_now(after))
    return NetworkGradCheck(checks, "frozen masks" if dropout else "off")
