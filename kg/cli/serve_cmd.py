from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import say, user_errors


@app.command("serve")
def serve_command(
    port: int = typer.Option(7878, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph to serve (default: build/graph.ttl)."),
    timeout: float = typer.Option(5.0, "--timeout", min=0, help="Seconds each query may run (0: no limit)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No request log on stderr."),
) -> None:
    """Serve the graph read-only: a SPARQL 1.1 endpoint at /sparql and an offline query page at /.

    Binds 127.0.0.1 only; updates, SERVICE and FROM are refused; Ctrl-C stops it.

    Example: kg serve --port 7878   # then open http://127.0.0.1:7878/
    """
    from kg.sparql.serve import make_server
    from kg.store.local import load_graph

    with user_errors():
        g = load_graph(graph)
    try:
        server = make_server(g, port, timeout=timeout or None, quiet=quiet)
    except OSError as e:
        say(f"Error: cannot listen on 127.0.0.1:{port}: {e.strerror or e}")
        raise typer.Exit(1) from None
    host, bound = server.server_address[:2]
    say(f"serving {len(g)} triples read-only at http://{host}:{bound}/ (SPARQL endpoint: "
        f"http://{host}:{bound}/sparql); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    say("stopped")
