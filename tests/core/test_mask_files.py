"""core.mask_files: the one reader and writer of mask files (command line and studio), and the
guarded reads and output names it relies on (core.files, core.names)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mae_studio.core.files as files
from mae_studio.core import masks
from mae_studio.core.errors import InputFileError, MaskFileError, SaveError
from mae_studio.core.files import atomic_write_set, read_regular_file, require_regular_file
from mae_studio.core.mask_files import MAX_JSON_BYTES, read_mask_file, write_mask_file
from mae_studio.core.names import printable, safe_stem, shown_path


def test_json_and_png_round_trip_with_info(tmp_path: Path) -> None:
    mask = masks.random_mask(14, 0.75, 4)
    j = write_mask_file(tmp_path / "m.json", mask, patch_size=16, seed=4, ratio=0.75, model="M")
    p = write_mask_file(tmp_path / "m.png", mask, patch_size=16, seed=4, model="M")
    read_j, read_p = read_mask_file(j), read_mask_file(p)
    assert read_j.info == {"patch_size": 16, "seed": 4, "ratio": 0.75, "model": "M"}
    assert read_p.cells.shape == (224, 224) and Image.open(p).text["seed"] == "4"
    for f in (read_j, read_p):
        assert np.array_equal(f.for_grid(14), mask) and f.note(14) == ""
    assert "carried over to this model's 16x16 grid" in read_j.note(16)
    assert np.array_equal(read_j.for_grid(16), read_p.for_grid(16))  # one rule for both kinds


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[" * 200_000, "not a readable mask (nested too deeply to be a mask)"),
        (b'{"grid": [4, 4], "removed": [16]}', "0..15"),
        (b'{"grid": [4, 6], "removed": []}', "a 4x6 grid cannot be carried to the model's square grid"),
        (b'{"grid": [4, 4], "removed": []}\xff', "not a readable mask (not UTF-8 text)"),
        (b'{"grid": [' + b"7" * 5000 + b', 4], "removed": []}', "Exceeds the limit"),
    ],
)
def test_malformed_json_is_a_mask_file_error(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(data)
    with pytest.raises(MaskFileError) as e:
        read_mask_file(path)
    assert str(e.value).startswith(f"{path}: ") and reason in str(e.value)


def test_a_non_square_image_and_a_json_over_the_cap_are_refused(tmp_path: Path) -> None:
    wide = tmp_path / "wide.png"
    Image.fromarray(np.zeros((16, 32), np.uint8)).save(wide)
    with pytest.raises(MaskFileError, match="must be square, this one is 32x16"):
        read_mask_file(wide)
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(MAX_JSON_BYTES + 1)
    with pytest.raises(MaskFileError, match=r"larger than the 16 MiB a mask file may have"):
        read_mask_file(big)


def test_rasterize_on_large_odd_grids_needs_no_common_multiple() -> None:
    """lcm(1021, 14) x lcm(1019, 14) floats were 815 MB; the separable form is a few MB."""
    mask = np.zeros((1021, 1019), bool)
    mask[:, :510] = True
    out = masks.rasterize(mask, 14)
    assert out[:, :7].all() and not out[:, 7:].any()
    with pytest.raises(ValueError, match="too large"):
        masks.rasterize(np.zeros((1 << 23, 1), bool), 4)


# ----------------------------------------------------------------------------------
# core.files: regular files only, sizes capped; sets written all or none


def test_regular_file_guards(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    good = tmp_path / "good"
    good.write_bytes(b"12345")
    assert read_regular_file(good, "thing", 5) == b"12345"
    assert require_regular_file(good, "thing", 5).st_size == 5
    cases = {
        fifo: "a named pipe (FIFO), not a regular file",
        Path("/dev/zero"): "a device, not a regular file",
        tmp_path: "a folder, not a file",
        tmp_path / "missing": "no such file",
        tmp_path / ("x" * 300): "the file name is too long",
    }
    for path, reason in cases.items():
        for call in (
            lambda p=path: read_regular_file(p, "thing", 10),
            lambda p=path: require_regular_file(p),
        ):
            with pytest.raises(InputFileError) as e:
                call()
            assert e.value.reason == reason and e.value.path == path
    with pytest.raises(InputFileError, match="larger than the 4 bytes a thing may have"):
        read_regular_file(good, "thing", 4)


def test_a_file_that_lies_about_its_size_is_cut_at_the_cap() -> None:
    """/proc files say 0 bytes and are regular: the read stops at the cap, not at the end."""
    with pytest.raises(InputFileError, match="larger than"):
        read_regular_file("/proc/self/maps", "thing", 16)


def test_a_set_is_written_all_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.json"
    b.write_bytes(b"old")
    real, calls = files._write_all, [0]

    def second_fails(fd, path, data):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, path, data)

    monkeypatch.setattr(files, "_write_all", second_fails)
    with pytest.raises(SaveError) as e:
        atomic_write_set({a: b"new a", b: b"new b"})
    assert e.value.path == b and e.value.reason == "the disk is full"  # the file that failed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json"] and b.read_bytes() == b"old"
    monkeypatch.undo()
    assert atomic_write_set({a: b"new a", b: b"new b"}) == [a, b]
    assert a.read_bytes() == b"new a" and b.read_bytes() == b"new b"
    with pytest.raises(SaveError, match="already exists"):
        atomic_write_set({tmp_path / "c": b"c", a: b"x"}, overwrite=False)
    assert not (tmp_path / "c").exists()


# ----------------------------------------------------------------------------------
# core.names


def test_printable_escapes_what_cannot_be_shown() -> None:
    assert printable(os.fsdecode(b"caf\xe9.jpg")) == "caf\\xe9.jpg"
    assert printable("a\nb\tc\x1b[0m\u2028") == "a\\nb\\tc\\x1b[0m\\u2028"
    assert printable("café 写真.jpg") == "café 写真.jpg"
    assert printable("x" * 300, 21) == "x" * 10 + "…" + "x" * 10
    assert shown_path(b"/tmp/caf\xe9") == "/tmp/caf\\xe9"


def test_safe_stem_keeps_clean_names_and_tells_others_apart() -> None:
    assert safe_stem("holiday photo") == "holiday photo"
    undecodable = safe_stem(os.fsdecode(b"caf\xe9"))
    assert undecodable.startswith("caf_-") and len(undecodable) == len("caf_-") + 8
    assert safe_stem("a\nb") != safe_stem("a\tb") != safe_stem("a_b") == "a_b"
    long = safe_stem("é" * 200)
    assert len(long.encode()) <= 100 and long == safe_stem("é" * 200) and long != safe_stem("é" * 201)
    assert safe_stem("a/b").startswith("a_b-") and safe_stem("").startswith("image-")
