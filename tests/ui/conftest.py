from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from mae_studio.core.catalogue import CatalogueModel
from tests.download_fixtures import official_bytes
from tests.model_server import ModelServer

from .fakes import photo, save_tiny_checkpoint
from .served_models import APACHE, SERVED, served_entry


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path) -> Iterator[Path]:
    """Every test gets its own empty settings folder (never the user's)."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_checkpoint(tmp_path_factory.mktemp("models") / "tiny.safetensors")


@pytest.fixture
def photo_file(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "photo.png"
    Image.fromarray(photo()).save(path)
    return path


@pytest.fixture
def download_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every model cache in tmp_path, downloads on, no endpoint from the environment; small
    chunks so a file of a few hundred kB reports progress (and checks for cancel) many times."""
    from huggingface_hub import constants

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for name in ("HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 4096)
    return tmp_path


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    server = ModelServer().start()
    yield server
    server.stop()


@pytest.fixture
def make_entry(model_server: ModelServer, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CatalogueModel]:
    """Catalogue entries served by `model_server`, of a tiny architecture registered as a preset."""
    from mae_studio.core import catalogue, config

    monkeypatch.setitem(config.PRESETS, "tiny_test", SERVED)
    added: list[CatalogueModel] = []

    def make(name: str = "tiny-test", licence: tuple[str, str] = APACHE, seed: int = 0) -> CatalogueModel:
        data = official_bytes(seed=seed)
        url = model_server.add(f"/mae/visualize/mae_visualize_{name.replace('-', '_')}.pth", data)
        added.append(served_entry(name, licence, data, url))
        monkeypatch.setattr(catalogue, "CATALOGUE", (*catalogue.CATALOGUE, added[-1]))
        return added[-1]

    return make
