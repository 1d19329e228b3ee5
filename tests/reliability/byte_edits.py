"""The fuzzers' byte edits (images, masks' neighbours, checkpoints): one edit at a time, a third of
them in the first 64 bytes, where the headers are."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

INTERESTING = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def edit_bytes(
    draw: st.DrawFn, data: bytearray, op: str, widths: Sequence[int], orders: Sequence[str]
) -> str:
    """Apply edit `op` to `data` in place; the step as "op@offset"."""
    in_header = draw(st.integers(0, 2)) == 0
    at = draw(st.integers(0, max(0, (min(len(data), 64) if in_header else len(data)) - 1)))
    if op == "flip" and data:
        data[at] ^= 1 << draw(st.integers(0, 7))
    elif op == "byte" and data:
        data[at] = draw(st.integers(0, 255))
    elif op == "field":
        value, width = draw(st.sampled_from(INTERESTING)), draw(st.sampled_from(widths))
        order = draw(st.sampled_from(orders))
        data[at : at + width] = (value & ((1 << 8 * width) - 1)).to_bytes(width, order)
    elif op == "truncate":
        del data[at:]
    elif op == "insert":
        data[at:at] = draw(st.binary(min_size=1, max_size=64))
    elif op == "delete":
        del data[at : at + draw(st.integers(1, 64))]
    elif op == "duplicate":
        data[at:at] = data[at : at + draw(st.integers(1, 256))]
    return f"{op}@{at}"
