"""The hostile image corpus, generated in memory (nothing downloaded, nothing committed).

Each Case is a file name, its bytes and the outcome the loader owes it: a picture that
`check(outcome)` verifies (pixels, size, orientation), or a refusal whose reason matches
`reason`. `budget_mib` bounds the peak memory growth of the load (see bounded.py).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from mae_studio.core.images import ALPHA_BACKGROUND

from .bounded import Outcome
from .hostile_bytes import (
    PNG_SIGNATURE,
    apng_bomb_in_later_frame,
    bomb_bmp,
    bomb_gif,
    bomb_jpeg,
    bomb_png,
    bomb_tiff,
    bomb_webp,
    encode,
    gif_bomb_in_later_frame,
    jpeg_with_app1,
    noise,
    png_chunk,
    png_idat_garbled,
    png_with_chunk_after_ihdr,
    pth_bytes,
    safetensors_bytes,
    scrambled,
    zip_bytes,
)

SMALL_BUDGET_MIB = 64  # refusals and small pictures: read the file, decode a few KiB
# 8000 x 8000 = the 64 MP limit: decode (4 B/px) + RGB copy (4 B/px) + slack for buffers
LARGE_SIDE = 8000
LARGE_BUDGET_MIB = (LARGE_SIDE * LARGE_SIDE * 4 * 3) >> 20  # 732 MiB


@dataclass
class Case:
    name: str
    data: bytes
    expect: str  # "picture" or "refused"
    reason: str = ""  # regex the refusal's message must match
    check: Callable[[Outcome], None] | None = None  # for pictures
    budget_mib: int = SMALL_BUDGET_MIB
    note: str = ""  # for the report table: what the file is


# ----------------------------------------------------------------------------------
# pictures and their checks

BG = np.asarray(ALPHA_BACKGROUND, np.uint8)
# Upright test picture for EXIF: four 32 x 20 quadrants, red | green over blue | white.
QUADRANTS = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255))
UPRIGHT = np.zeros((40, 64, 3), np.uint8)
UPRIGHT[:20, :32], UPRIGHT[:20, 32:], UPRIGHT[20:, :32], UPRIGHT[20:, 32:] = QUADRANTS
# EXIF 2.32 orientation -> how the camera stored the upright picture.
STORED = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1, :],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, 1),
    7: lambda a: np.rot90(a, 2).transpose(1, 0, 2),
    8: lambda a: np.rot90(a, -1),
}


def _exif_jpeg(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = np.ascontiguousarray(STORED[orientation](UPRIGHT))
    return encode(Image.fromarray(stored), "JPEG", quality=95, exif=exif)


def _check_upright(o: Outcome) -> None:
    assert o.size == (64, 40), o.size
    quads = [o.pixels[:20, :32], o.pixels[:20, 32:], o.pixels[20:, :32], o.pixels[20:, 32:]]
    for quad, colour in zip(quads, QUADRANTS, strict=True):
        inner = quad[3:-3, 3:-3].reshape(-1, 3).astype(int)  # away from JPEG ringing at the edges
        assert np.abs(inner.mean(axis=0) - colour).max() < 12, (inner.mean(axis=0), colour)


def _check_flat(
    colour: tuple[int, int, int] | np.ndarray, size: tuple[int, int]
) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        assert o.size == size and (o.pixels == np.asarray(colour, np.uint8)).all(), (o.size, o.pixels[0, 0])

    return check


def _gradient_16bit() -> tuple[bytes, Callable[[Outcome], None]]:
    row = np.linspace(0, 65535, 64).round().astype(np.uint16)
    data = encode(Image.fromarray(np.tile(row, (16, 1))), "PNG")

    def check(o: Outcome) -> None:
        line = o.pixels[5, :, 0].astype(int)
        assert o.size == (64, 16) and line[0] == 0 and line[-1] == 255 and (np.diff(line) >= 0).all()
        assert (o.pixels[..., 0] == o.pixels[..., 2]).all()  # grey stays grey
        np.testing.assert_array_equal(line, np.rint(row / 65535 * 255).astype(int))

    return data, check


def _float_tiff() -> tuple[bytes, Callable[[Outcome], None]]:
    row = np.linspace(0.0, 1.0, 32, dtype=np.float32)
    data = encode(Image.fromarray(np.tile(row, (16, 1)), "F"), "TIFF")

    def check(o: Outcome) -> None:
        assert o.size == (32, 16)
        np.testing.assert_array_equal(o.pixels[3, :, 1], np.rint(row * 255).astype(np.uint8))

    return data, check


def _cmyk_tiff() -> tuple[bytes, Callable[[Outcome], None]]:
    cmyk = np.zeros((16, 64, 4), np.uint8)
    for i in range(4):
        cmyk[:, 16 * i : 16 * (i + 1), i] = 255  # cyan, magenta, yellow, black

    def check(o: Outcome) -> None:
        got = [tuple(int(v) for v in o.pixels[8, x]) for x in (8, 24, 40, 56)]
        assert got == [(0, 255, 255), (255, 0, 255), (255, 255, 0), (0, 0, 0)], got

    return encode(Image.fromarray(cmyk, "CMYK"), "TIFF"), check


def _lab_tiff() -> tuple[bytes, Callable[[Outcome], None]]:
    lab = np.zeros((16, 32, 3), np.uint8)
    lab[:, :16] = (255, 128, 128)  # L* 100: white
    lab[:, 16:] = (0, 128, 128)  # L* 0: black
    im = Image.merge("LAB", [Image.fromarray(np.ascontiguousarray(lab[..., i])) for i in range(3)])

    def check(o: Outcome) -> None:
        assert o.pixels[:, :16].min() >= 250 and o.pixels[:, 16:].max() <= 3

    return encode(im, "TIFF"), check


def _palette_transparency() -> tuple[bytes, Callable[[Outcome], None]]:
    idx = np.zeros((16, 32), np.uint8)
    idx[:, 16:] = 1
    im = Image.fromarray(idx, "P")
    im.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)

    def check(o: Outcome) -> None:
        assert (o.pixels[:, :16] == BG).all() and (o.pixels[:, 16:] == (10, 200, 30)).all()

    return encode(im, "PNG", transparency=0), check


def _one_bit() -> tuple[bytes, Callable[[Outcome], None]]:
    bits = (np.indices((16, 32)).sum(axis=0) % 2).astype(bool)

    def check(o: Outcome) -> None:
        np.testing.assert_array_equal(o.pixels[..., 1], np.where(bits, 255, 0))

    return encode(Image.fromarray(bits).convert("1"), "PNG"), check


def _animation(fmt: str, **kw: object) -> tuple[bytes, Callable[[Outcome], None]]:
    """42 frames of 32 x 32; frame 0 is red, the others other colours: only frame 0 shows."""
    colours = [(255, 0, 0)] + [(0, (6 * i) % 256, 255 - 6 * i) for i in range(1, 42)]
    data = encode([Image.new("RGB", (32, 32), c) for c in colours], fmt, duration=40, **kw)
    assert Image.open(io.BytesIO(data)).n_frames == 42
    return data, _check_flat((255, 0, 0), (32, 32))


def _large_legal() -> tuple[bytes, Callable[[Outcome], None]]:
    """8000 x 8000 (exactly the 64 MP limit), black with a colour block in each corner. The PNG
    is written row by row (filter 0) rather than through a 192 MB array: twice as fast."""
    s, b = LARGE_SIDE, 800

    def row(left: tuple[int, int, int], right: tuple[int, int, int]) -> bytes:
        r = np.zeros((s, 3), np.uint8)
        r[:b], r[-b:] = left, right
        return b"\0" + r.tobytes()

    top, middle, bottom = row(*QUADRANTS[:2]), row((0, 0, 0), (0, 0, 0)), row(*QUADRANTS[2:])
    z = zlib.compressobj(1)
    idat = b"".join([z.compress(r) for r in [top] * b + [middle] * (s - 2 * b) + [bottom] * b] + [z.flush()])
    ihdr = struct.pack(">IIBBBBB", s, s, 8, 2, 0, 0, 0)
    data = PNG_SIGNATURE + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")

    def check(o: Outcome) -> None:
        assert o.size == (s, s)
        p, k = o.pixels, b // o.stride // 2  # the middle of each corner block, after sampling
        got = [tuple(int(v) for v in p[y, x]) for y, x in ((k, k), (k, -k), (-k, k), (-k, -k))]
        assert got == list(QUADRANTS) and p[p.shape[0] // 2, p.shape[1] // 2].max() == 0

    return data, check


def _broken_exif_check(o: Outcome) -> None:
    assert o.size == (48, 32) and o.warnings and o.notes, (o.warnings, o.notes)


# ----------------------------------------------------------------------------------
# the corpus

LIMIT = "over the 64 MP limit"
CORRUPT = "truncated or corrupt image data"
TOO_SMALL = "smaller than one patch"


def build_corpus() -> list[Case]:
    """Every case of the issue's list, plus a plain good image as the control."""
    rgb = noise()
    png, jpg = encode(Image.fromarray(rgb), "PNG"), encode(Image.fromarray(rgb), "JPEG", quality=90)
    webp, tiff = encode(Image.fromarray(rgb), "WEBP"), encode(Image.fromarray(rgb), "TIFF")
    sos = jpg.index(b"\xff\xda") + 40
    jpg_damaged = scrambled(jpg, sos, sos + 60)
    inflates_to_64_mib = zlib.compress(bytes(64 << 20), 9)  # 64 KiB; Pillow stops text at 1 MiB
    zbomb = png_chunk(b"zTXt", b"Comment\0\0" + inflates_to_64_mib)
    icc_bomb = png_chunk(b"iCCP", b"icc\0\0" + inflates_to_64_mib)
    rgba = np.zeros((24, 32, 4), np.uint8)
    rgba[..., :3] = 255  # white, but fully transparent
    cases = [
        Case(
            "good.png",
            png,
            "picture",
            check=lambda o: np.testing.assert_array_equal(o.pixels, rgb),
            note="control: an ordinary 48x32 PNG",
        ),
        # not images
        Case("zero_byte.png", b"", "refused", "empty file", note="0 bytes"),
        Case("text_renamed.png", b"just some notes, renamed to .png\n" * 8, "refused", "not an image"),
        Case("zip_renamed.png", zip_bytes(), "refused", "not an image"),
        Case("checkpoint_renamed.png", pth_bytes(), "refused", "not an image", note="torch.save zip"),
        Case("safetensors_renamed.jpg", safetensors_bytes(), "refused", "not an image"),
        # truncated and corrupt
        Case("truncated_header.png", png[:20], "refused", "truncated"),
        Case("signature_only.png", png[:8], "refused", "damaged or truncated PNG"),
        Case("truncated_png.png", png[: len(png) // 2], "refused", CORRUPT),
        Case("truncated_jpg.jpg", jpg[: len(jpg) // 2], "refused", CORRUPT),
        Case("truncated_webp.webp", webp[: len(webp) // 2], "refused", "truncated|damaged|corrupt"),
        Case("truncated_tiff.tiff", tiff[: len(tiff) // 2], "refused", CORRUPT),
        Case("corrupt_zlib.png", png_idat_garbled(png), "refused", CORRUPT, note="IDAT scrambled, CRC valid"),
        Case(
            "corrupt_lzw.tiff",
            scrambled(encode(Image.fromarray(rgb), "TIFF", compression="tiff_lzw"), 20, 60),
            "refused",
            CORRUPT,
            note="libtiff's own stderr message becomes the reason",
        ),
        Case(
            "corrupt_deflate.tiff",
            scrambled(encode(Image.fromarray(rgb), "TIFF", compression="tiff_adobe_deflate"), 20, 60),
            "refused",
            CORRUPT,
        ),
        Case(
            "corrupt_scan.jpg",
            jpg_damaged,
            "picture",
            check=lambda o: _assert_size(o, (48, 32)),
            note="JPEG entropy data scrambled: JPEG has no checksum, the damage shows",
        ),
        Case(
            "text_chunk_bomb.png",
            png_with_chunk_after_ihdr(png, zbomb),
            "refused",
            "too large",
            note="zTXt inflating to 64 MiB",
        ),
        Case(
            "icc_bomb.png",
            png_with_chunk_after_ihdr(png, icc_bomb),
            "refused",
            "too large",
            note="iCCP inflating to 64 MiB",
        ),
        # headers claiming billions of pixels
        Case("bomb_png_50000x50000.png", bomb_png(50000, 50000), "refused", LIMIT),
        Case("bomb_gif_65535x65535.gif", bomb_gif(), "refused", LIMIT),
        Case("bomb_bmp_50000x50000.bmp", bomb_bmp(), "refused", LIMIT),
        Case("bomb_jpg_65500x65500.jpg", bomb_jpeg(), "refused", LIMIT),
        Case("bomb_tiff_60000x60000.tiff", bomb_tiff(), "refused", LIMIT),
        Case("bomb_webp_16384x16384.webp", bomb_webp(), "refused", LIMIT),
        Case(
            "bomb_in_frame_2_gif.gif",
            gif_bomb_in_later_frame(),
            "picture",
            check=_check_flat((40,) * 3, (32, 32)),
            note="frame 2 claims 65535x65535; only frame 1 is decoded",
        ),
        Case(
            "bomb_in_frame_2_png.png",
            apng_bomb_in_later_frame(),
            "picture",
            check=_check_flat((40,) * 3, (32, 32)),
            note="APNG fcTL of frame 2 claims 65535x65535",
        ),
        # sizes
        Case("tiny_1x1.png", encode(Image.new("RGB", (1, 1)), "PNG"), "refused", TOO_SMALL),
        Case("tiny_4x4.png", encode(Image.new("RGB", (4, 4)), "PNG"), "refused", TOO_SMALL),
        Case("strip_60000x1.png", encode(Image.new("L", (60000, 1)), "PNG"), "refused", TOO_SMALL),
        _picture(
            "large_legal_8000x8000.png",
            _large_legal(),
            budget_mib=LARGE_BUDGET_MIB,
            note="exactly the 64 MP limit",
        ),
        # modes
        _picture("depth_16bit.png", _gradient_16bit()),
        _picture("float32.tiff", _float_tiff()),
        _picture("cmyk.tiff", _cmyk_tiff()),
        _picture("lab.tiff", _lab_tiff()),
        _picture("palette_transparency.png", _palette_transparency()),
        _picture("one_bit.png", _one_bit()),
        Case(
            "transparent_rgba.png",
            encode(Image.fromarray(rgba, "RGBA"), "PNG"),
            "picture",
            check=_check_flat(BG, (32, 24)),
            note="alpha 0 everywhere: the grey background",
        ),
        # animations: the first frame only
        _picture("animation_42_gif.gif", _animation("GIF")),
        _picture("animation_42_png.png", _animation("PNG")),
        _picture("animation_42_webp.webp", _animation("WEBP", lossless=True)),
        # EXIF
        *(
            Case(f"exif_orientation_{k}.jpg", _exif_jpeg(k), "picture", check=_check_upright)
            for k in range(1, 9)
        ),
        Case(
            "broken_exif.jpg",
            jpeg_with_app1(b"Exif\0\0MM\0*\0\0\0\x08\xff\xff" + b"\x01" * 20),
            "picture",
            check=_broken_exif_check,
            note="IFD claims 65535 entries",
        ),
        Case(
            "garbage_exif.jpg",
            jpeg_with_app1(b"Exif\0\0" + b"garbage!" * 5),
            "picture",
            check=lambda o: _assert_size(o, (48, 32)),
        ),
    ]
    names = [c.name for c in cases]
    stems = [n.rsplit(".", 1)[0] for n in names]
    assert len(set(stems)) == len(stems), "stems must differ: the CLI names outputs by stem"
    return cases


def _picture(name: str, built: tuple[bytes, Callable[[Outcome], None]], **kw: object) -> Case:
    return Case(name, built[0], "picture", check=built[1], **kw)  # type: ignore[arg-type]


def _assert_size(o: Outcome, size: tuple[int, int]) -> None:
    assert o.size == size, o.size
