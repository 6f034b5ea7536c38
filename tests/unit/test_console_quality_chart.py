import re

from services.console.quality.charts import WIDTH, quality_svg, time_domain


def point(at: str, version: str, arm: str, rate: float) -> dict:
    return {"at": at, "metric": "judge.acceptable", "tenant": "globex", "prompt": "extract-email",
            "version": version, "model": "ref", "arm": arm, "k": int(rate * 10), "n": 10, "rate": rate,
            "low": max(0.0, rate - 0.2), "high": min(1.0, rate + 0.2)}


def test_the_chart_is_an_svg_with_a_line_per_arm_and_the_rollback_marked() -> None:
    series = {"start": "2026-12-02T12:00:00+00:00", "end": "2026-12-02T13:00:00+00:00", "bucket_seconds": 60,
              "points": [point("2026-12-02T12:10:00+00:00", "1.0.0", "stable", 0.9),
                         point("2026-12-02T12:20:00+00:00", "1.0.1", "canary", 0.4)],
              "changes": [{"at": "2026-12-02T12:25:00+00:00", "kind": "rolled_back",
                           "description": "extract-email canary 1.0.1 removed by rel.manager: worse"}]}
    svg = quality_svg(series)
    assert svg is not None and svg.lstrip().startswith("<svg")
    assert "judge.acceptable" in svg and "rolled_back" in svg
    assert "extract-email@1.0.1 · ref · canary" in svg
    # one legend for the series and one for the registry's changes, not one per layer
    legend_titles = re.findall(r'role-legend-title".*?<text[^>]*>([^<]*)<', svg, re.S)
    assert legend_titles == ["prompt version · model · arm", "registry change"]
    # the legends sit under the plot: the chart is barely wider than its plot, whatever the series' names
    width = int(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert width < WIDTH + 100


def test_no_scores_no_chart() -> None:
    assert quality_svg({"start": "2026-12-02T12:00:00+00:00", "end": "2026-12-02T13:00:00+00:00",
                        "bucket_seconds": 60, "points": [], "changes": []}) is None


def test_the_time_axis_starts_a_bucket_before_the_first_point_or_change_within_the_window() -> None:
    series = {"start": "2026-12-02T11:00:00+00:00", "end": "2026-12-02T13:00:00+00:00", "bucket_seconds": 60,
              "points": [point("2026-12-02T12:50:00+00:00", "1.0.0", "stable", 0.9)],
              "changes": [{"at": "2026-12-02T12:45:00+00:00", "kind": "promoted", "description": "x"}]}
    assert time_domain(series) == ["2026-12-02T12:44:00+00:00", "2026-12-02T13:00:00+00:00"]
    early = {**series, "points": [point("2026-12-02T11:00:30+00:00", "1.0.0", "stable", 0.9)]}
    assert time_domain(early)[0] == "2026-12-02T11:00:00+00:00"  # never before the window asked for
