"""Where the model runs: one device choice and one reading of device faults for the command line
and the window. Importing this module is cheap: torch is imported inside the functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import MaeStudioError

if TYPE_CHECKING:
    import torch

AUTO = "auto"
OUT_OF_MEMORY = "out of memory"
DEVICE_FAILED = "the GPU failed"
# Lower-case fragments of what CUDA, cuBLAS, cuDNN and HIP raise when the device itself fails.
_DEVICE_FAILURE_TEXT = ("cuda error", "cublas_status", "cudnn_status", "device-side assert", "hip error")


class DeviceUnavailable(MaeStudioError):
    """A device choice this machine cannot run: `name` as given, `kind` its type ("cuda", "mps"),
    `reason` one line ("no CUDA GPU is available here")."""

    def __init__(self, name: str, kind: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name, self.kind, self.reason = name, kind, reason


def auto_device() -> torch.device:
    """A CUDA GPU when there is one, else Apple MPS, else the CPU."""
    import torch

    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def available_devices() -> list[str]:
    """Device types this machine can run the model on, CPU first."""
    import torch

    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def choose_device(name: str | None) -> torch.device:
    """The torch device for a choice: None, "" or "auto" (auto_device), "cpu", "cuda", "cuda:1",
    "mps". DeviceUnavailable when it is not a device or this machine has none of its kind."""
    import torch

    if name in (None, "", AUTO):
        return auto_device()
    try:
        device = torch.device(name)
    except RuntimeError as e:
        raise DeviceUnavailable(str(name), "", f"not a device ({e})") from e
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable(str(name), "cuda", "no CUDA GPU is available here")
    if device.type == "mps" and "mps" not in available_devices():
        raise DeviceUnavailable(str(name), "mps", "Apple MPS is not available here")
    return device


def device_kind(name: str | None) -> str:
    """The type a choice runs on ("cpu", "cuda", "mps"), "auto" resolved; no availability check."""
    import torch

    return auto_device().type if name in (None, "", AUTO) else torch.device(name).type


def device_fault(e: BaseException) -> str | None:
    """OUT_OF_MEMORY or DEVICE_FAILED for an error that another device may cure (a GPU that ran
    out of memory, or failed mid-run); None for anything else. Older PyTorch raises both as a
    plain RuntimeError, so the message counts too."""
    import torch

    text = str(e).lower()
    oom = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    if isinstance(e, oom) or (
        isinstance(e, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)
    ):
        return OUT_OF_MEMORY
    accelerator = getattr(torch, "AcceleratorError", ())
    if isinstance(e, accelerator) or (
        isinstance(e, RuntimeError) and any(t in text for t in _DEVICE_FAILURE_TEXT)
    ):
        return DEVICE_FAILED
    return None


def first_line(e: BaseException, limit: int = 200) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:limit]
