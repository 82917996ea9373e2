"""Whole commands quiet and beside busy processes: how much longer a user waits (issue 27).

    python bench/loaded_commands.py -- nnfit mnist --rows ridge --epochs 5
    python bench/loaded_commands.py --lab regularization      # a lab's code cells as a script
    python bench/loaded_commands.py --threads adaptive --lab regularization

Each round runs the command (or the lab) once quiet (the machine as it is) and once beside
``--busy`` processes that spin (``while True: pass``, bench/loaded.py's), quiet first in odd
rounds and loaded first in even ones, with the library's default settings: no ``NNFIT_THREADS``
(``--threads`` sets it) and no BLAS or OpenMP variable in the command's environment.  It prints each run's seconds,
the min / median of each phase, the slowdown loaded / quiet (issue 27: at most 3), and the
other programs' load in each phase (cores' worth beyond the command and the busy processes).

A lab runs as one Python script of its code cells in order (the hidden solution cells
included, ``%`` and ``!`` lines left out, figures drawn with matplotlib's Agg backend), in a
temporary folder: what the documentation build executes.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the repository's nnfit
sys.path.insert(0, HERE)

from loaded import SETTLE, start_busy, stop_busy  # noqa: E402  (bench/ is a folder of scripts)

CLEARED = ("NNFIT_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def lab_script(name, folder):
    """The code cells of lab ``name`` as one script in ``folder``; its path."""
    from nnfit.labs import lab_path
    text = lab_path(name).read_text(encoding="utf-8")
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    code = []
    for cell in cells:
        if cell.startswith("---\n"):  # the cell's options
            cell = cell.split("---\n", 2)[2]
        code.append("\n".join(line for line in cell.splitlines()
                              if not line.startswith(("%", "!"))))
    path = os.path.join(folder, f"{name}.py")
    with open(path, "w", encoding="utf-8") as file:
        file.write("import matplotlib\nmatplotlib.use('Agg')\n\n" + "\n\n".join(code) + "\n")
    return path


def cpu_look():
    """(wall, this process's children's CPU seconds, the CPUs' busy and total ticks)."""
    from nnfit.backends import cores
    times = os.times()
    return (time.monotonic(), times.children_user + times.children_system,
            cores.cpu_jiffies(cores.affinity_cpus()))


def others_load(before, after, cpus):
    """Cores' worth the other programs kept busy between two looks (the command's CPU time,
    and the busy processes', which are children too, left out)."""
    if before[2] is None or after[2] is None or after[2][1] <= before[2][1]:
        return None
    busy = cpus * (after[2][0] - before[2][0]) / (after[2][1] - before[2][1])
    return busy - (after[1] - before[1]) / (after[0] - before[0])


def timed(command, busy, cwd, env):
    """Seconds of one run of ``command`` beside ``busy`` spinning processes, and the other
    programs' load meanwhile."""
    from nnfit.backends.cores import affinity_cpus
    before = cpu_look()
    spinning = start_busy(busy, 3600)
    try:
        time.sleep(SETTLE if busy else 0)
        start = time.perf_counter()
        run = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
    finally:
        stop_busy(spinning)
    after = cpu_look()  # (the busy processes' CPU time is counted once they are reaped)
    if run.returncode != 0:
        tail = (run.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"{' '.join(command)} failed (status {run.returncode}): {tail}")
    return seconds, others_load(before, after, len(affinity_cpus()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", help="run this lab's code cells as a script (e.g. regularization)")
    parser.add_argument("--busy", type=int, default=2, help="busy processes in a loaded run")
    parser.add_argument("--rounds", type=int, default=2, help="quiet / loaded rounds")
    parser.add_argument("--threads", help="NNFIT_THREADS for the command (default: unset)")
    parser.add_argument("command", nargs="*", help="the command (after --)")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    if args.threads:
        env["NNFIT_THREADS"] = args.threads
    with tempfile.TemporaryDirectory() as folder:
        if args.lab:
            command = [sys.executable, lab_script(args.lab, folder)]
            name = f"the {args.lab} lab (as a script)"
        elif args.command:
            command, name = args.command, " ".join(args.command)
        else:
            parser.error("give a command after -- or --lab NAME")
        times, loads = {"quiet": [], "loaded": []}, {"quiet": [], "loaded": []}
        for r in range(args.rounds):
            for state in (("quiet", "loaded") if r % 2 == 0 else ("loaded", "quiet")):
                seconds, load = timed(command, args.busy if state == "loaded" else 0, folder,
                                      env)
                times[state].append(seconds)
                if load is not None:
                    loads[state].append(load)
                print(f"round {r + 1} {state}: {seconds:.1f} s (other programs' load "
                      f"{'?' if load is None else f'{load:.2f}'})", flush=True)
    quiet, loaded = times["quiet"], times["loaded"]
    name += f" (NNFIT_THREADS={args.threads})" if args.threads else " (default threads)"
    print(f"\n{name}: quiet {min(quiet):.1f} / {statistics.median(quiet):.1f} s, beside "
          f"{args.busy} busy processes {min(loaded):.1f} / {statistics.median(loaded):.1f} s "
          f"(min / median of {args.rounds}); slowdown {min(loaded) / min(quiet):.2f} / "
          f"{statistics.median(loaded) / statistics.median(quiet):.2f} (issue 27: <= 3)")
    for state, values in loads.items():
        if values:
            print(f"other programs' load {state}: {min(values):.2f}-{max(values):.2f} cores")


if __name__ == "__main__":
    main()
