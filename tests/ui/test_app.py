"""The GUI entry point's arguments and the benchmark's verdicts (the benchmark itself is a
command, not a test)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths

from mae_studio.core import places
from mae_studio.core.places import DATA_FOLDER_ENV, ICON
from mae_studio.ui import autosave
from mae_studio.ui.app import build_parser, create_application, run_gui
from mae_studio.ui.bench import StrokeResult, print_table, stroke_path


def test_arguments():
    args = build_parser().parse_args(["photo.jpg", "--checkpoint", "m.pth", "--device", "cpu", "--seed", "3"])
    assert args.image == Path("photo.jpg") and args.checkpoint == "m.pth"
    assert args.device == "cpu" and args.seed == 3 and args.mask_ratio == 0.75 and not args.bench


def test_the_application_has_the_studio_icon_and_names(qapp):
    app = create_application()
    assert ICON.is_file() and not app.windowIcon().isNull()
    assert app.windowIcon().availableSizes()[0].width() == 256
    assert (app.organizationName(), app.applicationName(), app.desktopFileName()) == (
        "MAE Studio",
        "mae-studio",
        "mae-studio",
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux rule")
def test_the_data_folder_without_qt_is_qts_app_data_location(qapp, monkeypatch, tmp_path):
    """The log (core.places, no Qt) and the autosave share the folder Qt would choose."""
    create_application()
    monkeypatch.delenv(DATA_FOLDER_ENV)
    for xdg in (str(tmp_path / "xdg"), "relative/is/ignored", ""):
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
        qt = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        assert places.data_folder() == Path(qt)
    assert Path(qt) == Path.home() / ".local" / "share" / "MAE Studio" / "mae-studio"
    assert autosave.data_folder() == places.data_folder() / "autosave"


def test_a_bad_mask_ratio_is_refused_before_a_window_opens(capsys):
    with pytest.raises(SystemExit) as e:  # by the argument parser, as every range is
        run_gui(["--mask-ratio", "0.99"])
    assert e.value.code == 2 and "argument --mask-ratio: must be within 0..0.95" in capsys.readouterr().err


def _row(last_ms: float, stall_ms: float) -> StrokeResult:
    return StrokeResult(200, 2.0, 10, 8, 2, last_ms, stall_ms)


def test_benchmark_verdicts(capsys):
    assert print_table([(_row(90.0, 20.0), 50.0)], 50.0, 60.0, 5.0, "header")
    assert not print_table([(_row(120.0, 20.0), 50.0)], 50.0, 60.0, 5.0, "header")  # 120 > 50 + 50
    assert not print_table([(_row(90.0, 55.0), 50.0)], 50.0, 60.0, 5.0, "header")  # stall >= 50
    out = capsys.readouterr().out
    assert "| yes" in out and "| NO" in out


def test_stroke_path_stays_on_the_image():
    points = stroke_path(224, 336, 201, 0)  # a 14 x 21 grid of 16 px patches
    assert len(points) == 201
    assert all(0 <= x < 336 and 0 <= y < 224 for x, y in points)
    assert max(x for x, _ in points) > 224  # it crosses the whole width
