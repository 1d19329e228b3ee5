"""One help for the window and the commands; the window's arguments; --verbose and the log file."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from mae_studio import __version__
from mae_studio.cli.app import build_parser, command_names, is_command_line, run
from mae_studio.cli.window_options import build_window_parser
from mae_studio.core import logs
from mae_studio.core.places import DATA_FOLDER_ENV

WINDOW_OPTIONS = ("--checkpoint", "--device", "--mask-ratio", "--seed", "--bench", "--verbose")


@pytest.fixture
def data(monkeypatch, tmp_path) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_FOLDER_ENV, str(folder))
    yield folder
    logs.close_logging()


def test_the_top_level_help_lists_the_window_arguments_and_every_command(capsys):
    with pytest.raises(SystemExit) as stop:
        run(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    window = out[out.index("the studio window") : out.index("\noptions:")]
    assert "PHOTO" in window and all(option in window for option in WINDOW_OPTIONS)
    assert not re.search(r"--model\b", out)  # the window's old name for --checkpoint: works, not advertised
    commands = out[out.index("\ncommands:") :]
    assert all(f"\n    {name} " in commands for name in command_names())


def test_the_help_and_the_window_parser_have_the_same_options():
    help_text = build_parser().format_help()
    window = build_window_parser()
    options = {s for a in window._actions for s in a.option_strings if a.help != "==SUPPRESS=="}
    assert options == {"-h", "--help", "-v", *WINDOW_OPTIONS}
    assert all(option in help_text for option in options)


def test_the_window_takes_checkpoint_as_typed_and_model_as_its_old_name():
    args = build_window_parser().parse_args(["photo.jpg", "--checkpoint", "facebook/vit-mae-base", "-v"])
    assert args.image == Path("photo.jpg") and args.checkpoint == "facebook/vit-mae-base" and args.verbose
    args = build_window_parser().parse_args(["--model", "m.pth", "--seed", "3"])
    assert args.checkpoint == "m.pth" and args.image is None and args.seed == 3 and not args.verbose
    args = build_window_parser().parse_args([])
    assert args.checkpoint is None and args.device == "auto" and args.mask_ratio == 0.75 and not args.bench


@pytest.mark.parametrize(
    ("argv", "command_line"),
    [
        ([], False),
        (["photo.jpg"], False),
        (["--checkpoint", "m.pth"], False),
        (["-v"], False),
        (["photo.jpg", "--help"], False),  # the window's own help
        (["--help"], True),
        (["--version"], True),
        (["reconstruct", "photo.jpg"], True),
        (["--verbose", "reconstruct", "photo.jpg"], True),
        (["-v", "--help"], True),
    ],
)
def test_which_arguments_run_a_command_and_which_open_the_window(argv, command_line):
    assert is_command_line(argv) is command_line


def test_a_command_logs_to_the_data_folder_and_its_one_line_error_keeps_a_traceback(data, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(["reconstruct", str(empty), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"mae-studio reconstruct: no image files in {empty}"]
    text = (data / "logs" / "mae-studio.log").read_text()
    assert f"INFO mae_studio.cli.app: mae-studio {__version__}: reconstruct {empty} --out " in text
    assert f"DEBUG mae_studio.cli.app: mae-studio reconstruct: no image files in {empty}" in text
    assert "Traceback (most recent call last)" in text and "UsageError" in text


def test_verbose_prints_debug_records_and_the_log_keeps_them(data, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(["--verbose", "reconstruct", str(empty), "--out", str(tmp_path / "out")]) == 1
    assert run(["reconstruct", str(empty), "--out", str(tmp_path / "out"), "-v"]) == 1
    err = capsys.readouterr().err
    assert err.count("DEBUG mae_studio.cli.app: mae-studio reconstruct: no image files") == 2
    assert err.count("Traceback (most recent call last)") == 2
    logging.getLogger("mae_studio.core.test").info("one more record")
    text = (data / "logs" / "mae-studio.log").read_text()
    assert text.count("DEBUG mae_studio.cli.app: mae-studio reconstruct: no image files") == 2
    assert text.endswith("INFO mae_studio.core.test: one more record\n")


def test_an_unwritable_data_folder_leaves_the_command_working(monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv(DATA_FOLDER_ENV, str(blocker))
    try:
        assert logs.setup_logging() is None
        logging.getLogger("mae_studio.cli").warning("still said")
    finally:
        logs.close_logging()
    err = capsys.readouterr().err
    assert err.startswith(f"mae-studio: no log file ({blocker / 'logs'}: ") and err.endswith("still said\n")


def test_the_log_rotates_at_a_few_megabytes(data):
    path = logs.setup_logging()
    assert path == data / "logs" / "mae-studio.log"
    record = "x" * 1000
    for _ in range(3 * logs.MAX_BYTES // 1000):
        logging.getLogger("mae_studio.test").debug(record)
    logs.close_logging()
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["mae-studio.log", "mae-studio.log.1", "mae-studio.log.2"]
    assert all(p.stat().st_size <= logs.MAX_BYTES for p in path.parent.iterdir())
