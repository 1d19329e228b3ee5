"""The `mae-studio` command tree.

Each subcommand lives in a module `mae_studio/cli/cmd_<name>.py` that defines
`register(subparsers) -> None`; it adds its parser and sets `func=handler(args) -> int`.
User errors (MaeStudioError) print one line on stderr and exit 1, never a traceback; so do
the device running out of memory or failing (options.device_fault). Their tracebacks go to the
log file (core/logs.py). With no command, `mae-studio` opens the studio window, whose arguments
(cli/window_options.py) this help lists too.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

import mae_studio.cli as _cli_pkg
from mae_studio import __version__
from mae_studio.core.errors import MaeStudioError
from mae_studio.core.logs import setup_logging

from .window_options import VERBOSE_FLAGS, add_verbose_argument, window_help_section, window_usage

log = logging.getLogger(__name__)


def command_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(_cli_pkg.__path__) if m.name.startswith("cmd_"))


def command_names() -> set[str]:
    return {name.removeprefix("cmd_").replace("_", "-") for name in command_modules()}


def is_command_line(argv: list[str]) -> bool:
    """Whether `mae-studio ARGV` runs a command or prints this help (else it opens the window)."""
    first = next((a for a in argv if a not in VERBOSE_FLAGS), None)
    return first is not None and (first in command_names() or first in ("-h", "--help", "--version"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mae-studio",
        usage=f"{window_usage()}\n       %(prog)s [-v] COMMAND ...   (mae-studio COMMAND --help)",
        description="See what a Masked Autoencoder does. With no command, opens the studio window.\n\n"
        + window_help_section(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mae-studio {__version__}")
    add_verbose_argument(parser)
    sub = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND", prog="mae-studio")
    for name in command_modules():
        importlib.import_module(f"mae_studio.cli.{name}").register(sub)
    for command in sub.choices.values():  # `mae-studio reconstruct ... -v` too
        add_verbose_argument(command, default=argparse.SUPPRESS)
    return parser


def run(argv: list[str]) -> int:
    _escape_unencodable_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    setup_logging(args.verbose)
    log.info("mae-studio %s: %s", __version__, " ".join(argv))
    try:
        return int(args.func(args) or 0)
    except MaeStudioError as e:
        return _failed(args.command, str(e))
    except KeyboardInterrupt:
        print(f"mae-studio {args.command}: interrupted", file=sys.stderr)
        return 130
    except RuntimeError as e:  # the device ran out of memory or failed: the user can act on it
        from .options import device_fault

        message = device_fault(e, args)
        if message is None:
            raise  # anything else is a bug: keep its traceback
        return _failed(args.command, message)


def _failed(command: str, message: str) -> int:
    """One line on stderr; the traceback of the exception being handled goes to the log."""
    print(f"mae-studio {command}: {message}", file=sys.stderr)
    log.debug("mae-studio %s: %s", command, message, exc_info=True)
    return 1


def _escape_unencodable_output() -> None:
    """A file name with bytes that are not UTF-8 (or a terminal that is not UTF-8) must not turn a
    finished run into a UnicodeEncodeError: what cannot be encoded is printed as an escape.
    Messages already show names with core.names; this is the net under every print."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            reconfigure(errors="backslashreplace")
