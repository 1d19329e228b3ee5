from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
CONFORMANCE = DATA / "conformance"


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def conformance_manifest() -> dict:
    return json.loads((CONFORMANCE / "manifest.json").read_text())
