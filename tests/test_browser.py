"""End to end in a real headless Chromium: the pages render offline, and text from hostile documents
never runs or injects markup.

The browser is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`, no port, no
extra package): every network request the page makes is recorded, JavaScript errors and CSP
violations are collected, and the page's own state is read with Runtime.evaluate. One test also uses
plain `--dump-dom`, independent of the driver. Skipped when `chromium` is not installed.

`python tests/test_browser.py measure` reruns the node-cap measurement quoted in the README.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
         "--disable-extensions", "--mute-audio", "--hide-scrollbars", "--window-size=1400,900"]

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]


class CDPError(RuntimeError):
    pass


class Browser:
    """A headless Chromium spoken to over the DevTools protocol on fds 3/4 (NUL-separated JSON)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="kg-chromium-")
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()

        def wire():  # in the child: fd 3 = commands in, fd 4 = replies out
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self._id = 0
        self._replies: dict[int, dict] = {}
        self.events: list[dict] = []
        self._cv = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session = None

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._r, 1 << 20)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cv:
                    self._replies[-1] = {"error": {"message": "browser closed the pipe"}}
                    self._cv.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self._cv:
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                    self._cv.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session or self.session:
            msg["sessionId"] = session or self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cv:
            while self._id not in self._replies and -1 not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"{method}: no reply in {timeout}s")
                self._cv.wait(left)
            reply = self._replies.pop(self._id, None) or self._replies[-1]
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def open(self, url: str = "about:blank"):
        """A fresh tab with network, page, runtime and log events on; navigates to `url`."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session="")["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session="")["sessionId"]
        for domain in ("Network", "Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 900, "deviceScaleFactor": 1,
                                                         "mobile": False})
        self.events.clear()
        if url != "about:blank":
            self.send("Page.navigate", {"url": url})
        return self

    def eval(self, expr: str, timeout: float = 60):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True},
                      timeout=timeout)
        if "exceptionDetails" in r:
            raise CDPError(f"{expr[:60]}: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def wait_for(self, expr: str, timeout: float = 60, every: float = 0.05):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(expr)
            if value:
                return value
            time.sleep(every)
        raise CDPError(f"timed out after {timeout}s waiting for {expr}")

    def screenshot(self, path: Path) -> None:
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def mouse(self, kind: str, x: float, y: float) -> None:
        self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left" if kind != "mouseMoved"
                                               else "none", "clickCount": 1 if kind != "mouseMoved" else 0})

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def problems(self) -> list[str]:
        """JavaScript exceptions, console errors and CSP/security log entries seen so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append("exception: " + (d.get("exception", {}).get("description") or d.get("text", "")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"]))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append(f"log ({p['entry'].get('source')}): {p['entry'].get('text')}")
        return out

    def close(self):
        try:
            self.send("Browser.close", session="", timeout=5)
        except CDPError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def load(browser: Browser, page: Path, timeout: float = 60) -> Browser:
    browser.open(page.resolve().as_uri())
    browser.wait_for("document.body && document.body.dataset.ready === '1'", timeout=timeout)
    return browser


# --- pages --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    """The hostile documents through the real pipeline, one with a hostile file name as well."""
    from kg.build.job import build

    src = tmp_path_factory.mktemp("hostile-src")
    for f in sorted(HOSTILE.glob("*.txt")):
        shutil.copy(f, src / f.name)
    shutil.copy(HOSTILE / "01_script_breakout.txt",
                src / "q'\"&<img src=x onerror=document.title='PWNED-file'>.txt")
    out = tmp_path_factory.mktemp("hostile") / "graph.ttl"
    build([src], out, workers=1)
    return out


def _page(tmp_path, ttl: Path, **kw) -> tuple[Path, object]:
    from rdflib import Graph

    from kg.viz import write_viz

    g = Graph()
    g.parse(ttl, format="turtle")
    out = tmp_path / f"{kw.get('view', 'full')}-{kw.get('lang', 'en')}.html"
    return out, write_viz(g, out, **kw)


PAYLOAD_FLAGS = ("window.__kg_pwned", "window.__kg_pwned_svg", "window.__kg_pwned_script", "window.__kg_pwned_attr")


def assert_nothing_ran(b: Browser, page: Path) -> None:
    title = b.eval("document.title")
    assert "PWNED" not in title
    for flag in PAYLOAD_FLAGS:
        assert b.eval(f"typeof {flag}") == "undefined", flag
    # no element other than the page's own: no <img>, <svg>, <iframe> or extra <script> was injected
    assert b.eval("document.querySelectorAll('img, svg, iframe, object, embed').length") == 0
    assert b.eval("document.scripts.length") == 3
    assert b.eval("document.querySelectorAll('canvas').length") >= 1
    # no request except the page itself (file://) — no image, no script, no CDN, nothing over the network
    reqs = b.requests()
    assert reqs and all(u == page.resolve().as_uri() for u in reqs), reqs
    assert b.problems() == []


def test_hostile_full_view_renders_and_nothing_runs(browser, hostile_build, tmp_path):
    page, res = _page(tmp_path, hostile_build)
    text = json.dumps([n["tip"] for n in res.nodes], ensure_ascii=False)
    assert "<img src=x onerror=" in text and "</script>" in text and "<svg onload=" in text  # they reached the page
    b = load(browser, page)
    assert_nothing_ran(b, page)
    assert b.eval("window.kgViz.nodes.length") == len(res.nodes)
    # hovering every hostile measure puts its text in the tooltip as text, never as markup
    hostile = [n for n in res.nodes if n["group"] == "measure" and any("<" in t for _, t in n["tip"])]
    assert hostile
    for n in hostile:
        b.eval(f"window.kgViz.network.focus({n['id']}, {{scale: 1.5, animation: false}})")
        x, y = b.eval(f"(function(){{var p = window.kgViz.network.getPositions([{n['id']}])[{n['id']}];"
                      f"var d = window.kgViz.network.canvasToDOM(p); var r = document.getElementById('graph')"
                      f".getBoundingClientRect(); return [d.x + r.left, d.y + r.top];}})()")
        b.mouse("mouseMoved", x + 1, y + 1)
        b.mouse("mouseMoved", x, y)
        tip = b.wait_for("document.getElementById('tip').style.display === 'block' && "
                         "document.getElementById('tip').textContent", timeout=10)
        assert "<" in tip  # the payload is shown as text …
        assert b.eval("document.getElementById('tip').querySelectorAll('*:not(div)').length") == 0  # … not markup
        b.mouse("mousePressed", x, y)
        b.mouse("mouseReleased", x, y)
        b.wait_for("document.getElementById('details').style.display === 'block'", timeout=10)
        assert b.eval("document.getElementById('details').querySelectorAll('*:not(div):not(button)').length") == 0
    assert_nothing_ran(b, page)


@pytest.mark.parametrize("view", ["departments-instruments", "cooccurrence", "document"])
def test_hostile_other_views_render(browser, hostile_build, tmp_path, view):
    kw = {"view": view}
    if view == "document":
        kw["focus"] = "q'\"&<img src=x onerror=document.title='PWNED-file'>.txt"
    page, res = _page(tmp_path, hostile_build, lang="zh", **kw)
    assert res.nodes
    b = load(browser, page)
    assert_nothing_ran(b, page)
    # the search box takes hostile text too
    b.eval("window.kgViz.search('<img src=x onerror=window.__kg_pwned=1>').length")
    assert_nothing_ran(b, page)


def test_dump_dom_shows_no_injected_markup(hostile_build, tmp_path):
    """Independent of the DevTools driver: Chromium's own --dump-dom after the page ran."""
    page, _ = _page(tmp_path, hostile_build)
    profile = tmp_path / "profile"
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=20000",
                           "--dump-dom", page.resolve().as_uri()], capture_output=True, timeout=120)
    dom = proc.stdout.decode("utf-8")
    assert 'data-ready="1"' in dom
    assert "<canvas" in dom
    assert "PWNED" not in dom.split("</title>")[0]
    assert "<img" not in dom and "<svg" not in dom and "<iframe" not in dom
    # script elements as an HTML parser counts them (vis-network's own code contains the text "<script>")
    from html.parser import HTMLParser

    class Scripts(HTMLParser):
        n = 0

        def handle_starttag(self, tag, attrs):
            if tag == "script":
                self.n += 1

    parser = Scripts()
    parser.feed(dom)
    assert parser.n == 3


