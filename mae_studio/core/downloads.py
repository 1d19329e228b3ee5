"""Where a `--checkpoint` comes from, and fetching it: a local path, a catalogue name, a Hugging
Face Hub repo id, or an https:// URL (plain http:// only for loopback hosts, so tests can serve
files locally).

Downloads go through the libraries the ecosystem uses: huggingface_hub's `hf_hub_download`
(its cache, resume and offline mode) for Hub repos, and its `http_get` (resume by Range,
size check, retries) for URLs, into the torch hub cache (`$TORCH_HOME/hub/checkpoints`) under
the release's own file name, so a file torch.hub already fetched is found. A URL download lands
as `NAME.partial` and is renamed only once it is complete and verified: a pinned sha256 where
the catalogue has one, else the size the server announced plus a strict load against the
catalogue's architecture. The sha256 of every download is recorded beside it
(`.mae-studio/NAME.json`) and logged. A cached model is used without any request.

No torch at import: the CLI's parser reads `parse_source` and the catalogue.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .catalogue import CatalogueModel, find_model, format_size
from .errors import Cancelled, MaeStudioError

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]  # (bytes done, bytes in all or None)
ShouldCancel = Callable[[], bool]

CHECKPOINT_SUFFIXES = (".pth", ".pt", ".bin", ".safetensors", ".ckpt")
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}(@[\w./-]{1,100})?$")
# Hub weights in the order they are tried; an index pulls its shards.
_HUB_WEIGHTS = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
_RECORDS = ".mae-studio"  # beside the cached files: one JSON record per download
_HASH_CHUNK = 8 << 20
# Bytes between progress reports, and so between cancel checks. huggingface_hub reads in
# DOWNLOAD_CHUNK_SIZE pieces (10 MB): seconds apart on a slow link, too late for a Cancel button.
PROGRESS_CHUNK = 256 << 10


class DownloadError(MaeStudioError):
    """A model that could not be fetched (or is not what it claims), naming its source."""


@dataclass(frozen=True)
class ModelSource:
    """A `--checkpoint` value, understood."""

    kind: str  # "path" | "url" | "hub"
    spec: str  # as the user wrote it
    path: Path | None = None  # kind "path"
    url: str | None = None  # kind "url"
    repo_id: str | None = None  # kind "hub"
    revision: str = "main"
    entry: CatalogueModel | None = None  # when named from the catalogue

    @property
    def remote(self) -> bool:
        return self.kind != "path"

    @property
    def where(self) -> str:
        """The source in error messages: the URL, Hub repo or path."""
        if self.kind == "url":
            return str(self.url)
        if self.kind == "hub":
            rev = "" if self.revision == "main" else f"@{self.revision}"
            return f"huggingface.co/{self.repo_id}{rev}"
        return str(self.path)

    def overrides(self) -> dict[str, Any]:
        """What the catalogue knows that an official file does not say: heads and target kind."""
        if self.entry is None:
            return {}
        from .config import PRESETS

        arch = PRESETS[self.entry.arch]
        return {
            "num_heads": arch.num_heads,
            "decoder_num_heads": arch.decoder_num_heads,
            "norm_pix_loss": self.entry.norm_pix_loss,
        }


@dataclass(frozen=True)
class Fetched:
    path: Path  # a file or a Hub snapshot folder, ready for read_checkpoint
    source: ModelSource
    sha256: str | None = None  # of the weights file, when this call downloaded or verified it
    downloaded: bool = False  # False: it came from the cache, no request made
    notes: list[str] = field(default_factory=list)


def parse_source(spec: str | os.PathLike[str]) -> ModelSource:
    """What a `--checkpoint` value names. An existing path always wins; then a catalogue name,
    a URL, a Hub repo id (`owner/name[@revision]`); anything else is a path (missing)."""
    if isinstance(spec, os.PathLike):
        return ModelSource("path", os.fspath(spec), path=Path(spec))
    text = spec.strip()
    if not text:
        raise DownloadError("--checkpoint is empty")
    path = Path(text).expanduser()
    if path.exists():
        return ModelSource("path", text, path=path)
    entry = find_model(text)
    if entry is not None:
        return catalogue_source(entry, text)
    if "://" in text:
        return ModelSource("url", text, url=_check_url(text))
    looks_like_file = path.suffix.lower() in CHECKPOINT_SUFFIXES or text.startswith(("/", ".", "~"))
    if _HUB_ID.match(text) and not looks_like_file:
        repo, _, rev = text.partition("@")
        return ModelSource("hub", text, repo_id=repo, revision=rev or "main")
    return ModelSource("path", text, path=path)


def catalogue_source(entry: CatalogueModel, spec: str | None = None) -> ModelSource:
    """The source of a catalogue model (whatever files the current folder holds)."""
    if entry.url is not None:
        return ModelSource("url", spec or entry.name, url=entry.url, entry=entry)
    return ModelSource("hub", spec or entry.name, repo_id=entry.repo_id, entry=entry)


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return url
    if parts.scheme == "http":
        raise DownloadError(
            f"{url}: plain http:// is only allowed for this machine (127.0.0.1); use https://"
        )
    raise DownloadError(f"{url}: not a URL MAE Studio downloads from (https:// only)")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ----------------------------------------------------------------------------------
# caches


def offline() -> bool:
    """Downloads are off (HF_HUB_OFFLINE=1, as for every Hugging Face tool): caches only."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "on", "yes", "true")


