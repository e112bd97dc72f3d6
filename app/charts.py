"""A chart where one helps: a Vega-Lite specification, and a PNG of it for chat apps.

Trends (a time dimension) become a line, breakdowns and comparisons a bar chart, a single figure
no chart. The PNG is drawn with matplotlib's Agg backend from the same data, so Slack and Dify
get a picture without a browser or a JavaScript runtime.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from app.summary import Col

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
_TIME = {"day": "temporal", "week": "temporal", "month": "ordinal", "hour": "ordinal", "quarter": "ordinal",
         "weekday": "ordinal"}
_MAX_POINTS = 500


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()[:10] if (isinstance(v, dt.date) and not isinstance(v, dt.datetime)) or (
            isinstance(v, dt.datetime) and v.time() == dt.time(0)) else v.isoformat()
    return v


def chart_spec(columns: list[Col], rows: list[list[Any]], title: str = "") -> dict[str, Any] | None:
    """Vega-Lite for the result, or None when a chart would not help (one number, one row, no measure)."""
    metrics = [i for i, c in enumerate(columns) if c.role == "metric"]
    labels = [i for i, c in enumerate(columns) if c.role in ("dimension", "label")]
    if not metrics or not labels or len(rows) < 2 or len(rows) > _MAX_POINTS:
        return None
    x, y = columns[labels[0]], columns[metrics[0]]
    values = [{x.name: _plain(r[labels[0]]), y.name: _plain(r[metrics[0]])} for r in rows]
    color: dict[str, Any] | None = None
    if len(labels) > 1:
        c = columns[labels[1]]
        for v, r in zip(values, rows, strict=True):
            v[c.name] = _plain(r[labels[1]])
        color = {"field": c.name, "type": "nominal", "title": c.label or c.name}
    y_enc: dict[str, Any] = {"field": y.name, "type": "quantitative", "title": y.label or y.name}
    if y.format == "money":
        y_enc["axis"] = {"format": "$,.2f"}
    if x.name in _TIME and x.role == "dimension":
        x_enc: dict[str, Any] = {"field": x.name, "type": _TIME[x.name], "title": x.label or x.name}
        if x.name == "weekday":
            x_enc["sort"] = None
        spec: dict[str, Any] = {"mark": {"type": "line", "point": True},
                                "encoding": {"x": x_enc, "y": y_enc}}
    else:
        spec = {"mark": "bar", "encoding": {"x": {"field": x.name, "type": "nominal", "sort": "-y",
                                                  "title": x.label or x.name}, "y": y_enc}}
    if color:
        spec["encoding"]["color"] = color
    return {"$schema": SCHEMA, "title": title, "data": {"values": values}, "width": 560, "height": 280, **spec}


def render_png(spec: dict[str, Any], dpi: int = 110) -> bytes:
    """Draw a spec made by ``chart_spec`` as a PNG (matplotlib, Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    enc = spec["encoding"]
    xf, yf = enc["x"]["field"], enc["y"]["field"]
    values = spec["data"]["values"]
    mark = spec["mark"]["type"] if isinstance(spec["mark"], dict) else spec["mark"]
    fig, ax = plt.subplots(figsize=(spec.get("width", 560) / 80, spec.get("height", 280) / 80), dpi=dpi)
    try:
        series: dict[str, list[dict[str, Any]]] = {}
        horizontal = mark == "bar" and any(len(str(v[xf])) > 10 for v in values)
        cf = enc.get("color", {}).get("field")
        for v in values:
            series.setdefault(str(v.get(cf, "")) if cf else "", []).append(v)
        for name, pts in series.items():
            xs = [str(p[xf]) for p in pts]
            ys = [float(p[yf]) if p[yf] is not None else 0.0 for p in pts]
            if mark == "bar" and horizontal:
                order = sorted(range(len(xs)), key=lambda i: ys[i])  # largest at the top
                ax.barh([xs[i] for i in order], [ys[i] for i in order], label=name or None)
            elif mark == "bar":
                order = sorted(range(len(xs)), key=lambda i: -ys[i])
                ax.bar([xs[i] for i in order], [ys[i] for i in order], label=name or None)
            else:
                ax.plot(xs, ys, marker="o", markersize=3, label=name or None)
        ax.set_title(spec.get("title") or "", fontsize=9)
        x_title, y_title = enc["x"].get("title", xf), enc["y"].get("title", yf)
        ax.set_xlabel(y_title if horizontal else x_title)
        ax.set_ylabel(x_title if horizontal else y_title)
        if enc["y"].get("axis", {}).get("format", "").startswith("$"):
            from matplotlib.ticker import StrMethodFormatter

            (ax.xaxis if horizontal else ax.yaxis).set_major_formatter(StrMethodFormatter("${x:,.0f}"))
        if len(values) > 8 and not horizontal:
            ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        if len(series) > 1:
            ax.legend(fontsize=7)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)