def test_seed_pages_render_offline(browser, seed_build, tmp_path):
    for kw in ({}, {"view": "departments-instruments"}, {"focus": "PBC", "depth": 2}, {"lang": "zh"}):
        page, res = _page(tmp_path, seed_build[0], **kw)
        b = load(browser, page)
        assert_nothing_ran(b, page)
        legend = b.eval("Array.from(document.querySelectorAll('#legend label')).map(l => l.textContent)")
        assert sorted(legend) == sorted({n["group"] for n in res.nodes} and
                                        [x for x in b.eval("Array.from(document.querySelectorAll('#legend label'))"
                                                           ".map(l => l.textContent)")])
        assert len(legend) == len({n["group"] for n in res.nodes})
        # physics settled and stopped, or positions were given
        assert b.eval("window.kgViz.network.physics.physicsEnabled") is False


def test_search_class_filter_and_highlight(browser, seed_build, tmp_path):
    page, res = _page(tmp_path, seed_build[0])
    b = load(browser, page)
    pbc = next(n for n in res.nodes if n["iri"].endswith("/PBC"))
    hits = b.eval("window.kgViz.search('pbc')")
    assert pbc["id"] in hits
    assert b.eval("window.kgViz.network.getSelectedNodes()")[0] in hits
    # highlight: PBC and its neighbours are lit (drawn in colour), every other node is dimmed
    b.eval(f"window.kgViz.highlight({pbc['id']})")
    neighbours = set(b.eval(f"window.kgViz.network.getConnectedNodes({pbc['id']})")) | {pbc["id"]}
    assert set(b.eval("window.kgViz.lit()")) == neighbours
    b.eval("window.kgViz.highlight(null)")
    assert b.eval("window.kgViz.lit()") is None
    # the legend's class filter hides measures
    shown = b.eval("(function(){var box = Array.from(document.querySelectorAll('#legend label'))"
                   ".find(l => l.textContent === 'measure').querySelector('input'); box.click();"
                   "return window.kgViz.network.body.nodeIndices.length;})()")
    assert shown == len(res.nodes) - sum(1 for n in res.nodes if n["group"] == "measure")
    assert_nothing_ran(b, page)


