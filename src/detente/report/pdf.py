"""The report as a PDF: the HTML report (:func:`detente.report.html.render_html`) printed
to A4 pages by WeasyPrint, so the two can never differ.

The page size, margins and page numbers come from the ``@page`` rule of the report's style
sheet and the ``@media print`` rules lay the same content out for paper (each section from
a new page, figures and table rows kept whole, wide tables split by the HTML writer). The
PDF carries no dates and a fixed identifier, so the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib

from detente.report.data import ReportData
from detente.report.html import render_html


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document (no network: nothing outside the page is fetched)."""
    import logging

    import weasyprint

    def no_fetch(url: str, *args, **kwargs):
        if url.startswith("data:"):  # inside the page itself
            return weasyprint.default_url_fetcher(url, *args, **kwargs)
        raise ValueError(f"the report fetches nothing: {url}")

    # WeasyPrint logs every CSS property it does not implement; the report's screen-only
    # rules are not mistakes. Quiet while printing, as it was afterwards.
    log = logging.getLogger("weasyprint")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        doc = weasyprint.HTML(string=html, url_fetcher=no_fetch, base_url=".")
        ident = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
        return doc.write_pdf(pdf_identifier=ident, uncompressed_pdf=False)
    finally:
        log.setLevel(level)


def render_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes (see the module docstring)."""
    return html_to_pdf(render_html(data))
