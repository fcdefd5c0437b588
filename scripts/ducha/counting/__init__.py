"""Counting: ``stats`` (every figure with its items, as of a day), ``scoring`` (unit scores), ``basis`` (the
统计口径 in a leader's words), ``export`` (JSON, CSV, xlsx; cells escaped)."""
