"""practicalnn bench: every workload against every alternative, one process, one thread count."""

from __future__ import annotations

import sys

from ..bench.runner import WORKLOADS
from .common import Progress, comma_list, print_json, table


def _workloads(text):
    names = [p.lower() for p in comma_list(text, "workloads", unique=True)]
    for n in names:
        if n not in WORKLOADS:
            import argparse

            raise argparse.ArgumentTypeError(f"{n!r}: expected some of {', '.join(WORKLOADS)}")
    return tuple(names)


def register(sub):
    p = sub.add_parser(
        "bench",
        help="time practicalnn against a NumPy baseline, scikit-learn and PyTorch",
        description="Run every workload (W1 the notebook's model, W2 a 64-model sweep, W3 60,000 x "
        "784 mini-batches, cold start) against every alternative in one process, with the same "
        "thread count for everyone, and print medians and ratios. Takes several minutes; --quick "
        "checks results only, in seconds, and prints no timings.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny workloads: check results only; no timings, ratios or goals (what CI runs)",
    )
    p.add_argument("--repeats", type=int, default=3, help="timed runs per measurement; the median is shown")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for BLAS, PyTorch, Numba and sweep workers (every core if not given)",
    )
    p.add_argument(
        "--only",
        type=_workloads,
        default=",".join(WORKLOADS),
        metavar="LIST",
        help="comma-separated workloads to run",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.set_defaults(run=run)


def _kind(row):
    from ..bench.harness import GOALS

    return GOALS.get((row["workload"], row["implementation"]), (None, None))[0]


def _ratio(row):
    r = row["ratio"]
    if r is None:
        return "-"
    return f"{r:.0%} of it" if _kind(row) == "share" else f"{r:.1f}x"


def _goal(row):
    formats = {"share": ">= {:.0%}", "max_seconds": "< {:g} s", "speedup": ">= {:g}x"}
    return "-" if row["goal"] is None else formats[_kind(row)].format(row["goal"])


def _mib(n):
    return f"{n / 2**20:.1f} MiB"


def run(args):
    from ..bench.runner import run as run_bench
    from ..errors import argument_error

    if args.repeats < 1:
        raise argument_error("repeats", args.repeats, "an integer >= 1")
    if args.threads is not None and args.threads < 1:
        raise argument_error("threads", args.threads, "an integer >= 1")
    with Progress(not args.json, "bench") as progress:
        result = run_bench(
            quick=args.quick,
            repeats=args.repeats,
            threads=args.threads,
            only=args.only,
            progress=progress.update,
            classifier=_classifier(args.only),
        )
    if args.json:
        print_json(result)
        return 0 if all(wl["checks"]["same_results"] for wl in result["workloads"].values()) else 1
    return render(result)


def _classifier(only):
    """W6's estimator with its defaults (the estimators sit above the benchmark, which cannot import them)."""
    if "w6" not in only:
        return None
    from ..estimators import NeuralNetClassifier

    return NeuralNetClassifier()


def render(result):
    """Print the benchmark's record (as ``bench.run`` returns it, or read back from ``--json``) as
    tables; 0 when every result is as expected, else 1. A quick record's toy sizes support no verdict
    on speed: it prints its results checks only."""
    s, w = result["setup"], result["workloads"]
    quick = s["quick"]
    median = "" if quick else f", median of {s['repeats']} run(s)"
    print(
        f"practicalnn bench{' --quick (results only, no timings)' if quick else ''}: "
        f"{s['threads']} thread(s) for everyone on {s['cpu_count']} cores{median}; "
        f"python {s['python']}, numpy {s['numpy']}, torch {s['torch'] or 'not installed'}\n"
    )
    if not quick and any(wl["rows"] for wl in w.values()):
        _print_timings(w)
    _print_measures(w, quick)
    for line in _result_lines(w, quick):
        print(line)
    if not quick:
        for line in _memory_lines(w):
            print(line)
    ok = all(wl["checks"]["same_results"] for wl in w.values())
    print(f"\nresults: {'all as expected' if ok else 'SOME DIFFER'}")
    if quick:
        print("timings, speed-ups and goals need a full run: practicalnn bench (without --quick)")
    if not ok:
        print("practicalnn bench: some results differ from the reference", file=sys.stderr)
    return 0 if ok else 1


def _value(m):
    v = m["value"]
    if m["unit"] == "share":
        return f"{v:.1%}"
    if m["unit"] == "points":
        return f"{100 * v:+.2f} points"
    return f"{v:,.3g} {m['unit']}".rstrip()


def _print_measures(workloads, quick):
    """The workloads measured by a figure each (W4, W5, W6, BN); a quick run's figures carry no verdict."""
    found = [m for wl in workloads.values() for m in wl.get("measures", [])]
    if not found:
        return
    rows = [
        [m["workload"], m["what"], _value(m), m["goal"] or "-",
         "-" if m["met"] is None else ("yes" if m["met"] else "NO")]
        for m in found
    ]  # fmt: skip
    print(table(["workload", "measure", "value", "goal", "met"], rows))
    print("(toy sizes: the figures show the workloads run, not how fast)\n" if quick else "")


def _print_timings(workloads):
    rows = []
    for w in workloads.values():
        for r in w["rows"]:
            met = "-" if r["met"] is None else ("yes" if r["met"] else "NO")
            rows.append(
                [r["workload"], r["implementation"], round(r["median_s"], 3), r["runs"], _ratio(r), _goal(r), met,
                 r["note"]]
            )  # fmt: skip
    print(table(["workload", "implementation", "median s", "runs", "speed-up", "goal", "met", "note"], rows))
    print(
        "\nspeed-up: the alternative's time over practicalnn's (W3 bare products: practicalnn's rate as a share "
        "of the bare rate; cold: the baseline script's time over `practicalnn train`'s)\n"
    )


def _result_lines(w, quick):
    """One line per workload on whether its results agree with the reference (W3 and the cold start have
    theirs in the measurements of a full run)."""
    lines = []
    if "W1" in w:
        c = w["W1"]["checks"]
        lines.append(
            f"W1 results: costs vs reference path max rel. diff {c['costs_vs_reference_max_rel']:.1e}, vs baseline "
            f"{c['costs_vs_baseline_max_rel']:.1e}; train/test accuracy {c['train_accuracy']:.4f}/"
            f"{c['test_accuracy']:.4f} (reference {c['reference_train_accuracy']:.4f}/"
            f"{c['reference_test_accuracy']:.4f}, baseline {c['baseline_train_accuracy']:.4f}/"
            f"{c['baseline_test_accuracy']:.4f}): {'same' if c['same_results'] else 'DIFFERENT'}"
        )
    if "W2" in w:
        lines.append(_w2_line(w["W2"]["checks"]))
    if quick and "W3" in w:
        lines.append(f"W3 results: the cost stayed finite: {'yes' if w['W3']['checks']['cost_finite'] else 'NO'}")
    if quick and "cold" in w:
        lines.append("cold start: `practicalnn train` and the baseline script ran to the end")
    return lines


def _w2_line(c):
    chaotic = c["cells_chaotic"]
    moved = [x["perturbed_reference_vs_baseline_rel"] for x in chaotic]
    return (
        f"W2 results: {c['cells_same']} of {c['cells']} cells end with the baseline's cost (1e-9) and "
        f"accuracies"
        + (
            f"; the other {len(chaotic)} are sensitive to rounding: the reference path itself, "
            f"started 1e-15 away, ends {min(moved):.0e} to {max(moved):.1e} away (the fast path: "
            f"{max(x['fast_vs_baseline_rel'] for x in chaotic):.1e})"
            if chaotic
            else ""
        )
        + (f"; {len(c['cells_differing_not_chaotic'])} cell(s) DIFFER" if c["cells_differing_not_chaotic"] else "")
        + ("" if "dask_equals_pool" not in c else "; Dask's cells equal the process pool's" if c["dask_equals_pool"]
           else "; Dask's cells DIFFER from the process pool's")
    )  # fmt: skip


def _memory_lines(w):
    """Rates, peak memory and the first-ever run: measurements, shown for full runs only."""
    lines = []
    if "W3" in w:
        c, mem = w["W3"]["checks"], w["W3"]["peak_bytes"]
        lines.append(
            f"W3: {c['gflops']:.1f} GFLOP/s beside {c['bare_gflops']:.1f} GFLOP/s for the bare products; peak "
            f"memory {_mib(mem['practicalnn'])} = {mem['ratio']:.2f}x the dataset plus parameters "
            f"({_mib(mem['dataset_plus_parameters'])}; goal < 1.5x)"
        )
    for name in ("W1", "W2"):
        if name in w:
            lines.append(
                f"{name} peak memory: " + ", ".join(f"{k} {_mib(v)}" for k, v in w[name]["peak_bytes"].items())
            )
    if "cold" in w:
        lines.append(
            f"cold start: first-ever run {w['cold']['checks']['first_run_s']:.2f} s with an empty compile cache"
        )
    return lines