def url_cache_dir() -> Path:
    """The torch hub checkpoint cache: $TORCH_HOME/hub/checkpoints (~/.cache/torch/...)."""
    torch_home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "torch"
    )
    return Path(torch_home) / "hub" / "checkpoints"


def hub_cache_dir() -> Path:
    """The Hugging Face Hub cache, read at call time (HF_HUB_CACHE, HF_HOME)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    hf_home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface"
    )
    return Path(hf_home) / "hub"


def url_destination(source: ModelSource) -> Path:
    """Where a URL download is cached: the release's own file name; a URL whose name is taken
    by another URL's download gets a short hash of the URL in front."""
    assert source.url is not None
    raw = urlsplit(source.url).path.rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", raw).lstrip(".") or "checkpoint.pth"
    folder = url_cache_dir()
    record = _read_record(folder / name)
    if record is not None and record.get("url") not in (None, source.url):
        name = f"{hashlib.sha256(source.url.encode()).hexdigest()[:10]}-{name}"
    return folder / name


def cached_path(source: ModelSource) -> Path | None:
    """The local copy of a remote source, or None; makes no request."""
    if source.kind == "path":
        return source.path
    if source.kind == "url":
        dest = url_destination(source)
        return dest if dest.is_file() else None
    return _hub_snapshot(source, local_only=True, progress=None, should_cancel=None)


def _record_path(dest: Path) -> Path:
    return dest.parent / _RECORDS / f"{dest.name}.json"


