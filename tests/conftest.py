from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mae_studio.core.places import DATA_FOLDER_ENV, LANGUAGE_ENV

pytest_plugins = ["tests.download_fixtures"]  # model server, caches in tmp_path, tiny checkpoints

DATA = Path(__file__).parent / "data"
CONFORMANCE = DATA / "conformance"


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def data_folder_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's data folder (log file, autosave) is a temporary one in every test and in the
    commands they start (never the real home), and the interface is English; a test may change
    either with monkeypatch."""
    folder = tmp_path_factory.mktemp("data")
    caches = tmp_path_factory.mktemp("caches")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(DATA_FOLDER_ENV, str(folder))
        mp.setenv(LANGUAGE_ENV, "en")  # the interface in English whatever the machine's locale
        # Model downloads too: no test reads or fills the user's torch hub or Hugging Face cache.
        mp.setenv("TORCH_HOME", str(caches / "torch"))
        mp.setenv("HF_HOME", str(caches / "hf"))
        mp.delenv("HF_HUB_CACHE", raising=False)
        yield folder


@pytest.fixture(scope="session")
def conformance_manifest() -> dict:
    return json.loads((CONFORMANCE / "manifest.json").read_text())


def reference_random_mask(noise, ratio: float):
    """The official random_masking on `noise` [N, L]: it keeps int(L * (1 - ratio)) patches
    (the app's one count rule, masks.exact_count, removes round(L * ratio): equal for the vectors'
    L and ratio 0.75, but this is the reference's own rule)."""
    from mae_studio.core.model import MaskedAutoencoderViT

    L = noise.shape[1]
    return MaskedAutoencoderViT.mask_from_noise(noise, L - int(L * (1 - ratio)))
