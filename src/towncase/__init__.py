"""towncase: a linked-data knowledge graph of Chinese town-development cases.

The library API, one module per stage: :mod:`towncase.load`, :mod:`towncase.reason`,
:mod:`towncase.validate`, :mod:`towncase.query`, :mod:`towncase.stats`, :mod:`towncase.export`.
"""
