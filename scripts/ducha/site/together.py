"""Pages rendered by this process and a forked one together, so that both finish at the same time.

Both take the next pages from one list, a batch at a time: the forked process from its front, this one from
its back. Where the two stand is kept in shared memory as two counters, each written by one side only; a
side stops when they meet. A claim made on a stale reading of the other side's counter can only overlap
the other's (a page rendered twice, the same both times), never leave a page out.

However long each side's other work takes (this process renders the other pages first), neither waits
for the other: a fixed share left this one idle for a second of a 6,000-item build. The forked process
appends each batch to a temporary file, read here once it has ended. (Not a pipe: a thread reading one
here needs the interpreter for every read while this process renders, and the forked process, blocked on a
full pipe, rendered at a third of its speed.) What it did not write, because it failed or was killed, this
process renders itself: an error is then raised here, as in a serial build, and a dead process costs time,
not pages.
"""

from __future__ import annotations

import multiprocessing
import pickle
import tempfile
from collections.abc import Callable

BATCH = 16  # pages claimed at a time: a few milliseconds of work


class RenderTogether:
    def __init__(self, render: Callable[[str], object], keys: list[str]):
        """Start the forked process on ``keys`` (from the front); ``run`` renders this process's share."""
        self.render, self.keys = render, keys
        ctx = multiprocessing.get_context("fork")
        # [next key the forked process takes, end of the keys left to this one]: each written by one side
        self._ends = ctx.RawArray("q", [0, len(keys)])
        self._spool = tempfile.TemporaryFile(prefix="ducha-pages-")
        self._proc = ctx.Process(target=self._forked, daemon=True)
        self._proc.start()

    def _forked(self) -> None:
        """In the forked process: batches from the front until the two sides meet, each written when made as
        its length (8 bytes) and its pickle."""
        ends, keys, render, spool = self._ends, self.keys, self.render, self._spool
        try:
            while True:
                lo = ends[0]
                hi = min(lo + BATCH, ends[1])
                if lo >= hi:
                    break
                ends[0] = hi
                data = pickle.dumps([(k, render(keys[k])) for k in range(lo, hi)], pickle.HIGHEST_PROTOCOL)
                spool.write(len(data).to_bytes(8, "little") + data)
        except Exception:  # noqa: S110 - what it did not write is rendered by this process, which reports the error
            pass
        finally:
            spool.flush()

    def _theirs(self) -> dict[int, object]:
        """What the forked process wrote, once it has ended; a record cut short (it was killed) is left out."""
        spool = self._spool
        spool.seek(0)
        data = spool.read()
        out: dict[int, object] = {}
        at = 0
        while at + 8 <= len(data):
            size = int.from_bytes(data[at : at + 8], "little")
            if at + 8 + size > len(data):
                break
            out.update(pickle.loads(data[at + 8 : at + 8 + size]))
            at += 8 + size
        return out

    def run(self) -> dict[str, object]:
        """This process's share, from the back, then the forked one's: every key's page, in key order."""
        ends, keys, render = self._ends, self.keys, self.render
        mine: dict[int, object] = {}
        while True:
            hi = ends[1]
            lo = max(hi - BATCH, ends[0])
            if lo >= hi:
                break
            ends[1] = lo
            for k in range(lo, hi):
                mine[k] = render(keys[k])
        self._proc.join()
        theirs = self._theirs()
        return {key: mine[k] if k in mine else theirs[k] if k in theirs else render(key) for k, key in enumerate(keys)}

    def stop(self) -> None:
        """End the forked process (done, or given up on) and remove its file."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._spool.close()
