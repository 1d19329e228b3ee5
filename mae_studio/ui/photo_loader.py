"""Decode photos off the GUI thread: a 50-megapixel JPEG takes a second or more to decode and
resize, and the window must not freeze meanwhile. Pillow work only (no torch) on a pool
thread; the newest request wins and an older one that finishes late is dropped. `load_first`
tries several files in turn (the next photo of a folder) and skips those that will not open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

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
    skipped: tuple[tuple[Path, str], ...] = ()  # (file, why) tried before this one (load_first)


class _Relay(QObject):
    done = Signal(int, object)  # token, LoadedPhoto
    failed = Signal(int, str)  # token, message


Reader = tuple[Callable[[], object], str, Path | None]  # read(), name, path


class _Job(QRunnable):
    """Reads the first of `readers` that opens; a reader that fails is skipped while another is
    left, and the whole job stops once a newer request came (`latest() != token`)."""

    def __init__(
        self, token: int, readers: list[Reader], geometry: Geometry, relay: _Relay, latest: Callable[[], int]
    ):
        super().__init__()
        self.token, self.readers, self.geometry, self.relay, self.latest = (
            token,
            readers,
            geometry,
            relay,
            latest,
        )

    def run(self) -> None:
        skipped: list[tuple[Path, str]] = []
        for i, (read, name, path) in enumerate(self.readers):
            if self.latest() != self.token:
                return  # a newer request: nobody waits for this one
            try:
                rgb = np.asarray(read(), dtype=np.uint8)
                framed = framings(rgb, *self.geometry)
            except MaeStudioError as e:
                message = str(e)
            except MemoryError:
                message = QCoreApplication.translate(
                    "PhotoLoader", "{name}: not enough memory to open this image"
                )
                message = message.format(name=name)
            else:
                photo = LoadedPhoto(rgb, name, path, self.geometry, framed, tuple(skipped))
                self.relay.done.emit(self.token, photo)
                return
            if i == len(self.readers) - 1:
                if skipped:
                    heading = QCoreApplication.translate("PhotoLoader", "None of the next photos opens:")
                    message = "\n".join([heading, *(m for _, m in skipped), message])
                self.relay.failed.emit(self.token, message)
                return
            skipped.append((path or Path(name), message))


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
        self._start([(lambda: load_image(path), printable(path.name), path)], geometry)

    def load_first(self, paths: list[Path], geometry: Geometry) -> None:
        """The first of `paths` that opens; the ones before it are in its `skipped`. When none
        opens, `failed` names each with its reason."""
        readers: list[Reader] = [(partial(load_image, p), printable(p.name), p) for p in paths]
        self._start(readers, geometry)

    def load_bytes(self, data: bytes, name: str, geometry: Geometry) -> None:
        self._start([(lambda: load_image_bytes(data, name), name, None)], geometry)

    def load_array(self, rgb: np.ndarray, name: str, geometry: Geometry) -> None:
        self._start([(lambda: rgb, name, None)], geometry)

    def _start(self, readers: list[Reader], geometry: Geometry) -> None:
        if not readers:
            raise ValueError("nothing to load")
        self._token += 1
        self.busy_changed.emit(True)
        self._pool.start(_Job(self._token, readers, geometry, self._relay, lambda: self._token))

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
