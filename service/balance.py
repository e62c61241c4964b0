"""Even out the keep-alive connections over the worker processes of `tdkt serve --workers N`.

uvicorn's workers share one listening socket, and a keep-alive client stays with the worker that
accepted its connection. With a few busy clients the split is often uneven (10 clients over 2
workers: 6/4 or 7/3 as often as 5/5), and for as long as the clients live: the worker with more
of them answers each of them more slowly, which is most of the spread of p95.

Each worker publishes how many requests it has in flight in a small shared file (one slot per
worker process, named in ``TDKT_SERVE_LOAD`` by the supervisor). When a worker finishes a request
while it has at least ``MARGIN`` more in flight than the least busy other worker, its reply says
``Connection: close``: the client opens a new connection, which the least busy worker (its event
loop idle) usually accepts first. A connection costs a fraction of a millisecond; with an even
split no connection is closed.
"""
from __future__ import annotations

import contextlib
import logging
import mmap
import os
import struct
import tempfile
import threading
from pathlib import Path

log = logging.getLogger("tdkt.balance")

ENV = "TDKT_SERVE_LOAD"
SLOTS = 64
_SLOT = struct.Struct("<qq")  # pid, requests in flight
MARGIN = 2


def create_file(workers: int) -> Path:
    """The shared file for ``workers`` processes (the supervisor makes it before they start)."""
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
    fd, name = tempfile.mkstemp(prefix="tdkt-serve-load-", dir=base)
    with os.fdopen(fd, "wb") as fh:
        fh.write(b"\0" * (_SLOT.size * SLOTS))
    return Path(name)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Balancer:
    """This worker's slot in the shared file: ``enter()``/``leave()`` around a request, and
    ``leave()`` says whether the connection should be closed."""

    def __init__(self, path: str | os.PathLike):
        import fcntl

        self._fh = open(path, "r+b")
        self._map = mmap.mmap(self._fh.fileno(), _SLOT.size * SLOTS)
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self.inflight = 0
        self.closed = 0  # connections this worker asked to close
        fcntl.flock(self._fh, fcntl.LOCK_EX)
        try:
            slot = None
            for i in range(SLOTS):
                pid, _ = _SLOT.unpack_from(self._map, i * _SLOT.size)
                if pid == self.pid or not _alive(pid):
                    slot = i
                    break
            if slot is None:
                raise RuntimeError("no free slot in the shared load file")
            self.slot = slot
            _SLOT.pack_into(self._map, slot * _SLOT.size, self.pid, 0)
        finally:
            fcntl.flock(self._fh, fcntl.LOCK_UN)

    def _publish(self) -> None:
        _SLOT.pack_into(self._map, self.slot * _SLOT.size, self.pid, self.inflight)

    def enter(self) -> None:
        with self._lock:
            self.inflight += 1
            self._publish()

    def others(self) -> list[int]:
        """Requests in flight in each other live worker."""
        out = []
        for i in range(SLOTS):
            if i == self.slot:
                continue
            pid, n = _SLOT.unpack_from(self._map, i * _SLOT.size)
            if pid > 0 and pid != self.pid and _alive(pid):  # a worker that died is not counted
                out.append(n)
        return out

    def leave(self) -> bool:
        """One request done; True when this worker is busier than the least busy other one by
        ``MARGIN`` requests or more (then the connection should be closed)."""
        with self._lock:
            self.inflight -= 1
            self._publish()
            mine = self.inflight
        others = self.others()
        close = bool(others) and mine >= min(others) + MARGIN
        if close:
            self.closed += 1
        return close

    def close(self) -> None:
        with contextlib.suppress(Exception):
            _SLOT.pack_into(self._map, self.slot * _SLOT.size, 0, 0)
            self._map.close()
            self._fh.close()


def from_env() -> Balancer | None:
    """This worker's Balancer when the supervisor made a shared file (several workers), else None."""
    path = os.environ.get(ENV)
    if not path:
        return None
    try:
        return Balancer(path)
    except Exception as exc:  # no balancing, never no serving
        log.warning("connection balancing off (%s: %s)", type(exc).__name__, exc)
        return None
