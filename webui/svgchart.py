"""Charts drawn as SVG on the server (no JavaScript, no CDN): bar and line charts with
axes, tick labels, a legend and a tooltip (``<title>``) on every bar or point.

    bar_chart(["09:00", "10:00"], [("Offered", [12, 30]), ("Answered", [11, 25])],
              title="Calls per hour", y_label="calls")

returns an ``<svg>`` element as text, ready for ``{{!chart}}`` in a template. Every text
that comes in (labels, series names, titles) is XML-escaped here; numbers are formatted
here. ``None`` values are gaps (no bar, a break in the line). Sizes are in SVG user units
(the viewBox), the element scales to the width of its container.

Each bar is ``<rect class="bar s<series index>">`` and each line point ``<circle
class="point s<i>">`` so tests (and CSS) can find them.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence
from xml.sax.saxutils import escape, quoteattr

Series = tuple[str, Sequence[Optional[float]]]

#: series colours (colour-blind friendly, readable on white)
PALETTE = ("#0b6bcb", "#e07b00", "#1a7f37", "#c62828", "#6f42c1", "#5d6675")
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 12, 34, 46
MAX_X_LABELS = 16            #: more intervals than this: only every n-th label is written


def nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^n) giving about ``ticks`` ticks over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / max(ticks, 1)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag                                    # pragma: no cover


def fmt(v: float) -> str:
    """A number as a short label: 12, 2.5, 1.2k, 3.4M."""
    a = abs(v)
    if a >= 1_000_000:
        return f"{v / 1_000_000:.3g}M"
    if a >= 10_000:
        return f"{v / 1000:.3g}k"
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.3g}"


def _values(series: Sequence[Series]) -> list[float]:
    return [float(v) for _, vals in series for v in vals if v is not None and math.isfinite(float(v))]


class _Frame:
    """The plot area and the y scale shared by both chart kinds."""

    def __init__(self, n: int, series: Sequence[Series], width: int, height: int, y_max: Optional[float]) -> None:
        self.n = max(n, 1)
        self.width, self.height = width, height
        self.x0, self.x1 = MARGIN_LEFT, width - MARGIN_RIGHT
        self.y0, self.y1 = height - MARGIN_BOTTOM, MARGIN_TOP          # y0 = the axis (bottom)
        vals = _values(series)
        top = max(vals + [0.0]) if y_max is None else y_max
        lo = min(vals + [0.0])
        self.step = nice_step(top - lo)
        self.top = self.step * math.ceil(top / self.step) if top > 0 else self.step
        self.bottom = self.step * math.floor(lo / self.step) if lo < 0 else 0.0
        self.slot = (self.x1 - self.x0) / self.n

    def y(self, v: float) -> float:
        return self.y0 - (v - self.bottom) / (self.top - self.bottom) * (self.y0 - self.y1)

    def x_center(self, i: int) -> float:
        return self.x0 + (i + 0.5) * self.slot

    def axes(self, labels: Sequence[str], y_label: str) -> list[str]:
        out = ['<g class="axes" font-size="11" fill="#5d6675">']
        k = 0
        v = self.bottom
        while v <= self.top + self.step / 1000 and k < 50:
            y = self.y(v)
            out.append(f'<line x1="{self.x0}" y1="{y:.1f}" x2="{self.x1}" y2="{y:.1f}" '
                       f'stroke="{"#9aa3af" if v == 0 else "#e6e9ef"}" stroke-width="1"/>')
            out.append(f'<text x="{self.x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(v))}</text>')
            v += self.step
            k += 1
        out.append(f'<line x1="{self.x0}" y1="{self.y1}" x2="{self.x0}" y2="{self.y0}" stroke="#9aa3af"/>')
        every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
        for i, lab in enumerate(labels):
            if i % every:
                continue
            out.append(f'<text class="xlabel" x="{self.x_center(i):.1f}" y="{self.y0 + 16}" '
                       f'text-anchor="middle">{escape(str(lab))}</text>')
        if y_label:
            out.append(f'<text x="14" y="{(self.y0 + self.y1) / 2:.1f}" text-anchor="middle" '
                       f'transform="rotate(-90 14 {(self.y0 + self.y1) / 2:.1f})">{escape(y_label)}</text>')
        out.append("</g>")
        return out


def _legend(series: Sequence[Series], width: int, height: int) -> list[str]:
    out = ['<g class="legend" font-size="12" fill="#1d2330">']
    x = MARGIN_LEFT
    y = height - 12
    for i, (name, _) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{y}">{escape(str(name))}</text>')
        x += 24 + 7 * len(str(name)) + (7 * sum(1 for c in str(name) if ord(c) > 0x2e80))
    out.append("</g>")
    return out


def _open(width: int, height: int, title: str, kind: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" viewBox="0 0 {width} {height}" '
            f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-label={quoteattr(title)} '
            f'font-family="sans-serif">',
            f"<title>{escape(title)}</title>",
            f'<text x="{MARGIN_LEFT}" y="18" font-size="14" font-weight="600" fill="#1d2330">{escape(title)}</text>']


def _tip(label: str, name: str, v: float, unit: str) -> str:
    return escape(f"{label} · {name}: {fmt(v)}{(' ' + unit) if unit else ''}")


def bar_chart(labels: Sequence[str], series: Sequence[Series], *, title: str = "", y_label: str = "",
              unit: str = "", width: int = 760, height: int = 280, y_max: Optional[float] = None) -> str:
    """Grouped bars: one group per label (interval), one bar per series in each group."""
    f = _Frame(len(labels), series, width, height, y_max)
    out = _open(width, height, title, "bars") + f.axes(labels, y_label)
    k = max(len(series), 1)
    group_w = f.slot * 0.8
    bar_w = group_w / k
    zero = f.y(0.0)
    for si, (name, vals) in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        out.append(f'<g class="series s{si}" fill="{colour}">')
        for i, v in enumerate(vals[:len(labels)]):
            if v is None or not math.isfinite(float(v)):
                continue
            x = f.x0 + i * f.slot + (f.slot - group_w) / 2 + si * bar_w
            y = f.y(float(v))
            top, h = min(y, zero), abs(zero - y)
            out.append(f'<rect class="bar s{si}" x="{x:.1f}" y="{top:.1f}" width="{max(bar_w - 1, 0.5):.1f}" '
                       f'height="{h:.1f}"><title>{_tip(str(labels[i]), name, float(v), unit)}</title></rect>')
        out.append("</g>")
    out += _legend(series, width, height)
    out.append("</svg>")
    return "".join(out)


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str = "", y_label: str = "",
               unit: str = "", width: int = 760, height: int = 280, y_max: Optional[float] = None) -> str:
    """One line per series over the labels (intervals); ``None`` breaks the line."""
    f = _Frame(len(labels), series, width, height, y_max)
    out = _open(width, height, title, "lines") + f.axes(labels, y_label)
    for si, (name, vals) in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        out.append(f'<g class="series s{si}" stroke="{colour}" fill="{colour}">')
        runs: list[list[str]] = [[]]
        points = []
        for i, v in enumerate(vals[:len(labels)]):
            if v is None or not math.isfinite(float(v)):
                runs.append([])
                continue
            x, y = f.x_center(i), f.y(float(v))
            runs[-1].append(f"{x:.1f},{y:.1f}")
            points.append(f'<circle class="point s{si}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                          f'<title>{_tip(str(labels[i]), name, float(v), unit)}</title></circle>')
        for run in runs:
            if len(run) > 1:
                out.append(f'<polyline fill="none" stroke-width="2" points="{" ".join(run)}"/>')
        out += points
        out.append("</g>")
    out += _legend(series, width, height)
    out.append("</svg>")
    return "".join(out)
