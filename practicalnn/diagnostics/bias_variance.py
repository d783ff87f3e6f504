"""Bias and variance from two numbers (notes 3), and what the basic recipe says to do next (notes 4).

    avoidable bias = train error - Bayes error     (how far the model is from fitting the data)
    variance       = dev error - train error       (how much worse it does on data it has not seen)

With a Bayes (or human-level) error of 0, the notes' examples read: 1% / 11% is high variance;
15% / 16% is high bias; 15% / 30% is both; 0.5% / 1% is fine. When the Bayes error is itself 15%,
15% / 16% is fine: there is no avoidable bias left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import argument_error
from ..validation import Interval, Real

HIGH_BIAS, HIGH_VARIANCE, BOTH, FINE = "high bias", "high variance", "high bias and high variance", "fine"

#: The basic recipe (notes 4). Bias first: "try these until you can fit at least the training data
#: pretty well", then variance.
BIAS_STEPS = [
    "bigger network (more hidden units or layers)",
    "train longer",
    "a better optimizer (momentum, RMSprop, Adam)",
    "another architecture suited to the data",
]
VARIANCE_STEPS = [
    "more data (or data augmentation)",
    "regularization (raise L2 lambda, lower dropout keep_prob, early stopping)",
    "another architecture suited to the data",
]


RATE = Interval(Real, 0, 1)


def _rate(name, value):
    rate = RATE.convert(value)
    if rate is None:
        raise argument_error(name, value, "an error rate in [0, 1] (0.11 for 11%)")
    return rate


@dataclass
class Diagnosis:
    """The verdict of ``diagnose`` with its numbers and the recipe's next steps."""

    train_error: float
    dev_error: float
    bayes_error: float
    avoidable_bias: float
    variance: float
    verdict: str
    next_steps: list = field(default_factory=list)
    bias_threshold: float = 0.02
    variance_threshold: float = 0.02
    warnings: list = field(default_factory=list)

    @property
    def high_bias(self):
        return self.verdict in (HIGH_BIAS, BOTH)

    @property
    def high_variance(self):
        return self.verdict in (HIGH_VARIANCE, BOTH)

    def summary(self):
        """One line: the verdict and its two numbers (and the warnings, when there are any)."""
        line = (
            f"{self.verdict}: avoidable bias {self.avoidable_bias:.2%} (train {self.train_error:.2%} - "
            f"Bayes {self.bayes_error:.2%}), variance {self.variance:.2%} (dev {self.dev_error:.2%} - "
            f"train {self.train_error:.2%})"
        )
        return "; ".join([line, *(f"warning: {w}" for w in self.warnings)])

    def to_dict(self):
        return {
            "train_error": self.train_error,
            "dev_error": self.dev_error,
            "bayes_error": self.bayes_error,
            "avoidable_bias": self.avoidable_bias,
            "variance": self.variance,
            "verdict": self.verdict,
            "high_bias": self.high_bias,
            "high_variance": self.high_variance,
            "next_steps": list(self.next_steps),
            "bias_threshold": self.bias_threshold,
            "variance_threshold": self.variance_threshold,
            "warnings": list(self.warnings),
        }


def diagnose(train_error, dev_error, bayes_error=0.0, *, bias_threshold=0.02, variance_threshold=0.02):
    """Classify a model as high bias, high variance, both, or fine.

    Parameters
    ----------
    train_error, dev_error : float
        Error rates in [0, 1] on the training and dev sets.
    bayes_error : float
        The best achievable error (human-level error as a proxy); 0 by default, as the notes assume.
    bias_threshold : float
        Avoidable bias (train - Bayes) above which the bias is high.
    variance_threshold : float
        Variance (dev - train) above which the variance is high.

    Returns
    -------
    Diagnosis
        ``verdict`` ("high bias", "high variance", "high bias and high variance" or "fine"),
        ``avoidable_bias``, ``variance`` and the recipe's ``next_steps`` for that verdict. A train
        error below the Bayes error is not refused (a model can beat a human-level proxy, or
        memorize its training set) but warned about in ``warnings``, its avoidable bias set to 0.
    """
    train_error, dev_error = _rate("train_error", train_error), _rate("dev_error", dev_error)
    bayes_error = _rate("bayes_error", bayes_error)
    for name, value in (("bias_threshold", bias_threshold), ("variance_threshold", variance_threshold)):
        _rate(name, value)
    # round away float noise so that 0.16 - 0.15 is 0.01, not 0.010000000000000009
    bias = round(train_error - bayes_error, 12)
    warnings = []
    if bias < 0:
        warnings.append(_below_bayes(train_error, bayes_error))
        bias = 0.0
    variance = round(dev_error - train_error, 12)
    high_bias, high_variance = bias > bias_threshold, variance > variance_threshold
    if high_bias and high_variance:
        verdict, steps = (
            BOTH,
            [f"first, bias: {s}" for s in BIAS_STEPS] + [f"then, variance: {s}" for s in VARIANCE_STEPS],
        )
    elif high_bias:
        verdict, steps = HIGH_BIAS, list(BIAS_STEPS)
    elif high_variance:
        verdict, steps = HIGH_VARIANCE, list(VARIANCE_STEPS)
    else:
        verdict, steps = FINE, ["low bias and low variance: evaluate once on the test set"]
    return Diagnosis(
        train_error,
        dev_error,
        bayes_error,
        bias,
        variance,
        verdict,
        steps,
        float(bias_threshold),
        float(variance_threshold),
        warnings,
    )


def _below_bayes(train_error, bayes_error):
    return (
        f"the train error {train_error:g} is below the Bayes error {bayes_error:g}, the lowest error any "
        "model can reach: the Bayes (human-level) estimate is too high, or the model has memorized its "
        "training set; avoidable bias is taken as 0, so bias cannot be judged until the Bayes error is estimated "
        "better"
    )
