"""CPU time as the benchmarks read it (psutil): a process's own, and the whole machine's."""

from __future__ import annotations

import psutil


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def busy_seconds() -> float:
    """The CPU time every process on the machine has used so far (all cores): all but idle and I/O wait."""
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + times.irq + times.softirq + times.steal
