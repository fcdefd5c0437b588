"""``python -m ducha.cli``: the same as the ``ducha`` command."""

from . import main

main()
