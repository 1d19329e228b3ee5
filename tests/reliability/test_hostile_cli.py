"""The command line under hostile inputs (issue 16, classes 4, 5, 6 and 8): real file names,
mask files, FIFOs and devices, unbounded numbers, and a disk that fills between an image's two
outputs. The rule every case checks: one line on stderr naming the file or option and the
reason, exit status 1 (or 2 for a usage error), no traceback, no hang, bounded memory, nothing
lost, and outputs that are complete sets."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mae_studio.core.files as files
from mae_studio.__main__ import main
from mae_studio.core import masks
from mae_studio.core.names import safe_stem

from ..ui.fakes import photo
from .bounded import peak_growth

HANG_GUARD_S = 120  # a child process importing torch on a loaded 2-core machine; not a speed test


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(photo()).save(folder / "good.png")
    return folder


def reconstruct(*argv: str | Path) -> int:
    return main(["reconstruct", *map(str, argv), "--device", "cpu"])


def one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ----------------------------------------------------------------------------------
# class 4: real file names


NAMES = {
    "not UTF-8": b"caf\xe9.png",
    "newline": b"new\nline.png",
    "250-byte stem": b"x" * 250 + b".png",
    "escape sequence": b"\x1b[31mred.png",
}


@pytest.mark.parametrize("raw", NAMES.values(), ids=NAMES.keys())
def test_hostile_names_are_reconstructed_with_safe_outputs(raw, tmp_path, tiny_checkpoint, capsys):
    """Before: a UnicodeEncodeError traceback after the work (not UTF-8), "raqm_layout() failed"
    (newline), ENAMETOOLONG while planning, which stopped the whole batch (250 bytes)."""
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(photo()).save(os.fsencode(folder) + b"/" + raw)
    Image.fromarray(photo(seed=1)).save(folder / "plain.png")
    out = tmp_path / "out"
    assert reconstruct(folder, "--checkpoint", tiny_checkpoint, "--out", out) == 0
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err and "2/2 images reconstructed" in printed.out
    name = os.fsdecode(raw)
    stem = safe_stem(Path(name).stem)
    assert stem != Path(name).stem and stem.isprintable() and len(stem.encode()) <= 100
    made = sorted(p.name for p in out.iterdir())
    assert made == sorted([f"{stem}.json", f"{stem}_comparison.png", "plain.json", "plain_comparison.png"])
    doc = json.loads((out / f"{stem}.json").read_text())
    assert doc["image"] == str(folder / name) and doc["comparison"] == f"{stem}_comparison.png"
    sheet = Image.open(out / f"{stem}_comparison.png")
    assert sheet.text["image"].isprintable() and sheet.width < 3000  # a long name is cut in the caption


def test_names_that_clean_to_the_same_text_keep_apart(tmp_path, tiny_checkpoint):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a\nb.png", "a\tb.png", "a_b.png"):
        Image.fromarray(photo()).save(folder / name)
    out = tmp_path / "out"
    assert reconstruct(folder, "--checkpoint", tiny_checkpoint, "--out", out) == 0
    assert len(list(out.glob("*.json"))) == 3 and (out / "a_b.json").is_file()


def test_a_missing_input_with_an_undecodable_name_is_one_line(tmp_path, tiny_checkpoint, capsys):
    missing = Path(os.fsdecode(os.fsencode(tmp_path) + b"/gone\xff.png"))
    assert reconstruct(missing, "--checkpoint", tiny_checkpoint, "--out", tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "gone\\xff.png" in err and "Traceback" not in err


# ----------------------------------------------------------------------------------
# class 5: mask files (the reader itself is fuzzed in test_mask_fuzz.py)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("nested.json", b"[" * 200_000, "nested too deeply"),
        ("deep_value.json", b'{"grid": [4, 4], "removed": ' + b"[" * 100_000 + b"}", "nested too deeply"),
        ("huge_int.json", b'{"grid": [' + b"9" * 5000 + b', 4], "removed": []}', "not a readable mask"),
        ("grid_too_big.json", b'{"grid": [1025, 1025], "removed": []}', "implausible grid"),
        ("not_square.json", b'{"grid": [4, 8], "removed": []}', "square grid"),
        ("latin1.json", b'{"grid": [4, 4], "removed": [], "model": "\xe9"}', "not UTF-8"),
    ],
)
def test_hostile_json_masks_are_one_line(name, data, reason, tmp_path, photo_dir, tiny_checkpoint, capsys):
    mask = write(tmp_path / name, data)
    out = tmp_path / "out"
    assert reconstruct(photo_dir, "--checkpoint", tiny_checkpoint, "--mask", mask, "--out", out) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"mae-studio reconstruct: {mask}: ") and reason in line, line
    assert not out.exists() or not any(out.iterdir())


def test_a_100_mb_json_mask_is_refused_before_reading(tmp_path, photo_dir, tiny_checkpoint, capsys):
    """Before: 2 GB of memory and a 22 s freeze in the window. A sparse file: no disk is used."""
    mask = tmp_path / "big.json"
    with mask.open("wb") as f:
        f.truncate(100 << 20)
    with peak_growth() as grown:
        rc = reconstruct(photo_dir, "--checkpoint", tiny_checkpoint, "--mask", mask, "--out", tmp_path / "o")
    line = one_line(capsys.readouterr().err)
    assert rc == 1 and "larger than the 16 MiB a mask file may have" in line, line
    assert grown[0] < 150 << 20  # the model and the photo, not the file


def test_a_mask_on_a_1021_x_1019_grid_costs_megabytes_not_the_lcm(
    tmp_path, photo_dir, tiny_checkpoint, capsys
):
    """33 bytes that cost 700+ MB through the grids' least common multiple before; now a square
    grid of that size carries over in a few MB, and a non-square one is refused by name."""
    mask = write(tmp_path / "odd.json", b'{"grid":[1021,1019],"removed":[]}')
    argv = [photo_dir, "--checkpoint", tiny_checkpoint, "--mask"]
    assert reconstruct(*argv, mask, "--out", tmp_path / "a") == 1
    assert "cannot be carried to the model's square grid" in one_line(capsys.readouterr().err)
    cells = np.zeros((1021, 1021), bool)
    cells[:, :511] = True
    square = write(tmp_path / "square.json", masks.mask_to_json(cells).encode())
    out = tmp_path / "b"
    with peak_growth() as grown:
        rc = reconstruct(*argv, square, "--out", out)
    assert rc == 0 and grown[0] < 300 << 20, grown
    doc = json.loads((out / "good.json").read_text())
    assert doc["removed"] == [0, 1, 4, 5, 8, 9, 12, 13]  # the left half of the 4 x 4 grid
    assert "carried over to this model's 4x4 grid" in capsys.readouterr().err


def test_a_png_mask_and_a_json_mask_give_the_same_grid(tmp_path, photo_dir, tiny_checkpoint):
    """One reader for the CLI and the studio: the image of a mask and its JSON agree."""
    cells = masks.random_mask(8, 0.5, 2)
    as_json = write(tmp_path / "m.json", masks.mask_to_json(cells).encode())
    as_png = tmp_path / "m.png"
    Image.fromarray(np.kron(masks.mask_to_image(cells), np.ones((8, 8), np.uint8))).save(as_png)
    removed = []
    for i, mask in enumerate((as_json, as_png)):
        out = tmp_path / f"out{i}"
        assert reconstruct(photo_dir, "--checkpoint", tiny_checkpoint, "--mask", mask, "--out", out) == 0
        removed.append(json.loads((out / "good.json").read_text())["removed"])
    assert removed[0] == removed[1] == np.flatnonzero(masks.rasterize(cells, 4)).tolist()


def run_cli_guarded(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    """`mae-studio ARGV` in a child process with a hang guard (a FIFO or a device read must
    not hang or fill the memory of the test process)."""
    return subprocess.run(
        [sys.executable, "-m", "mae_studio", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2])),
    )


def test_fifos_and_devices_as_mask_and_checkpoint_are_refused(tmp_path, photo_dir, tiny_checkpoint):
    """Before: a FIFO as --mask or --checkpoint hung forever; --mask /dev/zero read until memory
    ran out."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    model_fifo = tmp_path / "model.safetensors"
    os.mkfifo(model_fifo)
    common = ["reconstruct", photo_dir, "--device", "cpu", "--out", tmp_path / "out"]
    cases = [
        (["--checkpoint", tiny_checkpoint, "--mask", fifo], f"{fifo}: not a readable mask (a named pipe"),
        (["--checkpoint", tiny_checkpoint, "--mask", "/dev/zero"], "/dev/zero: not a readable mask ("),
        (["--checkpoint", model_fifo], f"{model_fifo}: a named pipe (FIFO), not a regular file"),
    ]
    for extra, expected in cases:
        done = run_cli_guarded(*common, *extra)
        assert done.returncode == 1 and expected in one_line(done.stderr), done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_train_init_from_a_fifo_is_refused(tmp_path, photo_dir):
    fifo = tmp_path / "init.safetensors"
    os.mkfifo(fifo)
    done = run_cli_guarded("train", photo_dir, "--out", tmp_path / "run", "--steps", "1", "--init-from", fifo)
    assert done.returncode == 1 and f"{fifo}: a named pipe" in one_line(done.stderr), done.stderr


