"""Property: whatever a mask file holds, core.mask_files (the one reader of `--mask FILE` and the
studio's Load Mask) gives a square mask that carries to a model's grid, or a MaskFileError naming
the file; nothing else escapes, nothing hangs, memory stays bounded.

Inputs are real mask files (JSON as the studio writes it, and PNG masks) mutated by hypothesis:
byte edits, truncations, fields set to hostile values (huge, negative, fractional, NaN, strings,
nesting), deep nesting, long index lists. Each read runs in the forked worker (bounded.py) under
its hang guard and memory watch. The default run is 300 derandomized cases; MAE_FUZZ_EXAMPLES
raises it (see conftest.py); the summary prints the case count and the longest case.
"""

from __future__ import annotations

import io
import json
import tempfile
import traceback
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from mae_studio.core import masks
from mae_studio.core.errors import MaskFileError
from mae_studio.core.mask_files import read_mask_file

from .bounded import LoadWorker, Outcome, measured

GRID = 14  # the model grid every mask is carried to (ViT-B/16 at 224 px)
BUDGET = 256 << 20  # peak RSS growth of one read: the 16 MiB JSON cap parsed, with slack

HOSTILE_VALUES = [
    "0", "-1", "1024", "1025", "1021", "65536", "2147483648", "18446744073709551616", "1e308", "1e999",
    "-0", "1.5", "NaN", "Infinity", '"14"', "true", "null", "[]", "{}", "[14]", "9" * 5000,
]  # fmt: skip


def read_in_worker(source: bytes | str, name: str) -> Outcome:
    """Runs in the forked worker: read the mask, carry it to GRID."""

    def run() -> Outcome:
        out = Outcome("mask", name)
        try:
            file = read_mask_file(source)
            mask = file.for_grid(GRID)
            out.size = file.cells.shape
            assert mask.shape == (GRID, GRID) and mask.dtype == bool
        except MaskFileError as e:
            out.kind, out.message, out.error_path = "refused", str(e), str(e.path)
        except BaseException as e:  # noqa: BLE001 (reported to the parent, which fails the test)
            out.kind, out.message = "escaped", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
        return out

    return measured(run)


@pytest.fixture(scope="module")
def mask_worker() -> LoadWorker:
    worker = LoadWorker(loader=read_in_worker)
    yield worker
    worker.close()


def png_mask(cells: np.ndarray, scale: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.kron(masks.mask_to_image(cells), np.ones((scale, scale), np.uint8))).save(
        buffer, "PNG"
    )
    return buffer.getvalue()


@st.composite
def mask_files(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """(description, file suffix, bytes)."""
    h = draw(st.integers(1, 40))
    w = h if draw(st.integers(0, 4)) else draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cells = rng.random((h, w)) < draw(st.floats(0, 1))
    if draw(st.integers(0, 4)) == 0:  # an image mask, a few pixels per patch
        data = bytearray(png_mask(cells, draw(st.integers(1, 8))))
        suffix, steps = ".png", [f"png {h}x{w}"]
    else:
        data = bytearray(masks.mask_to_json(cells, seed=1, pattern="random").encode())
        suffix, steps = ".json", [f"json {h}x{w}"]
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["value", "value", "nest", "flip", "truncate", "insert", "delete", "list"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "value":  # a number or token where a number was
            digits = [i for i, b in enumerate(data) if chr(b).isdigit()]
            if digits:
                at = draw(st.sampled_from(digits))
                end = at
                while end < len(data) and chr(data[end]).isdigit():
                    end += 1
                data[at:end] = draw(st.sampled_from(HOSTILE_VALUES)).encode()
        elif op == "nest":  # deep nesting where a value begins
            depth = draw(st.sampled_from([10, 1000, 100_000, 300_000]))
            data[at:at] = b"[" * depth + b"]" * depth * draw(st.integers(0, 1))
        elif op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "list":  # a long list of indices
            count = draw(st.sampled_from([10, 10_000, 500_000]))
            data[at:at] = b"[" + b"0," * count + b"0]"
        steps.append(f"{op}@{at}")
    return " ".join(steps), suffix, bytes(data)


def assert_sane(o: Outcome, path: Path) -> None:
    assert o.kind in ("mask", "refused"), o.describe()
    assert o.rss_growth <= BUDGET, o.describe()
    if o.kind == "refused":
        assert o.message.startswith(f"{path}: ") and "\n" not in o.message, o.describe()
    else:
        assert o.size is not None and o.size[0] == o.size[1], o.describe()  # square, or refused


def test_valid_files_read_back(mask_worker: LoadWorker, tmp_path: Path) -> None:
    cells = masks.random_mask(16, 0.5, 3)
    for name, data in (("m.json", masks.mask_to_json(cells).encode()), ("m.png", png_mask(cells, 14))):
        path = tmp_path / name
        path.write_bytes(data)
        outcome = mask_worker.load(str(path), name)
        assert outcome.kind == "mask" and outcome.size in ((16, 16), (224, 224)), outcome.describe()


@settings(settings.get_profile("mae-fuzz"))
@given(case=mask_files())
def test_mutated_mask_files_read_or_are_refused(
    case: tuple[str, str, bytes], mask_worker: LoadWorker, mask_fuzz_log: list[tuple[str, Outcome]]
) -> None:
    description, suffix, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        outcome = mask_worker.load(str(path), path.name)
    mask_fuzz_log.append((description, outcome))
    assert_sane(outcome, path)


def test_largest_legal_json_mask_stays_in_budget(mask_worker: LoadWorker, tmp_path: Path) -> None:
    """The worst file under the size cap: a 1024 x 1024 grid with every patch removed (~10 MiB)."""
    path = tmp_path / "full.json"
    path.write_text(masks.mask_to_json(np.ones((1024, 1024), bool)))
    outcome = mask_worker.load(str(path), path.name)
    assert outcome.kind == "mask" and outcome.size == (1024, 1024), outcome.describe()
    assert outcome.rss_growth <= BUDGET, outcome.describe()


def test_json_of_small_integers_up_to_the_cap(mask_worker: LoadWorker, tmp_path: Path) -> None:
    """16 MiB of "0," (8 million list entries): refused or read, within the budget."""
    path = tmp_path / "zeros.json"
    count = (16 << 20) // 2 - 64
    path.write_bytes(b'{"grid": [4, 4], "removed": [' + b"0," * count + b"0]}")
    outcome = mask_worker.load(str(path), path.name)
    assert_sane(outcome, path)
    print(outcome.describe())


def test_worker_reports_json_errors_as_refusals(mask_worker: LoadWorker, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"grid": [4, 4], "removed": [99]}))
    outcome = mask_worker.load(str(path), path.name)
    assert outcome.kind == "refused" and "0..15" in outcome.message, outcome.describe()
