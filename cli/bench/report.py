"""What `mailspine bench` reports: one phase's numbers, the whole run, and the run as a table."""

from dataclasses import asdict, dataclass, field
from typing import Any

from cli.bench.mail_flow import PIPELINE_TOPICS, FlowResult
from cli.bench.relay import RelayResult


def percentile(ordered: list[float], share: float) -> float | None:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


@dataclass
class Phase:
    name: str
    mails: int
    rate: float | None  # mails/s sent; None = as fast as the producer goes
    ended: dict[str, int]  # terminal state -> mails; "no_terminal_state" included, so the values add up to mails
    seconds: float  # first mail sent to last terminal record
    mails_per_s: float
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    cpu_ms_per_mail: dict[str, float]  # process -> CPU ms per mail (every process with a PID file of the stack)
    services: list[str]  # which of those processes are the project's own services (the others: servers)

    @classmethod
    def of(cls, name: str, flow: FlowResult, rate: float | None, cpu_seconds: dict[str, float],
           services: set[str]) -> "Phase":
        ended = flow.ended()
        finished = sum(n for state, n in ended.items() if state != "no_terminal_state")
        seconds = max(1e-6, flow.last_ended - flow.first_sent)
        latencies = flow.latencies()
        mails = len(flow.mails)
        return cls(name=name, mails=mails, rate=rate, ended=dict(sorted(ended.items())), seconds=round(seconds, 3),
                   mails_per_s=round(finished / seconds, 2),
                   latency_p50_ms=_ms(percentile(latencies, 0.5)), latency_p99_ms=_ms(percentile(latencies, 0.99)),
                   cpu_ms_per_mail={name: round(1000 * s / max(1, mails), 2)
                                    for name, s in sorted(cpu_seconds.items(), key=lambda kv: -kv[1])},
                   services=sorted(services & set(cpu_seconds)))

    def cpu_total(self, services_only: bool = False) -> float:
        return round(sum(ms for name, ms in self.cpu_ms_per_mail.items()
                         if not services_only or name in self.services), 2)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(1000 * seconds, 1)


@dataclass(frozen=True)
class Hop:
    topic: str
    records_per_mail: float
    mean_bytes: int


def hops_of(flow: FlowResult) -> list[Hop]:
    mails = max(1, len(flow.mails))
    return [Hop(topic, round(flow.records[topic] / mails, 2), flow.record_bytes[topic] // flow.records[topic])
            for topic in sorted(flow.records, key=PIPELINE_TOPICS.index) if flow.records[topic]]


def relay_sizes(hops: list[Hop]) -> list[int]:
    """One relay hop per record a mail caused, in the pipeline's order, each of its topic's mean size."""
    sizes = [hop.mean_bytes for hop in hops for _ in range(max(1, round(hop.records_per_mail)))]
    return sizes or [1024]


@dataclass
class Relay:
    hops: int
    messages: int
    delivered: int
    seconds: float
    mails_per_s: float
    cpu_ms_per_mail: dict[str, float]  # the relay (this process) and the broker

    @classmethod
    def of(cls, result: RelayResult, cpu_seconds: dict[str, float]) -> "Relay":
        return cls(hops=result.hops, messages=result.messages, delivered=result.delivered,
                   seconds=round(result.seconds, 3), mails_per_s=round(result.delivered / max(1e-6, result.seconds), 2),
                   cpu_ms_per_mail={n: round(1000 * s / max(1, result.messages), 2) for n, s in cpu_seconds.items()})


@dataclass
class BenchReport:
    settings: dict[str, Any]
    phases: list[Phase] = field(default_factory=list)
    hops: list[Hop] = field(default_factory=list)
    relay: Relay | None = None
    load_average: dict[str, list[float]] = field(default_factory=dict)

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    def derived(self) -> dict[str, float | None]:
        """Tracing's share and the ratios to the relay."""
        full, off = self.phase("full_speed"), self.phase("tracing_off")
        out: dict[str, float | None] = {}
        if full and off:
            out["tracing_share_of_throughput"] = round(1 - full.mails_per_s / off.mails_per_s, 3) \
                if off.mails_per_s else None
            out["tracing_share_of_cpu"] = round(1 - off.cpu_total() / full.cpu_total(), 3) \
                if full.cpu_total() else None
        if full and self.relay:
            relay_cpu = sum(self.relay.cpu_ms_per_mail.values())
            out["relay_mails_per_s_over_pipeline"] = round(self.relay.mails_per_s / full.mails_per_s, 2) \
                if full.mails_per_s else None
            out["pipeline_cpu_over_relay_cpu"] = round(full.cpu_total() / relay_cpu, 2) if relay_cpu else None
        return out

    def as_json(self) -> dict[str, Any]:
        document = asdict(self)
        for phase, raw in zip(self.phases, document["phases"], strict=True):
            raw["cpu_ms_per_mail_total"] = phase.cpu_total()
            raw["cpu_ms_per_mail_services"] = phase.cpu_total(services_only=True)
        document["derived"] = self.derived()
        return document

    def table(self) -> str:
        lines = [f"mailspine bench: {self.settings['mails']} mails at full speed, {self.settings['paced_mails']} "
                 f"paced; model latency +{self.settings['model_latency_s']:g} s; load average "
                 f"{_loads(self.load_average)}", ""]
        lines.append(f"{'phase':<12} {'mails':>6} {'rate':>7} {'mails/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
                     f"{'CPU ms/mail':>11}  terminal states")
        for p in self.phases:
            rate = "max" if p.rate is None else f"{p.rate:g}/s"
            lines.append(f"{p.name:<12} {p.mails:>6} {rate:>7} {p.mails_per_s:>8.1f} {_num(p.latency_p50_ms):>8} "
                         f"{_num(p.latency_p99_ms):>8} {p.cpu_total():>11.1f}  "
                         + ", ".join(f"{k} {v}" for k, v in p.ended.items()))
        if self.relay:
            r = self.relay
            lines.append(f"{'bare relay':<12} {r.messages:>6} {'max':>7} {r.mails_per_s:>8.1f} {'-':>8} {'-':>8} "
                         f"{sum(r.cpu_ms_per_mail.values()):>11.1f}  {r.delivered} delivered over {r.hops} hops")
        lines += ["", "CPU ms per mail, per process (" + ", ".join(p.name for p in self.phases) + ")"]
        names = list(dict.fromkeys(n for p in self.phases for n in p.cpu_ms_per_mail))
        for name in names:
            values = "".join(f"{_num(p.cpu_ms_per_mail.get(name)):>12}" for p in self.phases)
            lines.append(f"  {name:<22}{values}")
        for label, services_only in (("services total", True), ("all processes total", False)):
            lines.append(f"  {label:<22}" + "".join(f"{p.cpu_total(services_only):>12.1f}" for p in self.phases))
        if self.hops:
            lines += ["", "hops per mail (the relay repeats them): "
                      + ", ".join(f"{h.topic} x{h.records_per_mail:g} ({h.mean_bytes} B)" for h in self.hops)]
        derived = self.derived()
        if derived:
            lines += ["", "  ".join(f"{k} {_num(v)}" for k, v in derived.items())]
        return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"


def _loads(load: dict[str, list[float]]) -> str:
    return "; ".join(f"{when} " + " ".join(f"{x:.2f}" for x in values) for when, values in load.items())
