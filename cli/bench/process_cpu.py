"""CPU time of each process of the stack, found by the PID files under <home>/run/ (servers and services)."""

from dataclasses import dataclass
from pathlib import Path

import psutil

from infra.process import read_pid


def process_name(pid_file: Path) -> str:
    return pid_file.stem.removeprefix("service-")


@dataclass(frozen=True)
class CpuSnapshot:
    seconds: dict[str, float]  # process name -> user + system CPU seconds, its children included

    def since(self, earlier: "CpuSnapshot") -> dict[str, float]:
        """CPU seconds spent between the two snapshots, per process present in both (a restarted process is not:
        its counters began again)."""
        return {name: max(0.0, self.seconds[name] - earlier.seconds[name])
                for name in self.seconds if name in earlier.seconds}


class StackProcesses:
    """The processes the PID files name when this object is built (a restart needs a new one)."""

    def __init__(self, run_dir: Path) -> None:
        self.processes: dict[str, psutil.Process] = {}
        for pid_file in sorted(run_dir.glob("*.pid")):
            pid = read_pid(pid_file)
            if pid is not None:
                try:
                    self.processes[process_name(pid_file)] = psutil.Process(pid)
                except psutil.Error:
                    continue  # ended between the two looks
        if not self.processes:
            raise LookupError(f"no running process has a PID file in {run_dir}")

    def snapshot(self) -> CpuSnapshot:
        return CpuSnapshot({name: _cpu_seconds(process) for name, process in self.processes.items()})


def _cpu_seconds(process: psutil.Process) -> float:
    """The process and its live children (a launcher script's JVM, a server's workers)."""
    total = 0.0
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for member in family:
        try:
            times = member.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total
