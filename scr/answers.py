"""Rendered answers to reads, remembered per process while nothing they depend on has changed.

An answer is stored under a key naming everything it depends on: the records' version (`scr.db.records_version`,
which every change moves, from any process), the day it was asked on (deadlines count days from today), what the
asker may see (their role: an editor's answer carries buttons a viewer's must not) and the parsed command. So an
answer found here is exactly the one that would be built now. The asker's role is read with the version, in the
same statement (`scr.service.version_and_role`), and checked before anything is looked up. Only answers are stored:
a refusal or an error is raised before anything is. Bounded: the least recently used entry goes first.

The version is read before anything else: what is read after it is then at least as new as it (on PostgreSQL each
statement reads what was committed when it began), never older than the key it is stored under. A review's detail is
read in that same statement; a list built anew reads only the reviews changed since the last one was
(`scr.open_reviews`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import TypeVar

from scr import grammar as g
from scr import service
from scr.open_reviews import OpenReviews

# The reads whose answers depend on nothing but reviews, actions and roles (which the version covers) and the day.
CACHED = (g.Status, g.ListReviews)
T = TypeVar("T")
SIZE = 256  # a few hundred answers of a few kB each: well under a megabyte a process


class Cache:
    """A least-recently-used map, safe across the web process's threads. The values it hands out are shared:
    callers never change them."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._answers: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.open_reviews = OpenReviews()  # what a list built anew reads (only what changed since it was last built)

    def get(self, key: Hashable, render: Callable[[], T]) -> T:
        """The value stored under `key`, or `render()`'s, stored if it returns (an exception stores nothing)."""
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]  # type: ignore[return-value]
        answer = render()  # outside the lock: two threads may both render a new key, and store the same answer
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return answer

    def answer(self, ctx: service.Context, command: g.Command, render: Callable[[service.Result, date], T]) -> T:
        """The answer to `command` (one of CACHED) as `render` words it, from this cache or built anew. The asker's
        permission is checked, in the statement that reads the version, before anything is looked up. `ctx` should
        come from `scr.db.reads`: outside a transaction on PostgreSQL."""
        if isinstance(command, g.Status) and command.reference is not None:
            # A review's detail is read with the version, in the same statement, as one JSON value: no second round
            # trip when the answer must be built (the review changed), little more than the version when it need not.
            version, role, detail = service.version_and_detail(ctx, command.reference)
            return self.get((version, ctx.today, role, command), lambda: render(detail(), ctx.today))
        if _lists_open(command):
            # The open reviews changed since this process last looked are read with the version, in the same
            # statement: the list, if it must be built, is then built from this process's copy of them.
            version, granted = self.open_reviews.catch_up(ctx.session, ctx.actor.id)
            role = service.reader(ctx, granted)
            return self.get((version, ctx.today, role, command),
                            lambda: render(service.read(ctx, command, role, self.open_reviews), ctx.today))
        version, role = service.version_and_role(ctx)
        key = (version, ctx.today, role, command)
        return self.get(key, lambda: render(service.read(ctx, command, role), ctx.today))

    def __len__(self) -> int:
        return len(self._answers)


def _lists_open(command: g.Command) -> bool:
    """Whether `command` lists the open reviews: `status`, `list` and `list open`."""
    return (isinstance(command, g.Status) and command.reference is None
            or isinstance(command, g.ListReviews) and command.which == "open")
