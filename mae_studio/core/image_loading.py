"""Image files -> RGB PIL images for the model, or an ImageLoadError that names the file and why.

Pillow decodes (Qt would quietly show a truncated file as half grey). The policy, stated once:
- Formats: ALLOWED_FORMATS only, recognised from the content; the extension does not matter.
- Size: the header's claimed size is checked before a pixel is decoded: at most MAX_PIXELS (64 MP),
  shorter side at least `min_side` (default MIN_SIDE, one 16-px patch), at most MAX_ASPECT : 1
  (the model sees a centre square; a longer strip would be cropped almost entirely, and resizing its
  short side up to the model's input would cost gigabytes). Files over MAX_FILE_BYTES are refused.
- Truncated or corrupt data is an error (PIL.ImageFile.LOAD_TRUNCATED_IMAGES is left False), and
  Pillow's decompression-bomb warning is raised as an error.
- EXIF orientation is applied. Unreadable EXIF or an orientation outside 1..8 leaves the picture as
  stored, emits an ImageLoadWarning and adds a line to `image.info["load_notes"]`; so does any
  warning Pillow raises while decoding (e.g. "Corrupt EXIF data").
- High bit depth (see _rescale): 16-bit uses the full 0..65535 range (PNG/TIFF convention) unless
  the data never exceeds 4095 (12-bit sensor or scientific data), then its own min..max; 32-bit
  integers use min..max; floats within 0..1 use 0..1, others min..max. Nothing is clipped to white.
- Alpha (RGBA, LA, PA, palette or colour-key transparency) is composited over ALPHA_BACKGROUND.
- Animations and multi-page files: the first frame only; later frames are never decoded.
- ICC profiles are not applied: pixel values are taken as sRGB.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import stat
import struct
import sys
import tempfile
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms

from .errors import ImageLoadError

# 64 MP, e.g. 8000 x 8000. Loading one peaks at ~250 MiB (RGB JPEG) to ~560 MiB (float TIFF).
MAX_PIXELS = 64_000_000
MAX_FILE_BYTES = 1 << 30  # 1 GiB; more than any legal 64 MP file needs
MAX_ASPECT = 32
MIN_SIDE = 16  # one patch of the 16-px models
ALPHA_BACKGROUND = (128, 128, 128)  # mid-grey: neutral to look at, near the ImageNet mean for the model
TWELVE_BIT_MAX = 4095  # 16-bit data that never exceeds this is stretched by its own range
_STRIP_ROWS = 256

# Decoders Pillow ships that photos arrive in. JPEG also covers camera MPO files.
_WANTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF", "PPM", "TGA", "AVIF")

Image.init()
ALLOWED_FORMATS: tuple[str, ...] = tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)
_EXTENSION_FORMATS = {*ALLOWED_FORMATS, *(("MPO",) if "JPEG" in ALLOWED_FORMATS else ())}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(
    sorted(ext for ext, fmt in Image.registered_extensions().items() if fmt in _EXTENSION_FORMATS)
)
# A Qt file-dialog filter (QFileDialog matches it case-insensitively).
OPEN_FILTER = "Images (" + " ".join(f"*{ext}" for ext in SUPPORTED_EXTENSIONS) + ");;All files (*)"

# Pillow's own bomb check (in Image.open) then fires only on images this module refuses anyway.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# What Pillow's decoders raise on damaged data: zlib and struct errors surface from PNG and TIFF
# parsing, SyntaxError from "broken PNG file", EOFError from short headers, RuntimeError from the
# AVIF decoder ("Failed to decode image").
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    RuntimeError,
    struct.error,
    zlib.error,
    IndexError,
    KeyError,
)
_EXIF_ERRORS = (*_DECODE_ERRORS, TypeError, UnicodeDecodeError)

_HIGH_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
# EXIF orientation -> the transpose that shows the picture upright (EXIF 2.32, tag 0x0112).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,  # Pillow rotates counter-clockwise: 270 = a quarter turn clockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG = 0x0112


class ImageLoadWarning(UserWarning):
    """Something in a loadable image was ignored (e.g. unreadable EXIF); the picture still loads."""


def load_image(
    path: str | os.PathLike[str], *, min_side: int = MIN_SIDE, max_pixels: int = MAX_PIXELS
) -> Image.Image:
    """A fully decoded RGB image from a file, upright, first frame, alpha flattened.

    Raises ImageLoadError(path, reason) for every file it will not show; see the module docstring.
    """
    where = Path(path)
    try:
        st = os.stat(where)
    except OSError as e:
        raise ImageLoadError(where, _os_reason(e)) from e
    if stat.S_ISDIR(st.st_mode):
        raise ImageLoadError(where, "this is a folder, not an image file")
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device could block or never end
        raise ImageLoadError(where, "not a regular file")
    _check_byte_count(st.st_size, where)
    try:
        fp = open(where, "rb")  # noqa: SIM115 (closed below, after decoding)
    except OSError as e:
        raise ImageLoadError(where, _os_reason(e)) from e
    with fp:
        return _decode(fp, where, min_side, max_pixels)


def load_image_bytes(
    data: bytes | bytearray | memoryview | BinaryIO,
    name: str = "pasted image",
    *,
    min_side: int = MIN_SIDE,
    max_pixels: int = MAX_PIXELS,
) -> Image.Image:
    """load_image for data already in memory or a binary stream (clipboard, drag and drop).

    `name` stands in for the file name in error messages.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        try:
            data = data.read(MAX_FILE_BYTES + 1)
        except (OSError, ValueError) as e:  # ValueError: a closed stream
            reason = _os_reason(e) if isinstance(e, OSError) else str(e)
            raise ImageLoadError(name, reason) from e
        if not isinstance(data, (bytes, bytearray)):
            raise ImageLoadError(name, "the stream did not give bytes")
    _check_byte_count(len(data), name)
    return _decode(io.BytesIO(data), name, min_side, max_pixels)


