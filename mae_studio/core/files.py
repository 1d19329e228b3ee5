"""Atomic, checked writes for every file the app produces, and guarded reads of small inputs.

Each write goes to a temporary file beside the destination (same folder, so same file system),
is flushed and fsynced, then renamed over the destination with os.replace. On any failure the
temporary file is removed, an existing destination stays byte for byte as it was, and a SaveError
names the file and the reason. `overwrite=False` refuses an existing destination; the GUI asks the
user first, the CLI wants --overwrite.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from .errors import InputFileError, SaveError
from .names import printable

# Modes PNG stores exactly; anything else would be converted, i.e. not lossless.
_PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16")

_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    getattr(errno, "EDQUOT", -1): "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EISDIR: "a folder has this name",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EEXIST: "the file already exists (choose to overwrite it)",
}


_NO_HARD_LINKS = {
    errno.EPERM,
    errno.EXDEV,
    errno.EMLINK,
    *(getattr(errno, n, -1) for n in ("ENOTSUP", "EOPNOTSUPP")),
}


# ----------------------------------------------------------------------------------
# reading inputs: regular files only, sizes capped before reading

_NOT_REGULAR = {
    stat.S_IFIFO: "a named pipe (FIFO), not a regular file",
    stat.S_IFCHR: "a device, not a regular file",
    stat.S_IFBLK: "a device, not a regular file",
    stat.S_IFSOCK: "a socket, not a regular file",
    stat.S_IFDIR: "a folder, not a file",
}


def _kind_problem(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return _NOT_REGULAR.get(stat.S_IFMT(mode), "not a regular file")


def _size_text(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB" if n >= 1 << 10 else f"{n} bytes"


def require_checkpoint_path(path: str | os.PathLike[str]) -> Path:
    """`path` if it is a folder (Hugging Face) or a regular file; a FIFO or a device would block
    the reader or never end, so it is refused by name before anything opens it."""
    if not os.path.isdir(path):  # never raises (a name too long is the file check's to say)
        require_regular_file(path, "checkpoint")
    return Path(path)


def require_regular_file(
    path: str | os.PathLike[str], what: str = "file", max_bytes: int | None = None
) -> os.stat_result:
    """InputFileError naming `path` unless it is a regular file (following links) of at most
    `max_bytes`: a FIFO would block its reader forever and a device such as /dev/zero never
    ends. For readers that open the file themselves; `read_regular_file` also closes the race."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise InputFileError(path, _read_reason(e)) from e
    problem = _kind_problem(st.st_mode)
    if problem is None and max_bytes is not None and st.st_size > max_bytes:
        problem = f"larger than the {_size_text(max_bytes)} a {what} may have"
    if problem:
        raise InputFileError(path, problem)
    return st


