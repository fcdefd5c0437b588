"""A checked ledger from the work tree or a commit, and what counts.

``checked`` (items read and checked into a ``Ledger``), ``sources`` (where a ledger comes from: ``open_ledger``,
one decision for every command and the site), ``itemcache`` (parsed items by blob for statistics),
``rulesfile`` (the rules file read from disk or git), ``trust`` (the history decides the deadline and when a
record counts), ``register`` (``audit/reviews.yml``: reviewed audit findings).
"""