# ----------------------------------------------------------------------------------
# class 6: unbounded numbers, refused when the arguments are parsed


NUMBERS = [
    (["reconstruct", "x.png", "--scale", "50"], "--scale", "1..8"),
    (["reconstruct", "x.png", "--scale", "1000000"], "--scale", "1..8"),
    (["reconstruct", "x.png", "--batch-size", "0"], "--batch-size", "1..1024"),
    (["reconstruct", "x.png", "--seed", "-1"], "--seed", "0..2147483647"),
    (["reconstruct", "x.png", "--mask-ratio", "nan"], "--mask-ratio", "0..1"),
    (["compare", "x.png", "--checkpoint", "a", "--scale", "9"], "--scale", "1..8"),
    (["errormap", "x.png", "--scale", "0"], "--scale", "1..8"),
    (["errormap", "x.png", "--uncertainty", "-3"], "--uncertainty", "0..1000"),
    (["errormap", "x.png", "-k", "0"], "-k/--k", "1..4096"),
    (["sweep", "x.png", "--ratios", "0:1:1e-9"], "--ratios", "1,000,000,001 ratios"),
    (["sweep", "x.png", "--ratios", "0:1:inf"], "--ratios", "finite"),
    (["sweep", "x.png", "--ratios", "0.1,nan"], "--ratios", "0..1"),
    (["sweep", "x.png", "--seeds", "1000000000"], "--seeds", "1..1000"),
    (["train", "d", "--out", "o", "--lr", "nan"], "--lr", "0 < x <= 1"),
    (["train", "d", "--out", "o", "--lr", "0"], "--lr", "0 < x <= 1"),
    (["train", "d", "--out", "o", "--batch-size", "0"], "--batch-size", "1..4096"),
    (["train", "d", "--out", "o", "--patch-size", "0"], "--patch-size", "2..64"),
    (["train", "d", "--out", "o", "--short-side", "0"], "--short-side", "16..4096"),
    (["train", "d", "--out", "o", "--threads", "-1"], "--threads", "1..1024"),
    (["train", "d", "--out", "o", "--embed-dim", "1000000"], "--embed-dim", "8..4096"),
    (["train", "d", "--out", "o", "--img-size", "16000"], "--img-size", "16..1024"),
    (["train", "d", "--out", "o", "--minutes", "1e-9"], "--minutes", "0.05..10080"),
    (["train", "d", "--out", "o", "--minutes", "nan"], "--minutes", "0.05..10080"),
    (["train", "d", "--out", "o", "--steps", "0"], "--steps", "1..100000000"),
    (["train", "d", "--out", "o", "--mask-ratio", "0"], "--mask-ratio", "0 < x < 1"),
    (["train", "d", "--out", "o", "--mask-ratio", "1"], "--mask-ratio", "0 < x < 1"),
    (["train", "d", "--out", "o", "--crop-scale", "0", "1"], "--crop-scale", "0 < x <= 1"),
    (["train", "d", "--out", "o", "--weight-decay", "inf"], "--weight-decay", "0..10"),
    (["train", "d", "--out", "o", "--save-every", "0"], "--save-every", "0 < x <= 1e+06"),
    (["evaluate", "d", "--seeds", "-1"], "--seeds", "0..2147483647"),
    (["evaluate", "d", "--ratio", "1"], "--ratio", "0 < x < 1"),
    (["evaluate", "d", "--threads", "0"], "--threads", "1..1024"),
    (["bench", "--runs", "0"], "--runs", "1..10000"),
]


