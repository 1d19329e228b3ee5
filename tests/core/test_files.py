"""Atomic writes: all or nothing, the old file byte for byte intact on failure, no temp files left."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mae_studio.core import MaeStudioError, SaveError
from mae_studio.core.files import atomic_write_bytes, check_destination, save_png, save_text

OLD = b"the old file, which must survive\n"


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "out.png"
    path.write_bytes(OLD)
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_and_overwrites(tmp_path: Path, old_file: Path) -> None:
    data = bytes(range(256)) * 100
    assert atomic_write_bytes(old_file, data) == old_file
    assert old_file.read_bytes() == data
    assert leftovers(tmp_path) == []


def test_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = atomic_write_bytes(tmp_path / "new.txt", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0o600


def test_overwrite_keeps_the_old_permissions(old_file: Path) -> None:
    old_file.chmod(0o640)
    atomic_write_bytes(old_file, b"new")
    assert stat.S_IMODE(old_file.stat().st_mode) == 0o640


def test_no_overwrite(tmp_path: Path, old_file: Path) -> None:
    with pytest.raises(SaveError, match="already exists") as info:
        atomic_write_bytes(old_file, b"new", overwrite=False)
    assert info.value.path == old_file and "out.png" in str(info.value)
    assert old_file.read_bytes() == OLD and leftovers(tmp_path) == []
    fresh = atomic_write_bytes(tmp_path / "fresh.bin", b"abc", overwrite=False)
    assert fresh.read_bytes() == b"abc" and leftovers(tmp_path) == []


def test_no_overwrite_loses_a_race_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The destination appears between the check and the final link: the newcomer wins, we report it."""
    path = tmp_path / "race.txt"
    real_link = os.link

    def link(src: str, dst: str) -> None:
        Path(dst).write_bytes(b"someone else's")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", link)
    with pytest.raises(SaveError, match="already exists"):
        atomic_write_bytes(path, b"ours", overwrite=False)
    assert path.read_bytes() == b"someone else's" and leftovers(tmp_path) == []


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="does not exist") as info:
        atomic_write_bytes(tmp_path / "nope" / "deeper" / "out.png", b"x")
    assert info.value.path == tmp_path / "nope" / "deeper" / "out.png"
    assert isinstance(info.value, MaeStudioError)


def test_a_file_where_a_folder_should_be(tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_bytes(OLD)
    with pytest.raises(SaveError, match="results is a file, where a folder should be"):
        atomic_write_bytes(blocker / "sub" / "out.png", b"x")
    assert blocker.read_bytes() == OLD


def test_destination_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "out.png").mkdir()
    with pytest.raises(SaveError, match="a folder has this name"):
        save_text(tmp_path / "out.png", "x")
    assert leftovers(tmp_path) == []


def test_unwritable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, who writes anywhere: the kernel's EACCES is injected instead."""
    import errno
    import tempfile

    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "out.png").write_bytes(OLD)

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(SaveError, match="permission denied"):
        atomic_write_bytes(folder / "out.png", b"new")
    monkeypatch.undo()
    assert (folder / "out.png").read_bytes() == OLD
    assert leftovers(folder) == []


def _failing_write(monkeypatch: pytest.MonkeyPatch, fail_with: int | None, after: int = 10) -> None:
    """os.write writes `after` bytes once, then raises OSError(fail_with), or returns 0 when None."""
    real_write = os.write
    calls = {"n": 0}

    def write(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(fd, bytes(data[:after]))
        if fail_with is None:
            return 0
        raise OSError(fail_with, os.strerror(fail_with))

    monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize(
    ("fail_with", "reason"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EDQUOT, "quota"),
        (errno.EIO, "Input/output error"),
        (errno.EROFS, "read-only"),
        (None, "short write: only 10 of 1000 bytes"),
    ],
)
def test_failed_write_leaves_old_file_and_no_temp(
    tmp_path: Path, old_file: Path, monkeypatch: pytest.MonkeyPatch, fail_with: int | None, reason: str
) -> None:
    _failing_write(monkeypatch, fail_with)
    with pytest.raises(SaveError, match=reason) as info:
        atomic_write_bytes(old_file, b"n" * 1000)
    assert info.value.path == old_file
    assert old_file.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_partial_writes_are_continued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))  # 7 bytes a call
    data = bytes(range(200))
    assert atomic_write_bytes(tmp_path / "a.bin", data).read_bytes() == data


