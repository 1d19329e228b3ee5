"""Seed files for the image fuzzers: one small valid file per allowed format and variant,
generated here (32 x 24, over the 16 px minimum so the decoders really run)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def _encode(im: Image.Image | list[Image.Image], fmt: str, **kw: object) -> bytes:
    frames = im if isinstance(im, list) else [im]
    if len(frames) > 1:
        kw = {"save_all": True, "append_images": frames[1:], **kw}
    buf = io.BytesIO()
    frames[0].save(buf, fmt, **kw)
    return buf.getvalue()


def _seeds() -> dict[str, bytes]:
    rng = np.random.default_rng(7)
    rgb = Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
    rgba = Image.fromarray(rng.integers(0, 256, (24, 32, 4), dtype=np.uint8), "RGBA")
    pal = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    grey16 = Image.fromarray(rng.integers(0, 65536, (24, 32), dtype=np.uint16))
    frames = [rgb, rgb.rotate(90), rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    exif = Image.Exif()
    exif[0x0112] = 6
    seeds = {
        "png_rgb": _encode(rgb, "PNG"),
        "png_rgba": _encode(rgba, "PNG"),
        "png_palette_trns": _encode(pal, "PNG", transparency=3),
        "png_16bit": _encode(grey16, "PNG"),
        "apng": _encode(frames, "PNG"),
        "jpeg": _encode(rgb, "JPEG", quality=80),
        "jpeg_progressive_exif": _encode(rgb, "JPEG", progressive=True, exif=exif),
        "jpeg_cmyk": _encode(rgb.convert("CMYK"), "JPEG"),
        "gif": _encode(pal, "GIF"),
        "gif_animated": _encode([f.convert("P") for f in frames], "GIF", duration=40),
        "webp_lossy": _encode(rgb, "WEBP", quality=70),
        "webp_lossless_rgba": _encode(rgba, "WEBP", lossless=True),
        "webp_animated": _encode(frames, "WEBP", duration=40),
        "bmp_rgb": _encode(rgb, "BMP"),
        "bmp_palette": _encode(pal, "BMP"),
        "tiff_raw": _encode(rgb, "TIFF"),
        "tiff_lzw": _encode(rgb, "TIFF", compression="tiff_lzw"),
        "tiff_deflate": _encode(rgba, "TIFF", compression="tiff_adobe_deflate"),
        "tiff_packbits": _encode(pal, "TIFF", compression="packbits"),
        "tiff_float": _encode(Image.fromarray(rng.random((24, 32), dtype=np.float32)), "TIFF"),
        "tiff_multipage": _encode(frames, "TIFF"),
    }
    return seeds


SEEDS = _seeds()