def read_regular_file(path: str | os.PathLike[str], what: str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`, else InputFileError naming it. The
    file is opened without blocking and checked on the open descriptor, and at most
    max_bytes + 1 bytes are read, so a file swapped for a FIFO, or one that grows or lies
    about its size (/proc), cannot hang the reader or exhaust memory."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise InputFileError(path, _read_reason(e)) from e
    try:
        problem = _kind_problem(os.fstat(fd).st_mode)
        if problem:
            raise InputFileError(path, problem)
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as e:
        raise InputFileError(path, _read_reason(e)) from e
    finally:
        os.close(fd)
    if total > max_bytes:
        raise InputFileError(path, f"larger than the {_size_text(max_bytes)} a {what} may have")
    return b"".join(chunks)


def _read_reason(e: OSError) -> str:
    if e.errno == errno.ENOENT:
        return "no such file"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.EISDIR:
        return "a folder, not a file"
    if e.errno == errno.ENOTDIR:
        return "a file stands where a folder should be in this path"
    return _REASONS.get(e.errno or 0) or e.strerror or str(e) or type(e).__name__


# ----------------------------------------------------------------------------------
# writing


def check_destination(path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Raise SaveError now if `path` clearly cannot be written (missing folder, a file where a folder
    should be, a folder with this name, or an existing file when not overwriting). Returns the Path.

    Cheap enough to call before rendering an output; the write itself checks everything again.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise SaveError(path, _REASONS[errno.EISDIR])
        problem = _folder_problem(path.parent)
        if problem:
            raise SaveError(path, problem)
        if not overwrite and (path.exists() or path.is_symlink()):
            raise SaveError(path, _REASONS[errno.EEXIST])
    except OSError as e:  # e.g. ENAMETOOLONG: pathlib's checks raise it
        raise SaveError(path, _reason(e, path)) from e
    return path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = True) -> Path:
    """Write `data` to `path` all at once or not at all. Returns the Path written."""
    path = check_destination(path, overwrite=overwrite)
    tmp, fd = _create_temp(path)
    try:
        try:
            _copy_mode(path, fd)
            _write_all(fd, path, memoryview(data))
            os.fsync(fd)
        finally:
            os.close(fd)
        _move_into_place(tmp, path, overwrite)
    except BaseException as e:  # removes the temp file even on KeyboardInterrupt, then re-raises
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, SaveError):
            raise
        if isinstance(e, OSError):
            raise SaveError(path, _reason(e, path)) from e
        raise
    _sync_folder(path.parent)
    return path


@contextlib.contextmanager
def atomic_destination(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """atomic_write_bytes for writers that want a file name (e.g. safetensors' save_file):
    yields a new empty file beside `path` to write; when the block ends it is fsynced and moved
    over `path`. If the block or the move fails, the file is removed, an old `path` stays as it
    was, and an OSError becomes a SaveError naming `path`; other exceptions pass through."""
    path = check_destination(path, overwrite=overwrite)
    tmp, fd = _create_temp(path)
    try:
        try:
            _copy_mode(path, fd)
        finally:
            os.close(fd)
        yield tmp
        fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))  # the writer's data, to disk
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        _move_into_place(tmp, path, overwrite)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise SaveError(path, _reason(e, path)) from e
        raise
    _sync_folder(path.parent)


def atomic_write_set(files: Mapping[str | os.PathLike[str], bytes], *, overwrite: bool = True) -> list[Path]:
    """Files that belong together (an image's sheet and its report): each is written in full to
    a temporary file first, and they are moved into place only once all of them are, so a
    failure (a disk that fills before the last one) leaves none of them and old files intact.
    (The moves themselves are renames in one folder; only a failure between two renames could
    leave part of a set, and renames do not need free space.)"""
    with contextlib.ExitStack() as stack:
        temps = [
            (Path(p), data, stack.enter_context(atomic_destination(p, overwrite=overwrite)))
            for p, data in files.items()
        ]
        for path, data, tmp in temps:
            try:
                fd = os.open(tmp, os.O_WRONLY | getattr(os, "O_BINARY", 0))
                try:
                    _write_all(fd, path, memoryview(data))
                finally:
                    os.close(fd)
            except OSError as e:  # named here: every open destination would otherwise claim it
                raise SaveError(path, _reason(e, path)) from e
    return [path for path, _, _ in temps]


def ensure_folder(path: str | os.PathLike[str]) -> Path:
    """Create the folder `path` and its parents if missing (an output folder). SaveError naming
    it when that cannot be done, e.g. a file stands at `path` or in its way."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        blocked = e.errno in (errno.EEXIST, errno.ENOTDIR)
        reason = _folder_problem(path) if blocked else None
        raise SaveError(path, reason or _REASONS.get(e.errno or 0) or e.strerror or str(e)) from e
    return path


def save_text(
    path: str | os.PathLike[str], text: str, *, overwrite: bool = True, encoding: str = "utf-8"
) -> Path:
    """Write `text` atomically (no newline translation)."""
    return atomic_write_bytes(path, text.encode(encoding), overwrite=overwrite)


def save_png(
    path: str | os.PathLike[str],
    image: Image.Image | np.ndarray,
    *,
    overwrite: bool = True,
    text: Mapping[str, str] | None = None,
) -> Path:
    """A lossless PNG from a PIL image or a uint8/bool array [H, W], [H, W, 3] or [H, W, 4].

    `text` adds tEXt chunks (e.g. model, seed, mask ratio) that image viewers can show.
    """
    return atomic_write_bytes(path, encode_png(image, text), overwrite=overwrite)


def encode_png(
    image: Image.Image | np.ndarray, text: Mapping[str, str] | None = None, compress_level: int = 6
) -> bytes:
    """The PNG bytes save_png writes; text values are made printable (a file name may hold
    undecodable bytes or a newline, which no PNG text chunk can carry)."""
    if isinstance(image, np.ndarray):
        image = _array_to_pil(image)
    if image.mode not in _PNG_MODES:
        raise ValueError(f"PNG cannot store mode {image.mode} losslessly; convert it first")
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, printable(str(value)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, compress_level=compress_level)
    return buffer.getvalue()


def _array_to_pil(a: np.ndarray) -> Image.Image:
    if a.dtype == bool:
        a = np.where(a, 255, 0).astype(np.uint8)
    if a.dtype != np.uint8:
        raise ValueError(f"save_png takes uint8 or bool arrays, got {a.dtype}")
    if a.ndim == 2:
        return Image.fromarray(a, "L")
    if a.ndim == 3 and a.shape[2] in (3, 4):
        return Image.fromarray(np.ascontiguousarray(a), "RGB" if a.shape[2] == 3 else "RGBA")
    raise ValueError(f"save_png takes arrays [H, W], [H, W, 3] or [H, W, 4], got shape {a.shape}")


def _create_temp(path: Path) -> tuple[Path, int]:
    """A new hidden file beside `path`, created with mode 0o666 so the umask applies as usual."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as e:
            raise SaveError(path, _reason(e, path)) from e
    raise SaveError(path, "could not create a temporary file beside it")


def _copy_mode(path: Path, fd: int) -> None:
    """Keep an overwritten file's permission bits."""
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def _write_all(fd: int, path: Path, data: memoryview) -> None:
    done = 0
    while done < len(data):
        n = os.write(fd, data[done:])
        if n <= 0:  # os.write normally raises (e.g. ENOSPC); 0 bytes would loop forever
            raise SaveError(path, f"short write: only {done} of {len(data)} bytes could be written")
        done += n


def _move_into_place(tmp: Path, path: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, path)
    else:
        _link_new(tmp, path)


def _link_new(tmp: Path, path: Path) -> None:
    """Move tmp to path only if path does not exist, atomically where hard links work."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as e:
        if e.errno not in _NO_HARD_LINKS:
            raise
        # No hard links here (FAT, some network shares): check-then-rename, racy but rarely matters.
        if path.exists():
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from e
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def _sync_folder(folder: Path) -> None:
    """fsync the folder so the rename itself survives a power cut (POSIX only)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # the file is already in place; durability of the rename is best effort
    try:
        # Some file systems (e.g. certain network mounts) reject fsync on folders: the data
        # is written and renamed already, so this only loses the extra durability guarantee.
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _folder_problem(folder: Path) -> str | None:
    """Why `folder` is not a usable folder (missing, or a file somewhere in its path), or None."""
    if folder.is_dir():
        return None
    for part in (folder, *folder.parents):
        if part.is_dir():
            break
        if part.exists() or part.is_symlink():
            return f"{part} is a file, where a folder should be"
    return f"the folder {folder} does not exist"


def describe_os_error(e: OSError, path: str | os.PathLike[str]) -> str:
    """The reason a SaveError gives for `e` while writing `path` ("the disk is full", ...)."""
    return _reason(e, Path(path))


def _reason(e: OSError, path: Path) -> str:
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        problem = _folder_problem(path.parent)
        if problem:
            return problem
    return _REASONS.get(e.errno or 0) or e.strerror or str(e) or type(e).__name__
