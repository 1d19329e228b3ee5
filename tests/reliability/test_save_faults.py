"""Saving under faults: the old file survives byte for byte, no temporary file is left, and a
SaveError names the file and the reason; through the core writers and `mae-studio reconstruct`.

"real" tests use a small tmpfs (a genuinely full or read-only disk; they need root and skip
elsewhere); "simulated" ones inject the OSError the kernel would give, and run everywhere.
The tests run as root here, so a permission-denied folder can only be simulated. Faults the
core tests already cover with simulations (tests/core/test_files.py: ENOSPC, EDQUOT, EIO,
EROFS, short writes, fsync/replace/close failures, missing folder, a file in the way) are not
repeated; nor is "no --overwrite keeps existing outputs" (tests/cli/test_reconstruct.py).
"""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import SafetensorError

import mae_studio.core.checkpoints as checkpoints
from mae_studio.__main__ import main
from mae_studio.core import MAEConfig, MaskedAutoencoderViT, SaveError, load_model, save_checkpoint
from mae_studio.core.files import atomic_destination, atomic_write_bytes, save_png

from .conftest import remount_read_only

OLD = b"the old file, which must survive\n" * 60  # 2 KiB
TINY = MAEConfig(
    img_size=32, patch_size=16, embed_dim=32, depth=1, num_heads=2,
    decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2, name="tiny",
)  # fmt: skip


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the disk under `folder`, then free `leave` bytes (so a write starts, then fails)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, bytes(4096)):
            pass
    except OSError as e:
        assert e.errno == errno.ENOSPC
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "filler"}


def noise_png_bytes(side: int = 128) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (side, side, 3), np.uint8)).save(buf, "PNG")
    return buf.getvalue()


# ----------------------------------------------------------------------------------
# core writers on real small disks


def test_real_full_disk_keeps_the_old_png(small_tmpfs: Callable[..., Path]) -> None:
    disk = small_tmpfs("128k")
    old = disk / "result.png"
    old.write_bytes(OLD)
    fill(disk, leave=16 << 10)  # 16 KiB free: the 48 KiB PNG starts writing, then the disk is full
    image = np.random.default_rng(1).integers(0, 256, (128, 128, 3), np.uint8)
    with pytest.raises(SaveError, match="the disk is full") as info:
        save_png(old, image)
    assert info.value.path == old and "result.png" in str(info.value)
    assert snapshot(disk) == {"result.png": OLD}  # old bytes, and no temporary file


def test_real_read_only_file_system_keeps_the_old_file(small_tmpfs: Callable[..., Path]) -> None:
    disk = small_tmpfs("64k")
    old = disk / "notes.json"
    old.write_bytes(OLD)
    remount_read_only(disk)
    with pytest.raises(SaveError, match="read-only") as info:
        atomic_write_bytes(old, b"{}")
    assert info.value.path == old
    assert snapshot(disk) == {"notes.json": OLD}


def test_real_full_disk_keeps_the_old_checkpoint(small_tmpfs: Callable[..., Path]) -> None:
    disk = small_tmpfs("256k")
    torch.manual_seed(0)
    path = save_checkpoint(MaskedAutoencoderViT(TINY), disk / "model.safetensors")
    before = path.read_bytes()
    fill(disk, leave=8 << 10)
    torch.manual_seed(1)
    with pytest.raises(SaveError, match="the disk is full") as info:
        save_checkpoint(MaskedAutoencoderViT(TINY), path)
    assert info.value.path == path
    assert snapshot(disk) == {"model.safetensors": before}
    assert load_model(path).config.embed_dim == 32  # still a good checkpoint


# ----------------------------------------------------------------------------------
# core writers, simulated faults


def test_checkpoint_disk_full_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(OLD)

    def full(*args: object, **kw: object) -> None:
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")

    monkeypatch.setattr(checkpoints, "save_file", full)
    with pytest.raises(SaveError, match=r"model\.safetensors: the disk is full"):
        save_checkpoint(MaskedAutoencoderViT(TINY), path)
    assert snapshot(tmp_path) == {"model.safetensors": OLD}


