"""The command tree: every command's help is available without loading torch or Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mae_studio.cli.app import command_names

PROBE = (
    "import sys\n"
    "from mae_studio.cli.app import build_parser\n"
    "parser = build_parser()\n"
    "args = sys.argv[1:]\n"
    "try:\n"
    "    parser.parse_args(args)\n"
    "except SystemExit:\n"
    "    pass\n"
    "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'timm', 'PySide6', 'cv2'))\n"
    "print('HEAVY', heavy)\n"
)


@pytest.mark.parametrize("argv", [["--help"], *[[name, "--help"] for name in sorted(command_names())]])
def test_help_does_not_import_torch_or_qt(argv):
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "usage: mae-studio" in out
    assert out.strip().splitlines()[-1] == "HEAVY []"


def test_lazy_engine_names_resolve_and_unknown_names_fail():
    import mae_studio.core as core

    assert core.MaskedAutoencoderViT.__name__ == "MaskedAutoencoderViT"
    assert core.load_model.__name__ == "load_model"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = core.nope
