"""Downloads through the real code paths (huggingface_hub's http_get and hf_hub_download) against
a server on 127.0.0.1: caching, verification, resume, cancel and every fault a user meets."""

from __future__ import annotations

import errno
import hashlib
import io
import shutil
from pathlib import Path

import pytest
import torch

from mae_studio.core import MAEConfig
from mae_studio.core import catalogue as catalogue_mod
from mae_studio.core import config as config_mod
from mae_studio.core.catalogue import CATALOGUE, CatalogueModel, find_model, format_size
from mae_studio.core.checkpoints import read_checkpoint
from mae_studio.core.downloads import (
    DownloadError,
    cached_path,
    fetch,
    parse_source,
    url_cache_dir,
)
from mae_studio.core.errors import Cancelled
from tests.conftest import CONFORMANCE
from tests.download_fixtures import TINY, official_bytes, studio_bytes
from tests.model_server import Fault, ModelServer


@pytest.fixture(autouse=True)
def _caches(model_caches) -> None:
    """Every test here: caches in tmp_path (model_caches)."""


# ----------------------------------------------------------------------------------
# what a --checkpoint names


def test_parse_source_kinds(tmp_path):
    existing = tmp_path / "m.pth"
    existing.write_bytes(b"x")
    assert parse_source(str(existing)).kind == "path"
    gan = parse_source("vit-large-gan")
    assert (gan.kind, gan.url) == (
        "url",
        "https://dl.fbaipublicfiles.com/mae/visualize/mae_visualize_vit_large_ganloss.pth",
    )
    assert gan.overrides() == {"num_heads": 16, "decoder_num_heads": 16, "norm_pix_loss": False}
    assert parse_source("vit-base-pretrain").overrides()["norm_pix_loss"] is True
    hub = parse_source("facebook/vit-mae-base")
    assert (hub.kind, hub.repo_id, hub.revision) == ("hub", "facebook/vit-mae-base", "main")
    assert parse_source("me/my-mae@v2").revision == "v2"
    assert parse_source("hf-vit-mae-large").repo_id == "facebook/vit-mae-large"
    assert parse_source("https://example.org/a/b.pth").kind == "url"
    assert parse_source("http://127.0.0.1:8000/b.pth").kind == "url"
    assert parse_source("http://localhost/b.pth").kind == "url"
    # a missing file stays a path (the loader says "no such file"), even with one slash
    assert parse_source("runs/model.safetensors").kind == "path"
    assert parse_source("./me/model").kind == "path"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("http://example.org/m.pth", "plain http:// is only allowed"),
        ("http://10.0.0.1/m.pth", "plain http:// is only allowed"),
        ("ftp://example.org/m.pth", "https:// only"),
        ("file:///etc/passwd", "https:// only"),
        ("  ", "empty"),
    ],
)
def test_parse_source_refusals(spec, reason):
    with pytest.raises(DownloadError, match=reason):
        parse_source(spec)


def test_catalogue_is_complete_and_consistent():
    names = [m.name for m in CATALOGUE]
    assert len(names) == len(set(names))
    files = {m.filename for m in CATALOGUE if m.url}
    assert files == {
        "mae_visualize_vit_base.pth",
        "mae_visualize_vit_large.pth",
        "mae_visualize_vit_huge.pth",
        "mae_visualize_vit_large_ganloss.pth",
        "mae_pretrain_vit_base_full.pth",
        "mae_pretrain_vit_large_full.pth",
        "mae_pretrain_vit_huge_full.pth",
    }
    assert {m.repo_id for m in CATALOGUE if m.repo_id} == {
        f"facebook/vit-mae-{s}" for s in ("base", "large", "huge")
    }
    for m in CATALOGUE:
        assert m.arch in config_mod.PRESETS
        assert m.norm_pix_loss == (m.url is not None and m.url.endswith("_full.pth"))
        assert m.licence == ("CC-BY-NC 4.0" if m.url else "Apache-2.0")
    assert find_model("VIT-Large-GAN") is find_model("vit-large-gan")
    assert format_size(1_318_200_000) == "1.3 GB" and format_size(447_700_000) == "448 MB"


# ----------------------------------------------------------------------------------
# direct URLs


def test_url_download_is_cached_recorded_and_makes_no_second_request(server, tmp_path):
    data = studio_bytes(tmp_path)
    url = server.add("/files/served.safetensors", data)
    first = fetch(url)
    assert first.downloaded
    assert first.path == url_cache_dir() / "served.safetensors"
    assert first.path.read_bytes() == data
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert not list(first.path.parent.glob("*.partial"))
    config, _ = read_checkpoint(first.path)
    assert config.name == "served"
    requests = len(server.requests)
    second = fetch(url)
    assert (second.path, second.downloaded, second.sha256) == (first.path, False, first.sha256)
    assert len(server.requests) == requests  # the cache answered
    assert cached_path(parse_source(url)) == first.path


