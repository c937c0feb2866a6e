"""kg.viz: the graph drawn and counted, read from a built graph (an rdflib Graph).

Owns the network model (`network`: RDF -> networkx), the words of a drawing in English and Chinese
(`labels`), the view names and views (`views`), the layouts (`layout`), the vis-network data
(`elements`), the self-contained HTML page (`page`) and the counts (`stats`).
It must not import kg.cli or kg.report (above it), nor the build job: it reads a graph, it does not make one.
"""

from kg.viz.page import render_html, write_viz
from kg.viz.stats import Stats, compute_stats
from kg.viz.views import VIEWS, VizResult, build_view

__all__ = ["VIEWS", "Stats", "VizResult", "build_view", "compute_stats", "render_html", "write_viz"]
