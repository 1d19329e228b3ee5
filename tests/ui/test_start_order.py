"""The window shows before torch loads: `mae-studio PHOTO` in a fresh process, timed by the probe
that `mae-studio bench --start` uses. What is checked is the order (which modules were imported
at the first paint), never a duration."""

from __future__ import annotations

from pathlib import Path

from mae_studio.cli.start_bench import format_start_table, launch
from mae_studio.core.places import SAMPLES

ROOT = Path(__file__).resolve().parents[2]


def test_the_window_paints_before_torch_is_imported_and_then_reconstructs():
    run = launch(ROOT, SAMPLES / "coffee.jpg")
    assert run.heavy_at_paint == "-"  # no torch, timm or safetensors on the way to the window
    assert 0 < run.painted_s < run.result_s  # the model loaded behind the window and a result came


def test_the_start_table_shows_medians_per_tree():
    from mae_studio.cli.start_bench import Launch

    results = {
        "this tree": [Launch(1.0, 5.0, "-"), Launch(3.0, 9.0, "-"), Launch(2.0, 6.0, "-")],
        "baseline": [Launch(6.0, 7.0, "torch,timm")],
    }
    table = format_start_table(results, {"this tree": "/a", "baseline": "/b"}).splitlines()
    assert table[2] == "this tree (/a) | 3 | 2.00 | 1.00-3.00 | 6.00 | -"
    assert table[3] == "baseline (/b) | 1 | 6.00 | 6.00-6.00 | 7.00 | torch,timm"
