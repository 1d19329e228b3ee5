"""Byte builders for the hostile corpus: valid files to start from, and the damaged, disguised
and bomb-carrying variants made from them. All in memory; nothing downloaded or committed."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
from PIL import Image


def encode(im: Image.Image | list[Image.Image], fmt: str, **kw: object) -> bytes:
    frames = im if isinstance(im, list) else [im]
    buf = io.BytesIO()
    if len(frames) > 1:
        kw = {"save_all": True, "append_images": frames[1:], **kw}
    frames[0].save(buf, fmt, **kw)
    return buf.getvalue()


def noise(w: int = 48, h: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_chunk_after_ihdr(png: bytes, chunk: bytes) -> bytes:
    return png[:33] + chunk + png[33:]  # signature (8) + IHDR chunk (25)


def png_idat_garbled(png: bytes) -> bytes:
    """The compressed pixel data scrambled, with a correct CRC: zlib itself must fail."""
    at = png.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", png[at : at + 4])
    body = bytearray(png[at + 8 : at + 8 + length])
    body[2:] = bytes(b ^ 0xA5 for b in body[2:])  # keep the 2-byte zlib header valid
    return png[:at] + png_chunk(b"IDAT", bytes(body)) + png[at + 12 + length :]


def scrambled(data: bytes, start: int, end: int) -> bytes:
    return data[:start] + bytes(b ^ 0x5A for b in data[start:end]) + data[end:]


def bomb_png(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + b"".join(
        (png_chunk(b"IHDR", ihdr), png_chunk(b"IDAT", zlib.compress(b"\0" * 1000)), png_chunk(b"IEND", b""))
    )


def bomb_gif() -> bytes:
    screen = struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
    frame = b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00;"
    return b"GIF89a" + screen + frame


def bomb_bmp() -> bytes:
    data = bytearray(encode(Image.new("RGB", (20, 20)), "BMP"))
    data[18:26] = struct.pack("<ii", 50000, 50000)
    return bytes(data)


def bomb_jpeg() -> bytes:
    data = bytearray(encode(Image.fromarray(noise(32, 32)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65500, 65500)  # height, width
    return bytes(data)


def bomb_tiff() -> bytes:
    data = bytearray(encode(Image.new("L", (16, 16)), "TIFF"))
    # little-endian TIFF: patch the ImageWidth (256) and ImageLength (257) entries of IFD 0
    (ifd,) = struct.unpack("<I", data[4:8])
    (count,) = struct.unpack("<H", data[ifd : ifd + 2])
    for i in range(count):
        at = ifd + 2 + 12 * i
        tag, kind = struct.unpack("<HH", data[at : at + 4])
        if tag in (256, 257):
            fmt = "<H" if kind == 3 else "<I"
            data[at + 8 : at + 8 + struct.calcsize(fmt)] = struct.pack(fmt, 60000)
    return bytes(data)


def bomb_webp() -> bytes:
    """An extended-format WebP whose canvas claims 16384 x 16384 (the format's maximum)."""
    vp8 = encode(Image.fromarray(noise(32, 32)), "WEBP", lossless=True)[12:]  # the VP8L chunk
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes(4) + (16383).to_bytes(3, "little") * 2
    body = b"WEBP" + vp8x + vp8
    return b"RIFF" + struct.pack("<I", len(body)) + body


def gif_bomb_in_later_frame() -> bytes:
    frames = [Image.new("L", (32, 32), v) for v in (40, 80)]
    data = bytearray(encode(frames, "GIF"))
    second = data.rindex(b",")  # the last image descriptor claims a 65535 x 65535 frame
    data[second + 5 : second + 9] = struct.pack("<HH", 65535, 65535)
    return bytes(data)


def apng_bomb_in_later_frame() -> bytes:
    frames = [Image.new("RGB", (32, 32), c) for c in ((40, 40, 40), (200, 0, 0))]
    data = bytearray(encode(frames, "PNG"))
    second = data.index(b"fcTL", data.index(b"fcTL") + 4)  # frame 1's control chunk
    body = bytearray(data[second + 4 : second + 30])
    body[4:12] = struct.pack(">II", 65535, 65535)
    data[second + 4 : second + 30] = body
    data[second + 30 : second + 34] = struct.pack(">I", zlib.crc32(b"fcTL" + bytes(body)))
    return bytes(data)


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    return buf.getvalue()


def pth_bytes() -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save({"model": {"patch_embed.proj.weight": torch.zeros(4, 3, 2, 2)}}, buf)
    return buf.getvalue()


def safetensors_bytes() -> bytes:
    import torch
    from safetensors.torch import save

    return save({"w": torch.zeros(4)}, metadata={"format": "mae-studio"})


def jpeg_with_app1(payload: bytes) -> bytes:
    jpg = encode(Image.fromarray(noise()), "JPEG")
    return jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpg[2:]
