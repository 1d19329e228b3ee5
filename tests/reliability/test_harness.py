"""The load worker itself: a hang, a crash and an escaping exception are each reported as
such (else the corpus and fuzz tests could pass without looking)."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

import mae_studio.core

from .bounded import LoadWorker


def _worker_with(monkeypatch: pytest.MonkeyPatch, fake: object, **kw: int) -> LoadWorker:
    # The worker imports load_image_bytes from mae_studio.core when it loads, after the fork.
    monkeypatch.setattr(mae_studio.core, "load_image_bytes", fake)
    return LoadWorker(**kw)


def test_a_hang_is_reported_and_the_worker_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    worker = _worker_with(monkeypatch, lambda data, name: time.sleep(60))
    try:
        outcome = worker.load(b"data", "slow.png", timeout=0.5)
        assert outcome.kind == "hung" and "hang guard" in outcome.message and worker.restarts == 1
    finally:
        worker.close()


def test_a_crash_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    worker = _worker_with(monkeypatch, lambda data, name: os._exit(3))
    try:
        outcome = worker.load(b"data", "crash.png")
        assert outcome.kind == "crashed" and "exit code 3" in outcome.message
    finally:
        worker.close()


def test_other_exceptions_escape_visibly(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes, name: str) -> None:
        raise struct_error("unpack requires a buffer of 4 bytes")

    struct_error = type("error", (Exception,), {})
    worker = _worker_with(monkeypatch, broken)
    try:
        outcome = worker.load(b"data", "odd.png")
        assert outcome.kind == "escaped" and "unpack requires" in outcome.message
    finally:
        worker.close()


def test_peak_memory_growth_is_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    def allocate(data: bytes, name: str) -> None:
        block = np.ones(96 << 20, np.uint8)  # 96 MiB, touched
        raise mae_studio.core.ImageLoadError(name, f"refused after {block.sum() >> 20} MiB")

    worker = _worker_with(monkeypatch, allocate)
    try:
        outcome = worker.load(b"data", "big.png")
        assert outcome.kind == "refused" and "96 MiB" in outcome.message
        assert 90 << 20 <= outcome.rss_growth <= 200 << 20, outcome.describe()
    finally:
        worker.close()


def test_runaway_memory_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    def grow(data: bytes, name: str) -> None:
        blocks = []
        for _ in range(40):  # 16 MiB at a time, touched, up to 640 MiB unless stopped
            blocks.append(np.ones(16 << 20, np.uint8))
            time.sleep(0.02)

    worker = _worker_with(monkeypatch, grow, runaway_bytes=96 << 20)
    try:
        outcome = worker.load(b"data", "greedy.png")
        assert outcome.kind == "runaway" and 96 << 20 < outcome.rss_growth < 400 << 20, outcome.describe()
        assert worker.restarts == 1
    finally:
        worker.close()
