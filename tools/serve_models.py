"""Serve checkpoints on 127.0.0.1, slowly if asked, to try Model > Get Models… without the
internet (and to watch its progress, speed, time left and Cancel):

    .venv/bin/python tools/serve_models.py [FILE ...] [--rate BYTES_PER_S]

It prints one URL per file: paste it into the dialog's "Other model" field, or start the studio
with `--checkpoint URL`. Without FILE it serves the shipped default model. Plain http:// is
accepted from this machine only (127.0.0.1). Run from the repository root; Ctrl+C stops it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.model_server import Fault, ModelServer  # noqa: E402  (the test suite's server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/serve_models.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="checkpoint files to serve")
    parser.add_argument("--rate", type=float, default=None, help="bytes per second (default: full speed)")
    args = parser.parse_args(argv)
    files = args.files or [ROOT / "weights" / "mae_studio_default.safetensors"]
    server = ModelServer().start()
    for path in files:
        url_path = f"/models/{path.name}"
        server.add(url_path, path.read_bytes())
        if args.rate:
            server.faults[url_path] = Fault(bytes_per_s=args.rate)
        print(f"{server.url}{url_path}", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
