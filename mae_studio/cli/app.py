"""The `mae-studio` command tree.

Each subcommand lives in a module `mae_studio/cli/cmd_<name>.py` that defines
`register(subparsers) -> None`; it adds its parser and sets `func=handler(args) -> int`.
User errors (MaeStudioError) print one line on stderr and exit 1, never a traceback; so do
the device running out of memory or failing (options.device_fault).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import mae_studio.cli as _cli_pkg
from mae_studio import __version__
from mae_studio.core.errors import MaeStudioError


def command_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(_cli_pkg.__path__) if m.name.startswith("cmd_"))


def command_names() -> set[str]:
    return {name.removeprefix("cmd_").replace("_", "-") for name in command_modules()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mae-studio",
        description="See what a Masked Autoencoder does. With no command, opens the studio window.",
    )
    parser.add_argument("--version", action="version", version=f"mae-studio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_modules():
        importlib.import_module(f"mae_studio.cli.{name}").register(sub)
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except MaeStudioError as e:
        print(f"mae-studio {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"mae-studio {args.command}: interrupted", file=sys.stderr)
        return 130
    except RuntimeError as e:  # the device ran out of memory or failed: the user can act on it
        from .options import device_fault

        message = device_fault(e, args)
        if message is None:
            raise  # anything else is a bug: keep its traceback
        print(f"mae-studio {args.command}: {message}", file=sys.stderr)
        return 1
