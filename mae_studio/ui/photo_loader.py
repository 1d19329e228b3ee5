"""Decode photos off the GUI thread: a 50-megapixel JPEG takes a second or more to decode and
resize, and the window must not freeze meanwhile. Pillow work only (no torch) on a pool
thread; the newest request wins and an older one that finishes late is dropped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from mae_studio.core.errors import MaeStudioError
from mae_studio.core.image_loading import load_image, load_image_bytes
from mae_studio.core.names import printable

from .framing import Framing, framings

Geometry = tuple[int, int]  # a model's input size and patch size


@dataclass(frozen=True)
class LoadedPhoto:
    rgb: np.ndarray  # uint8 [H, W, 3], upright, alpha flattened
    name: str
    path: Path | None
    geometry: Geometry  # the model input and patch size `framings` were made for
    framings: dict[str, Framing]  # every fit's grid and picture (framing.framings)


class _Relay(QObject):
    done = Signal(int, object)  # token, LoadedPhoto
    failed = Signal(int, str)  # token, message


class _Job(QRunnable):
    def __init__(
        self,
        token: int,
        read: Callable[[], object],
        name: str,
        path: Path | None,
        geometry: Geometry,
        relay: _Relay,
    ):
        super().__init__()
        self.token, self.read, self.name, self.path, self.geometry, self.relay = (
            token,
            read,
            name,
            path,
            geometry,
            relay,
        )

    def run(self) -> None:
        try:
            rgb = np.asarray(self.read(), dtype=np.uint8)
            framed = framings(rgb, *self.geometry)
        except MaeStudioError as e:
            self.relay.failed.emit(self.token, str(e))
            return
        except MemoryError:
            self.relay.failed.emit(self.token, f"{self.name}: not enough memory to open this image")
            return
        self.relay.done.emit(self.token, LoadedPhoto(rgb, self.name, self.path, self.geometry, framed))


class PhotoLoader(QObject):
    loaded = Signal(object)  # LoadedPhoto (the newest request only)
    failed = Signal(str)  # message (the newest request only)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._token = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)

    @property
    def busy(self) -> bool:
        return self._pool.activeThreadCount() > 0

    def load_file(self, path: Path, geometry: Geometry) -> None:
        """Decode `path` and frame it for a model of `geometry` (input size, patch size)."""
        # The name as shown everywhere (title, captions, saved names): one printable line, even
        # for a name with undecodable bytes or a newline; the path stays exact for reopening.
        self._start(lambda: load_image(path), printable(path.name), path, geometry)

    def load_bytes(self, data: bytes, name: str, geometry: Geometry) -> None:
        self._start(lambda: load_image_bytes(data, name), name, None, geometry)

    def load_array(self, rgb: np.ndarray, name: str, geometry: Geometry) -> None:
        self._start(lambda: rgb, name, None, geometry)

    def _start(self, read: Callable[[], object], name: str, path: Path | None, geometry: Geometry) -> None:
        self._token += 1
        self.busy_changed.emit(True)
        self._pool.start(_Job(self._token, read, name, path, geometry, self._relay))

    def _on_done(self, token: int, photo: LoadedPhoto) -> None:
        if token == self._token:
            self.busy_changed.emit(False)
            self.loaded.emit(photo)

    def _on_failed(self, token: int, message: str) -> None:
        if token == self._token:
            self.busy_changed.emit(False)
            self.failed.emit(message)

    def wait(self, ms: int = -1) -> bool:
        """Block until the pool is idle (shutdown and tests)."""
        return self._pool.waitForDone(ms)
