"""ducha (督查): the ledger of a government supervision office.

The library knows nothing of click or MkDocs; ``ducha.cli`` and ``ducha.plugin``
are thin adapters over it.
"""

__version__ = "0.1.0"
