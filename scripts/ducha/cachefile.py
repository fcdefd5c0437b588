"""Pickled caches under ``.git/ducha/`` (history, parsed items) and the GC pause their bulk work wants."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import tempfile
from pathlib import Path


@contextlib.contextmanager
def gc_paused():
    """Building, computing over or unpickling tens of thousands of objects that form no reference cycles:
    the cyclic collector would only scan the growing heap again and again (measured: a 100,000-commit
    history build 21 s → 14 s, its cache load 3.3 s → 0.6 s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _replacing(path: Path):
    """A binary file to write that takes ``path``'s place only once it is complete (a temporary file
    beside it, then a rename): readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(path: Path, obj) -> None:
    """Pickle ``obj`` to ``path`` atomically: a temporary file beside it, then a rename (never half-written)."""
    with _replacing(path) as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


def write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically, readable by all (a file meant for people, not a cache)."""
    with _replacing(path) as fh:
        os.fchmod(fh.fileno(), 0o644)
        fh.write(data)


def read(path: Path):
    """The pickled object, or None when the file is missing, foreign or damaged: a cache is rebuilt, never fatal."""
    with gc_paused():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:
            return None