@pytest.mark.parametrize(("argv", "option", "expected"), NUMBERS, ids=[" ".join(a) for a, _, _ in NUMBERS])
def test_numbers_out_of_range_are_usage_errors(argv, option, expected, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert e.value.code == 2 and f"argument {option}: " in last and expected in last, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("reconstruct", "(1..8, default: 2)"),
        ("sweep", "(1..1000, default: 5)"),
        ("train", "(0 < x <= 1, default: 0.0015)"),
        ("evaluate", "(0 < x < 1, default: 0.75)"),
    ],
)
def test_help_shows_the_ranges(command, shown, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert shown in " ".join(capsys.readouterr().out.split())


def test_sweep_seeds_past_the_last_seed_are_refused_before_any_work(tmp_path, capsys):
    argv = ["sweep", str(tmp_path / "missing.png"), "--seed", "2147483647", "--seeds", "2"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 1
    assert "goes past seed 2147483647" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_train_mask_ratio_that_keeps_no_patch_names_the_option(tmp_path, photo_dir, capsys):
    """Before: --mask-ratio 0 ran and then blamed the learning rate (a NaN loss)."""
    argv = ["train", str(photo_dir), "--out", str(tmp_path / "run"), "--img-size", "32", "--patch-size", "16"]
    assert main([*argv, "--mask-ratio", "0.9", "--steps", "1"]) == 1  # 4 patches: none kept
    line = one_line(capsys.readouterr().err)
    assert "--mask-ratio 0.9 keeps 0 of 4 patches" in line, line
    assert not (tmp_path / "run").exists()


def test_a_time_budget_with_no_step_writes_nothing(tmp_path, photo_dir):
    """Before: --minutes 1e-9 wrote an untrained 0-step model and exited 0 (the API still takes
    any positive budget; the command line refuses budgets under 3 s)."""
    from mae_studio.train.recipe import Recipe, build_config
    from mae_studio.train.trainer import RunOptions, TrainError, train

    config = build_config("micro", img_size=32, patch_size=16, embed_dim=32, depth=1, num_heads=2,
                          decoder_embed_dim=32, decoder_depth=1, decoder_num_heads=2)  # fmt: skip
    out = tmp_path / "run"
    opts = RunOptions([photo_dir], out, config, Recipe(batch_size=2, short_side=32), minutes=1e-9)
    opts.progress = False
    with pytest.raises(TrainError, match="no training step finished within the budget"):
        train(opts)
    assert sorted(p.name for p in out.iterdir()) == []
    with pytest.raises(TrainError, match="--minutes must be more than 0"):
        train(RunOptions([photo_dir], out, config, minutes=float("nan")))


# ----------------------------------------------------------------------------------
# class 8: an image's outputs are a complete set or nothing


def fail_second_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills while an image's second output is written (first one fully written)."""
    real, calls = files._write_all, [0]

    def write_all(fd, path, data):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] % 2 == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, path, data)

    monkeypatch.setattr(files, "_write_all", write_all)


