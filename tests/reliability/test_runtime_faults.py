"""Device faults: out of memory and a failing GPU in the middle of a forward pass (simulated
by making a transformer block raise what PyTorch raises), and a missing GPU.

The Predictor lets torch.OutOfMemoryError through unchanged (its caller, e.g. the GUI worker,
reports it) and keeps its image, so the next reconstruction works. The CLI turns these into
one line with what to try (--device cpu, a smaller --batch-size) and exit status 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mae_studio.__main__ import main
from mae_studio.cli.options import device_fault
from mae_studio.core import load_model
from mae_studio.core.masks import random_mask
from mae_studio.core.model import MAEBlock
from mae_studio.core.predictor import Predictor

OOM = "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total capacity)"
LOST = "CUDA error: an illegal memory access was encountered"


def _fail_blocks(monkeypatch: pytest.MonkeyPatch, error: BaseException, times: int = 1) -> list[int]:
    """The next `times` transformer block calls raise `error`; returns the call counter."""
    real = MAEBlock.forward  # the model's block, whichever path (oneDNN or timm's) it takes
    calls = [0]

    def forward(self: MAEBlock, x: torch.Tensor, **kwargs: object) -> torch.Tensor:
        calls[0] += 1
        if calls[0] <= times:
            raise error
        return real(self, x, **kwargs)

    monkeypatch.setattr(MAEBlock, "forward", forward)
    return calls


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    rgb = np.random.default_rng(3).integers(0, 256, (72, 96, 3), np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(rgb).save(path)
    return path


def test_predictor_out_of_memory_is_recoverable(
    tiny_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    predictor = Predictor(load_model(tiny_checkpoint), "cpu")
    predictor.set_image(np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8))
    mask = random_mask(predictor.grid_size, 0.75, 1)
    before = predictor.reconstruct(mask)
    calls = _fail_blocks(monkeypatch, torch.OutOfMemoryError(OOM))
    with pytest.raises(torch.OutOfMemoryError):
        predictor.reconstruct(mask)
    assert calls[0] == 1
    after = predictor.reconstruct(mask)  # the same image, no set_image again
    np.testing.assert_array_equal(after.reconstruction, before.reconstruction)
    assert after.masked_mse == before.masked_mse


@pytest.mark.parametrize(
    ("batch", "error", "expected"),
    [
        ("8", torch.OutOfMemoryError(OOM), f"out of memory ({OOM}); try a smaller --batch-size"),
        ("1", torch.OutOfMemoryError(OOM), f"out of memory ({OOM}); try a smaller model"),
        ("8", torch.AcceleratorError(LOST), f"the GPU failed ({LOST}); try --device cpu"),
    ],
)
def test_cli_device_fault_is_one_line(
    batch: str,
    error: BaseException,
    expected: str,
    photo: Path,
    tiny_checkpoint: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _fail_blocks(monkeypatch, error, times=10**6)
    out = tmp_path / "out"
    argv = ["reconstruct", str(photo), "--checkpoint", str(tiny_checkpoint), "--out", str(out)]
    rc = main([*argv, "--device", "cpu", "--batch-size", batch])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert rc == 1 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("mae-studio reconstruct: ") and expected in lines[0], err
    assert list(out.iterdir()) == []


def _args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**kw)


def test_device_fault_messages_on_a_gpu() -> None:
    oom = torch.OutOfMemoryError(OOM + "\nIf reserved but unallocated memory is large ...")
    message = device_fault(oom, _args(device="cuda", batch_size=8))
    assert message == f"out of memory on cuda ({OOM}); try --device cpu or a smaller --batch-size"
    assert device_fault(oom, _args(device="cuda:1")) == f"out of memory on cuda:1 ({OOM}); try --device cpu"
    lost = RuntimeError(LOST + "\nCUDA kernel errors might be asynchronously reported")  # torch < 2.8
    assert device_fault(lost, _args(device="cuda")) == f"the GPU failed ({LOST}); try --device cpu"


def test_other_runtime_errors_keep_their_traceback(
    photo: Path, tiny_checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bug = RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x64 and 48x64)")
    assert device_fault(bug, _args(device="cuda")) is None
    _fail_blocks(monkeypatch, bug)
    with pytest.raises(RuntimeError, match="mat1 and mat2"):
        main(["reconstruct", str(photo), "--checkpoint", str(tiny_checkpoint), "--out", str(tmp_path / "o")])


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        ("cuda", "--device cuda: no CUDA GPU is available here (use --device cpu)"),
        ("cuda:3", "--device cuda:3: no CUDA GPU is available here (use --device cpu)"),
        ("gpu", "--device gpu: not a device"),
    ],
)
def test_cli_without_the_asked_gpu(
    device: str,
    expected: str,
    photo: Path,
    tiny_checkpoint: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # simulated on GPU machines too
    argv = ["reconstruct", str(photo), "--checkpoint", str(tiny_checkpoint), "--out", str(tmp_path / "o")]
    rc = main([*argv, "--device", device])
    err = capsys.readouterr().err
    assert rc == 1 and err.strip().count("\n") == 0 and expected in err, err
