"""The one place that knows where the files are: the shipped artefacts (ontology, schemes, shapes,
queries, data) and the town cases a command reads (:func:`corpus`), found without parsing anything.

In an installed wheel they live inside the package (``towncase/ontology`` …, put there by the
build); in a source checkout they are the top-level folders of the repository.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import InputError, TowncaseError, UnknownNameError
from .prefixes import GRAPH_BASE

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


def link_context_file() -> Path:
    """The query of what the link shapes read of the data (beside them)."""
    return artefact_dir("shapes") / "links" / "link-context.rq"


def query_files() -> list[Path]:
    """The stored query catalogue, sorted by name."""
    return sorted(artefact_dir("queries").glob("*.rq"))


def data_dir() -> Path:
    """The shipped ``data/`` folder: ``reference/`` and one folder per town case."""
    return artefact_dir("data")


# ---------------------------------------------------------------------------------------------
# Case folders: the shipped ones, --data folders and TOWNCASE_DATA
# ---------------------------------------------------------------------------------------------

#: Environment variable: a path list (``os.pathsep``-separated) of data folders read beside the shipped ones.
DATA_ENV = "TOWNCASE_DATA"
#: The sub-folder of a data folder that holds shared reference data rather than a case.
REFERENCE_FOLDER = "reference"
#: Folders of a data folder that are never cases.
NOT_CASES = {REFERENCE_FOLDER, "sources", "links"}


@dataclass(frozen=True)
class CaseFolder:
    """One town case on disk: a folder of Turtle files (one named graph) and its ``sources/``.

    Attributes:
        name: the folder's name, which is the case's slug (``graph/case/<name>``).
        path: the folder.
    """

    name: str
    path: Path

    @property
    def files(self) -> tuple[Path, ...]:
        """The case's Turtle files, sorted by name (read with ``os.listdir``: 0.2 s less than a glob of
        Paths at 1,000 towns, on every command)."""
        return tuple(self.path / name for name in sorted(os.listdir(self.path)) if name.endswith(".ttl"))

    @property
    def graph_name(self) -> str:
        """The IRI of the named graph that holds the case."""
        return GRAPH_BASE + "case/" + self.name


@dataclass(frozen=True)
class Corpus:
    """What a command reads: the shared reference data and the town cases, from the shipped data
    folder and the user's own folders (``--data``, ``TOWNCASE_DATA``).

    Attributes:
        roots: the data folders, shipped first, in the order given.
        reference: the reference-data folders (each root's ``reference/``).
        cases: the case folders, sorted by name; names are unique.
    """

    roots: tuple[Path, ...]
    reference: tuple[Path, ...]
    cases: tuple[CaseFolder, ...]

    @property
    def names(self) -> list[str]:
        """The case names, sorted."""
        return [c.name for c in self.cases]

    def case(self, name: str) -> CaseFolder:
        """One case folder by name.

        Raises:
            UnknownNameError: no case of that name (with the close matches).
        """
        for folder in self.cases:
            if folder.name == name:
                return folder
        raise UnknownNameError("case", name, self.names)

    @property
    def reference_files(self) -> tuple[Path, ...]:
        """The Turtle files of every reference folder."""
        return tuple(f for folder in self.reference for f in sorted(folder.glob("*.ttl")))

    @property
    def files(self) -> tuple[Path, ...]:
        """Every Turtle file the corpus reads: reference data, then each case."""
        return self.reference_files + tuple(f for case in self.cases for f in case.files)


def corpus(data: Iterable[Path] = (), shipped: bool = True, env: bool = True) -> Corpus:
    """Find the reference data and the case folders a command reads.

    Args:
        data: the user's data folders (``--data``), each a folder of case folders (which may hold a
            ``reference/`` folder of its own) or one case folder (a folder with ``*.ttl`` files).
        shipped: include the cases shipped with towncase (``--no-shipped`` leaves them out; the
            shipped reference data is always read, every case builds on it).
        env: also read the folders named by ``TOWNCASE_DATA``.

    Raises:
        InputError: a folder is missing or holds no case, or two folders define the same case.
    """
    shipped_root = data_dir()
    given = [Path(p) for p in (os.environ.get(DATA_ENV, "").split(os.pathsep) if env else []) if p]
    given += [Path(p) for p in data]
    roots, seen = [shipped_root], {shipped_root.resolve()}
    for root in given:
        if not root.is_dir():
            raise InputError("not a folder of town cases", file=str(root),
                             hint=f"give a folder of case folders or one case folder (check --data and {DATA_ENV})")
        if root.resolve() not in seen:
            seen.add(root.resolve())
            roots.append(root)
    reference: list[Path] = []
    cases: dict[str, CaseFolder] = {}
    for root in roots:
        if (root / REFERENCE_FOLDER).is_dir():
            reference.append(root / REFERENCE_FOLDER)
        if root == shipped_root and not shipped:
            continue
        found = _case_folders(root)
        if not found and root != shipped_root:
            raise InputError("holds no town case (no *.ttl files in it or in its sub-folders)", file=str(root),
                             hint="create one with: towncase new-case SLUG --name-zh … --name-en … --data " + str(root))
        for folder in found:
            if folder.name in cases:
                raise InputError(f"case {folder.name!r} is defined twice: in {cases[folder.name].path} and in "
                                 f"{folder.path}", file=str(folder.path),
                                 hint="a case name is its folder name and must be unique; rename one folder")
            cases[folder.name] = folder
    return Corpus(tuple(roots), tuple(reference), tuple(cases[n] for n in sorted(cases)))


def _case_folders(root: Path) -> list[CaseFolder]:
    """``root`` itself when it holds Turtle files, else its sub-folders that do."""
    if any(root.glob("*.ttl")):
        return [CaseFolder(root.name, root)]
    return [CaseFolder(p.name, p) for p in sorted(root.iterdir())
            if p.is_dir() and p.name not in NOT_CASES and any(p.glob("*.ttl"))]


def parts(data: Corpus) -> list[tuple[str, tuple[Path, ...]]]:
    """(named graph IRI, its files) for every part of the dataset: the ontology, the concept schemes,
    the reference data and each case, in that order."""
    found = [(GRAPH_BASE + "ontology", (ontology_file(),)), (GRAPH_BASE + "concepts", tuple(scheme_files())),
             (GRAPH_BASE + "reference", data.reference_files)]
    return found + [(folder.graph_name, folder.files) for folder in data.cases]
