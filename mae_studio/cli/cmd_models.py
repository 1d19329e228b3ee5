"""`mae-studio models list` and `mae-studio models download NAME...`: the model catalogue."""

from __future__ import annotations

import argparse
import sys

from mae_studio.core import catalogue
from mae_studio.core.catalogue import catalogue_names, find_model, format_size
from mae_studio.core.errors import MaeStudioError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "models",
        help="the models the studio can download: list them, fetch them",
        description="The official facebookresearch/mae releases and the Hugging Face ViTMAE repos. "
        "Any command's --checkpoint takes these names (and Hub repo ids or https:// URLs); a model "
        "is downloaded once into the torch hub or Hugging Face cache and verified. HF_HUB_OFFLINE=1 "
        "turns downloads off; TORCH_HOME and HF_HOME move the caches.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="name, size, licence, and whether it is on disk (where)")
    ls.set_defaults(func=run_list)
    dl = verbs.add_parser("download", help="download models (with a progress bar) and verify them")
    names = ", ".join(catalogue_names())
    dl.add_argument("names", nargs="+", metavar="NAME", help=f"catalogue names: {names}")
    dl.set_defaults(func=run_download)


def run_list(args: argparse.Namespace) -> int:
    from mae_studio.core.downloads import cached_path, parse_source

    rows = [("name", "size", "target", "licence", "on disk", "what it is")]
    paths = []
    for entry in catalogue.CATALOGUE:
        local = cached_path(parse_source(entry.name))
        rows.append(
            (
                entry.name,
                format_size(entry.size_bytes),
                entry.target,
                entry.licence,
                "yes" if local is not None else "no",
                entry.summary,
            )
        )
        paths.append(f"{entry.name}: {local if local is not None else entry.source}")
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
    print()
    print("where (on disk, or the source it downloads from):")
    for line in paths:
        print(f"  {line}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    from mae_studio.core.downloads import cached_path, parse_source

    from .options import fetch_model

    unknown = [n for n in args.names if find_model(n) is None]
    if unknown:
        raise MaeStudioError(
            f"not in the catalogue: {', '.join(unknown)} (known: {', '.join(catalogue_names())})"
        )
    failed = 0
    for name in args.names:
        entry = find_model(name)
        assert entry is not None
        source = parse_source(entry.name)
        if cached_path(source) is not None:
            print(f"{entry.name}: already on disk at {cached_path(source)}")
            continue
        print(f"{entry.name}: {format_size(entry.size_bytes)} from {entry.source}")
        print(f"  licence: {entry.licence} ({entry.licence_url})")
        try:
            fetched = fetch_model(entry.name)
        except MaeStudioError as e:  # one failed model does not stop the others
            print(f"mae-studio models download: {e}", file=sys.stderr)
            failed += 1
            continue
        print(f"{entry.name}: on disk at {fetched.path}")
    return 1 if failed else 0