def _read_record(dest: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(_record_path(dest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_record(dest: Path, record: dict[str, Any]) -> None:
    from .files import atomic_write_bytes

    path = _record_path(dest)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps(record, indent=1, sort_keys=True).encode())
    except (OSError, MaeStudioError) as e:  # the model is fine without its record
        log.warning("could not record the download of %s: %s", dest, e)


# ----------------------------------------------------------------------------------
# fetching


def fetch(
    source: ModelSource | str,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> Fetched:
    """A local path for `source`, downloading it once if needed. DownloadError names the
    source and the reason; Cancelled when `should_cancel()` turned true (a URL download keeps
    its `.partial` file, and the next try resumes it)."""
    with _hub_logs_to_our_log():
        return _fetch(source, progress, should_cancel)


@contextmanager
def _hub_logs_to_our_log() -> Iterator[None]:
    """huggingface_hub prints each retry on stderr; the user gets one line (our DownloadError)
    and the retries go to our log instead."""
    hub = logging.getLogger("huggingface_hub")
    forward = _Forward()
    saved = hub.propagate, list(hub.handlers)
    hub.handlers[:] = [forward]
    hub.propagate = False
    try:
        yield
    finally:
        hub.propagate, hub.handlers[:] = saved[0], saved[1]


class _Forward(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        log.debug("huggingface_hub %s: %s", record.levelname, " ".join(record.getMessage().split()))


def _fetch(
    source: ModelSource | str, progress: Progress | None, should_cancel: ShouldCancel | None
) -> Fetched:
    if isinstance(source, str):
        source = parse_source(source)
    if source.kind == "path":
        assert source.path is not None
        return Fetched(source.path, source)
    if source.kind == "url":
        return _fetch_url(source, progress, should_cancel)
    snapshot = _hub_snapshot(source, local_only=True, progress=None, should_cancel=None)
    if snapshot is not None:
        return Fetched(snapshot, source)
    if offline():
        raise DownloadError(
            f"{source.where}: not in the Hugging Face cache, and downloads are off (HF_HUB_OFFLINE)"
        )
    snapshot = _hub_snapshot(source, local_only=False, progress=progress, should_cancel=should_cancel)
    assert snapshot is not None
    sha = _verify_hub(source, snapshot)
    return Fetched(snapshot, source, sha256=sha, downloaded=True)


def _fetch_url(source: ModelSource, progress: Progress | None, should_cancel: ShouldCancel | None) -> Fetched:
    from huggingface_hub.file_download import http_get

    _report_often()
    dest = url_destination(source)
    if dest.is_file():
        return _trusted(source, dest)
    if offline():
        raise DownloadError(f"{source.url}: not downloaded yet, and downloads are off (HF_HUB_OFFLINE)")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"{dest.parent}: cannot create the download folder ({e.strerror or e})") from e
    partial = dest.with_name(dest.name + ".partial")
    resume = partial.stat().st_size if partial.is_file() else 0
    _check_space(source, dest.parent, resume)
    log.info("downloading %s to %s (resuming at %d bytes)", source.url, dest, resume)
    started = time.monotonic()
    try:
        with partial.open("ab") as f:
            http_get(
                str(source.url),
                f,
                resume_size=resume,
                displayed_filename=dest.name,
                tqdm_class=_progress_class(progress, should_cancel),  # type: ignore[arg-type]
            )
    except Cancelled:
        _drop_if_empty(partial)
        log.info("download of %s cancelled; %s kept for resuming", source.url, partial.name)
        raise
    except _network_errors() as e:
        _drop_if_empty(partial)  # e.g. a 404: nothing to resume
        if isinstance(e, OSError) and e.errno is not None and _is_disk_error(e):
            partial.unlink(missing_ok=True)
            raise DownloadError(f"{dest.parent}: {_disk_reason(e)} while downloading {source.url}") from e
        raise DownloadError(f"{source.url}: {_network_reason(e)}") from e
    seconds = time.monotonic() - started
    try:
        sha = _verify_file(source, partial, should_cancel)
    except DownloadError:
        partial.unlink(missing_ok=True)  # never trusted, never resumed: the next run starts over
        raise
    os.replace(partial, dest)
    size = dest.stat().st_size
    _write_record(dest, {"url": source.url, "sha256": sha, "size": size, "saved": _now()})
    log.info("downloaded %s: %d bytes in %.1f s, sha256 %s", source.url, size, seconds, sha)
    return Fetched(dest, source, sha256=sha, downloaded=True)


def _drop_if_empty(partial: Path) -> None:
    if partial.is_file() and partial.stat().st_size == 0:
        partial.unlink()


def _trusted(source: ModelSource, dest: Path) -> Fetched:
    """A cached file: its record (size, sha256) if we wrote one; a file another tool put in
    the cache (torch.hub) is checked once by a strict load and then recorded."""
    record = _read_record(dest)
    size = dest.stat().st_size
    if record is not None and record.get("size") == size:
        return Fetched(dest, source, sha256=record.get("sha256"))
    sha = _verify_file(source, dest, None)
    _write_record(dest, {"url": source.url, "sha256": sha, "size": size, "saved": _now(), "found": True})
    return Fetched(dest, source, sha256=sha)


def _verify_file(source: ModelSource, path: Path, should_cancel: ShouldCancel | None) -> str:
    sha = sha256_of(path, should_cancel)
    entry = source.entry
    if entry is not None and entry.sha256 is not None and sha != entry.sha256:
        raise DownloadError(
            f"{source.where}: the download's sha256 is {sha}, not the {entry.sha256} it should be"
        )
    _verify_load(source, path)
    return sha


def _verify_load(source: ModelSource, path: Path) -> None:
    """Strict load; for a catalogue model, the architecture the catalogue names."""
    from .checkpoints import read_checkpoint
    from .config import PRESETS

    try:
        config, _ = read_checkpoint(path, **source.overrides())
    except MaeStudioError as e:
        raise DownloadError(f"{source.where}: the download is not a usable MAE checkpoint ({e})") from e
    if source.entry is None:
        return
    want = PRESETS[source.entry.arch]
    keys = ("patch_size", "embed_dim", "depth", "decoder_embed_dim", "decoder_depth", "img_size")
    got = {k: getattr(config, k) for k in keys}
    expected = {k: getattr(want, k) for k in keys}
    if got != expected:
        diff = ", ".join(f"{k} {got[k]} (expected {expected[k]})" for k in keys if got[k] != expected[k])
        raise DownloadError(f"{source.where}: the download is not {want.name}: {diff}")


def _verify_hub(source: ModelSource, snapshot: Path) -> str | None:
    """The Hub names each large file's blob by its sha256: check the weights against it."""
    sha = None
    for name in _HUB_WEIGHTS:
        link = snapshot / name
        if not link.is_file() or name.endswith(".json"):
            continue
        blob = link.resolve()
        sha = sha256_of(blob, None)
        if re.fullmatch(r"[0-9a-f]{64}", blob.name) and blob.name != sha:
            _remove_hub_file(link)
            raise DownloadError(
                f"{source.where}: {name} has sha256 {sha}, not the {blob.name} the Hub announced"
            )
        break
    try:
        _verify_load(source, snapshot)
    except DownloadError:
        for name in _HUB_WEIGHTS:
            _remove_hub_file(snapshot / name)
        raise
    log.info("downloaded %s to %s, sha256 %s", source.where, snapshot, sha)
    return sha


def _remove_hub_file(link: Path) -> None:
    if link.is_symlink():
        link.resolve().unlink(missing_ok=True)
    link.unlink(missing_ok=True)


def _hub_snapshot(
    source: ModelSource, *, local_only: bool, progress: Progress | None, should_cancel: ShouldCancel | None
) -> Path | None:
    """config.json and the weights of a Hub repo, from the cache or the Hub (HF_ENDPOINT)."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    repo = str(source.repo_id)
    common: dict[str, Any] = dict(
        repo_id=repo,
        revision=source.revision,
        cache_dir=str(hub_cache_dir()),
        local_files_only=local_only,
        endpoint=os.environ.get("HF_ENDPOINT") or None,
    )
    if not local_only:
        _report_often()
        common["tqdm_class"] = _progress_class(progress, should_cancel)
    try:
        config = Path(hf_hub_download(filename="config.json", **common))
        for name in _HUB_WEIGHTS:
            try:
                weights = Path(hf_hub_download(filename=name, **common))
            except LocalEntryNotFoundError:
                if local_only:
                    continue
                raise
            except EntryNotFoundError:
                continue
            if name.endswith(".index.json"):
                for shard in _shards(source, weights):
                    hf_hub_download(filename=shard, **common)
            break
        else:
            if local_only:
                return None
            raise DownloadError(
                f"{source.where}: the repo has config.json but no weights ({', '.join(_HUB_WEIGHTS)})"
            )
    except LocalEntryNotFoundError as e:
        if local_only:
            return None
        cause = e.__cause__ or e.__context__ or e  # huggingface_hub's reason: the network error
        raise DownloadError(f"{source.where}: {_network_reason(cause)}") from e
    except (Cancelled, DownloadError):
        raise
    except _network_errors() as e:
        if isinstance(e, OSError) and _is_disk_error(e):
            raise DownloadError(
                f"{hub_cache_dir()}: {_disk_reason(e)} while downloading {source.where}"
            ) from e
        raise DownloadError(f"{source.where}: {_network_reason(e)}") from e
    if config.parent != weights.parent:
        raise DownloadError(f"{source.where}: config.json and the weights came from different revisions")
    return config.parent


def _shards(source: ModelSource, index: Path) -> list[str]:
    try:
        weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        shards = sorted(set(weight_map.values()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise DownloadError(f"{source.where}: {index.name} is not a shard index ({e})") from e
    bad = [s for s in shards if not isinstance(s, str) or "/" in s or "\\" in s or s.startswith(".")]
    if bad:
        raise DownloadError(f"{source.where}: {index.name} names shards outside the repo folder: {bad[:3]}")
    return shards


# ----------------------------------------------------------------------------------
# helpers


def sha256_of(path: Path, should_cancel: ShouldCancel | None) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            h.update(chunk)
            if should_cancel is not None and should_cancel():
                raise Cancelled(f"checking {path.name} cancelled")
    return h.hexdigest()


def _progress_class(progress: Progress | None, should_cancel: ShouldCancel | None) -> type:
    """A tqdm stand-in huggingface_hub drives (tqdm_class): reports bytes, raises Cancelled."""

    class _Bar:
        def __init__(self, *args: Any, total: int | None = None, initial: int = 0, **kwargs: Any) -> None:
            self.total = total
            self.n = initial
            self._report()

        def update(self, n: int | None = 1) -> None:
            self.n += n or 0
            self._report()

        def _report(self) -> None:
            if should_cancel is not None and should_cancel():
                raise Cancelled("download cancelled")
            if progress is not None:
                progress(self.n, self.total)

        def close(self) -> None:
            pass

        def __enter__(self) -> _Bar:
            return self

        def __exit__(self, *exc: object) -> None:
            self.close()

    return _Bar


def _report_often() -> None:
    from huggingface_hub import constants

    constants.DOWNLOAD_CHUNK_SIZE = min(constants.DOWNLOAD_CHUNK_SIZE, PROGRESS_CHUNK)


def _network_errors() -> tuple[type[BaseException], ...]:
    """The transport's errors (huggingface_hub's HTTP client) and OSError."""
    from huggingface_hub.errors import HfHubHTTPError

    return (*HfHubHTTPError.__bases__, OSError, ValueError)


def _network_reason(e: BaseException) -> str:
    response = getattr(e, "response", None)
    status = getattr(response, "status_code", None)
    if status == 404:
        return "not found on the server (HTTP 404)"
    if status in (401, 403):
        return f"access refused (HTTP {status}); a gated or private repo needs `hf auth login`"
    if status is not None:
        return f"the server answered HTTP {status}"
    text = " ".join(str(e).split())
    if "Consistency check failed" in text:
        return "the download ended early or has the wrong size; run again to retry"
    lowered = text.lower()
    if any(w in lowered for w in ("connect", "name or service", "resolve", "network is unreachable")):
        return f"cannot reach the server; check the network ({text[:160]})"
    return f"download failed ({text[:200] or type(e).__name__})"


def _is_disk_error(e: OSError) -> bool:
    import errno

    return e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def _disk_reason(e: OSError) -> str:
    import errno

    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if e.errno == errno.EROFS:
        return "the disk is read-only"
    return "no permission to write there"


def _check_space(source: ModelSource, folder: Path, resume: int) -> None:
    if source.entry is None:
        return
    need = source.entry.size_bytes - resume
    free = shutil.disk_usage(folder).free
    if need > free:
        raise DownloadError(
            f"{folder}: {source.entry.name} needs about {format_size(need)} and only "
            f"{format_size(free)} is free; free some space or set TORCH_HOME to another disk"
        )


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
