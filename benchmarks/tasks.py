"""One benchmark task in a process of its own, so that start-up, imports and loading are measured with it.

    python benchmarks/tasks.py TASK DATA_DIR [ARG]

Tasks that have a command are run as the command (see run.py); these are the ones that need the
library: loading alone, the baseline paths (owlrl's RDFS closure) and the export.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from towncase import bounded, catalogue, export, load, reason, store
from towncase.bounded import QueryLimits
from towncase.errors import TowncaseError


def corpus(folder: str) -> load.Corpus:
    """The shipped cases and the synthetic towns in ``folder``."""
    return load.corpus([Path(folder)], env=False)


def task_load(folder: str, kind: str) -> str:
    """Open the corpus in a store (Oxigraph: from the cache, or building the entry when it is cold)."""
    opened = store.open_store(corpus(folder), kind)
    return f"{sum(opened.graph_sizes().values())} triples"


def task_infer_owlrl(folder: str) -> str:
    """The plain RDFS path: owlrl over the rdflib graph."""
    data = corpus(folder)
    return f"{len(reason.run(load.data_graph(data), 'rdfs', load.ontology(), linear=False).graph)} inferred"


def task_export(folder: str, kind: str) -> str:
    """Every export format of every graph, from the store's dataset (the exporter is rdflib's)."""
    opened = store.open_store(corpus(folder), kind)
    with tempfile.TemporaryDirectory() as out:
        written = export.export(opened.dataset(), Path(out))
    return f"{len(written)} files"


def task_evaluate(folder: str, name: str, *assignments: str) -> str:
    """A stored query's evaluation alone on the Oxigraph store (warm cache), every row read: the store
    opened and the parameters bound first (``NAME=VALUE`` assignments), then the query run until three
    runs or 20 s of them. JSON: the wall and CPU seconds of each run and the rows of the answer."""
    opened = store.open_store(corpus(folder), "oxigraph")
    return json.dumps(_evaluate(opened, opened.store, name, assignments))


def task_evaluate_memory(folder: str, timeout: str, *queries: str) -> str:
    """:func:`task_evaluate` for every stored query (``NAME`` or ``NAME NAME=VALUE…`` as one argument each),
    on an in-memory copy of the Oxigraph store made once: the growth of the queries alone, without the
    on-disk store's cost per look-up (which grows with the number of files the bulk loader left, when the
    store is not compacted). Each query runs in a forked worker stopped after ``timeout`` seconds. JSON lines: the query's
    name and its report, or its error."""
    import pyoxigraph

    opened = store.open_store(corpus(folder), "oxigraph")
    memory = pyoxigraph.Store()
    memory.bulk_extend(opened.store.quads_for_pattern(None, None, None, None))
    lines = []
    for spec in queries:
        name, *assignments = spec.split()
        try:
            report = bounded.run(_evaluate, (opened, memory, name, assignments), QueryLimits(timeout=float(timeout)),
                                 doing=f"query {name}")
        except TowncaseError as error:
            report = {"error": str(error)}
        lines.append(json.dumps({"query": name, **report}))
    return "\n".join(lines)


def _evaluate(opened: store.OxigraphStore, engine, name: str, assignments) -> dict:
    """:func:`task_evaluate`'s runs of query ``name`` on ``engine`` (a pyoxigraph store), its parameters
    bound against ``opened``."""
    query = catalogue.stored(name)
    bindings = opened.bind(query, catalogue.parse_assignments(assignments), "zh")
    text = catalogue.written_in(query, bindings) if bindings else query.text
    runs: list[dict] = []
    while len(runs) < 3 and sum(r["wall"] for r in runs) < 20:
        wall, cpu = time.perf_counter(), time.process_time()
        # In this process (towncase runs it in a forked worker, whose start and answer's pickling are not
        # the query's evaluation).
        rows = len(store.oxigraph_rows(engine, text, query.form, [], query.lang_columns, 100_000_000)[2])
        runs.append({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu})
    return {"runs": runs, "rows": rows}


TASKS = {"load": task_load, "infer-owlrl": task_infer_owlrl, "export": task_export, "evaluate": task_evaluate,
         "evaluate-memory": task_evaluate_memory}

if __name__ == "__main__":
    print(TASKS[sys.argv[1]](*sys.argv[2:]))
