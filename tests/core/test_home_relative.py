"""Folders shown to users (the models dialog's caches) read from the home folder, "~/...", so
they say the same on every machine and show no user name."""

from __future__ import annotations

from pathlib import Path

import pytest

from mae_studio.core.names import home_relative


def test_a_folder_under_home_starts_with_a_tilde(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home" / "ada"
    monkeypatch.setenv("HOME", str(home))
    shown = home_relative(home / ".cache" / "torch" / "hub" / "checkpoints")
    assert shown == "~/.cache/torch/hub/checkpoints"
    assert home_relative(home) == "~"


def test_a_folder_elsewhere_is_shown_whole_and_printable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home" / "ada"))
    assert home_relative(tmp_path / "cache") == str(tmp_path / "cache")
    assert home_relative(tmp_path / "home" / "adam") == str(tmp_path / "home" / "adam")  # not a prefix match
    assert "\n" not in home_relative(tmp_path / "new\nline")
