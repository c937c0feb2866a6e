"""Running a query: on an rdflib Graph, on a pyoxigraph Store or on a remote SPARQL endpoint, read-only,
parameters bound as RDF terms, in a forked child process that is killed at the time limit (so a runaway
query — a cross join, a catastrophic regular expression — stops for real and the caller stays
responsive).
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Literal, URIRef

from kg.errors import QueryError, QueryTimeout, first_line
from kg.namespaces import PREFIXES
from kg.sparql.named import resolve
from kg.sparql.params import Lookup, bind_params, is_oxigraph
from kg.sparql.safety import check_network, prepare
from kg.sparql.sandbox import deny_network
from kg.sparql.values import bind_text
from kg.store.terms import from_ox

DEFAULT_TIMEOUT = 5.0


@dataclass
class Result:
    vars: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    form: str = "SELECT"  # SELECT, ASK, CONSTRUCT or DESCRIBE
    elapsed: float = 0.0

    @property
    def boolean(self) -> bool | None:
        return bool(self.rows[0][0]) if self.form == "ASK" and self.rows else None

    def to_dataframe(self):
        """The rows as a pandas DataFrame with typed columns (kg.sparql.formats.to_dataframe)."""
        from kg.sparql.formats import to_dataframe

        return to_dataframe(self)


def _evaluate(source: Any, text: str, prepared, bindings: dict[str, Any], limit: int | None) -> Result:
    """Run the query in this process and collect at most limit + 1 rows."""
    cap = None if limit is None else limit + 1
    rows: list[list[Any]] = []
    if is_oxigraph(source):
        import pyoxigraph as ox

        # Oxigraph's substitutions only reach projected variables, so the terms go in a VALUES block
        # at the start of the WHERE group (serialised by rdflib, like for a remote endpoint).
        bound = bind_text(text, bindings)
        check_network(bound)  # on the exact text Oxigraph parses
        res = source.query(bound, prefixes={k: str(v) for k, v in PREFIXES.items()},
                           use_default_graph_as_union=True)
        if isinstance(res, bool):
            return Result(["ask"], [[Literal(res)]], form="ASK")
        if isinstance(res, ox.QuerySolutions):
            vars_ = [v.value for v in res.variables]
            for sol in res:
                rows.append([from_ox(sol[v]) for v in vars_])
                if cap and len(rows) >= cap:
                    break
            form = "SELECT"
        else:
            vars_, form = ["subject", "predicate", "object"], "CONSTRUCT"
            for t in res:
                rows.append([from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)])
                if cap and len(rows) >= cap:
                    break
    else:
        # kg.store.local.OxigraphGraph runs SPARQL text in Oxigraph (rdflib's parsed queries would fall back
        # to rdflib's engine over the store); its bindings hold everywhere, as initBindings do here
        native = getattr(getattr(source, "store", None), "native_sparql", False)
        res = (source.query(text, initNs=PREFIXES, initBindings=bindings) if native
               else source.query(prepared, initBindings=bindings))
        if res.type == "ASK":
            return Result(["ask"], [[Literal(bool(res.askAnswer))]], form="ASK")
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            vars_, form = ["subject", "predicate", "object"], res.type
            for t in res.graph:
                rows.append(list(t))
                if cap and len(rows) >= cap:
                    break
        else:
            vars_, form = [str(v) for v in (res.vars or [])], "SELECT"
            for r in res:
                rows.append(list(r))
                if cap and len(rows) >= cap:
                    break
    truncated = limit is not None and len(rows) > limit
    return Result(vars_, rows[:limit] if truncated else rows, truncated, form)


def _child(conn, fn: Callable[[], Result], max_memory: int | None = None) -> None:  # pragma: no cover - child
    try:
        deny_network()
        if max_memory:
            _cap_memory(max_memory)
            sys.unraisablehook = lambda *_: None  # generators closed while out of memory: nothing to say
        result = fn()
        conn.send(("ok", result))
    except BaseException as e:  # noqa: BLE001 - everything is reported to the parent
        msg = first_line(e)
        if isinstance(e, MemoryError):
            msg = "memory"
        try:
            conn.send(("error", f"{type(e).__name__}: {msg}" if not isinstance(e, QueryError) else msg))
        except Exception:
            pass
    finally:
        conn.close()


DEFAULT_MAX_MEMORY = 2 * 1024 ** 3  # bytes a query may allocate on top of the loaded graph


def _cap_memory(extra: int) -> None:  # pragma: no cover - runs in the forked child
    """Limit the child's address space to what it already maps plus `extra` bytes (RLIMIT_AS)."""
    import resource

    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * resource.getpagesize()
    except OSError:
        mapped = 0
    limit = mapped + extra
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _near_memory_cap() -> bool:  # pragma: no cover - runs in the forked child
    """Whether this process's address space is close to its RLIMIT_AS (an allocation likely failed)."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status") as f:
            peak = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmPeak:"))
    except (OSError, StopIteration, ValueError):
        return False
    return peak >= 0.9 * soft


def _memory_message(max_memory: int | None) -> str:
    mb = (max_memory or DEFAULT_MAX_MEMORY) // 1024 ** 2
    return f"query stopped: it needed more than {mb} MB of memory (raise --max-memory, add a LIMIT or narrow it)"


def run_isolated(fn: Callable[[], Result], timeout: float | None, max_memory: int | None = None) -> Result:
    """Run `fn` with a time limit that really stops it.

    With fork (Linux, macOS) `fn` runs in a child process that shares the loaded graph copy-on-write,
    cannot open a network socket (Linux) and is killed at the deadline (None or 0: no deadline);
    elsewhere it runs in a daemon thread that is abandoned at the deadline (the process still exits
    promptly), or here when there is no time limit.
    """
    message = f"query stopped after {timeout or 0:g}s (raise --timeout to allow more)"
    if "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(send, fn, max_memory), daemon=True)
        proc.start()
        send.close()
        try:
            if not recv.poll(timeout or None):
                raise QueryTimeout(message)
            try:
                status, payload = recv.recv()
            except EOFError:
                proc.join(5)
                if max_memory and proc.exitcode in (-6, -9, 134, 137):  # aborted on a failed allocation
                    raise QueryError(_memory_message(max_memory)) from None
                raise QueryError(f"the query process died (exit code {proc.exitcode}); "
                                 "out of memory? add a LIMIT or narrow the query") from None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            recv.close()
        if status == "error":
            if payload == "MemoryError: memory":
                raise QueryError(_memory_message(max_memory))
            raise QueryError(payload if payload.startswith(("query failed: ", "query stopped")) else
                             f"query failed: {payload}")
        return payload
    if not timeout:
        return fn()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001 - surfaced below
            box["error"] = e

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise QueryTimeout(message)
    if "error" in box:
        err = box["error"]
        if isinstance(err, QueryError):
            raise err
        raise QueryError(f"query failed: {type(err).__name__}: {first_line(err, '')}")
    return box["result"]


def run_query(source: Any, query: str, params: dict[str, str] | None = None,
              timeout: float | None = DEFAULT_TIMEOUT, limit: int | None = None,
              max_memory: int | None = DEFAULT_MAX_MEMORY) -> Result:
    """Run a named query, a .rq file or SPARQL text on `source` (an rdflib Graph or a pyoxigraph
    Store): read-only, parameters bound as RDF terms, time-limited from the first step (parsing, running
    and handing the rows over all count; None or 0: no limit), and allowed `max_memory` bytes on top of
    the loaded graph (None: no cap)."""
    start = time.perf_counter()
    text, nq = resolve(query)
    prepared = prepare(text)
    bindings = bind_params(nq, params or {}, Lookup.for_source(source))

    def fn() -> Result:
        try:
            return _evaluate(source, text, prepared, bindings, limit)
        except QueryError:
            raise
        except MemoryError:
            raise QueryError(_memory_message(max_memory)) from None
        except Exception as e:
            if max_memory and _near_memory_cap():  # a native engine's failed allocation shows up as anything
                raise QueryError(_memory_message(max_memory)) from None
            first = first_line(e, "")
            raise QueryError(f"query failed: {type(e).__name__}: {first}") from None

    left = None if not timeout else max(0.01, timeout - (time.perf_counter() - start))
    try:
        res = run_isolated(fn, left, max_memory)
    except QueryTimeout:  # said with the limit the user gave, not what was left of it after parsing
        raise QueryTimeout(f"query stopped after {timeout:g}s (raise --timeout to allow more)") from None
    res.elapsed = time.perf_counter() - start
    if timeout and res.elapsed > timeout:  # the rows came back, but after the deadline (a large transfer)
        raise QueryTimeout(f"query stopped after {timeout:g}s: its {len(res.rows)} rows took "
                           f"{res.elapsed:.1f}s to come back (raise --timeout or add a LIMIT)")
    return res


# ---------------------------------------------------------------- remote endpoints


def run_remote(endpoint: str, query: str, params: dict[str, str] | None = None,
               timeout: float | None = 30.0, limit: int | None = None) -> Result:
    """Run a query on a SPARQL 1.1 endpoint with the same safety checks and parameter validation."""
    from kg.namespaces import sparql_prologue
    from kg.store.remote import select

    text, nq = resolve(query)
    prepare(text)
    bound = bind_text(text, bind_params(nq, params or {}, Lookup(None)))
    start = time.perf_counter()
    vars_, rows = select(endpoint, sparql_prologue() + bound, timeout=timeout or 300)

    def term(d):
        if d is None:
            return None
        if d["type"] == "uri":
            return URIRef(d["value"])
        if d["type"] == "bnode":
            return BNode(d["value"])
        return Literal(d["value"], lang=d.get("xml:lang"), datatype=d.get("datatype"))

    out = [[term(x) for x in r] for r in rows]
    form = "ASK" if vars_ == ["ask"] else "SELECT"
    if form == "ASK":
        out = [[Literal(out[0][0] == Literal("true"))]] if out else [[Literal(False)]]
    truncated = limit is not None and len(out) > limit
    return Result(vars_, out[:limit] if truncated else out, truncated, form, time.perf_counter() - start)


__all__ = ["DEFAULT_TIMEOUT", "Result", "run_isolated", "run_query", "run_remote"]
