"""Each metric's pass rate over time, one line per prompt version, model and arm, with its 95% interval as error
bars, and the registry's changes (promotions, canaries, rollbacks) as rules on the time axis. Vega-Lite through
Altair, rendered to SVG on the server by vl-convert."""

from datetime import datetime, timedelta
from typing import Any

import altair as alt
import vl_convert

CHANGE_COLOURS = {"rolled_back": "#b11f1f", "promoted": "#1f7a3a"}
# the legends sit under the plot, so the long series names do not widen the chart past the page's section
WIDTH, HEIGHT = 900, 170


def series_name(point: dict[str, Any]) -> str:
    return f"{point['prompt']}@{point['version']} · {point['model']} · {point['arm']}"


def _metric_chart(metric: str, points: list[dict[str, Any]], changes: list[dict[str, Any]],
                  domain: list[str]) -> alt.LayerChart:
    rows = [{**p, "series": series_name(p)} for p in points if p["metric"] == metric and p["rate"] is not None]
    data = alt.Chart(alt.Data(values=rows))
    x = alt.X("at:T", title=None, scale=alt.Scale(domain=domain),
              axis=alt.Axis(format="%H:%M", labelOverlap="greedy", tickCount=12))
    colour = alt.Color("series:N", title="prompt version · model · arm",
                       legend=alt.Legend(labelLimit=0, orient="bottom", direction="vertical"))
    # the interval bars and the line share one colour scale, so one legend; with the change rules' scale kept
    # apart (independent), each scale would otherwise draw its legend once per layer
    lines = alt.layer(
        data.mark_errorbar(ticks=True).encode(x=x, y=alt.Y("low:Q", title="pass rate",
                                                           scale=alt.Scale(domain=[0, 1])), y2="high:Q", color=colour),
        data.mark_line(point=True).encode(x=x, y="rate:Q", color=colour,
                                          tooltip=["series:N", "at:T", "rate:Q", "low:Q", "high:Q", "n:Q"]),
    )
    layers: list[Any] = [lines]
    if changes:
        # labels of changes close in time would print over each other: each takes the next of three rows
        marks = alt.Chart(alt.Data(values=[{**c, "label": c["kind"], "label_y": 8 + 11 * (i % 3)}
                                           for i, c in enumerate(sorted(changes, key=lambda c: c["at"]))]))
        kinds = sorted({c["kind"] for c in changes})
        stroke = alt.Color("kind:N", title="registry change", legend=alt.Legend(orient="bottom"), scale=alt.Scale(
            domain=kinds, range=[CHANGE_COLOURS.get(k, "#b56a00") for k in kinds]))
        layers.append(alt.layer(
            marks.mark_rule(strokeDash=[5, 3], strokeWidth=2).encode(x=x, color=stroke,
                                                                     tooltip=["kind:N", "description:N"]),
            marks.mark_text(align="left", dx=3, fontSize=10).encode(
                x=x, y=alt.Y("label_y:Q", scale=None, axis=None), text="label:N", color=stroke)))
    chart: alt.LayerChart = alt.layer(*layers).resolve_scale(color="independent").properties(
        title=metric, width=WIDTH, height=HEIGHT)
    return chart


def time_domain(series: dict[str, Any]) -> list[str]:
    """From the first point or change (a bucket before it) to the end: a window asked for hours that holds minutes
    of data would otherwise squeeze every line and rule into its right edge."""
    start, end = datetime.fromisoformat(series["start"]), datetime.fromisoformat(series["end"])
    seen = [datetime.fromisoformat(x["at"]) for x in (*series["points"], *series["changes"])]
    if seen:
        start = max(start, min(seen) - timedelta(seconds=series.get("bucket_seconds") or 60))
    return [start.isoformat(), end.isoformat()]


def quality_svg(series: dict[str, Any]) -> str | None:
    """One SVG with a chart per metric; None when there is nothing to draw."""
    metrics = sorted({p["metric"] for p in series["points"]})
    if not metrics:
        return None
    domain = time_domain(series)
    chart = alt.vconcat(*[_metric_chart(m, series["points"], series["changes"], domain) for m in metrics])
    svg: str = vl_convert.vegalite_to_svg(chart.to_dict())
    return svg
