"""`mailspine bench` on the test stack, with a handful of mails: every phase is there, and every mail sent is
accounted for (a terminal state, or counted as without one). No timings are asserted: only the report's shape."""

import json

import pytest

from cli.main import main


@pytest.mark.timeout(1800)  # five phases and two restarts of every service, on a shared machine
def test_bench_reports_every_phase_and_every_mail(running_services: None, capsys: pytest.CaptureFixture[str]) -> None:
    main(["bench", "--mails", "4", "--paced-mails", "3", "--rate", "2", "--source", "test-mx", "--json",
          "--timeout", "300"])
    report = json.loads(capsys.readouterr().out)

    phases = {phase["name"]: phase for phase in report["phases"]}
    assert list(phases) == ["full_speed", "paced", "tracing_off"]
    for name, expected in (("full_speed", 4), ("paced", 3), ("tracing_off", 4)):
        phase = phases[name]
        assert phase["mails"] == expected
        assert sum(phase["ended"].values()) == expected, phase["ended"]
        assert phase["ended"].get("no_terminal_state", 0) == 0, phase["ended"]
        assert {"gateway", "runtime", "kafka"} <= set(phase["cpu_ms_per_mail"]), phase["cpu_ms_per_mail"]
        assert phase["cpu_ms_per_mail_total"] >= phase["cpu_ms_per_mail_services"] > 0
        assert phase["mails_per_s"] > 0
    assert phases["paced"]["rate"] == 2
    if phases["full_speed"]["ended"].get("run_summary"):
        assert phases["full_speed"]["latency_p50_ms"] <= phases["full_speed"]["latency_p99_ms"]

    hops = {hop["topic"]: hop for hop in report["hops"]}
    assert hops["mail.inbound.v1"]["records_per_mail"] == 1
    relay = report["relay"]
    assert relay["messages"] == relay["delivered"] == 4
    assert relay["hops"] == sum(max(1, round(hop["records_per_mail"])) for hop in report["hops"])
    assert set(report["derived"]) == {"tracing_share_of_throughput", "tracing_share_of_cpu",
                                      "relay_mails_per_s_over_pipeline", "pipeline_cpu_over_relay_cpu"}
    assert set(report["load_average"]) == {"start", "end"}