def test_catalogue_download_checks_the_architecture(server, tiny_entry):
    fetched = fetch("tiny-test")
    config, _ = read_checkpoint(fetched.path, **fetched.source.overrides())
    assert (config.embed_dim, config.num_heads, config.norm_pix_loss) == (32, 2, False)
    assert fetched.path.name == "mae_visualize_tiny.pth"


def test_catalogue_download_of_another_architecture_is_refused(server, tiny_entry, monkeypatch):
    server.files["/mae/visualize/mae_visualize_tiny.pth"] = official_bytes(
        MAEConfig(**{**TINY.__dict__, "depth": 2})
    )
    with pytest.raises(DownloadError, match=r"not tiny official: depth 2 \(expected 1\)"):
        fetch("tiny-test")
    assert not list(url_cache_dir().glob("mae_visualize_tiny.pth*"))


def test_pinned_sha256_mismatch_is_refused_and_nothing_kept(server, tiny_entry, monkeypatch):
    pinned = CatalogueModel(**{**tiny_entry.__dict__, "sha256": "0" * 64})
    monkeypatch.setattr(catalogue_mod, "CATALOGUE", (pinned,))
    with pytest.raises(DownloadError, match=r"sha256 is [0-9a-f]{64}, not the 0{64}"):
        fetch("tiny-test")
    assert not list(url_cache_dir().glob("mae_visualize_tiny.pth*"))


@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404"), (500, "HTTP 500"), (403, "HTTP 403")])
def test_server_errors_name_the_url(server, status, reason):
    url = server.add("/m.pth", b"never served")
    server.faults["/m.pth"] = Fault(status=status)
    with pytest.raises(DownloadError, match=reason) as info:
        fetch(url)
    assert str(info.value).startswith(url)
    assert "\n" not in str(info.value)
    assert not list(url_cache_dir().glob("m.pth*"))  # neither a file nor an empty part