@pytest.mark.parametrize("step", ["fsync", "replace", "close"])
def test_later_failures_leave_old_file(
    tmp_path: Path, old_file: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    real_close = os.close

    def fail(*args: object) -> None:
        if step == "close":
            real_close(args[0])  # really close, then report the error as NFS can
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(SaveError, match="Input/output error"):
        atomic_write_bytes(old_file, b"new")
    monkeypatch.undo()
    assert old_file.read_bytes() == OLD and leftovers(tmp_path) == []


def test_interrupt_cleans_up_and_propagates(
    tmp_path: Path, old_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(old_file, b"new")
    monkeypatch.undo()
    assert old_file.read_bytes() == OLD and leftovers(tmp_path) == []


def test_temp_file_creation_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old_file: Path) -> None:
    def deny(*args: object, **kw: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(SaveError, match="permission denied"):
        atomic_write_bytes(old_file, b"new")
    monkeypatch.undo()
    assert old_file.read_bytes() == OLD


def test_check_destination(tmp_path: Path, old_file: Path) -> None:
    assert check_destination(old_file) == old_file
    assert check_destination(tmp_path / "new.png", overwrite=False) == tmp_path / "new.png"
    with pytest.raises(SaveError, match="already exists"):
        check_destination(old_file, overwrite=False)
    with pytest.raises(SaveError, match="does not exist"):
        check_destination(tmp_path / "missing" / "a.png")


def test_save_text_exact_bytes(tmp_path: Path) -> None:
    text = 'grid 14x14\r\n{"removed": [1, 2]}\nünïcode ✓\n'
    path = save_text(tmp_path / "mask.json", text)
    assert path.read_bytes() == text.encode("utf-8")


@pytest.mark.parametrize(
    ("array", "mode"),
    [
        (np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8), "RGB"),
        (np.random.default_rng(1).integers(0, 256, (20, 30, 4), dtype=np.uint8), "RGBA"),
        (np.random.default_rng(2).integers(0, 256, (20, 30), dtype=np.uint8), "L"),
    ],
)
def test_save_png_is_lossless(tmp_path: Path, array: np.ndarray, mode: str) -> None:
    path = save_png(tmp_path / "a.png", array, text={"model": "mae_vit_base_patch16", "seed": "7"})
    with Image.open(path) as im:
        assert im.format == "PNG" and im.mode == mode
        assert im.text == {"model": "mae_vit_base_patch16", "seed": "7"}
        np.testing.assert_array_equal(np.asarray(im), array)


def test_save_png_bool_and_pil(tmp_path: Path) -> None:
    mask = np.zeros((14, 14), bool)
    mask[3:5, 7] = True
    with Image.open(save_png(tmp_path / "m.png", mask)) as im:
        np.testing.assert_array_equal(np.asarray(im), np.where(mask, 255, 0))
    pil = Image.new("RGB", (8, 8), (1, 2, 3))
    with Image.open(save_png(tmp_path / "p.png", pil)) as im:
        assert im.getpixel((0, 0)) == (1, 2, 3)


def test_save_png_refuses_what_it_cannot_store_exactly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="uint8 or bool"):
        save_png(tmp_path / "a.png", np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        save_png(tmp_path / "a.png", np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ValueError, match="CMYK"):
        save_png(tmp_path / "a.png", Image.new("CMYK", (4, 4)))
    assert not (tmp_path / "a.png").exists()


def test_save_png_failure_keeps_old_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_png(tmp_path / "a.png", np.full((8, 8, 3), 9, np.uint8))
    before = path.read_bytes()
    _failing_write(monkeypatch, errno.ENOSPC)
    with pytest.raises(SaveError, match="disk is full"):
        save_png(path, np.zeros((64, 64, 3), np.uint8))
    monkeypatch.undo()
    assert path.read_bytes() == before and leftovers(tmp_path) == []