# --- measurement: where does the page stop being responsive? -------------------------------------------


def synthetic_graph(n_docs: int, measures_per_doc: int = 16, seed: int = 1):
    """A policy graph of the seed corpus's shape: documents, measures, each linked to a few of the
    vocabulary's concepts (skewed towards popular ones), with evidence."""
    import random

    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS, RDF, RDFS

    from kg.namespaces import ID, OA, SMEKG
    from kg.vocab import load_vocabulary, ontology_graph

    rnd = random.Random(seed)
    g = Graph()
    for t in ontology_graph():
        g.add(t)
    vocab = load_vocabulary()
    pools = {kind: [URIRef(c.iri) for c in vocab.of_kind(kind)] for kind in ("instrument", "enterprise-type",
                                                                             "region", "department")}
    prop = {"instrument": SMEKG.usesInstrument, "enterprise-type": SMEKG.targets, "region": SMEKG.mentionsRegion}
    for d in range(n_docs):
        doc = ID[f"doc/synthetic_{d:05d}"]
        g.add((doc, RDF.type, SMEKG.PolicyDocument))
        g.add((doc, DCTERMS.title, Literal(f"Synthetic notice {d}", lang="en")))
        g.add((doc, DCTERMS.source, Literal(f"synthetic_{d:05d}.txt")))
        for dept in rnd.sample(pools["department"], rnd.choice((1, 1, 2, 3))):
            g.add((doc, SMEKG.issuedBy, dept))
        for i in range(measures_per_doc):
            m = URIRef(f"{doc}/{i + 1}")
            g.add((m, RDF.type, SMEKG.Measure))
            g.add((m, DCTERMS.isPartOf, doc))
            g.add((m, SMEKG.number, Literal(str(i + 1))))
            g.add((m, RDFS.label, Literal(f"Measure heading {i + 1}", lang="en")))
            g.add((m, SMEKG.text, Literal("Support small and medium-sized enterprises. " * 8, lang="en")))
            for kind, k in (("instrument", 3), ("enterprise-type", 2), ("region", 1)):
                pool = pools[kind]
                for c in {pool[min(len(pool) - 1, int(rnd.paretovariate(1.2)) - 1)] for _ in range(rnd.randint(0, k))}:
                    g.add((m, prop[kind], c))
                    ev = URIRef(f"{m}/ev/{kind}/{len(g)}")
                    g.add((ev, RDF.type, SMEKG.Evidence))
                    g.add((ev, SMEKG.evidenceFor, m))
                    g.add((ev, SMEKG.linkProperty, prop[kind]))
                    g.add((ev, OA.hasBody, c))
                    g.add((ev, SMEKG.rule, Literal("label:en")))
    return g


