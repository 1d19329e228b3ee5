"""The hostile image corpus through the core loader and through `mae-studio reconstruct`.

Every file gets the right outcome (a verified picture, or an ImageLoadError naming the file
and the reason) within the hang guard and its peak-memory budget, from a path and from bytes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mae_studio.__main__ import main
from mae_studio.core.errors import MaskFileError
from mae_studio.core.mask_files import read_mask_file

from .bounded import LoadWorker, Outcome
from .corpus import Case, build_corpus

CASES = build_corpus()  # ~1 s; the session fixtures reuse the same bytes


def _assert_outcome(case: Case, o: Outcome) -> None:
    assert o.kind not in ("hung", "crashed", "escaped"), o.describe()
    assert o.kind == case.expect, o.describe()
    assert o.rss_growth <= case.budget_mib << 20, o.describe()
    if o.kind == "refused":
        assert case.name in o.message and re.search(case.reason, o.message), o.describe()
        assert o.error_path is not None and Path(o.error_path).name == case.name
        assert "not enough memory" not in o.message  # a capped runaway allocation, not a refusal
        assert "tempfile.tif" not in o.message  # libtiff's name for the stream
        return
    assert o.mode == "RGB" and o.pixels.dtype.name == "uint8" and o.pixels.shape[2] == 3
    assert case.check is not None
    case.check(o)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_file_is_a_picture_or_a_named_refusal(
    case: Case, corpus_dir: Path, load_worker: LoadWorker
) -> None:
    from_path = load_worker.load(corpus_dir / case.name)
    _assert_outcome(case, from_path)
    from_bytes = load_worker.load(case.data, case.name)
    _assert_outcome(case, from_bytes)
    assert from_bytes.message == from_path.message.replace(str(corpus_dir / case.name), case.name)


def test_corpus_covers_the_issue_list() -> None:
    """The rows issue 6 asks for, so a trimmed corpus fails loudly."""
    names = " ".join(c.name for c in CASES)
    for needle in (
        "zero_byte", "text_renamed", "zip_renamed", "checkpoint_renamed", "truncated_jpg", "truncated_png",
        "corrupt_zlib", "bomb_png", "bomb_gif", "bomb_bmp", "bomb_in_frame_2", "depth_16bit", "float32",
        "cmyk", "lab", "palette_transparency", "one_bit", "transparent_rgba", "animation_42",
        *(f"exif_orientation_{k}" for k in range(1, 9)), "broken_exif", "tiny_1x1", "tiny_4x4",
        "strip_60000x1", "large_legal",
    ):  # fmt: skip
        assert needle in names, needle


def test_reconstruct_folder_mixing_the_corpus_with_good_images(
    corpus_dir: Path, tiny_checkpoint: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The command's entry point (in this process: a fresh one spends ~15 s importing torch
    here): one stderr line per refused file naming it and its reason, every picture
    reconstructed, exit status 1. An escaping exception would fail this test; capfd also sees
    what C libraries (libtiff) write to the process's stderr."""
    out = tmp_path / "out"
    argv = ["reconstruct", str(corpus_dir), "--checkpoint", str(tiny_checkpoint), "--out", str(out)]
    rc = main([*argv, "--device", "cpu", "--batch-size", "8"])
    done = capfd.readouterr()
    assert rc == 1, done.err
    assert "Traceback" not in done.err
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert all(line.startswith("mae-studio reconstruct: ") for line in lines), done.err
    errors = [line for line in lines if ": note: " not in line]
    for case in CASES:
        mine = [line for line in errors if f"{case.name}:" in line]
        stem = case.name.rsplit(".", 1)[0]
        written = (out / f"{stem}.json").is_file() and (out / f"{stem}_comparison.png").is_file()
        if case.expect == "refused":
            assert len(mine) == 1 and re.search(case.reason, mine[0]), (case.name, mine)
            assert not (out / f"{stem}.json").exists()
        else:
            assert mine == [] and written, (case.name, mine)
            assert json.loads((out / f"{stem}.json").read_text())["image"].endswith(case.name)
    assert len(errors) == sum(c.expect == "refused" for c in CASES), errors
    notes = [line for line in lines if ": note: " in line]
    assert any("broken_exif.jpg" in line and "EXIF" in line for line in notes), notes
    pictures = sum(c.expect == "picture" for c in CASES)
    assert f"{pictures}/{len(CASES)} images reconstructed" in done.out


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
@pytest.mark.parametrize("case", [c for c in CASES if "large" not in c.name], ids=lambda c: c.name)
def test_corpus_as_mask_files(case: Case, corpus_dir: Path) -> None:
    """`--mask FILE` and the studio's Load Mask read images through the hardened loader (white =
    removed): a grid, or a MaskFileError naming the file; nothing else escapes."""
    path = corpus_dir / case.name
    try:
        mask = read_mask_file(path)
    except MaskFileError as e:
        assert str(e).startswith(f"{path}: ")
        return
    grid = mask.for_grid(4)
    assert grid.shape == (4, 4) and grid.dtype == bool


def test_cli_bomb_as_mask_is_one_line(
    corpus_dir: Path, tiny_checkpoint: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    mask = corpus_dir / "bomb_png_50000x50000.png"
    argv = ["reconstruct", str(corpus_dir / "good.png"), "--checkpoint", str(tiny_checkpoint)]
    rc = main([*argv, "--mask", str(mask), "--out", str(tmp_path / "out"), "--device", "cpu"])
    err = capfd.readouterr().err.strip()
    assert rc == 1 and "\n" not in err and f"{mask}: not a readable mask (" in err, err
    assert "64 MP limit" in err, err
