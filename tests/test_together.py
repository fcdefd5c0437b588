"""Pages rendered by this process and a forked one together (``site.together``)."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from ducha.site.together import RenderTogether

PARENT = os.getpid()


def _waiting_for_the_child(flag):
    """A render that, in this process, first waits until the forked one has rendered a page: both sides then
    certainly take part, however slowly the machine starts the process."""

    def render(key: str):
        if os.getpid() == PARENT:
            deadline = time.monotonic() + 30
            while not flag.value and time.monotonic() < deadline:
                time.sleep(0.001)
        else:
            flag.value = 1
            time.sleep(0.0005)
        return (key.upper(), os.getpid())

    return render


def test_both_sides_render_and_every_page_comes_once_in_order():
    flag = multiprocessing.get_context("fork").RawValue("i", 0)
    keys = [f"k{n:03d}" for n in range(300)]
    together = RenderTogether(_waiting_for_the_child(flag), keys)
    try:
        out = together.run()
    finally:
        together.stop()
    assert list(out) == keys
    assert [page for page, _ in out.values()] == [k.upper() for k in keys]
    pids = [pid for _, pid in out.values()]
    assert PARENT in pids and {pid for pid in pids if pid != PARENT}  # both took pages
    # the forked process from the front, this one from the back: each side's pages are one run
    first_mine = pids.index(PARENT)
    assert all(pid != PARENT for pid in pids[:first_mine]) and all(pid == PARENT for pid in pids[first_mine:])
    assert multiprocessing.active_children() == []


def test_what_the_forked_process_fails_on_is_rendered_here_and_the_error_raised_here(capfd):
    def render(key: str):
        if key == "k005":
            raise ValueError(f"页面 {key} 出错（测试）")
        return key.upper()

    together = RenderTogether(render, [f"k{n:03d}" for n in range(40)])
    try:
        with pytest.raises(ValueError, match="k005"):
            together.run()
    finally:
        together.stop()
    assert "Traceback" not in capfd.readouterr().err  # the forked process's failure is not printed
    assert multiprocessing.active_children() == []


def test_pages_a_killed_process_never_sent_are_rendered_here():
    def render(key: str):
        if os.getpid() != PARENT and key == "k020":
            os._exit(9)  # killed mid-batch: its claimed pages are never sent
        return (key.upper(), os.getpid())

    keys = [f"k{n:03d}" for n in range(200)]
    together = RenderTogether(render, keys)
    try:
        out = together.run()
    finally:
        together.stop()
    assert list(out) == keys and [page for page, _ in out.values()] == [k.upper() for k in keys]
    assert out["k020"][1] == PARENT
    assert multiprocessing.active_children() == []


def test_stop_ends_a_process_still_rendering():
    def render(key: str):
        time.sleep(0.05)
        return key

    together = RenderTogether(render, [f"k{n:03d}" for n in range(1000)])
    assert multiprocessing.active_children()
    together.stop()
    assert multiprocessing.active_children() == []