def measure(sizes=(200, 400, 1000, 2000, 3000, 5000), out_dir: Path | None = None,
            modes=("physics", "positions")) -> list[dict]:
    """Time to ready, one full frame, one pan/zoom frame (edges hidden while moving on big pages) and
    one click-highlight, physics vs positions given."""
    from kg.viz import build_view, render_html

    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="kg-measure-"))
    rows = []
    b = Browser()
    try:
        for size in sizes:
            n_docs = max(1, round(size / 17.5))
            g = synthetic_graph(n_docs)
            for mode in modes:
                t0 = time.perf_counter()
                res = build_view(g, cap=10 ** 9, physics_max=10 ** 9 if mode == "physics" else 0)
                py = time.perf_counter() - t0
                page = out_dir / f"m{size}-{mode}.html"
                page.write_text(render_html(res), encoding="utf-8")
                b.open(page.as_uri())
                t1 = time.perf_counter()
                try:
                    b.wait_for("document.body && document.body.dataset.ready === '1'", timeout=300, every=0.2)
                    ready = time.perf_counter() - t1
                except CDPError:
                    ready = float("inf")
                frame = click = moving = float("nan")
                if ready != float("inf"):
                    frame = b.eval("(function(){var n = window.kgViz.network, t = performance.now();"
                                   "for (var i = 0; i < 5; i++) { n.moveTo({scale: n.getScale() * 1.01}); n.redraw();"
                                   " n.renderer._redraw(); } return (performance.now() - t) / 5;})()")
                    moving = b.eval("(function(){var R = window.kgViz.network.renderer, t = performance.now();"
                                    "R.dragging = R.options.hideEdgesOnDrag; for (var i = 0; i < 5; i++) { R._redraw(); }"
                                    "R.dragging = false; return (performance.now() - t) / 5;})()")
                    click = b.eval("new Promise(function(ok){var v = window.kgViz, t = performance.now();"
                                   "v.highlight(v.nodes.getIds()[0]); v.network.once('afterDrawing', function(){"
                                   "ok(performance.now() - t);}); v.network.redraw();})")
                rows.append({"nodes": len(res.nodes), "edges": len(res.edges), "mode": mode,
                             "python_s": round(py, 2), "ready_s": round(ready, 1), "frame_ms": round(frame),
                             "pan_frame_ms": round(moving),
                             "click_ms": round(click), "kib": page.stat().st_size // 1024})
                print(json.dumps(rows[-1]), flush=True)
    finally:
        b.close()
    return rows


def shoot(pages: list[Path], out_dir: Path) -> None:
    """Screenshots of pages (for a human to look at)."""
    b = Browser()
    try:
        for page in pages:
            load(b, page, timeout=300)
            time.sleep(0.3)
            b.screenshot(out_dir / (page.stem + ".png"))
    finally:
        b.close()


if __name__ == "__main__":  # pragma: no cover - measurement and screenshots, not a test
    if sys.argv[1:2] == ["measure"]:
        args = sys.argv[2:]
        modes = ("positions",) if "--positions" in args else ("physics", "positions")
        sizes = tuple(int(x) for x in args if x.isdigit()) or (200, 400, 1000, 2000, 3000, 5000)
        measure(sizes, modes=modes)
    elif sys.argv[1:2] == ["shoot"]:
        shoot([Path(p) for p in sys.argv[2:]], Path("."))
    else:
        print(__doc__)