def _decode(fp: BinaryIO, where: str | Path, min_side: int, max_pixels: int) -> Image.Image:
    notes: list[str] = []
    warned: list[str] = []
    said: list[str] = []  # libtiff's own messages
    try:
        # Pillow's own warnings (e.g. "Corrupt EXIF data") become notes; its bomb warning an error.
        # catch_warnings is process-wide, not per thread: load images on one thread at a time.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fp, formats=ALLOWED_FORMATS) as im:
                _check_geometry(im.size, where, min_side, max_pixels)
                with _libtiff_messages(im, said):
                    im.load()  # decodes the first frame only
                upright = _orientation(im, warned)
                rgb = _to_rgb(im, notes)
                if upright is not None:
                    rgb = rgb.transpose(upright)
                    notes.append(f"EXIF orientation applied ({upright.name})")
                source = (im.format, im.mode, im.size)
    except ImageLoadError:
        raise
    except Image.UnidentifiedImageError as e:
        raise ImageLoadError(where, _unidentified_reason(fp)) from e
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageLoadError(where, _bomb_reason(fp, str(e), max_pixels)) from e
    except MemoryError as e:
        raise ImageLoadError(where, "not enough memory to decode this image") from e
    except _DECODE_ERRORS as e:
        detail = "; ".join([str(e) or type(e).__name__, *said[:3]])
        raise ImageLoadError(where, f"truncated or corrupt image data ({detail})") from e
    warned += [str(w.message) for w in caught] + said
    for message in warned:
        warnings.warn(f"{where}: {message}", ImageLoadWarning, stacklevel=3)
    rgb.info = {
        "source_format": source[0],
        "source_mode": source[1],
        "source_size": source[2],
        "load_notes": warned + notes,
    }
    return rgb


@contextlib.contextmanager
def _libtiff_messages(im: Image.Image, said: list[str]) -> Iterator[None]:
    """libtiff prints its errors and warnings straight to file descriptor 2, which would put
    lines nobody asked for around the app's own one-line messages; while a TIFF decodes they
    are caught into `said` instead (the reason of a refusal, or notes). fd 2 is process-wide:
    like catch_warnings, this wants one load at a time."""
    if im.format != "TIFF":
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (e.g. a windowed app): nothing would be printed
        yield
        return
    if sys.stderr is not None:
        sys.stderr.flush()  # what Python already wrote stays on the real stderr
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text = sink.read(4096).decode("utf-8", "replace")
            # Pillow hands libtiff the name "tempfile.tif", which means nothing to the user.
            lines = (line.strip().removeprefix("tempfile.tif: ") for line in text.splitlines())
            said += [line for line in lines if line]


