"""The one place that knows where the shipped artefacts (ontology, schemes, shapes, queries, data) are.

In an installed wheel they live inside the package (``towncase/ontology`` …, put there by the
build); in a source checkout they are the top-level folders of the repository.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import TowncaseError

ARTEFACT_DIRS = ("ontology", "data", "shapes", "queries", "catalog")


def artefact_root() -> Path:
    """The folder that holds ``ontology/``, ``data/``, ``shapes/`` and ``queries/``."""
    packaged = Path(str(resources.files("towncase")))
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology").is_dir():
        return checkout
    raise TowncaseError(f"towncase artefacts not found in {packaged} nor in {checkout}",
                        hint="reinstall the package: pip install --force-reinstall towncase")


def protected_dirs() -> list[Path]:
    """Every artefact folder towncase reads, in the installed package and in a source checkout
    (whichever exist): no output may be written inside them."""
    roots = [Path(str(resources.files("towncase"))), Path(__file__).resolve().parents[2]]
    return [root / name for root in roots for name in ARTEFACT_DIRS if (root / name).is_dir()]


def artefact_dir(name: str) -> Path:
    """One of the artefact folders, e.g. ``artefact_dir("shapes")``."""
    if name not in ARTEFACT_DIRS:
        raise ValueError(f"not an artefact folder: {name!r}")
    return artefact_root() / name


def catalog_file() -> Path:
    """The fixed part of the release's DCAT-AP / VoID description (``towncase package`` adds the rest)."""
    return artefact_dir("catalog") / "towncase.dcat.ttl"


def linked_datasets_file() -> Path:
    """The external datasets towncase links may point into (the allow-list of link namespaces)."""
    return artefact_dir("catalog") / "linked-datasets.ttl"


def ontology_file() -> Path:
    """The OWL ontology."""
    return artefact_dir("ontology") / "towncase.ttl"


def scheme_files() -> list[Path]:
    """The shared SKOS concept schemes, sorted by name."""
    return sorted((artefact_dir("ontology") / "schemes").glob("*.ttl"))


def shape_files() -> list[Path]:
    """Every SHACL shapes file (violations and recommendations), sorted by name."""
    return sorted(artefact_dir("shapes").glob("*.shapes.ttl"))


def link_shape_file() -> Path:
    """The SHACL shapes of links (SSSOM mappings compiled into the linkset graph), kept apart from the
    data shapes: they check the links together with the data they link."""
    return artefact_dir("shapes") / "links" / "links.shapes.ttl"


def query_files() -> list[Path]:
    """The stored query catalogue, sorted by name."""
    return sorted(artefact_dir("queries").glob("*.rq"))


def data_dir() -> Path:
    """The shipped ``data/`` folder: ``reference/`` and one folder per town case."""
    return artefact_dir("data")
