"""Learning-rate schedules against the course's formulas, computed by hand."""

import math

import pytest

from practicalnn.errors import ConfigError
from practicalnn.training.schedules import make_schedule, rate


def test_the_courses_formulas():
    a0 = 0.5
    assert rate(make_schedule("constant"), a0, 7) == 0.5
    assert rate(make_schedule("inverse", decay_rate=1.0), a0, 3) == pytest.approx(0.5 / 4)
    assert rate(make_schedule("exponential", decay_base=0.95), a0, 10) == pytest.approx(0.95**10 * 0.5)
    assert rate(make_schedule("inverse_sqrt", decay_k=2.0), a0, 3) == pytest.approx(2.0 / math.sqrt(4) * 0.5)


def test_staircase_holds_the_rate_over_each_interval():
    s = make_schedule("inverse", decay_rate=1.0, time_interval=1000)
    rates = [rate(s, 0.1, e) for e in (0, 999, 1000, 1999, 2000)]
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.1 / 3])


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"name": "cosine"}, "lr_schedule"),
        ({"name": "inverse", "decay_rate": -1}, "decay_rate"),
        ({"name": "exponential", "decay_base": 1.5}, "decay_base"),
        ({"name": "exponential", "decay_base": 0}, "decay_base"),
        ({"name": "inverse_sqrt", "decay_k": 0}, "decay_k"),
        ({"name": "inverse_sqrt", "decay_k": math.inf}, "decay_k"),
        ({"name": "constant", "time_interval": 0}, "time_interval"),
    ],
)
def test_parameters_that_would_make_the_rate_negative_or_infinite_are_refused(kwargs, argument):
    with pytest.raises(ConfigError, match=argument):
        make_schedule(**kwargs)