def test_checkpoint_into_a_file_where_a_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "runs").write_bytes(OLD)
    with pytest.raises(SaveError, match="runs is a file, where a folder should be"):
        save_checkpoint(MaskedAutoencoderViT(TINY), tmp_path / "runs" / "step_100" / "model.safetensors")
    assert (tmp_path / "runs").read_bytes() == OLD


def test_checkpoint_permission_denied_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root writes anywhere, so the kernel's EACCES on creating the temporary file is injected."""
    path = tmp_path / "model.safetensors"
    path.write_bytes(OLD)
    monkeypatch.setattr(os, "open", _deny_under(tmp_path, os.open))
    with pytest.raises(SaveError, match="permission denied"):
        save_checkpoint(MaskedAutoencoderViT(TINY), path)
    monkeypatch.undo()
    assert snapshot(tmp_path) == {"model.safetensors": OLD}


def test_atomic_destination_writer_failure_passes_through(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(OLD)
    with pytest.raises(ValueError, match="encoder broke"), atomic_destination(path) as tmp:
        tmp.write_bytes(b"half")
        raise ValueError("encoder broke")
    assert snapshot(tmp_path) == {"out.bin": OLD}
    with atomic_destination(path) as tmp:
        tmp.write_bytes(b"new")
    assert snapshot(tmp_path) == {"out.bin": b"new"}


def _deny_under(folder: Path, real_open: Callable[..., int]) -> Callable[..., int]:
    def fake_open(path: object, flags: int, *args: object, **kw: object) -> int:
        if str(path).startswith(str(folder)) and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args, **kw)

    return fake_open


# ----------------------------------------------------------------------------------
# through `mae-studio reconstruct`


def _reconstruct(image: Path, checkpoint: Path, out: Path, *extra: str) -> int:
    argv = ["reconstruct", str(image), "--checkpoint", str(checkpoint), "--out", str(out), "--device", "cpu"]
    return main([*argv, *extra])


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mae-studio reconstruct: "), err
    return lines[0]


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    path.write_bytes(noise_png_bytes(80))
    return path


@pytest.mark.parametrize("layout", ["out_is_a_file", "file_in_the_path"])
def test_cli_out_blocked_by_a_file(
    layout: str, photo: Path, tiny_checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "results"
    blocker.write_bytes(OLD)
    out = blocker if layout == "out_is_a_file" else blocker / "today"
    assert _reconstruct(photo, tiny_checkpoint, out) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "results is a file, where a folder should be" in line
    assert blocker.read_bytes() == OLD


def test_cli_overwrite_into_a_real_full_disk(
    photo: Path, tiny_checkpoint: Path, small_tmpfs: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = small_tmpfs("1m")
    assert _reconstruct(photo, tiny_checkpoint, out) == 0
    before = snapshot(out)
    assert sorted(before) == ["photo.json", "photo_comparison.png"]
    fill(out, leave=4 << 10)
    capsys.readouterr()
    assert _reconstruct(photo, tiny_checkpoint, out, "--overwrite", "--seed", "5") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "photo_comparison.png: the disk is full" in _one_error_line(err)
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("fault", "reason"), [(errno.ENOSPC, "the disk is full"), (errno.EACCES, "permission denied")]
)
def test_cli_overwrite_with_simulated_faults(
    fault: int,
    reason: str,
    photo: Path,
    tiny_checkpoint: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert _reconstruct(photo, tiny_checkpoint, out) == 0
    before = snapshot(out)
    capsys.readouterr()
    if fault == errno.EACCES:
        monkeypatch.setattr(os, "open", _deny_under(out, os.open))
    else:
        real_write = os.write

        def write(fd: int, data: bytes) -> int:  # the first chunk lands, then the disk is full
            if len(data) > 1024:
                real_write(fd, bytes(data[:1024]))
                return 1024
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "write", write)
    assert _reconstruct(photo, tiny_checkpoint, out, "--overwrite", "--seed", "5") == 1
    monkeypatch.undo()
    line = _one_error_line(capsys.readouterr().err)
    assert f"photo_comparison.png: {reason}" in line
    assert snapshot(out) == before
