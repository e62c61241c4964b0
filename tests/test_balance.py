"""service.balance: workers share their load through a file; the busier one asks to close."""
from __future__ import annotations

import multiprocessing as mp

from service import balance


def _other_worker(path: str, inflight: int, ready, done) -> None:
    b = balance.Balancer(path)
    for _ in range(inflight):
        b.enter()
    ready.set()
    done.wait(30)
    b.close()


def _with_other(path, inflight):
    ctx = mp.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    p = ctx.Process(target=_other_worker, args=(str(path), inflight, ready, done))
    p.start()
    assert ready.wait(30)
    return p, done


def test_busier_worker_closes_and_balanced_one_does_not(tmp_path):
    path = balance.create_file(2)
    try:
        me = balance.Balancer(path)
        p, done = _with_other(path, inflight=0)  # the other worker idle
        try:
            for _ in range(3):
                me.enter()
            assert me.others() == [0]
            assert me.leave() is True  # 2 still in flight here, 0 there
            assert me.leave() is False  # 1 here, 0 there
            assert me.leave() is False
            assert me.closed == 1
        finally:
            done.set()
            p.join(10)
        p, done = _with_other(path, inflight=3)  # now the other one is the busier
        try:
            me.enter()
            assert me.leave() is False
        finally:
            done.set()
            p.join(10)
        assert me.others() == []  # a worker that has left (or died) is not counted
        me.close()
    finally:
        path.unlink(missing_ok=True)


def test_no_file_no_balancing(monkeypatch):
    monkeypatch.delenv(balance.ENV, raising=False)
    assert balance.from_env() is None
    monkeypatch.setenv(balance.ENV, "/nonexistent/tdkt-load")
    assert balance.from_env() is None  # never an error: serving goes on without it
