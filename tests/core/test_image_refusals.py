"""load_image refusals: each an ImageLoadError naming the file, with the reason, from the header
where possible (bombs, tiny images) and never a raw Pillow exception."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mae_studio.core import ImageLoadError, load_image_bytes
from mae_studio.core.images import ALLOWED_FORMATS

from .image_samples import encode, noise_rgb, png_chunk, px, refused, write


def _bomb_png(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    chunks = png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _pth_bytes() -> bytes:
    buf = io.BytesIO()
    torch.save({"model": {"w": torch.zeros(2)}}, buf)
    return buf.getvalue()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    return buf.getvalue()


def test_file_system_refusals(tmp_path: Path) -> None:
    refused(tmp_path / "missing.png", "no such file")
    refused(write(tmp_path, "empty.png", b""), "empty file")
    (tmp_path / "folder.png").mkdir()
    refused(tmp_path / "folder.png", "folder")
    os.mkfifo(tmp_path / "fifo.png")  # opening it would block forever
    refused(tmp_path / "fifo.png", "not a regular file")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"Just some text, renamed to .png\n" * 4, "not an image Pillow can read"),
        (b'{"grid": [14, 14]}', "not an image Pillow can read"),
        (None, "not an image Pillow can read"),  # a zip
        ("pth", "not an image Pillow can read"),  # a checkpoint
        ("ico", "ICO data, a format MAE Studio does not open"),
        ("pcx", "PCX data, a format MAE Studio does not open"),
    ],
)
def test_not_an_allowed_image(data: bytes | str | None, match: str) -> None:
    if data is None:
        data = _zip_bytes()
    elif data == "pth":
        data = _pth_bytes()
    elif data in ("ico", "pcx"):
        data = encode(Image.new("RGB", (32, 32)), str(data).upper())
    refused(data, match)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF", "AVIF"])
def test_truncated_anywhere_is_refused_or_complete(fmt: str) -> None:
    """Cut the file at every few bytes: the loader either refuses it or gives the complete picture
    (e.g. a PNG missing only IEND or its zlib checksum), never a partly grey one."""
    if fmt not in ALLOWED_FORMATS:
        pytest.skip(f"this Pillow has no {fmt} decoder")
    data = encode(Image.fromarray(noise_rgb(24, 16)), fmt)
    full = px(load_image_bytes(data))
    refusals = 0
    for cut in range(1, len(data), max(1, len(data) // 300)):
        try:
            im = load_image_bytes(data[:cut], f"cut{cut}.{fmt.lower()}")
        except ImageLoadError as e:
            assert f"cut{cut}." in str(e)
            refusals += 1
            continue
        np.testing.assert_array_equal(px(im), full, err_msg=f"{fmt} cut at {cut} of {len(data)}")
    assert refusals >= 250


@pytest.mark.filterwarnings("ignore::mae_studio.core.ImageLoadWarning")  # damaged tags, reported as notes
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF", "WEBP", "AVIF"])
def test_flipped_bytes_give_a_picture_or_an_image_load_error(fmt: str) -> None:
    """Invert one byte at a time; any exception but ImageLoadError fails the test. A flipped byte
    81 in this AVIF made its decoder raise RuntimeError before that was caught."""
    if fmt not in ALLOWED_FORMATS:
        pytest.skip(f"this Pillow has no {fmt} decoder")
    data = encode(Image.fromarray(noise_rgb(24, 16)), fmt)
    for pos in range(0, len(data), max(1, len(data) // 400)):
        flipped = bytearray(data)
        flipped[pos] ^= 0xFF
        try:
            im = load_image_bytes(bytes(flipped), "flipped")
        except ImageLoadError:
            continue
        assert im.mode == "RGB" and min(im.size) >= 16


def test_truncated_png_and_jpeg_reasons() -> None:
    png = encode(Image.fromarray(noise_rgb()), "PNG")
    refused(png[:8], "a damaged or truncated PNG file")
    refused(png[: len(png) // 2], r"truncated or corrupt image data \(image file is truncated")
    jpg = encode(Image.fromarray(noise_rgb()), "JPEG")
    refused(jpg[: len(jpg) - 2], "truncated or corrupt image data", name="x.jpg")


def test_corrupt_compressed_data() -> None:
    png = bytearray(encode(Image.fromarray(noise_rgb()), "PNG"))
    start = png.index(b"IDAT") + 4
    png[start + 10 : start + 30] = bytes(20)  # CRC no longer matches either
    refused(bytes(png), "truncated or corrupt")


@pytest.mark.parametrize("kind", ["png", "gif", "bmp"])
def test_bomb_header_refused_from_the_header(kind: str) -> None:
    if kind == "png":
        data = _bomb_png(50000, 50000)
    elif kind == "gif":  # logical screen and frame both 65535 x 65535
        screen = struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
        frame = b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00;"
        data = b"GIF89a" + screen + frame
    else:
        data = bytearray(encode(Image.new("RGB", (20, 20)), "BMP"))
        data[18:26] = struct.pack("<ii", 50000, 50000)
        data = bytes(data)
    err = refused(data, "over the 64 MP limit", name=f"bomb.{kind}")
    claimed = "65535x65535 pixels (4.3 GP)" if kind == "gif" else "50000x50000 pixels (2.5 GP)"
    assert err.reason == f"the image claims {claimed}, over the 64 MP limit"


def test_between_limit_and_pillows_hard_limit_is_refused_too() -> None:
    refused(_bomb_png(9000, 9000), r"claims 9000x9000 pixels \(81 MP\), over the 64 MP limit")
    refused(_bomb_png(8001, 8000), r"claims 8001x8000 pixels \(64.01 MP\), over the 64 MP limit")


def test_own_pixel_limit_with_size_in_the_message() -> None:
    data = encode(Image.new("RGB", (40, 26)), "PNG")
    refused(data, r"claims 40x26 pixels \(0.00104 MP\)", max_pixels=1000)
    assert load_image_bytes(encode(Image.new("RGB", (40, 25)), "PNG"), max_pixels=1000).size == (40, 25)


@pytest.mark.parametrize("size", [(1, 1), (4, 4), (15, 300), (60000, 1)])
def test_smaller_than_one_patch(size: tuple[int, int]) -> None:
    refused(encode(Image.new("L", size), "PNG"), f"{size[0]}x{size[1]} pixels, smaller than one patch")


def test_min_side_is_a_parameter() -> None:
    data = encode(Image.new("L", (8, 8), 50), "PNG")
    refused(data, "smaller than one patch")
    assert load_image_bytes(data, min_side=8).size == (8, 8)


def test_aspect_limit() -> None:
    assert load_image_bytes(encode(Image.new("L", (512, 16)), "PNG")).size == (512, 16)
    refused(encode(Image.new("L", (16, 528)), "PNG"), "longer than 32:1")


def test_closed_stream() -> None:
    closed = io.BytesIO(b"x")
    closed.close()
    refused(closed, "closed file", name="closed stream")