def test_dropped_connection_fails_then_the_next_run_completes(server, tmp_path):
    data = studio_bytes(tmp_path)
    url = server.add("/m.safetensors", data)
    server.faults["/m.safetensors"] = Fault(drop_at=len(data) // 2)  # every try ends halfway
    with pytest.raises(DownloadError) as info:
        fetch(url)
    assert str(info.value).startswith(url) and "\n" not in str(info.value)
    assert not (url_cache_dir() / "m.safetensors").exists()  # no file that looks complete
    server.faults.clear()
    again = fetch(url)
    assert again.downloaded and again.path.read_bytes() == data


@pytest.fixture
def small_chunks(monkeypatch) -> None:
    """Real downloads span many of huggingface_hub's 10 MB chunks; these test files span many 4 kB ones."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 4096)


def test_dropped_connection_is_resumed_within_a_run(server, tmp_path, small_chunks):
    data = studio_bytes(tmp_path)
    url = server.add("/m.safetensors", data)
    server.faults["/m.safetensors"] = Fault(drop_at=len(data) // 3, drop_times=1)
    fetched = fetch(url)
    assert fetched.path.read_bytes() == data
    ranges = [r for m, p, r in server.requests if m == "GET"]
    assert ranges[0] is None
    resumed_at = int(ranges[1].removeprefix("bytes=").rstrip("-"))  # resumed, not restarted
    assert len(data) // 3 - 4096 <= resumed_at <= len(data) // 3


def test_wrong_size_is_refused(server, tmp_path):
    data = studio_bytes(tmp_path)
    url = server.add("/m.safetensors", data)
    server.faults["/m.safetensors"] = Fault(extra_length=1000, ignore_range=True)
    with pytest.raises(DownloadError, match=url):
        fetch(url)
    assert not (url_cache_dir() / "m.safetensors").exists()


def test_a_page_that_is_not_a_checkpoint_is_refused(server):
    url = server.add("/m.pth", b"<html>Sign in to continue</html>")
    with pytest.raises(DownloadError, match="not a usable MAE checkpoint"):
        fetch(url)
    assert not list(url_cache_dir().glob("m.pth*"))  # neither the file nor a partial


def test_cancel_keeps_the_partial_and_the_next_run_resumes(server, tmp_path, small_chunks):
    data = studio_bytes(tmp_path)
    url = server.add("/m.safetensors", data)
    seen: list[int] = []
    with pytest.raises(Cancelled):
        fetch(url, progress=lambda done, total: seen.append(done), should_cancel=lambda: len(seen) > 3)
    partial = url_cache_dir() / "m.safetensors.partial"
    kept = partial.stat().st_size
    assert 0 < kept < len(data)
    assert not (url_cache_dir() / "m.safetensors").exists()
    done = fetch(url)
    assert done.path.read_bytes() == data and not partial.exists()
    assert server.requests[-1] == ("GET", "/m.safetensors", f"bytes={kept}-")


def test_no_network_is_one_clear_line(server):
    url = server.add("/m.pth", b"x")
    server.stop()
    with pytest.raises(DownloadError, match="cannot reach the server") as info:
        fetch(url)
    assert str(info.value).startswith(url)


def test_full_disk_is_refused_up_front(server, tiny_entry, monkeypatch):
    usage = shutil.disk_usage("/")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=10))
    with pytest.raises(DownloadError, match=r"needs about .* and only 10 B is free") as info:
        fetch("tiny-test")
    assert str(info.value).startswith(str(url_cache_dir()))
    assert server.count("GET") == 0


def test_disk_filling_mid_download_leaves_nothing(server, tmp_path, monkeypatch):
    data = studio_bytes(tmp_path)
    url = server.add("/m.safetensors", data)
    real_open = Path.open

    class Full(io.FileIO):
        def write(self, b):
            raise OSError(errno.ENOSPC, "No space left on device")

    def fake_open(self, mode="r", *args, **kwargs):
        if self.name.endswith(".partial"):
            real_open(self, mode).close()
            return Full(str(self), "ab")
        return real_open(self, mode, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(Path, "open", fake_open)
        with pytest.raises(DownloadError, match="the disk is full while downloading"):
            fetch(url)
    assert not list(url_cache_dir().glob("m.safetensors*"))


def test_offline_uses_the_cache_or_says_why(server, tmp_path, monkeypatch):
    url = server.add("/m.safetensors", studio_bytes(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DownloadError, match="downloads are off"):
        fetch(url)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    fetch(url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert fetch(url).path.is_file()


def test_a_file_torch_hub_already_fetched_is_used_without_a_request(server, tiny_entry):
    folder = url_cache_dir()
    folder.mkdir(parents=True)
    (folder / tiny_entry.filename).write_bytes(official_bytes())
    fetched = fetch("tiny-test")
    assert fetched.path == folder / tiny_entry.filename and not fetched.downloaded
    assert server.requests == []
    assert (folder / ".mae-studio" / f"{tiny_entry.filename}.json").is_file()  # checked once, recorded


# ----------------------------------------------------------------------------------
# Hugging Face Hub


@pytest.fixture
def hub(server, monkeypatch) -> ModelServer:
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    server.add_hub_repo("org/tiny-mae", CONFORMANCE / "p16_pixel")
    return server


def test_hub_download_then_cache_then_offline(hub, monkeypatch):
    fetched = fetch("org/tiny-mae")
    assert fetched.downloaded and fetched.path.name == "0123456789abcdef0123456789abcdef01234567"
    weights = (CONFORMANCE / "p16_pixel" / "model.safetensors").read_bytes()
    assert fetched.sha256 == hashlib.sha256(weights).hexdigest()
    config, _ = read_checkpoint(fetched.path)
    assert (config.embed_dim, config.num_heads, config.decoder_num_heads) == (64, 4, 4)
    requests = len(hub.requests)
    again = fetch("org/tiny-mae")
    assert again.path == fetched.path and not again.downloaded
    assert len(hub.requests) == requests
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert fetch("org/tiny-mae").path == fetched.path


def test_hub_repo_with_only_a_bin_file(hub):
    for name in list(hub.files):
        if name.endswith("model.safetensors"):
            hub.files[
                name.replace("tiny-mae", "bin-mae").replace("model.safetensors", "pytorch_model.bin")
            ] = _hf_bin()
        elif name.endswith("config.json"):
            hub.files[name.replace("tiny-mae", "bin-mae")] = hub.files[name]
    fetched = fetch("org/bin-mae")
    assert (fetched.path / "pytorch_model.bin").is_file()
    assert read_checkpoint(fetched.path)[0].embed_dim == 64


def _hf_bin() -> bytes:
    from safetensors.torch import load_file

    buf = io.BytesIO()
    torch.save(load_file(str(CONFORMANCE / "p16_pixel" / "model.safetensors")), buf)
    return buf.getvalue()


def test_hub_missing_repo_and_offline(hub, monkeypatch):
    with pytest.raises(DownloadError, match=r"huggingface\.co/org/nothing-here") as info:
        fetch("org/nothing-here")
    assert "\n" not in str(info.value)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DownloadError, match="not in the Hugging Face cache"):
        fetch("org/tiny-mae")


def test_hub_weights_that_are_not_mae_are_removed(hub):
    hub.files["/org/tiny-mae/resolve/main/model.safetensors"] = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "
    with pytest.raises(DownloadError, match="not a usable MAE checkpoint"):
        fetch("org/tiny-mae")
    assert cached_path(parse_source("org/tiny-mae")) is None  # the next run downloads again


def test_hub_without_network_is_one_clear_line(hub):
    hub.stop()
    with pytest.raises(
        DownloadError, match=r"^huggingface\.co/org/tiny-mae: cannot reach the server"
    ) as info:
        fetch("org/tiny-mae")
    assert "\n" not in str(info.value)
