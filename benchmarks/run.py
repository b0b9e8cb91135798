"""The benchmark suite: towncase over N synthetic towns, the fast path beside the plain one.

    python benchmarks/run.py --towns 1,10,100 [--repeat 3] [--baseline-up-to 10] [--work DIR] [--out FILE]

For each N it writes N synthetic towns (``towncase synth``, seed 0) beside the shipped cases and
measures, each in a fresh process (start-up, imports and loading included):

- ``load``: opening the cases in Oxigraph with a cold cache (parse and build) and a warm one (reopen),
  beside loading them into rdflib;
- ``query <name>``: every stored query (``towncase query``, defaults and header examples) on Oxigraph
  (warm cache) beside rdflib;
- ``evaluate``: every stored query's evaluation alone on Oxigraph (warm cache, in the process, start-up and
  store opening left out; the lowest of up to three runs): the growth of the query itself with N, which
  start-up hides in the whole-process figures of small N. Its own table gives rows and seconds per N and
  the growth exponent from the first N to the last (the issue asks for at most 1.1 from 10 to 1,000);
- ``evaluate-memory``: the same on an in-memory copy of the store, made once per N in one process (each
  query in a forked worker): the growth of the queries' shapes alone, where ``evaluate`` adds the on-disk
  store's cost per look-up (which grew with the store until it was compacted after its load);
- ``validate``: every check, cold (pyshacl-turbo, one worker per CPU) beside pySHACL in one process
  (``--shacl pyshacl --jobs 1``; each case in its own small store on both), and ``revalidate``: again
  after editing one case (fast path only);
- ``infer``: RDFS, linear over the store beside owlrl over rdflib;
- ``export``: every format of every graph (the exporter is rdflib's on both paths).

Each figure is the median of ``--repeat`` runs (the plain path: of fewer runs above
``--baseline-up-to`` towns, where it takes minutes; beyond ``--baseline-skip-above`` it is not run).
Wall and CPU seconds (user + system of the process and the workers it waited for) and peak memory
(the largest process, ``ru_maxrss``) come from the operating system. Results: JSON (``--out``) and a
Markdown table on stdout, with the ratio plain / fast, and growth exponents (the slope of log time
over log N between successive N).

This is not part of the test suite (``pytest`` collects ``tests/`` only): it takes from minutes
(N = 1, 10) to hours (the plain path at N = 100).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TOWNCASE = [sys.executable, "-m", "towncase"]
TASK = [sys.executable, str(HERE / "tasks.py")]


def measure(command: list[str], env: dict, timeout: float, report: bool = False) -> dict:
    """One run of ``command``: wall and CPU seconds and peak MiB, or ``{"error": …}``; with ``report``,
    also what the command printed, one JSON value per line (a list under ``"report"``)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE if report else subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)  # its workers too are stopped at the timeout
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            os.wait4(process.pid, 0)
            return {"error": f"timeout after {timeout:g} s"}
        time.sleep(0.02)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if code not in (0, 1):  # validate exits 1 on a violation; the work was done
        return {"error": f"exit {code}: {stderr.strip()[-300:]}"}
    # Linux's wait4 counts the process and the workers it waited for (RUSAGE_BOTH); the peak is the
    # largest of them.
    got = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024}
    if report and process.stdout:  # a pipe read after the exit: the reports are a few kilobytes
        got["report"] = [json.loads(line) for line in process.stdout.read().decode("utf-8").splitlines()]
    return got


def median_of(runs: list[dict]) -> dict:
    good = [r for r in runs if "error" not in r]
    if not good:
        return {"error": runs[0]["error"] if runs else "not run"}
    return ({key: statistics.median(r[key] for r in good) for key in ("wall", "cpu", "peak_mib")}
            | {"runs": len(good), "wall_min": min(r["wall"] for r in good), "wall_max": max(r["wall"] for r in good)})


def repeat(command: list[str], env: dict, times: int, timeout: float, before=None) -> dict:
    runs = []
    for _ in range(times):
        if before:
            before()
        runs.append(measure(command, env, timeout))
        if "error" in runs[-1]:
            break
    return median_of(runs)


def stored_queries() -> dict[str, list[str]]:
    """Every stored query, with ``--param`` options for its required parameters (the header examples)
    and the output format of its form."""
    from towncase import query

    return {name: [arg for pair in assignments for arg in ("--param", pair)]
            + ["--format", "tsv" if query.catalogue()[name].form == "SELECT" else "turtle"]
            for name, assignments in required_values().items()}


def required_values() -> dict[str, list[str]]:
    """Every stored query, with ``NAME=VALUE`` for each of its required parameters (the header examples)."""
    from towncase import query

    return {name: [f"{p.name}={p.example}" for p in q.params.values() if p.required]
            for name, q in query.catalogue().items()}


