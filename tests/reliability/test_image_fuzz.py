"""Property: whatever bytes arrive, load_image / load_image_bytes give a sane RGB picture or an
ImageLoadError naming the input; nothing else escapes, nothing hangs, memory stays bounded.

Inputs are real files in every allowed format (generated here) mutated by hypothesis: bit
flips, header fields set to extreme values, truncations, insertions, deletions, duplicated
slices. Each load runs in the forked worker (bounded.py) under its hang guard. The default run
is 300 derandomized cases; MAE_FUZZ_EXAMPLES=5000 runs a long random one (see conftest.py).
"""

from __future__ import annotations

import struct
import tempfile
import zlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mae_studio.core.images import MAX_PIXELS

from .bounded import LoadWorker, Outcome
from .byte_edits import edit_bytes
from .fuzz_seeds import SEEDS

# A loaded picture may legally be 64 MP: decode + RGB copy at 4 B/px, plus slack.
FUZZ_BUDGET = MAX_PIXELS * 4 * 3


def _fix_png_crcs(data: bytearray) -> None:
    """Recompute every PNG chunk CRC, so mutated headers and zlib streams reach the decoders
    instead of stopping at the checksum."""
    at = 8
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        end = at + 8 + length
        if end + 4 > len(data):
            return
        data[end : end + 4] = struct.pack(">I", zlib.crc32(data[at + 4 : end]))
        at = end + 4


OPS = ["flip", "flip", "byte", "byte", "field", "truncate", "insert", "delete", "duplicate"]


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes, bool]:
    """(description, bytes, load from a file instead of from bytes)."""
    seed = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[seed])
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(OPS))
        steps.append(edit_bytes(draw, data, op, widths=(2, 4), orders=("big", "little")))
    if data.startswith(b"\x89PNG") and draw(st.booleans()):
        _fix_png_crcs(data)
        steps.append("crcs-fixed")
    return f"{seed}: {' '.join(steps)}", bytes(data), draw(st.integers(0, 3)) == 0


def _assert_sane(o: Outcome, name: str) -> None:
    assert o.kind in ("picture", "refused"), o.describe()
    assert o.rss_growth <= FUZZ_BUDGET, o.describe()
    if o.kind == "refused":
        assert name in o.message and "not enough memory" not in o.message, o.describe()
        return
    w, h = o.size
    assert o.mode == "RGB" and min(w, h) >= 16 and w * h <= MAX_PIXELS, o.describe()
    assert o.pixels.shape[2] == 3


def test_seeds_are_valid_pictures(load_worker: LoadWorker) -> None:
    for name, data in SEEDS.items():
        outcome = load_worker.load(data, f"{name}.img")
        assert outcome.kind == "picture" and outcome.size in ((32, 24), (24, 32)), outcome.describe()


@settings(settings.get_profile("mae-fuzz"))
@given(case=mutated_files())
def test_mutated_files_load_or_are_refused(
    case: tuple[str, bytes, bool], load_worker: LoadWorker, fuzz_log: list[tuple[str, Outcome]]
) -> None:
    description, data, from_file = case
    if from_file:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "fuzzed.img"
            path.write_bytes(data)
            outcome = load_worker.load(path)
            name = "fuzzed.img"
    else:
        name = "fuzzed bytes"
        outcome = load_worker.load(data, name)
    fuzz_log.append((description, outcome))
    _assert_sane(outcome, name)
