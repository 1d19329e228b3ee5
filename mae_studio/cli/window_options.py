"""The studio window's arguments: `mae-studio [PHOTO] [--checkpoint CKPT] ...`.

Defined here, without Qt or torch, so that `mae-studio --help` lists them beside the commands
(cli/app.py) and the window (ui/app.py) parses exactly what the help says.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import arg_types
from .arg_types import with_range

# The studio's ratio slider ends at 0.95 (the encoder keeps some patches); its seed box is int32.
WINDOW_RATIO = arg_types.float_range(0.0, 0.95)

VERBOSE_FLAGS = ("-v", "--verbose")


def add_verbose_argument(target: Any, default: Any = False) -> argparse.Action:
    return target.add_argument(
        *VERBOSE_FLAGS,
        action="store_true",
        default=default,
        help="print debug messages on stderr (the log file in the data folder always gets them)",
    )


def add_window_arguments(target: Any) -> None:
    """Add the window's arguments to a parser or an argument group."""
    target.add_argument(
        "image", nargs="?", type=Path, metavar="PHOTO", help="photo to open (default: a bundled sample)"
    )
    target.add_argument(
        "--checkpoint",
        metavar="CKPT",
        help="model to start on: checkpoint file or Hugging Face folder (default: the shipped model)",
    )
    # the window's old name for --checkpoint
    target.add_argument("--model", dest="checkpoint", metavar="CKPT", help=argparse.SUPPRESS)
    target.add_argument(
        "--device", default="auto", choices=("auto", "cpu", "cuda", "mps"), help="default: auto"
    )
    target.add_argument(
        "--mask-ratio",
        type=WINDOW_RATIO,
        default=0.75,
        metavar="R",
        help=with_range("start with this random mask ratio", WINDOW_RATIO, 0.75),
    )
    target.add_argument(
        "--seed",
        type=arg_types.seed,
        default=0,
        metavar="S",
        help=with_range("seed of the starting random mask", arg_types.seed, 0),
    )
    target.add_argument(
        "--bench", action="store_true", help="run the GUI responsiveness benchmark and print a table"
    )
    add_verbose_argument(target)


def build_window_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mae-studio",
        description="MAE Studio: paint masks on a photo and watch a Masked Autoencoder reconstruct it. "
        "`mae-studio --help` also lists the headless commands.",
    )
    add_window_arguments(p)
    return p


def window_help_section() -> str:
    """The window's arguments as one help section, for the top-level help."""
    section = argparse.ArgumentParser(prog="mae-studio", usage=argparse.SUPPRESS, add_help=False)
    add_window_arguments(section.add_argument_group("the studio window (no COMMAND)"))
    return section.format_help().rstrip()


def window_usage() -> str:
    """`mae-studio [PHOTO] [--checkpoint CKPT] ...` without the `usage: ` prefix."""
    p = argparse.ArgumentParser(prog="mae-studio", add_help=False)
    add_window_arguments(p)
    return p.format_usage().removeprefix("usage: ").strip()
