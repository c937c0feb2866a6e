"""The `kg` command line: a thin typer shell, one module per command, over the kg library.

Owns argument parsing, progress and summary lines, table rendering (render) and turning kg's
exceptions into exit codes. Each command calls one library function; the CLI holds no extraction,
RDF or graph logic. Nothing in kg imports it, so it must not import anything that imports it back
(it is the top layer, beside kg/__init__.py).
"""

from kg.cli import build_cmd, export_cmd, query_cmd, report_cmd, serve_cmd, stats_cmd, validate_cmd, viz_cmd  # noqa: F401,E402,E501
from kg.cli.app import app


def main() -> None:
    """Console entry point. An unexpected failure is one line too (KG_DEBUG=1 shows the traceback)."""
    import os
    import sys

    try:
        app(prog_name="kg", standalone_mode=True)
    except Exception as e:  # a bug, not a user error: still no traceback unless asked for
        if os.environ.get("KG_DEBUG"):
            raise
        print(f"Error: internal error: {type(e).__name__}: {e} (set KG_DEBUG=1 for details)", file=sys.stderr)
        sys.exit(1)


__all__ = ["app", "main"]
