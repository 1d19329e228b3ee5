"""Models served on 127.0.0.1 for the Get Models tests: a tiny architecture in the official
release's layout (no file says its heads), added to the catalogue as an entry and served by
tests/model_server.py. The fixtures that use these are in conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mae_studio.core.catalogue import CatalogueModel
from mae_studio.core.downloads import url_cache_dir
from tests.download_fixtures import TINY

NC = ("CC-BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/")
APACHE = ("Apache-2.0", "https://www.apache.org/licenses/LICENSE-2.0")
SERVED = TINY  # the download tests' tiny official-layout architecture


def served_entry(name: str, licence: tuple[str, str], data: bytes, url: str) -> CatalogueModel:
    return CatalogueModel(
        name=name,
        summary=f"a tiny official-layout model ({name})",
        arch="tiny_test",
        norm_pix_loss=False,
        size_bytes=len(data),
        licence=licence[0],
        licence_url=licence[1],
        url=url,
    )


def url_path(entry: CatalogueModel) -> str:
    """The path part of an entry's URL, as the server keys its files and faults."""
    assert entry.url is not None
    return "/" + entry.url.split("/", 3)[3]


def cached_file(entry: CatalogueModel) -> Path:
    return url_cache_dir() / entry.filename


def wait_scanned(qtbot: Any, dialog: Any) -> None:
    """Until the dialog knows which catalogue models are on disk (found off the GUI thread)."""
    qtbot.waitUntil(lambda: len(dialog.on_disk) == len(dialog.entries), timeout=20000)
