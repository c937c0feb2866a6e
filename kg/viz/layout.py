"""Positions in Python, seeded and rounded to whole pixels, for views the browser's physics should not lay
out: a ForceAtlas2-style force layout in numpy with each document's measures on a sunflower around it
(`layout_positions`), and three sorted columns for the departments × instruments view
(`bipartite_positions`)."""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx

LAYOUT_SEED = 7
PETAL = 24.0  # px between neighbouring measures on a sunflower

def bipartite_positions(D: nx.MultiDiGraph) -> dict:
    """Three columns: financing instruments | departments | fiscal and service instruments, each sorted
    to cut crossings (barycentres, a few sweeps); ties broken by IRI, so it is deterministic."""
    left = [n for n in D if D.nodes[n]["cls"] == "financing instrument"]
    right = [n for n in D if D.nodes[n]["cls"] in ("fiscal instrument", "service instrument", "other")]
    centre = [n for n in D if n not in set(left) | set(right)]
    if not left or not right:  # one kind of instrument only: two columns
        insts = sorted(left + right, key=str)
        left, right = insts[: (len(insts) + 1) // 2], insts[(len(insts) + 1) // 2:]
    w: dict = defaultdict(float)
    for u, v, data in D.edges(data=True):
        w[(u, v)] += len(data.get("measures") or ()) or 1
        w[(v, u)] += len(data.get("measures") or ()) or 1
    nbrs: dict = defaultdict(list)
    for (u, v), x in w.items():
        nbrs[u].append((v, x))
    total = {n: sum(x for _, x in nbrs[n]) for n in D}
    rank = {n: i for i, n in enumerate(sorted(centre, key=lambda n: (-total[n], str(n))))}

    def norm(col):
        return {n: i / max(1, len(col) - 1) for i, n in enumerate(col)}

    y = norm(sorted(centre, key=rank.get))
    cols = {}
    for _ in range(4):
        for side in (left, right):
            bary = {n: sum(y[m] * x for m, x in nbrs[n] if m in y) / max(1e-9, sum(x for m, x in nbrs[n] if m in y))
                    for n in side}
            cols[id(side)] = sorted(side, key=lambda n: (bary[n], -total[n], str(n)))
        yl, yr = norm(cols[id(left)]), norm(cols[id(right)])
        ys = {**yl, **yr}
        bary = {n: sum(ys[m] * x for m, x in nbrs[n] if m in ys) / max(1e-9, sum(x for m, x in nbrs[n] if m in ys))
                for n in centre}
        y = {**norm(sorted(centre, key=lambda n: (bary[n], -total[n], str(n)))), **ys}
    step = 40.0
    height = step * max(len(left), len(right), len(centre), 2)
    out = {}
    for x, col in ((-460.0, cols[id(left)]), (0.0, sorted(centre, key=y.get)), (460.0, cols[id(right)])):
        gap = height / max(1, len(col))
        for i, n in enumerate(col):
            out[n] = (round(x + (30 if i % 2 and x else 0)), round(i * gap - (len(col) - 1) * gap / 2))
    return out



def _force_layout(n: int, src, dst, weight, mass, seed: int = LAYOUT_SEED, iterations: int = 160):
    """ForceAtlas2-style layout in numpy: repulsion between masses (mass = degree + 1, so leaves stay by
    their hub), linear attraction along edges, gravity towards the centre, cooling steps. Repulsion is
    computed in blocks, so memory stays O(block x n). Arbitrary units."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pos = (rng.random((n, 2)) - 0.5) * math.sqrt(n) * 20
    if n == 1:
        return pos
    src, dst = np.asarray(src, dtype=int), np.asarray(dst, dtype=int)
    weight, mass = np.asarray(weight, dtype=float), np.asarray(mass, dtype=float)
    kr, kg = 20.0, 1.0
    block = max(1, 2_000_000 // n)
    temp = math.sqrt(n) * 4
    for it in range(iterations):
        disp = np.zeros((n, 2))
        for lo in range(0, n, block):
            hi = min(n, lo + block)
            delta = pos[lo:hi, None, :] - pos[None, :, :]
            d2 = np.maximum((delta ** 2).sum(-1), 0.01)
            disp[lo:hi] += (delta * (kr * mass[lo:hi, None] * mass[None, :] / d2)[:, :, None]).sum(1)
        if len(src):
            f = (pos[src] - pos[dst]) * weight[:, None]
            np.add.at(disp, src, -f)
            np.add.at(disp, dst, f)
        r = np.sqrt(np.maximum((pos ** 2).sum(-1), 1.0))
        disp -= kg * (mass / r)[:, None] * pos
        step = disp / mass[:, None]
        length = np.sqrt(np.maximum((step ** 2).sum(-1), 1e-12))
        limit = temp * (1 - it / iterations) + 0.05
        pos += step * (np.minimum(length, limit) / length)[:, None]
    return pos


def layout_positions(D: nx.MultiDiGraph, seed: int = LAYOUT_SEED) -> dict:
    """Seeded positions in pixels: documents and concepts by a force layout, each document's measures
    on a sunflower around it, turned towards what they link to."""
    order = sorted(D.nodes, key=str)
    parent = {}
    for m in order:
        if D.nodes[m]["cls"] == "measure":
            docs = sorted((u for u in D.predecessors(m) if D.nodes[u]["cls"] == "document"), key=str)
            if docs:
                parent[m] = docs[0]
    core = [n for n in order if n not in parent]
    index = {n: i for i, n in enumerate(core)}
    w: dict[tuple[int, int], float] = defaultdict(float)
    for u, v in D.edges():
        a, b = parent.get(u, u), parent.get(v, v)
        if a != b:
            w[(min(index[a], index[b]), max(index[a], index[b]))] += 1.0
    pairs = sorted(w)
    weights = [1.0 + math.log(w[p]) for p in pairs]
    children: dict = defaultdict(list)
    for m, d in parent.items():
        children[d].append(m)
    deg = [0.0] * len(core)
    for (a, b) in pairs:
        deg[a] += 1
        deg[b] += 1
    mass = [1.0 + deg[i] + len(children.get(n, ())) for n, i in index.items()]
    pos = _force_layout(len(core), [p[0] for p in pairs], [p[1] for p in pairs], weights, mass, seed=seed)
    scale = _scale(pos, pairs, children, index)
    out = {n: (float(pos[i][0]) * scale, float(pos[i][1]) * scale) for n, i in index.items()}
    _place_measures(D, out, children)
    return {n: (round(x), round(y)) for n, (x, y) in out.items()}


def _scale(pos, pairs: list[tuple[int, int]], children: dict, index: dict) -> float:
    """Pixels per layout unit: skeleton edges about 240 px long, and room around each document for its
    measures."""
    lengths = sorted(math.dist(pos[a], pos[b]) for a, b in pairs) or [1.0]
    scale = 240.0 / max(lengths[len(lengths) // 2], 1e-6)
    if children and len(index) > 1:
        import numpy as np

        arr = np.asarray(pos)
        need = []
        for doc, ms in children.items():
            d = np.sqrt(((arr - arr[index[doc]]) ** 2).sum(-1))
            d[index[doc]] = np.inf
            need.append((PETAL * math.sqrt(len(ms) + 1.5) + 40) / max(float(d.min()), 1e-6))
        need.sort()
        scale = max(scale, need[int(0.8 * (len(need) - 1))])
    return scale


def _place_measures(D: nx.MultiDiGraph, out: dict, children: dict) -> None:
    """Each document's measures (`children`) on a sunflower around it in `out`, every measure in the
    slot whose angle is nearest the direction of what it links to."""
    golden = math.pi * (3 - math.sqrt(5))
    for doc in sorted(children, key=str):
        ms = sorted(children[doc], key=str)
        dx, dy = out[doc]
        slots = []
        for i in range(len(ms)):
            r = PETAL * math.sqrt(i + 1.5)
            a = i * golden
            slots.append((math.atan2(math.sin(a), math.cos(a)), r * math.cos(a), r * math.sin(a)))
        pref = []
        for m in ms:
            targets = [out[o] for o in D.successors(m) if o in out and o != doc]
            if targets:
                tx = sum(p[0] for p in targets) / len(targets) - dx
                ty = sum(p[1] for p in targets) / len(targets) - dy
                pref.append((math.atan2(ty, tx), str(m), m))
            else:
                pref.append((math.pi * 2, str(m), m))
        slots.sort()
        pref.sort()
        for (_, sx, sy), (_, _, m) in zip(slots, pref, strict=True):
            out[m] = (dx + sx, dy + sy)
