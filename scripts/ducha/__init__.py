"""ducha (督查): the ledger of a government supervision office.

The library knows nothing of click or MkDocs; ``ducha.cli`` and ``ducha.plugin``
are thin adapters over it.
"""

from pathlib import Path

__version__ = "0.1.0"

TEMPLATES = Path(__file__).parent / "templates"  # package data: site, theme, assets, bulletins, init
