"""Everything that runs git: ``repo`` (commits, trees, blobs, merge bases, what a branch touched) and
``commits`` (the first-parent history of each item as field-level versions, cached in ``.git/ducha/``; the
landing clock that never runs back)."""
