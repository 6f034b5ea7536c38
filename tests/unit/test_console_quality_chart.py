from services.console.quality.charts import quality_svg


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


def test_no_scores_no_chart() -> None:
    assert quality_svg({"start": "2026-12-02T12:00:00+00:00", "end": "2026-12-02T13:00:00+00:00",
                        "bucket_seconds": 60, "points": [], "changes": []}) is None
