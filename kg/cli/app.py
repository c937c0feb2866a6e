"""The typer application; each command module of kg.cli registers itself on `app`."""

import typer

app = typer.Typer(
    name="kg",
    help="Build, query, draw and validate a knowledge graph of SME policy documents (English and Chinese).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
