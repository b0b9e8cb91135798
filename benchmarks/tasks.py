"""One benchmark task in a process of its own, so that start-up, imports and loading are measured with it.

    python benchmarks/tasks.py TASK DATA_DIR [ARG]

Tasks that have a command are run as the command (see run.py); these are the ones that need the
library: loading alone, the baseline paths (owlrl's RDFS closure) and the export.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from towncase import export, load, reason, store


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


TASKS = {"load": task_load, "infer-owlrl": task_infer_owlrl, "export": task_export}

if __name__ == "__main__":
    print(TASKS[sys.argv[1]](*sys.argv[2:]))
