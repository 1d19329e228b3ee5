"""The GUI entry point's arguments and the benchmark's verdicts (the benchmark itself is a
command, not a test)."""

from __future__ import annotations

from pathlib import Path

from mae_studio.ui.app import build_parser, run_gui
from mae_studio.ui.bench import StrokeResult, print_table, stroke_path


def test_arguments():
    args = build_parser().parse_args(["photo.jpg", "--model", "m.pth", "--device", "cpu", "--seed", "3"])
    assert args.image == Path("photo.jpg") and args.model == Path("m.pth")
    assert args.device == "cpu" and args.seed == 3 and args.mask_ratio == 0.75 and not args.bench


def test_a_bad_mask_ratio_is_refused_before_a_window_opens(capsys):
    assert run_gui(["--mask-ratio", "0.99"]) == 2
    assert "--mask-ratio" in capsys.readouterr().err


def _row(last_ms: float, stall_ms: float) -> StrokeResult:
    return StrokeResult(200, 2.0, 10, 8, 2, last_ms, stall_ms)


def test_benchmark_verdicts(capsys):
    assert print_table([(_row(90.0, 20.0), 50.0)], 50.0, 60.0, 5.0, "header")
    assert not print_table([(_row(120.0, 20.0), 50.0)], 50.0, 60.0, 5.0, "header")  # 120 > 50 + 50
    assert not print_table([(_row(90.0, 55.0), 50.0)], 50.0, 60.0, 5.0, "header")  # stall >= 50
    out = capsys.readouterr().out
    assert "| yes" in out and "| NO" in out


def test_stroke_path_stays_on_the_image():
    points = stroke_path(224, 201, 0)
    assert len(points) == 201
    assert all(0 <= x < 224 and 0 <= y < 224 for x, y in points)
