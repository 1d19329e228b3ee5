"""cli.arg_types: the range-checked argument types every parser uses."""

from __future__ import annotations

import argparse

import pytest

from mae_studio.cli.arg_types import float_range, int_range, positive_int, ratio, seed, with_range


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (int_range(1, 8), {"1": 1, "8": 8, " 3 ": 3}, ["0", "9", "1.5", "x", "1e3"]),
        (positive_int, {"1": 1, "10000000": 10_000_000}, ["0", "-1"]),
        (seed, {"0": 0, "2147483647": 2**31 - 1}, ["-1", "2147483648"]),
        (ratio, {"0": 0.0, "1": 1.0, "0.75": 0.75}, ["nan", "inf", "-0.1", "1.0001"]),
        (float_range(0, 1, low_open=True, high_open=True), {"0.5": 0.5}, ["0", "1", "nan"]),
        (float_range(0.05, 10080), {"0.05": 0.05}, ["1e-9", "nan", "-inf", "1e400"]),
    ],
)
def test_values_inside_pass_and_outside_are_refused(kind, good, bad) -> None:
    for text, value in good.items():
        assert kind(text) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError):
            kind(text)


def test_the_range_is_in_the_message_and_the_help() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"must be within 1\.\.8, got 50"):
        int_range(1, 8)("50")
    assert float_range(0, 1, low_open=True).range == "0 < x <= 1"
    assert with_range("sheet scale", int_range(1, 8), 2) == "sheet scale (1..8, default: 2)"
    assert positive_int.range == ">= 1"
