"""Pages rendered by this process and a forked one together, so that both finish at the same time.

Both take the next pages from one list, a batch at a time: the forked process from its front, this one from
its back. Where the two stand is kept in shared memory as two counters, each written by one side only; a
side stops when they meet. A claim made on a stale reading of the other side's counter can only overlap
the other's (a page rendered twice, the same both times), never leave a page out.

However long each side's other work takes (this process renders the other pages first), neither waits
for the other: a fixed share left this one idle for a second of a 6,000-item build. The forked process
sends each batch through a pipe, read (and unpickled) here by a thread as it comes. What it did not send,
because it failed or was killed, this process renders itself: an error is then raised here, as in a
serial build, and a dead process costs time, not pages.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from collections.abc import Callable

BATCH = 16  # pages claimed at a time: a few milliseconds of work


class RenderTogether:
    def __init__(self, render: Callable[[str], object], keys: list[str]):
        """Start the forked process on ``keys`` (from the front); ``run`` renders this process's share."""
        self.render, self.keys = render, keys
        ctx = multiprocessing.get_context("fork")
        # [next key the forked process takes, end of the keys left to this one]: each written by one side
        self._ends = ctx.RawArray("q", [0, len(keys)])
        self._theirs: dict[int, object] = {}
        reader, writer = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=self._forked, args=(writer,), daemon=True)
        self._proc.start()
        writer.close()
        self._reader = reader
        self._thread = threading.Thread(target=self._receive, name="ducha-pages-received", daemon=True)
        self._thread.start()

    def _forked(self, conn) -> None:
        """In the forked process: batches from the front until the two sides meet, each sent when made."""
        ends, keys, render = self._ends, self.keys, self.render
        try:
            while True:
                lo = ends[0]
                hi = min(lo + BATCH, ends[1])
                if lo >= hi:
                    break
                ends[0] = hi
                conn.send_bytes(pickle.dumps([(k, render(keys[k])) for k in range(lo, hi)], pickle.HIGHEST_PROTOCOL))
        except Exception:  # noqa: S110 - what it did not send is rendered by this process, which reports the error
            pass
        finally:
            conn.close()

    def _receive(self) -> None:
        theirs = self._theirs
        try:
            while True:
                theirs.update(pickle.loads(self._reader.recv_bytes()))
        except (EOFError, OSError):  # the forked process is done (or gone)
            pass
        finally:
            self._reader.close()

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
        self._thread.join()  # the pipe is closed: the forked process has sent all it will
        self._proc.join()
        theirs = self._theirs
        return {key: mine[k] if k in mine else theirs[k] if k in theirs else render(key) for k, key in enumerate(keys)}

    def stop(self) -> None:
        """End the forked process (done, or given up on)."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._thread.join()
