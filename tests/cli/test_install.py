"""An installed wheel carries its files: built from a copy of the tree, installed into a folder
of its own, and run from another folder, it reconstructs a sample on the default model."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mae_studio.core.places import DEFAULT_WEIGHTS, SAMPLES

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_NAMES = sorted(p.name for p in SAMPLES.iterdir())
SHIPPED = [
    "mae_studio/weights/mae_studio_default.safetensors",
    "mae_studio/weights/MODEL_CARD.md",
    "mae_studio/resources/mae-studio.desktop",
    "mae_studio/resources/icons/mae-studio.png",
    "mae_studio/resources/icons/mae-studio.svg",
    "mae_studio/resources/i18n/mae_studio_zh_CN.qm",
    "mae_studio/resources/i18n/mae_studio_en.qm",
    *(f"mae_studio/resources/samples/{name}" for name in SAMPLE_NAMES),
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of a copy of the tree (the build leaves build/ and egg-info in its source)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    for name in ("mae_studio", "weights", "resources"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", tmp, src],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = tmp.glob("mae_studio-*.whl")
    return built


@pytest.fixture(scope="module")
def site(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def test_the_wheel_carries_the_default_model_samples_icon_desktop_entry_and_translations(wheel):
    assert len([n for n in SAMPLE_NAMES if n.endswith(".jpg")]) == 6 and "LICENSES.tsv" in SAMPLE_NAMES
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        (entry_points,) = (n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = z.read(entry_points).decode()
    assert set(SHIPPED) <= names
    # pyproject.toml lists the packages by hand: every module of the tree must be in the wheel
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "mae_studio").rglob("*.py")}
    assert modules <= names
    assert "[console_scripts]\nmae-studio = mae_studio.__main__:main" in scripts
    assert "[gui_scripts]\nmae-studio-gui = mae_studio.__main__:main" in scripts


def test_the_installed_wheel_reconstructs_a_sample_from_another_folder(site, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = "import mae_studio, mae_studio.core.places as p; print(mae_studio.__file__, p.DEFAULT_WEIGHTS)"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    package = site / "mae_studio"
    weights = package / "weights" / "mae_studio_default.safetensors"
    assert out == [str(package / "__init__.py"), str(weights)]
    assert _sha256(weights) == _sha256(DEFAULT_WEIGHTS)

    sample = package / "resources" / "samples" / "honey_bee.jpg"
    run = subprocess.run(
        [sys.executable, "-m", "mae_studio", "reconstruct", sample, "--out", tmp_path / "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "out" / "honey_bee.json").read_text())
    assert report["checkpoint"] == str(weights)
    assert report["masked_psnr"] > 13.0  # the default model gets 15.4 dB here; untrained, 10.4 dB
    assert (tmp_path / "out" / "honey_bee_comparison.png").stat().st_size > 10_000


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
