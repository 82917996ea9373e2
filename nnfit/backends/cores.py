"""The cores this process may run on, and how busy they are: the affinity mask, the cgroup's
CPU quota (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us / cpu.cfs_period_us``, on the process's cgroup
and each one above it), the other processes' runnable threads (``/proc/loadavg``) and the
CPUs' busy clock ticks (``/proc/stat``).  ``threads`` turns them into BLAS thread counts.
Where a file cannot be read (not Linux, no cgroup) the answer is None: no quota, no figure."""
import math
import os

CGROUP_ROOT = "/sys/fs/cgroup"
SELF_CGROUP = "/proc/self/cgroup"


def affinity_cpus():
    """The CPUs this process may run on (its affinity mask), as a set of CPU numbers."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def read(path):
    try:
        with open(path) as file:
            return file.read().strip()
    except OSError:
        return None


def _levels(mount, path):
    """``mount``/``path`` and each folder above it up to ``mount`` (the process's cgroup, then
    its parents: a quota on any of them limits the process); just ``mount`` when the path is
    not there (a cgroup namespace shows the process's own cgroup as the root)."""
    parts = [p for p in path.strip("/").split("/") if p and p != ".."]
    folders = [os.path.join(mount, *parts[:i]) for i in range(len(parts), -1, -1)]
    return [f for f in folders if os.path.isdir(f)] or [mount]


def _v2_limit(folder):
    text = read(os.path.join(folder, "cpu.max"))  # "max 100000" or "QUOTA PERIOD"
    if not text:
        return None
    fields = text.split()
    if fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1]) if len(fields) > 1 else 100000
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def _v1_limit(folder):
    quota, period = (read(os.path.join(folder, name))
                     for name in ("cpu.cfs_quota_us", "cpu.cfs_period_us"))
    try:
        quota, period = int(quota), int(period)
    except (TypeError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None  # -1: no quota


def cgroup_cpu_limit(root=CGROUP_ROOT, self_cgroup=SELF_CGROUP):
    """The CPU quota of this process's cgroups in cores (e.g. 1.5), the smallest over its cgroup
    and those above it, cgroup v2 or v1; None when there is none or it cannot be read."""
    text = read(self_cgroup)
    if not text:
        return None
    limits = []
    for line in text.splitlines():
        fields = line.split(":", 2)
        if len(fields) != 3:
            continue
        _, controllers, path = fields
        if controllers == "":  # cgroup v2: one hierarchy, mounted at root
            limits += [_v2_limit(f) for f in _levels(root, path)]
        elif "cpu" in controllers.split(","):  # cgroup v1: the cpu controller's hierarchy
            names = [controllers, "cpu", "cpu,cpuacct", "cpuacct,cpu"]
            mounts = [os.path.join(root, n) for n in dict.fromkeys(names)
                      if os.path.isdir(os.path.join(root, n))]
            for mount in mounts[:1]:
                limits += [_v1_limit(f) for f in _levels(mount, path)]
    limits = [limit for limit in limits if limit is not None]
    return min(limits) if limits else None


def usable_cores(cpus=None, quota=None):
    """min(CPUs in the affinity mask, the cgroup quota rounded down), at least 1.  ``cpus`` and
    ``quota`` default to this process's (``affinity_cpus()``, ``cgroup_cpu_limit()``; inf: no
    quota).  Rounded
    down: two threads under a quota of 1.5 cores are stopped by the quota in every period."""
    cpus = len(affinity_cpus()) if cpus is None else cpus
    quota = cgroup_cpu_limit() if quota is None else quota
    cores = cpus if quota is None or quota == math.inf else min(cpus, math.floor(quota + 1e-9))
    return max(1, cores)


def other_runnable(cpus):
    """Runnable threads of other processes now on the CPUs ``cpus``: ``/proc/loadavg``'s
    running count less this process's threads in state R, times the share of ``cpus`` among
    all CPUs (the count is the whole machine's); None where it cannot be read."""
    text = read("/proc/loadavg")
    try:
        running = int(text.split()[3].split("/")[0])
    except (AttributeError, IndexError, ValueError):
        return None
    own = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return None
    for task in tasks:
        stat = read(f"/proc/self/task/{task}/stat")
        if stat and stat.rpartition(")")[2].split()[:1] == ["R"]:
            own += 1
    share = len(cpus) / max(os.cpu_count() or 1, len(cpus))
    return max(0, running - max(own, 1)) * share


def cpu_jiffies(cpus):
    """(busy, total) clock ticks of the CPUs ``cpus`` from ``/proc/stat``; None if unreadable.
    Busy is all but idle and iowait; steal (a virtual machine's host running others) is busy."""
    text = read("/proc/stat")
    if not text:
        return None
    busy = total = 0
    for line in text.splitlines():
        if not line.startswith("cpu"):
            break
        name, *fields = line.split()
        if name == "cpu" or not name[3:].isdigit() or int(name[3:]) not in cpus:
            continue
        values = [int(v) for v in fields[:8]]
        total += sum(values)
        busy += sum(values) - values[3] - values[4]
    return (busy, total) if total else None