#: The queries of the issue's table, whose plain path runs above --baseline-up-to towns (every query's
#: plain path at 100 towns takes about twenty minutes on two cores).
PLAIN_QUERIES_ABOVE = ("indicator-across-towns", "case-overview", "place-hierarchy", "orphan-entity-violation")


#: What the suite measures, each selectable with --only.
PARTS = ("load", "query", "evaluate", "evaluate-memory", "link", "validate", "infer", "export")


def run_n(n: int, work: Path, args) -> dict:
    folder = work / f"n{n}"
    towns = folder / "towns"
    if not towns.is_dir():
        subprocess.run([*TOWNCASE, "synth", "--towns", str(n), "-o", str(towns), "--seed", "0"], check=True,
                       stdout=subprocess.DEVNULL)
    cache = folder / "cache"
    env = dict(os.environ, TOWNCASE_CACHE=str(cache), COLUMNS="200")
    env.pop("TOWNCASE_DATA", None)
    data = ["--data", str(towns)]
    fast_times = args.repeat
    plain_times = 0 if n > args.baseline_skip_above else (args.repeat if n <= args.baseline_up_to else 1)
    timeout = args.timeout

    def cold() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    results: dict[str, dict] = {}

    def pair(name: str, fast: list[str] | None, plain: list[str] | None, before_fast=None, before_plain=None):
        print(f"  N={n} {name} …", file=sys.stderr, flush=True)
        results[name] = {
            "fast": repeat(fast, env, fast_times, timeout, before_fast) if fast else {"error": "no fast path"},
            "plain": repeat(plain, env, plain_times, timeout, before_plain) if plain and plain_times
            else {"error": "not run"},
        }

    parts = set(args.only.split(","))
    if "load" in parts:
        pair("load (cold cache)", [*TASK, "load", str(towns), "oxigraph"], [*TASK, "load", str(towns), "rdflib"],
             before_fast=cold)
    subprocess.run([*TASK, "load", str(towns), "oxigraph"], env=env, check=True, stdout=subprocess.DEVNULL)
    if "load" in parts:
        pair("load (warm cache)", [*TASK, "load", str(towns), "oxigraph"], [*TASK, "load", str(towns), "rdflib"])
    for name, params in stored_queries().items() if "query" in parts else ():
        common = ["query", name, *params, *data, "--timeout", str(timeout),
                  "--max-rows", "10000000"]
        plain = TOWNCASE + common + ["--store", "rdflib"]
        pair(f"query {name}", TOWNCASE + common + ["--store", "oxigraph"],
             plain if n <= args.baseline_up_to or name in PLAIN_QUERIES_ABOVE else None)
    for name, values in required_values().items() if "evaluate" in parts else ():
        print(f"  N={n} evaluate {name} …", file=sys.stderr, flush=True)
        got = measure([*TASK, "evaluate", str(towns), name, *values], env, timeout, report=True)
        results[f"evaluate {name}"] = _evaluation(got if "error" in got else got["report"][-1])
    if "evaluate-memory" in parts:
        print(f"  N={n} evaluate-memory (every stored query) …", file=sys.stderr, flush=True)
        specs = [" ".join([name, *values]) for name, values in required_values().items()]
        got = measure([*TASK, "evaluate-memory", str(towns), str(timeout), *specs], env, 100 * timeout, report=True)
        for line in got.get("report", []):
            results[f"evaluate-memory {line.pop('query')}"] = _evaluation(line)
    if "link" in parts:  # the shipped case beside the last synthetic town: every label compared
        last = sorted(p.name for p in towns.iterdir() if p.is_dir())[-1]
        pair("link suggest", [*TOWNCASE, "link", "suggest", "diankou-2022", last, *data], None)
    if "validate" in parts:
        _validate(pair, env, data, folder, towns)
    out = folder / "inferred.nt"
    if "infer" in parts:
        pair("infer rdfs", [*TOWNCASE, "infer", "--regime", "rdfs", *data, "--store", "oxigraph", "-o", str(out)],
             [*TASK, "infer-owlrl", str(towns)])
    if "export" in parts:
        pair("export", [*TASK, "export", str(towns), "oxigraph"], [*TASK, "export", str(towns), "rdflib"])
    triples = subprocess.run([*TASK, "load", str(towns), "oxigraph"], env=env, capture_output=True, text=True)
    return {"towns": n, "triples": triples.stdout.strip(), "results": results}


def _validate(pair, env: dict, data: list[str], folder: Path, towns: Path) -> None:
    """Every check, cold, on both paths; then again after editing one case (fast path only)."""
    validation = folder / "cache" / "validation"
    pair("validate", [*TOWNCASE, "validate", *data],
         [*TOWNCASE, "validate", *data, "--shacl", "pyshacl", "--jobs", "1"],
         before_fast=lambda: shutil.rmtree(validation, ignore_errors=True),
         before_plain=lambda: shutil.rmtree(validation, ignore_errors=True))
    edited = sorted(towns.glob("*/observations.ttl"))[0]

    def edit_one() -> None:
        with open(edited, "a", encoding="utf-8") as handle:
            handle.write(f"# edited {time.time_ns()}\n")

    subprocess.run([*TOWNCASE, "validate", *data], env=env, stdout=subprocess.DEVNULL)
    pair("revalidate (one case edited)", [*TOWNCASE, "validate", *data], None,
         before_fast=edit_one)