def _check_byte_count(n: int, where: str | Path) -> None:
    if n == 0:
        raise ImageLoadError(where, "empty file (0 bytes)")
    if n > MAX_FILE_BYTES:
        raise ImageLoadError(
            where, f"the file is over {MAX_FILE_BYTES >> 20} MiB, more than any image allowed"
        )


def _check_geometry(size: tuple[int, int], where: str | Path, min_side: int, max_pixels: int) -> None:
    """Refuse from the header's claimed size, before any pixel is decoded."""
    w, h = size
    if w * h > max_pixels:
        raise ImageLoadError(
            where,
            f"the image claims {w}x{h} pixels ({_pixels(w * h)}), over the {_pixels(max_pixels)} limit",
        )
    if min(w, h) < max(1, min_side):
        raise ImageLoadError(
            where, f"the image is {w}x{h} pixels, smaller than one patch ({min_side} px on its shorter side)"
        )
    if max(w, h) > MAX_ASPECT * min(w, h):
        raise ImageLoadError(
            where,
            f"the image is {w}x{h} pixels, longer than {MAX_ASPECT}:1; the model sees a centre square, "
            "so almost all of it would be cropped away",
        )


def _pixels(n: int) -> str:
    return f"{n / 1e9:.1f} GP" if n >= 1e9 else f"{n / 1e6:.4g} MP"


def _bomb_reason(fp: BinaryIO, message: str, max_pixels: int) -> str:
    """Pillow's own check fired inside Image.open, before we saw the size: read the header again
    (without decoding) to name the claimed size, else take the pixel count from Pillow's message."""
    limit = _pixels(min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels))
    size = _claimed_size(fp)
    if size is not None:
        w, h = size
        return f"the image claims {w}x{h} pixels ({_pixels(w * h)}), over the {limit} limit"
    found = re.search(r"\((\d+) pixels\)", message)
    claimed = f"claims {_pixels(int(found.group(1)))}" if found else "claims too many pixels"
    return f"the image {claimed}, over the {limit} limit (a possible decompression bomb)"


def _claimed_size(fp: BinaryIO) -> tuple[int, int] | None:
    """The size in the header, parsed by the format's Pillow plugin directly (no bomb check)."""
    try:
        fp.seek(0)
        prefix = fp.read(16)
        for fmt in ALLOWED_FORMATS:
            factory, accept = Image.OPEN[fmt]
            if _accepts(accept, prefix):
                fp.seek(0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return factory(fp, "").size
    except (*_DECODE_ERRORS, Image.DecompressionBombError, AttributeError, TypeError):
        return None
    return None


def _unidentified_reason(fp: BinaryIO) -> str:
    """Say what the file seems to be, from its first bytes, the way Pillow recognises formats."""
    try:
        fp.seek(0)
        prefix = fp.read(16)
    except (OSError, ValueError):
        prefix = b""
    claims = [fmt for fmt, (_, accept) in Image.OPEN.items() if _accepts(accept, prefix)]
    allowed = ", ".join(ALLOWED_FORMATS)
    if any(fmt in ALLOWED_FORMATS for fmt in claims):
        fmt = next(fmt for fmt in claims if fmt in ALLOWED_FORMATS)
        return f"a damaged or truncated {fmt} file (its header cannot be read)"
    if claims:
        return f"{claims[0]} data, a format MAE Studio does not open (it opens {allowed})"
    return f"not an image Pillow can read (MAE Studio opens {allowed})"


def _accepts(accept: object, prefix: bytes) -> bool:
    if not callable(accept):
        return False
    try:
        return bool(accept(prefix))
    except _DECODE_ERRORS:  # some plugins' signature checks assume a longer prefix
        return False


def _os_reason(e: OSError) -> str:
    if isinstance(e, FileNotFoundError):
        return "no such file"
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, IsADirectoryError):
        return "this is a folder, not an image file"
    if isinstance(e, NotADirectoryError):
        return "a file stands where a folder should be in this path"
    return e.strerror or str(e) or type(e).__name__


