"""The user's file names, made safe to show and to build output names from.

A name on disk may hold bytes that are not UTF-8 (Python carries them as lone surrogates,
U+DC80..U+DCFF), control characters such as a newline, or be as long as the file system allows.
Drawn in a caption, printed, or used as the stem of an output file, such a name breaks text
encoders, font layout and the 255-byte name limit. `printable` shows it on one line with
escapes; `safe_stem` derives an output stem that is short, printable, and still tells inputs
apart (a short hash of the original name is appended whenever anything was replaced or cut).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
MAX_STEM_BYTES = 100  # output stems; leaves room for suffixes and temporary-file decorations
_HASH_CHARS = 8


def _undecodable_byte(ch: str) -> int | None:
    """The byte os.fsdecode turned into this lone surrogate, or None."""
    o = ord(ch)
    return o - 0xDC00 if 0xDC80 <= o <= 0xDCFF else None


def printable(text: str, limit: int | None = None) -> str:
    """`text` on one line, every character a font can draw: an undecodable byte as \\xNN, a
    newline as \\n, other unprintable characters as \\xNN or \\uNNNN. With `limit`, a longer
    result keeps its start and end around an ellipsis."""
    out = []
    for ch in text:
        byte = _undecodable_byte(ch)
        if byte is not None:
            out.append(f"\\x{byte:02x}")
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            o = ord(ch)
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")
    shown = "".join(out)
    if limit is not None and len(shown) > limit:
        head = max(1, (limit - 1) // 2)
        shown = shown[:head] + "…" + shown[len(shown) - (limit - 1 - head) :]
    return shown


def shown_path(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path for a message: printable, one line, nothing dropped (see `printable`)."""
    return printable(os.fsdecode(path))


def home_relative(path: str | os.PathLike[str]) -> str:
    """A folder as a user reads it: "~/.cache/torch/..." under the home folder (the same on every
    machine, and no user name shown), else the whole path; printable, one line."""
    full = Path(os.path.abspath(os.fsdecode(path)))
    try:
        rest = full.relative_to(Path.home())
    except ValueError:
        return shown_path(full)
    return shown_path(Path("~") / rest)


def safe_stem(stem: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """An output file stem made from an input's: characters that are unprintable, undecodable
    or path separators become "_", and a stem over `max_bytes` (UTF-8) is cut. When anything
    changed, "-" and a short hash of the original name follow, so two inputs never share a
    stem and the same input always gets the same one. A clean short stem is kept as it is."""
    clean = "".join(
        "_" if _undecodable_byte(ch) is not None or not ch.isprintable() or ch in "/\\" else ch for ch in stem
    )
    if clean == stem and 0 < len(stem.encode("utf-8")) <= max_bytes:
        return stem
    digest = hashlib.sha256(os.fsencode(stem) if stem else b"").hexdigest()[:_HASH_CHARS]
    room = max(1, max_bytes - _HASH_CHARS - 1)
    cut = clean.encode("utf-8")[:room].decode("utf-8", "ignore")  # never half a character
    return f"{cut or 'image'}-{digest}"
