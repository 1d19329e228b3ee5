"""Image loads in a forked worker process: a hang guard, peak memory per load, crash isolation.

The worker is forked once (about 0.1 s here) and then loads one image per request; a request
costs a pipe round trip, so thousands of fuzz cases stay cheap. Per load it reports the peak
resident memory growth (Linux: /proc/self/clear_refs resets VmHWM, the peak, before each
load). HANG_GUARD_S is a hang guard, not a speed assertion: a load that has not answered by
then is reported as "hung" and the worker is killed and replaced. While it waits, the parent
watches the worker's resident memory: one that grows RUNAWAY_BYTES during a load is killed
and reported as "runaway", so a bad case cannot take the shared machine down. (An address-space
rlimit would be simpler, but virtual reservations creep over thousands of loads and torch's
threads need address space: it failed benign loads with "not enough memory".)
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import resource
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HANG_GUARD_S = 20.0
RUNAWAY_BYTES = 3 << 30  # resident growth that ends a load; the 64 MP design bound needs < 1 GiB
WATCH_EVERY_S = 0.05
MAX_RETURNED_SIDE = 1024  # pictures come back downsampled (nearest) to at most this side


@dataclass
class Outcome:
    """What one load did. kind: "picture", "refused" (ImageLoadError), "escaped" (any other
    exception: a bug), "hung" (no answer within the hang guard), "runaway" (killed for its
    memory growth) or "crashed" (the worker died)."""

    kind: str
    name: str
    message: str = ""
    error_path: str | None = None  # ImageLoadError.path
    size: tuple[int, int] | None = None  # (width, height) of the loaded picture
    mode: str | None = None
    pixels: Any = None  # uint8 [H / stride, W / stride, 3], nearest-sampled
    stride: int = 1
    notes: list[str] = field(default_factory=list)  # image.info["load_notes"]
    warnings: list[str] = field(default_factory=list)  # ImageLoadWarning messages
    seconds: float = 0.0
    rss_growth: int = 0  # bytes: peak RSS during the load minus RSS just before it

    def describe(self) -> str:
        mib = self.rss_growth / (1 << 20)
        return f"{self.name}: {self.kind} in {self.seconds:.2f} s, +{mib:.0f} MiB peak: {self.message}"


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _rss_of(pid: int) -> int:
    """Resident bytes of another process (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # it has exited: the pipe tells the rest
        return 0
    found = next((line for line in status.splitlines() if line.startswith("VmRSS:")), None)
    return int(found.split()[1]) * 1024 if found else 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        return False
    return True


@contextlib.contextmanager
def peak_growth() -> Iterator[list[int]]:
    """`with peak_growth() as grown:` ... then grown[0] is the peak RSS growth in bytes while
    the block ran, in this process (quick calls only: no hang guard)."""
    grown = [0]
    exact = _reset_peak()
    before = _status_kib("VmRSS") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        yield grown
    finally:
        peak = _status_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        grown[0] = max(0, peak - before) * 1024


def _load(source: bytes | str, name: str) -> Outcome:
    """Runs in the worker."""
    import numpy as np
    from PIL import Image

    from mae_studio.core import ImageLoadError, ImageLoadWarning, load_image, load_image_bytes

    exact_peak = _reset_peak()
    before = _status_kib("VmRSS") if exact_peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    out = Outcome("picture", name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            im = load_image(source) if isinstance(source, str) else load_image_bytes(source, name)
        except ImageLoadError as e:
            out.kind, out.message = "refused", str(e)
            out.error_path = None if e.path is None else str(e.path)
        except BaseException as e:  # noqa: BLE001 (reported to the parent, which fails the test)
            out.kind = "escaped"
            out.message = f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
        else:
            out.size, out.mode, out.notes = im.size, im.mode, list(im.info.get("load_notes", []))
            out.stride = max(1, -(-max(im.size) // MAX_RETURNED_SIDE))
            if out.stride > 1:
                shape = (max(1, im.width // out.stride), max(1, im.height // out.stride))
                im = im.resize(shape, Image.Resampling.NEAREST)
            out.pixels = np.array(im)
    out.seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM") if exact_peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.rss_growth = max(0, peak - before) * 1024
    out.warnings = [str(w.message) for w in caught if issubclass(w.category, ImageLoadWarning)]
    return out


def measured(run: Callable[[], Outcome]) -> Outcome:
    """`run()`'s Outcome with its seconds and peak RSS growth filled in (for custom loaders)."""
    exact_peak = _reset_peak()
    before = _status_kib("VmRSS") if exact_peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    out = run()
    out.seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM") if exact_peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.rss_growth = max(0, peak - before) * 1024
    return out


def _serve(conn: Any, load: Callable[..., Outcome]) -> None:
    """The worker's loop: (source, name) in, Outcome out, until None or the pipe closes."""
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        conn.send(load(*request))


class LoadWorker:
    """`load(bytes_or_path, name)` -> Outcome, run in a forked worker with a hang guard.
    `loader(source, name)` is what the worker runs (default: the image loader); forked, it
    may be any function returning an Outcome (see `measured`)."""

    def __init__(
        self, runaway_bytes: int = RUNAWAY_BYTES, loader: Callable[..., Outcome] | None = None
    ) -> None:
        self.runaway_bytes = runaway_bytes
        self.loader = loader or _load
        self._ctx = mp.get_context("fork")
        self._proc: Any = None
        self._conn: Any = None
        self.restarts = 0

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(
            target=_serve, args=(child, self.loader), daemon=True, name="image-load-worker"
        )
        self._proc.start()
        child.close()
        self._conn = parent

    def load(
        self, source: bytes | str | os.PathLike[str], name: str = "", timeout: float = HANG_GUARD_S
    ) -> Outcome:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        if isinstance(source, (bytes, bytearray)):
            request: tuple[bytes | str, str] = (bytes(source), name)
        else:
            request = (os.fspath(source), name or os.path.basename(source))
        name = request[1]
        started = time.perf_counter()
        rss_before = _rss_of(self._proc.pid)
        self._conn.send(request)
        while not self._conn.poll(WATCH_EVERY_S):
            seconds = time.perf_counter() - started
            grown = _rss_of(self._proc.pid) - rss_before
            if grown > self.runaway_bytes:
                self._replace()
                message = f"killed after growing {grown >> 20} MiB (over the runaway limit)"
                return Outcome("runaway", name, message, seconds=seconds, rss_growth=grown)
            if seconds > timeout:
                self._replace()
                message = f"no answer within the {timeout:.0f} s hang guard"
                return Outcome("hung", name, message, seconds=seconds)
        try:
            return self._conn.recv()
        except (EOFError, ConnectionResetError):
            self._proc.join(5.0)
            code = self._proc.exitcode  # negative: killed by that signal (e.g. -11, a segfault)
            self._replace()
            seconds = time.perf_counter() - started
            return Outcome("crashed", name, f"the worker died (exit code {code})", seconds=seconds)

    def _replace(self) -> None:
        self.restarts += 1
        self.close()

    def close(self) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(None)
        self._proc.join(1.0)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        self._conn.close()
        self._proc = self._conn = None