def _orientation(im: Image.Image, warned: list[str]) -> Image.Transpose | None:
    """The transpose EXIF asks for; None for 1 (upright), no EXIF, or EXIF we cannot trust."""
    try:
        value = im.getexif().get(_ORIENTATION_TAG, 1)
    except _EXIF_ERRORS as e:
        warned.append(f"EXIF data unreadable ({e or type(e).__name__}); orientation not applied")
        return None
    if isinstance(value, int) and value in _UPRIGHT:
        return _UPRIGHT[value]
    if value != 1:
        warned.append(f"EXIF orientation {value!r} is not 1..8; orientation not applied")
    return None


def _to_rgb(im: Image.Image, notes: list[str]) -> Image.Image:
    """Any Pillow mode -> RGB. An RGB image comes back as itself (decoded; Image.open's `with`
    drops its file handle); every other mode as a new image, copying as little as Pillow allows."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in _HIGH_BIT_MODES:
        grey, note = _rescale(im)
        notes.append(note)
        return Image.fromarray(grey).convert("RGB")
    if mode == "LAB":
        try:
            return im.convert("RGB")
        except ValueError:  # Pillow before 11 cannot convert LAB itself
            transform = ImageCms.buildTransform(
                ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
            )
            return ImageCms.applyTransform(im, transform)
    if mode in _ALPHA_MODES or "transparency" in im.info:
        rgba = im if mode == "RGBA" else im.convert("RGBA")
        out = Image.new("RGB", im.size, ALPHA_BACKGROUND)
        out.paste(rgba, (0, 0), rgba)  # RGBA pastes into RGB unconverted; as a mask, its alpha is used
        notes.append(f"transparency composited over grey {ALPHA_BACKGROUND}")
        return out
    return im.convert("RGB")  # L, 1, P, CMYK, YCbCr, HSV, RGBX


def _rescale(im: Image.Image) -> tuple[np.ndarray, str]:
    """A single-channel high-bit-depth image -> uint8 [H, W], and a note saying how.

    Works a band of _STRIP_ROWS rows at a time, so the float scratch space stays a few MB.
    """
    mode = im.mode
    w, h = im.size
    bands = [(top, min(h, top + _STRIP_ROWS)) for top in range(0, h, _STRIP_ROWS)]
    lo, hi = math.inf, -math.inf
    for top, bottom in bands:
        a = np.asarray(im.crop((0, top, w, bottom)))
        if mode == "F":
            a = a[np.isfinite(a)]
            if not a.size:
                continue
        lo, hi = min(lo, float(a.min())), max(hi, float(a.max()))
    if lo > hi:  # no finite value at all
        lo = hi = 0.0
    if mode == "F":
        conventional = (0.0, 1.0)
        use_convention = lo >= 0.0 and hi <= 1.0
    elif mode.startswith("I;16") or (lo >= 0 and hi <= 65535):  # Pillow opens 16-bit PGM as "I"
        conventional = (0.0, 65535.0)
        use_convention = hi > TWELVE_BIT_MAX
    else:
        conventional = (0.0, 255.0)  # Pillow's own reading of a 32-bit "I" image
        use_convention = False
    if use_convention or hi == lo:  # a flat image cannot be stretched: read it conventionally
        lo_s, hi_s = conventional
    else:
        lo_s, hi_s = lo, hi
    out = np.empty((h, w), np.uint8)
    for top, bottom in bands:
        x = np.asarray(im.crop((0, top, w, bottom))).astype(np.float64)
        x -= lo_s
        x *= 255.0 / (hi_s - lo_s)
        np.nan_to_num(x, copy=False, nan=0.0, posinf=255.0, neginf=0.0)
        np.clip(x, 0.0, 255.0, out=x)
        out[top:bottom] = np.rint(x)
    note = f"{mode} image with values {lo:g}..{hi:g} mapped {lo_s:g}..{hi_s:g} -> 0..255"
    return out, note
