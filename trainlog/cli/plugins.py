"""``trainlog plugins``: what is loaded, and from which distribution."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "plugins",
        help="list loaded methods, sinks and renderers",
        description="List the methods, sinks and renderers trainlog has loaded, "
        "and the plugin and distribution each came from.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def run(args: argparse.Namespace) -> int:
    from trainlog.plugins import load_plugins

    registry = load_plugins()
    rows: list[dict[str, str]] = []
    tables: list[tuple[str, dict[str, Any]]] = [
        ("method", registry.methods),
        ("sink", registry.sinks),
        ("renderer", registry.renderers),
    ]
    for kind, table in tables:
        for name in sorted(table):
            plugin = registry.origin[(kind, name)]
            row = {
                "kind": kind,
                "name": name,
                "plugin": plugin,
                "distribution": registry.distributions.get(plugin, "?"),
            }
            if kind == "method" and registry.methods[name].aliases:
                row["aliases"] = ",".join(registry.methods[name].aliases)
            rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows) if rows else 4
    for row in rows:
        alias = f" (aliases: {row['aliases']})" if "aliases" in row else ""
        print(
            f"{row['kind']:<9} {row['name']:<{width}}  {row['distribution']}: "
            f"{row['plugin']}{alias}"
        )
    return 0
