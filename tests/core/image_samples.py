"""Helpers that build test images in memory (no files from the internet)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mae_studio.core import ImageLoadError, load_image, load_image_bytes


def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def px(im: Image.Image) -> np.ndarray:
    assert im.mode == "RGB"
    return np.asarray(im)


def noise_rgb(w: int = 48, h: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def refused(path_or_data: Path | bytes, match: str, name: str = "x.png", **kw) -> ImageLoadError:
    with pytest.raises(ImageLoadError, match=match) as info:
        if isinstance(path_or_data, Path):
            load_image(path_or_data, **kw)
        else:
            load_image_bytes(path_or_data, name, **kw)
    err = info.value
    shown = path_or_data.name if isinstance(path_or_data, Path) else name
    assert shown in str(err) and err.path is not None and err.path.name == shown
    return err
