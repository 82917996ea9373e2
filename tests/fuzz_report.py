"""A larger run of the fuzz of ``test_fuzz_*.py`` that counts outcomes instead of asserting them.

    python tests/fuzz_report.py [--examples N] [--seed S] [--show K] [--only "model files"]

prints, per category, the cases tried and how many ended as correct results, clean errors,
unclear errors, silent wrong results and crashes, then up to K examples of each bad outcome.
Not collected by pytest (its name does not start with ``test_``).
"""
import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import fuzz_cases as fc  # noqa: E402


def measure(name, case, examples, random_seed, table, bad):
    counts = collections.Counter()

    @seed(random_seed)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def fuzz(data):
        verdict, detail = case(data.draw)
        counts[verdict] += 1
        if verdict not in (fc.CORRECT, fc.CLEAN):
            bad[name, verdict].append(detail)

    started = time.perf_counter()
    fuzz()
    table[name] = counts, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=400, help="cases per category")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--show", type=int, default=5, help="examples shown per bad outcome")
    parser.add_argument("--only", action="append", help="run only this category (repeatable)")
    args = parser.parse_args(argv)
    table, bad = {}, collections.defaultdict(list)
    with tempfile.TemporaryDirectory() as folder:
        files, X, ys = fc.saved_models(folder)
        (Path(folder) / "save").mkdir()
        categories = {
            "hyperparameters": fc.hyperparameter_case,
            "input arrays": fc.array_case,
            "model files": lambda draw: fc.model_file_case(draw, files, X, ys),
            "CSV via CLI": lambda draw: fc.csv_case(draw, folder),
            "determinism": lambda draw: fc.determinism_case(draw, folder),
            "sample weights": fc.weights_case,
            "save targets": lambda draw: fc.save_case(draw, Path(folder) / "save"),
            "swamped columns": fc.swamp_case,
        }
        for name, case in categories.items():
            if args.only and name not in args.only:
                continue
            measure(name, case, args.examples, args.seed, table, bad)
    header = f"{'category':<17}{'tried':>7}" + "".join(f"{v:>22}" for v in fc.VERDICTS) + \
        f"{'seconds':>9}"
    print(header)
    total = collections.Counter()
    for name, (counts, seconds) in table.items():
        total.update(counts)
        print(f"{name:<17}{sum(counts.values()):>7}" +
              "".join(f"{counts[v]:>22}" for v in fc.VERDICTS) + f"{seconds:>9.1f}")
    print(f"{'all':<17}{sum(total.values()):>7}" + "".join(f"{total[v]:>22}" for v in fc.VERDICTS))
    for (name, verdict), details in sorted(bad.items()):
        print(f"\n{name}: {verdict} ({len(details)})")
        for detail in list(dict.fromkeys(details))[: args.show]:
            print("  -", detail[:300].replace("\n", " | "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
