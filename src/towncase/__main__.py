"""``python -m towncase``: the same as the ``towncase`` command."""

from .cli import main

main()
