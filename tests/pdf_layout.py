"""Measure a PDF's text layout with poppler's ``pdftotext -bbox-layout``.

Each word comes with its box in points; :func:`overlaps` finds pairs of words on a page
whose boxes intersect (after shrinking each box a little, since a box spans the font's
whole ascent and descent, more than the glyphs' ink) and :func:`outside` the words that
leave the page.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

NS = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: tuple[Word, ...]


def available() -> bool:
    """Whether poppler's pdftotext and pdftoppm are installed."""
    return shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None


def pages(pdf: Path) -> list[Page]:
    """Every page's size and words, from ``pdftotext -bbox-layout``."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    root = ET.fromstring(out)
    result = []
    for n, page in enumerate(root.iter(f"{NS}page"), start=1):
        words = tuple(
            Word(
                n,
                w.text or "",
                float(w.get("xMin")),
                float(w.get("yMin")),
                float(w.get("xMax")),
                float(w.get("yMax")),
            )
            for w in page.iter(f"{NS}word")
        )
        result.append(Page(n, float(page.get("width")), float(page.get("height")), words))
    return result


def overlaps(page: Page, shrink: float = 0.12) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes intersect once each box is shrunk by ``shrink`` of its
    height on every side (sweep over the words sorted by their left edge)."""

    def box(w: Word) -> tuple[float, float, float, float]:
        d = shrink * (w.y1 - w.y0)
        return w.x0 + d, w.y0 + d, w.x1 - d, w.y1 - d

    items = sorted((box(w), w) for w in page.words)
    found = []
    active: list[tuple[tuple[float, float, float, float], Word]] = []
    for b, w in items:
        active = [(ab, aw) for ab, aw in active if ab[2] > b[0]]
        for ab, aw in active:
            if ab[1] < b[3] and b[1] < ab[3] and ab[0] < b[2] and b[0] < ab[2]:
                found.append((aw, w))
        active.append((b, w))
    return found


def outside(page: Page, margin: float = 0.0) -> list[Word]:
    """Words not wholly inside the page (less ``margin`` points on each side)."""
    return [
        w
        for w in page.words
        if w.x0 < margin
        or w.y0 < margin
        or w.x1 > page.width - margin
        or w.y1 > page.height - margin
    ]


def to_png(pdf: Path, folder: Path, dpi: int = 60) -> list[Path]:
    """Every page of ``pdf`` as ``folder/page-N.png`` (pdftoppm), in page order."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(folder / "page")],
        check=True,
        timeout=300,
    )
    return sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
