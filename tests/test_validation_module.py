"""practicalnn.validation: the one argument checker of the engine (bounds, kinds, messages)."""

import math

import numpy as np
import pytest

from practicalnn.errors import ConfigError, DataError
from practicalnn.validation import Integral, Interval, Options, Real, check, describe


@pytest.mark.parametrize(
    "closed, left_ok, right_ok",
    [("both", True, True), ("left", True, False), ("right", False, True), ("neither", False, False)],
)
def test_bounds_are_open_or_closed_as_asked(closed, left_ok, right_ok):
    interval = Interval(Real, 0, 1, closed=closed)
    assert (interval.convert(0) is not None) is left_ok
    assert (interval.convert(1) is not None) is right_ok
    assert interval.convert(0.5) == 0.5
    assert interval.convert(-1e-12) is None and interval.convert(1 + 1e-12) is None


def test_bool_is_refused_even_where_an_integer_fits():
    with pytest.raises(ConfigError, match="iterations=True: expected an integer >= 1"):
        check("iterations", True, Interval(Integral, 1, None))
    with pytest.raises(ConfigError, match="rate=False"):
        check("rate", False, Interval(Real, 0, None))


def test_numpy_scalars_are_accepted_and_returned_as_plain_numbers():
    value = check("iterations", np.int64(5), Interval(Integral, 1, None))
    assert value == 5 and type(value) is int
    rate = check("rate", np.float32(0.5), Interval(Real, 0, None, closed="neither"))
    assert rate == 0.5 and type(rate) is float


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, np.float64("inf")])
def test_non_finite_numbers_are_refused_even_without_bounds(value):
    with pytest.raises(ConfigError, match="expected a finite number"):
        check("sigma", value, Interval(Real, None, None))


def test_a_count_is_an_integer_not_a_float_with_an_integral_value():
    with pytest.raises(ConfigError, match=r"batch_size=2\.0: expected None or an integer >= 1"):
        check("batch_size", 2.0, None, Interval(Integral, 1, None))
    assert check("batch_size", None, None, Interval(Integral, 1, None)) is None


def test_the_message_reads_argument_value_expected_the_constraints():
    with pytest.raises(ConfigError) as info:
        check("keep_prob", 1.5, Interval(Real, 0, 1, closed="right"))
    assert str(info.value) == "keep_prob=1.5: expected a finite number in (0, 1]"
    with pytest.raises(ConfigError) as info:
        check("optimizer", "sgd", Options(["gd", "adam"]))
    assert str(info.value) == "optimizer='sgd': expected one of gd, adam"
    with pytest.raises(ConfigError) as info:
        check("order", 10, Interval(Integral, 1, 3))
    assert str(info.value) == "order=10: expected an integer from 1 to 3"
    assert describe([None, Interval(Integral, 1, None), Options(["auto"])]) == ("None, an integer >= 1 or one of auto")


def test_the_error_type_can_be_chosen_and_strings_are_not_numbers():
    with pytest.raises(DataError):
        check("x", "1", Interval(Real, 0, None), error=DataError)
    assert Options(["a"]).convert([1]) is None  # unhashable: refused, not a TypeError


def test_bad_constraints_are_programming_errors():
    with pytest.raises(TypeError):
        Interval(str, 0, 1)
    with pytest.raises(ValueError):
        Interval(Real, 0, 1, closed="open")
