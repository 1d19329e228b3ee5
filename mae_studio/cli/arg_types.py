"""Range-checked argument types for every `mae-studio` parser (the commands and the window).

A number is checked when the arguments are parsed, so a value no run could use (a NaN learning
rate, a zero batch, a sheet scale that needs gigabytes) is a one-line usage error naming the
option, before any work. Each type knows its range as text (`.range`), which the option's help
shows. Pure Python: parsers are built on every call, so nothing heavy is imported here.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

SEED_MAX = 2**31 - 1  # the studio's seed box is a 32-bit signed int; one range for every seed


class RangedType:
    """A callable argparse type: text -> number within a range, else ArgumentTypeError."""

    def __init__(self, parse: Callable[[str], Any], check: Callable[[Any], bool], range_text: str, kind: str):
        self._parse, self._check, self.range, self._kind = parse, check, range_text, kind
        self.__name__ = kind  # argparse names the type in some messages

    def __call__(self, text: str) -> Any:
        try:
            value = self._parse(text)
        except (ValueError, OverflowError) as e:
            raise argparse.ArgumentTypeError(f"not {self._kind}: {text!r}") from e
        if not self._check(value):
            raise argparse.ArgumentTypeError(f"must be within {self.range}, got {text}")
        return value

    def __repr__(self) -> str:  # argparse shows repr(type) when a default fails to convert
        return f"{self._kind} in {self.range}"


def int_range(low: int, high: int | None = None) -> RangedType:
    """Whole numbers low..high (high None: no upper bound)."""
    text = f"{low}..{high}" if high is not None else f">= {low}"
    return RangedType(_whole, lambda v: v >= low and (high is None or v <= high), text, "an integer")


def float_range(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> RangedType:
    """Finite numbers between low and high; an open end excludes its bound (nan and inf never pass)."""

    def ok(v: float) -> bool:
        above = v > low if low_open else v >= low
        below = v < high if high_open else v <= high
        return math.isfinite(v) and above and below

    if low_open or high_open:
        text = f"{low:g} {'<' if low_open else '<='} x {'<' if high_open else '<='} {high:g}"
    else:
        text = f"{low:g}..{high:g}"
    return RangedType(float, ok, text, "a number")


def _whole(text: str) -> int:
    return int(text.strip())


positive_int = int_range(1)
ratio = float_range(0.0, 1.0)  # a mask ratio: the fraction of patches removed
seed = int_range(0, SEED_MAX)


def with_range(help_text: str, kind: RangedType, default: Any = None) -> str:
    """`help_text (RANGE, default: DEFAULT)` for an option's help."""
    tail = kind.range if default is None else f"{kind.range}, default: {default}"
    return f"{help_text} ({tail})"
