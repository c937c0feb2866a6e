"""The analyst's report (`kg report`): one self-contained, offline HTML page of charts and tables, and
the same charts as SVG or PNG files for slides.

Owns gathering the report's numbers from the graph through the named queries (data), finding the
sentence around each link's match in its measure (sentences), the Vega-Lite chart specifications and
their rendering to SVG/PNG with vl-convert, server-side, so the page holds drawn SVG and no charting
library (charts), and writing the page: escaped text, data as JSON, one small inline script under a
Content-Security-Policy (page).

It reads the graph through kg.sparql (named queries) and kg.store, and the build report through
kg.build; it must not import kg.cli (the layer above it).
"""

from kg.report.page import ReportResult, write_report

__all__ = ["ReportResult", "write_report"]