def test_a_disk_that_fills_between_outputs_leaves_no_orphan(
    tmp_path, photo_dir, tiny_checkpoint, monkeypatch, capsys
):
    """Before: the sheet stayed without its report, and the next run skipped the image."""
    out = tmp_path / "out"
    fail_second_write(monkeypatch)
    assert reconstruct(photo_dir, "--checkpoint", tiny_checkpoint, "--out", out) == 1
    assert "the disk is full" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == []  # no sheet, no report, no temporary file
    monkeypatch.undo()
    assert reconstruct(photo_dir, "--checkpoint", tiny_checkpoint, "--out", out) == 0  # not skipped
    assert sorted(p.name for p in out.iterdir()) == ["good.json", "good_comparison.png"]


def test_an_incomplete_set_from_before_is_completed_and_a_complete_one_skipped(
    tmp_path, photo_dir, tiny_checkpoint, capsys
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "good_comparison.png").write_bytes(b"an orphan sheet of an older version")
    assert reconstruct(photo_dir, "--checkpoint", tiny_checkpoint, "--out", out) == 0
    err = capsys.readouterr().err
    assert "good_comparison.png exists without good.json (an incomplete earlier run)" in err, err
    assert Image.open(out / "good_comparison.png").width > 64 and (out / "good.json").is_file()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert reconstruct(photo_dir, "--checkpoint", tiny_checkpoint, "--out", out) == 1
    assert "exists (pass --overwrite to replace it); skipped" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_compare_errormap_and_sweep_write_complete_sets(tmp_path, photo_dir, tiny_checkpoint, monkeypatch):
    image = photo_dir / "good.png"
    runs = {
        "compare": ["compare", image, "--checkpoint", tiny_checkpoint],
        "errormap": ["errormap", image, "--checkpoint", tiny_checkpoint],
        "sweep": ["sweep", image, "--checkpoint", tiny_checkpoint, "--ratios", "0.5", "--seeds", "1",
                  "--no-plot"],
    }  # fmt: skip
    fail_second_write(monkeypatch)
    for name, argv in runs.items():
        out = tmp_path / name
        assert main([*map(str, argv), "--device", "cpu", "--out", str(out)]) == 1, name
        assert sorted(p.name for p in out.iterdir()) == [], name
