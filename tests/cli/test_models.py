"""`mae-studio models` and `--checkpoint NAME|URL|REPO` on the commands, against a local server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mae_studio.core.catalogue import CATALOGUE
from mae_studio.core.downloads import url_cache_dir
from tests.conftest import CONFORMANCE
from tests.download_fixtures import studio_bytes
from tests.model_server import Fault

from .conftest import cli, write_photo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _caches(model_caches) -> None:
    """Every test here: caches in tmp_path."""


def test_models_list_names_every_model_and_where_it_is(tiny_entry, capsys):
    assert cli("models", "list") == 0
    out = capsys.readouterr().out
    for entry in CATALOGUE:
        assert entry.name in out and entry.source in out
    assert "CC-BY-NC 4.0" in out and "Apache-2.0" in out and "1.3 GB" in out
    line = next(row for row in out.splitlines() if row.startswith("tiny-test "))
    assert "  no  " in line
    cli("models", "download", "tiny-test")
    capsys.readouterr()
    assert cli("models", "list") == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if row.startswith("tiny-test "))
    assert "  yes  " in line
    assert f"tiny-test: {url_cache_dir() / 'mae_visualize_tiny.pth'}" in out


def test_models_download_shows_the_licence_then_uses_the_cache(tiny_entry, server, capsys):
    assert cli("models", "download", "tiny-test") == 0
    out = capsys.readouterr()
    assert "licence: CC-BY-NC 4.0 (https://creativecommons.org/licenses/by-nc/4.0/)" in out.out
    assert "sha256 " in out.err  # shown and recorded on the first download
    requests = len(server.requests)
    assert cli("models", "download", "tiny-test") == 0
    assert "already on disk" in capsys.readouterr().out
    assert len(server.requests) == requests


def test_models_download_unknown_name(capsys):
    assert cli("models", "download", "vit-gigantic") == 1
    err = capsys.readouterr().err
    assert "not in the catalogue: vit-gigantic" in err and "vit-large-gan" in err


def test_models_download_failure_is_one_line_and_exit_1(tiny_entry, server, capsys):
    server.faults[tiny_entry.url.removeprefix(server.url)] = Fault(status=500)
    assert cli("models", "download", "tiny-test") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"mae-studio models download: {tiny_entry.url}: the server answered HTTP 500"]


def test_reconstruct_with_a_catalogue_name(tiny_entry, tmp_path):
    photo = write_photo(tmp_path / "p.png", 1)
    assert cli("reconstruct", photo, "--checkpoint", "tiny-test", "--out", tmp_path / "out") == 0
    report = json.loads((tmp_path / "out" / "p.json").read_text())
    assert report["checkpoint"] == "tiny-test"
    assert report["grid"] == [2, 2]


def test_compare_with_a_hub_repo_and_a_url(server, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    server.add_hub_repo("org/tiny-mae", CONFORMANCE / "p16_pixel")
    url = server.add("/m.safetensors", studio_bytes(tmp_path))
    photo = write_photo(tmp_path / "p.png", 2)
    code = cli(
        "compare", photo, "--checkpoint", "org/tiny-mae", "--checkpoint", url, "--out", tmp_path / "cmp"
    )
    assert code == 0
    assert server.count("GET", "/org/tiny-mae/") >= 2 and server.count("GET", "/m.safetensors") == 1


def _run(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mae_studio", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_reconstruct_from_a_url_then_the_cache_then_a_dropped_download(server, tmp_path, model_caches):
    """The README's promise, as a user runs it: download and run; again with no request; a
    connection dropped halfway exits 1 with one line naming the URL; the next run downloads again."""
    import os

    data = studio_bytes(tmp_path)
    url = server.add("/mae_visualize_vit_base.pth", data)
    photo = write_photo(tmp_path / "p.png", 3)
    env = {**os.environ, "TORCH_HOME": str(model_caches / "torch"), "XDG_DATA_HOME": str(tmp_path / "data")}
    first = _run("reconstruct", str(photo), "--checkpoint", url, "--out", str(tmp_path / "o1"), env=env)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "o1" / "p.json").is_file()
    requests = len(server.requests)
    second = _run("reconstruct", str(photo), "--checkpoint", url, "--out", str(tmp_path / "o2"), env=env)
    assert second.returncode == 0, second.stderr
    assert len(server.requests) == requests  # the cache answered
    (url_cache_dir() / "mae_visualize_vit_base.pth").unlink()
    server.faults["/mae_visualize_vit_base.pth"] = Fault(drop_at=len(data) // 2)
    dropped = _run("reconstruct", str(photo), "--checkpoint", url, "--out", str(tmp_path / "o3"), env=env)
    assert dropped.returncode == 1
    lines = dropped.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mae-studio reconstruct: {url}: "), dropped.stderr
    assert not (url_cache_dir() / "mae_visualize_vit_base.pth").exists()
    server.faults.clear()
    again = _run("reconstruct", str(photo), "--checkpoint", url, "--out", str(tmp_path / "o4"), env=env)
    assert again.returncode == 0, again.stderr
    assert (url_cache_dir() / "mae_visualize_vit_base.pth").read_bytes() == data


@pytest.mark.parametrize("spec", ["http://example.org/m.pth", "ftp://example.org/m.pth"])
def test_unsafe_urls_are_refused(spec, tmp_path, capsys):
    photo = write_photo(tmp_path / "p.png", 1)
    assert cli("reconstruct", photo, "--checkpoint", spec, "--out", tmp_path / "o") == 1
    assert spec in capsys.readouterr().err
