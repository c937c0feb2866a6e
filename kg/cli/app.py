"""The typer application; each command module of kg.cli registers itself on `app`."""

import typer

app = typer.Typer(
    name="kg",
    help="Build, query, draw and validate a knowledge graph of SME policy documents (English and Chinese).",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"kg {version('kg')}")
        except PackageNotFoundError:  # a source tree without an install
            typer.echo("kg (not installed)")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                 help="Print kg's version and exit."),
) -> None:
    """Build, query, draw and validate a knowledge graph of SME policy documents (English and Chinese).

    Example: kg build && kg query departments
    """
