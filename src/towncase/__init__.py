"""towncase: a linked-data knowledge graph of Chinese town-development cases.

The library API, one module per stage: :mod:`towncase.load`, :mod:`towncase.reason`,
:mod:`towncase.validate`, :mod:`towncase.query`, :mod:`towncase.stats`, :mod:`towncase.export`.
"""

#: The release, read by the build backend (pyproject.toml) and by the cache key: a constant, because
#: reading it with ``importlib.metadata`` would import that package on every start-up (tests/test_startup.py).
__version__ = "0.1.0"