def _evaluation(report: dict) -> dict:
    """An ``evaluate`` task's report (or error) as a result: the lowest wall and CPU seconds of its runs,
    and its rows."""
    if "error" in report:
        return {"fast": {"error": report["error"]}, "plain": {"error": "not run"}}
    runs = report["runs"]
    return {"fast": {"wall": min(r["wall"] for r in runs), "cpu": min(r["cpu"] for r in runs),
                     "rows": report["rows"], "runs": len(runs)}, "plain": {"error": "not run"}}


def exponent(a: dict, b: dict, na: int, nb: int) -> str:
    if "error" in a or "error" in b or a["cpu"] <= 0 or b["cpu"] <= 0:
        return "–"
    return f"{math.log(b['cpu'] / a['cpu']) / math.log(nb / na):.2f}"


def table(all_runs: list[dict]) -> str:
    def cell(r: dict) -> str:
        if "error" in r:
            return r["error"] if r["error"] in ("not run", "no fast path") else "✗ " + r["error"][:40]
        return f"{r['wall']:.2f} / {r['cpu']:.2f} / {r['peak_mib']:.0f}"

    def ratio(r: dict) -> str:
        fast, plain = r["fast"], r["plain"]
        if "error" in fast or "error" in plain:
            return "–"
        return f"{plain['cpu'] / fast['cpu']:.1f}×"

    names = [name for name in all_runs[0]["results"] if not name.startswith("evaluate")]
    if not names:
        return ""
    lines = ["| task | " + " | ".join(f"N={r['towns']} fast (wall s / cpu s / MiB) | plain | plain/fast cpu"
                                       for r in all_runs) + " | growth (fast, cpu) |",
             "|---|" + "---|---|---|" * len(all_runs) + "---|"]
    for name in names:
        cells = []
        for r in all_runs:
            got = r["results"].get(name, {"fast": {"error": "not run"}, "plain": {"error": "not run"}})
            cells += [cell(got["fast"]), cell(got["plain"]), ratio(got)]
        growth = ", ".join(exponent(all_runs[i]["results"][name]["fast"], all_runs[i + 1]["results"][name]["fast"],
                                    all_runs[i]["towns"], all_runs[i + 1]["towns"])
                           for i in range(len(all_runs) - 1) if name in all_runs[i + 1]["results"])
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {growth} |")
    return "\n".join(lines)


def evaluation_table(all_runs: list[dict], part: str) -> str:
    """The results of ``part`` (``evaluate`` or ``evaluate-memory``): rows and CPU seconds per N, and the
    growth exponent from the first N to the last (marked ✗ above 1.1)."""
    names = [name for name in all_runs[0]["results"] if name.startswith(part + " ")]
    if not names:
        return ""
    first, last = all_runs[0], all_runs[-1]
    lines = [f"{part}:", "", "| query | " + " | ".join(f"N={r['towns']} rows / cpu s" for r in all_runs)
             + f" | growth {first['towns']} → {last['towns']} |",
             "|---|" + "---|" * len(all_runs) + "---|"]
    for name in names:
        got = [r["results"].get(name, {"fast": {"error": "not run"}})["fast"] for r in all_runs]
        cells = [("✗ " + g["error"][:40]) if "error" in g else f"{g['rows']:,} / {g['cpu']:.3f}" for g in got]
        growth = exponent(got[0], got[-1], first["towns"], last["towns"]) if len(got) > 1 else "–"
        mark = " ✗" if growth != "–" and float(growth) > 1.1 else ""
        lines.append(f"| `{name.removeprefix(part + ' ')}` | " + " | ".join(cells) + f" | {growth}{mark} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--towns", default="1,10,100", help="comma-separated N (synthetic towns beside the shipped)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is kept)")
    parser.add_argument("--baseline-up-to", type=int, default=10, help="above this N the plain path runs once")
    parser.add_argument("--baseline-skip-above", type=int, default=100, help="above this N the plain path is not run")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one run may take")
    parser.add_argument("--work", type=Path, default=Path("/tmp/towncase-bench"), help="where towns and caches go")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to measure (default all: {','.join(PARTS)})")
    args = parser.parse_args()
    all_runs = []
    for n in (int(x) for x in args.towns.split(",")):
        all_runs.append(run_n(n, args.work, args))
        if args.out:
            args.out.write_text(json.dumps(all_runs, indent=1), encoding="utf-8")
    print("\n\n".join(filter(None, (table(all_runs), evaluation_table(all_runs, "evaluate"),
                                              evaluation_table(all_runs, "evaluate-memory")))))


if __name__ == "__main__":
    main()
