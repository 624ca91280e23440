"""Small timing helpers shared by the benchmark sections.

Every figure is measured more than once and reported with its spread (min–median–max), and each run
notes the machine's load average beside it: on a shared machine a figure without its load means little.
Memory is read from /proc for a whole process tree (a server and its worker processes), not one process."""

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): p95 of 40 samples is the 38th smallest."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples: Sequence[float]) -> dict[str, float]:
    """Median, p95 and p99 of durations given in seconds, in milliseconds."""
    return {
        "median_ms": round(statistics.median(samples) * 1000, 2) if samples else math.nan,
        "p95_ms": round(percentile(samples, 95) * 1000, 2),
        "p99_ms": round(percentile(samples, 99) * 1000, 2),
        "runs": len(samples),
    }


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


# --- load and spread ---------------------------------------------------------------------------------


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (empty where the OS has none)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def spread(values: Sequence[float], *, digits: int = 2) -> dict[str, float]:
    """min, median and max of repeated measurements of one figure (NaN ones left out), and how many."""
    kept = [v for v in values if not math.isnan(v)]
    if not kept:
        return {"min": math.nan, "median": math.nan, "max": math.nan, "runs": 0}
    return {
        "min": round(min(kept), digits),
        "median": round(statistics.median(kept), digits),
        "max": round(max(kept), digits),
        "runs": len(kept),
    }


def shown_spread(values: Sequence[float] | dict[str, float], *, unit: str = "", digits: int = 1) -> str:
    """`min–median–max unit` for a table cell (one value when they are all equal)."""
    figure = values if isinstance(values, dict) else spread(values, digits=digits)
    if not figure.get("runs"):
        return "n/a"
    low, mid, high = (f"{figure[k]:,.{digits}f}" for k in ("min", "median", "max"))
    text = low if low == high else f"{low}–{mid}–{high}"
    return f"{text} {unit}".rstrip()


def shown_load(loads: Sequence[Sequence[float]]) -> str:
    """The 1-minute load averages seen during a measurement's runs, as `load 0.8–2.1`."""
    ones = [load[0] for load in loads if load]
    if not ones:
        return "load n/a"
    low, high = min(ones), max(ones)
    return f"load {low:.1f}" if low == high else f"load {low:.1f}–{high:.1f}"


def repeated(measure: Callable[[int], T], *, times: int) -> list[tuple[T, list[float]]]:
    """`measure(run_index)` run `times` times, each result with the load average taken just before it."""
    return [(measure(index), load_average()) for index in range(times)]


# --- memory ---------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (VmHWM), in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (children, their children…), from /proc."""
    found = [pid]
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as listing:
                    found += [int(child) for child in listing.read().split() if int(child) not in found]
            except OSError:
                continue
    return found


def _status_mb(pid: int, field: str) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def tree_memory_mb(pid: int) -> dict[str, Any]:
    """Memory of `pid`'s whole process tree: current RSS and peak RSS (VmHWM) added up over its
    processes, and each process's own figures (the sum counts shared pages once per process, as `ps`
    would: an upper bound)."""
    processes = []
    for member in process_tree(pid):
        rss, peak = _status_mb(member, "VmRSS"), _status_mb(member, "VmHWM")
        if not math.isnan(rss):
            processes.append({"pid": member, "rss_mb": round(rss, 1), "peak_rss_mb": round(peak, 1)})
    return {
        "processes": len(processes),
        "rss_mb": round(sum(p["rss_mb"] for p in processes), 1),
        "peak_rss_mb": round(sum(p["peak_rss_mb"] for p in processes), 1),
        "each": processes,
    }
