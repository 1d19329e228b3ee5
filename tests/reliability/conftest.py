"""Fixtures of the reliability suite: the hostile corpus written to a temp folder, a forked
image-load worker with a hang guard, a tiny checkpoint, a small tmpfs for a real full disk,
and the hypothesis profiles of the fuzz tests.

Fuzz size: MAE_FUZZ_EXAMPLES (default 300, derandomized so CI is repeatable); set it, e.g.
MAE_FUZZ_EXAMPLES=5000, for a long random run. The run's case count, longest case and largest
memory growth are printed in pytest's terminal summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, settings

from mae_studio.core import MAEConfig, MaskedAutoencoderViT, save_checkpoint

from .bounded import LoadWorker, Outcome
from .corpus import Case, build_corpus

FUZZ_EXAMPLES = int(os.environ.get("MAE_FUZZ_EXAMPLES", "0") or 0)
settings.register_profile(
    "mae-fuzz",
    max_examples=FUZZ_EXAMPLES or 300,
    derandomize=not FUZZ_EXAMPLES,  # CI: the same 300 cases every run; long runs explore
    deadline=None,  # bounded.HANG_GUARD_S is the time box; hypothesis' deadline would flake
    database=None,  # no .hypothesis/ folder in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,  # a failure prints the blob that reproduces it
)


class FuzzLog(list[tuple[str, Outcome]]):
    """(mutation description, outcome) of every fuzz case; a short repr, as hypothesis prints
    the test's arguments when a case fails."""

    def __repr__(self) -> str:
        return f"<FuzzLog of {len(self)} cases>"


_FUZZ_LOG = pytest.StashKey[FuzzLog]()
_CHECKPOINT_FUZZ_LOG = pytest.StashKey[FuzzLog]()
_MASK_FUZZ_LOG = pytest.StashKey[FuzzLog]()


@pytest.fixture(scope="session")
def corpus() -> list[Case]:
    return build_corpus()


@pytest.fixture(scope="session")
def corpus_dir(corpus: list[Case], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile_corpus")
    for case in corpus:
        (folder / case.name).write_bytes(case.data)
    return folder


@pytest.fixture(scope="session")
def load_worker() -> Iterator[LoadWorker]:
    worker = LoadWorker()
    yield worker
    worker.close()


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight 64 px MAE (4 x 4 patches) in this project's safetensors format."""
    config = MAEConfig(
        img_size=64, patch_size=16, embed_dim=64, depth=2, num_heads=4,
        decoder_embed_dim=48, decoder_depth=1, decoder_num_heads=4, name="tiny",
    )  # fmt: skip
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(config)
    model.init_weights()
    return save_checkpoint(model, tmp_path_factory.mktemp("ckpt") / "tiny.safetensors")


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """mount(size="64k", name="disk") -> a real tmpfs folder; skips where mounting is not
    allowed (not root, or no CAP_SYS_ADMIN in a container). Unmounted after the test."""
    mounted: list[Path] = []

    def mount(size: str = "64k", name: str = "disk") -> Path:
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("a real small disk needs root to mount a tmpfs")
        folder = tmp_path / name
        folder.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", str(folder)], check=True, timeout=30)


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, timeout=30)


@pytest.fixture(scope="session")
def fuzz_log(request: pytest.FixtureRequest) -> FuzzLog:
    """Every fuzz case, summarized at the end of the run (pytest_terminal_summary)."""
    return request.config.stash.setdefault(_FUZZ_LOG, FuzzLog())


@pytest.fixture(scope="session")
def checkpoint_fuzz_log(request: pytest.FixtureRequest) -> FuzzLog:
    """Every checkpoint fuzz case, summarized like the image ones."""
    return request.config.stash.setdefault(_CHECKPOINT_FUZZ_LOG, FuzzLog())


@pytest.fixture(scope="session")
def mask_fuzz_log(request: pytest.FixtureRequest) -> FuzzLog:
    """Every mask-file fuzz case (test_mask_fuzz.py), summarized like the image ones."""
    return request.config.stash.setdefault(_MASK_FUZZ_LOG, FuzzLog())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    for title, key in (
        ("image fuzzing", _FUZZ_LOG),
        ("checkpoint fuzzing", _CHECKPOINT_FUZZ_LOG),
        ("mask-file fuzzing", _MASK_FUZZ_LOG),
    ):
        log = config.stash.get(key, FuzzLog())
        if log:
            _summarize(terminalreporter, title, log)


def _summarize(tr: pytest.TerminalReporter, title: str, log: FuzzLog) -> None:
    kinds: dict[str, int] = {}
    for _, outcome in log:
        kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
    slowest_case, slowest = max(log, key=lambda item: item[1].seconds)
    hungriest_case, hungriest = max(log, key=lambda item: item[1].rss_growth)
    tr.section(title)
    tr.write_line(f"{len(log)} cases: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    tr.write_line(f"longest case: {slowest.seconds:.3f} s ({slowest_case}; {slowest.kind})")
    tr.write_line(
        f"largest peak memory growth: {hungriest.rss_growth / (1 << 20):.0f} MiB ({hungriest_case})"
    )
