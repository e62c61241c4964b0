"""How fast `tdkt serve` answers: ``python -m eval.serve_bench --index DIR``.

Starts a real ``tdkt serve`` subprocess on a free port over an index folder that `tdkt ingest`
built, and measures:

* ``first_answer_s``   seconds from the process start to the first /ask answer (the client posts
  as soon as the port accepts connections; the answer must be a real one, not abstained);
* ``bind_s``           seconds until /health first answered (the documents are served from then);
* ``warm``             the server's own breakdown of its warm-up (its "answering engine warm in" line);
* ``ask_p50_ms`` / ``ask_p95_ms`` / ``ask_max_ms``  /ask latency, warm, at ``--clients`` concurrent
  clients (default 10) over ``--requests`` questions (default 200) of eval/questions/tdkt.jsonl,
  each question asked once and never the warm-up one (no query-vector cache flatters a figure);
* ``server_cpu_ms_per_request`` the server's CPU time (user + system, all its processes) per timed /ask: with
  ``clients`` closed-loop clients on ``cpus`` cores, p95 cannot go below about
  clients x that / cpus, however the requests are scheduled;
* ``client_cpu_ms_per_request`` this process's own CPU per timed /ask. The clients run on the
  same cores as the server, while real ones are on other machines, so they are kept light: each
  is a thread with one keep-alive HTTP/1.1 connection on a raw socket (``_Client``: ~0.3 ms of
  CPU a request, where an httpx.Client took ~2.3 ms, which the server's latency paid for);
* ``workers`` (server processes; the timed requests start once each has logged its warm-up,
  ``all_warm_s`` after the start), ``throughput_rps``, ``errors`` (non-200 answers),
  ``peak_rss_mb`` (VmHWM summed over the server's processes, ``peak_rss_mb_each`` per process:
  pages the workers share are counted in each) and ``pss_mb`` (their proportional set size at
  the end, shared pages counted once), the load average before and after, and the CPU count: on
  a shared 2-core machine the figures move with the load, so read them with it.

Speed targets (first answer <= 10 s, p95 <= 150 ms at 10 clients) are reported as ``targets``,
never asserted. ``run(index_dir) -> dict`` is what eval/bench.py can call; the CLI prints the dict
as JSON (``--out FILE`` also writes it).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "eval" / "questions" / "tdkt.jsonl"
WARMUP_QUESTION = "Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?"
TARGET_FIRST_ANSWER_S = 10.0
TARGET_P95_MS = 150.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation, as numpy's default."""
    v = sorted(values)
    if not v:
        return float("nan")
    pos = (len(v) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (`tdkt serve --workers N`: the supervisor and its workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return out


def _status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _memory(pid: int) -> dict[str, Any]:
    """Peak RSS (VmHWM) of the server's processes, each and summed, and their proportional set
    size now (Pss: a page shared by several workers, e.g. the mapped model, counted once)."""
    peaks = {p: _status_kb(p, "VmHWM") for p in _tree(pid)}
    peaks = {p: kb for p, kb in peaks.items() if kb is not None}
    pss = 0
    for p in peaks:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return {"peak_rss_mb": round(sum(peaks.values()) / 1024, 1) if peaks else None,
            "peak_rss_mb_each": [round(kb / 1024, 1) for kb in peaks.values()],
            "pss_mb": round(pss / 1024, 1) if pss else None}


def _cpu_each(pid: int) -> dict[int, float]:
    """User + system CPU seconds so far of a process and each of its descendants (Linux /proc)."""
    out = {}
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            out[p] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return out


class _Client:
    """One keep-alive HTTP/1.1 connection on a raw socket: a POST of a prepared JSON body, the
    reply read by its Content-Length. A tenth of the CPU of an httpx.Client per request: the
    bench's clients share the server's 2 cores, while real ones run elsewhere, so the client's own
    cost should not be what the figures measure. (uvicorn sends every /ask reply with a
    Content-Length; anything else is an error here.)"""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock: socket.socket | None = None
        self.buf = b""

    def _connect(self) -> socket.socket:
        s = socket.create_connection((self.host, self.port), timeout=self.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buf = s, b""
        return s

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        for attempt in (0, 1):  # a kept-alive connection the server closed: reconnect once
            s = self.sock or self._connect()
            try:
                s.sendall(head + body)
                return self._response(s)
            except (ConnectionError, _Closed):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _response(self, s: socket.socket) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buf:
            self._recv(s)
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        code = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        if "content-length" not in headers:
            raise RuntimeError(f"reply without Content-Length: {head[:300]!r}")
        n = int(headers["content-length"])
        while len(self.buf) < n:
            self._recv(s)
        data, self.buf = self.buf[:n], self.buf[n:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return code, data

    def _recv(self, s: socket.socket) -> None:
        chunk = s.recv(1 << 16)
        if not chunk:
            raise _Closed()
        self.buf += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""


class _Closed(ConnectionError):
    pass


def _questions(n: int, path: Path = QUESTIONS) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["question"].strip() != WARMUP_QUESTION]
    seen: set[str] = set()
    out = []
    for r in rows:  # each question text once: a repeat would be served from the query-vector cache
        if r["question"] not in seen:
            seen.add(r["question"])
            out.append(r)
    if n > len(out):
        print(f"serve_bench: only {len(out)} distinct questions; asking each once", file=sys.stderr)
    return out[:n]


def _warm_breakdown(log_text: str) -> dict[str, float]:
    m = re.search(r"answering engine warm in ([\d.]+) s(?: \(([^)]*)\))?", log_text)
    if not m:
        return {}
    out = {"total": float(m.group(1))}
    for part in (m.group(2) or "").split(","):
        pm = re.match(r"\s*(\w+) ([\d.]+) s", part)
        if pm:
            out[pm.group(1)] = float(pm.group(2))
    return out


def run(index_dir: str | Path, *, clients: int = 10, requests: int = 200, port: int | None = None,
        timeout: float = 180.0, env: dict[str, str] | None = None, quiet: bool = False,
        workers: int | None = None) -> dict[str, Any]:
    """Start `tdkt serve` over ``index_dir``, measure it (see the module docstring), stop it."""
    import httpx

    index_dir = Path(index_dir).resolve()
    if not (index_dir / "documents").is_dir():
        raise FileNotFoundError(f"{index_dir} holds no ingested documents (run `tdkt ingest` first)")
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    run_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    load_before = os.getloadavg()[0]
    log_file = tempfile.NamedTemporaryFile("w+", prefix="serve_bench-", suffix=".log", delete=False)
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--index", str(index_dir)]
    if workers:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=run_env, stdout=log_file, stderr=subprocess.STDOUT)

    def server_log() -> str:
        return Path(log_file.name).read_text(errors="replace")

    result: dict[str, Any] = {"index": str(index_dir), "clients": clients, "cpus": os.cpu_count(),
                              "load_before": round(load_before, 2)}
    try:
        # — first answer: post as soon as the port accepts connections —
        bind_s = None
        first = None
        deadline = started + timeout
        with httpx.Client(base_url=url, timeout=timeout) as c:
            while time.perf_counter() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"tdkt serve exited with {proc.returncode}:\n{server_log()[-3000:]}")
                try:
                    if bind_s is None:
                        c.get("/health", timeout=5)
                        bind_s = time.perf_counter() - started
                    first = c.post("/ask", json={"question": WARMUP_QUESTION})
                    break
                except httpx.TransportError:
                    time.sleep(0.02)
            if first is None:
                raise TimeoutError(f"no answer within {timeout} s:\n{server_log()[-3000:]}")
        first_s = time.perf_counter() - started
        body = first.json()
        if first.status_code != 200 or body.get("abstained") or not body.get("citations"):
            raise RuntimeError(f"the first /ask was not an answer ({first.status_code}): {first.text[:500]}")
        result.update(first_answer_s=round(first_s, 2), bind_s=round(bind_s or first_s, 2),
                      first_citation=body["citations"][0].get("label"))
        # Several workers: the first answer came from one of them; time only warm ones.
        while time.perf_counter() < deadline:
            text = server_log()
            n_workers = max(1, len(re.findall(r"Started server process", text)))
            if len(re.findall(r"answering engine warm in", text)) >= n_workers:
                break
            time.sleep(0.05)
        result.update(workers=n_workers, all_warm_s=round(time.perf_counter() - started, 2))

        # — warm latency at `clients` concurrent clients, each question once —
        rows = _questions(requests)
        local = threading.local()
        all_clients: list[Any] = []
        lock = threading.Lock()

        def ask(r: dict[str, Any]) -> tuple[float, int, bool]:
            c = getattr(local, "c", None)
            if c is None:
                c = local.c = _Client("127.0.0.1", port, timeout)
                with lock:
                    all_clients.append(c)
            payload = {"question": r["question"]}
            if r.get("as_of"):
                payload["as_of"] = r["as_of"]
            body = json.dumps(payload, ensure_ascii=False).encode()
            t = time.perf_counter()
            code, data = c.post("/ask", body)
            ms = (time.perf_counter() - t) * 1000
            abstained = code == 200 and bool(json.loads(data).get("abstained"))
            return ms, code, abstained

        cpu0 = _cpu_each(proc.pid)
        own0 = time.process_time()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            got = list(pool.map(ask, rows))
        wall = time.perf_counter() - t0
        own1 = time.process_time()
        cpu1 = _cpu_each(proc.pid)
        result["client_cpu_ms_per_request"] = round((own1 - own0) * 1000 / len(got), 2)
        if cpu0 and cpu1:  # what a request costs, whatever the load
            used = {p: cpu1[p] - cpu0.get(p, 0.0) for p in cpu1}
            result["server_cpu_ms_per_request"] = round(sum(used.values()) * 1000 / len(got), 1)
            if len(used) > 1:  # how the requests spread over the workers (keep-alive pins a client to one)
                result["server_cpu_s_each"] = [round(v, 2) for v in used.values()]
        for c in all_clients:
            c.close()
        lat = [ms for ms, code, _ in got if code == 200]
        result.update(
            requests=len(got), errors=sum(code != 200 for _, code, _ in got),
            abstained=sum(a for _, _, a in got),
            ask_p50_ms=round(_pct(lat, 0.50), 1), ask_p95_ms=round(_pct(lat, 0.95), 1),
            ask_max_ms=round(max(lat), 1) if lat else None, ask_mean_ms=round(sum(lat) / len(lat), 1) if lat else None,
            throughput_rps=round(len(got) / wall, 2), service_ms_per_request=round(wall * 1000 / len(got), 1),
        )
        result.update(_memory(proc.pid))
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        log_file.close()
        result["warm"] = _warm_breakdown(server_log())
        os.unlink(log_file.name)
    result["load_after"] = round(os.getloadavg()[0], 2)
    result["targets"] = {
        "first_answer_s<=10": result.get("first_answer_s", 1e9) <= TARGET_FIRST_ANSWER_S,
        f"ask_p95_ms<=150@{clients}": result.get("ask_p95_ms", 1e9) <= TARGET_P95_MS,
    }
    if not quiet:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(prog="python -m eval.serve_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default=os.environ.get("TDKT_INDEX"),
                    help="index folder built by `tdkt ingest` (default: $TDKT_INDEX)")
    ap.add_argument("--clients", type=int, default=10, help="concurrent clients (default 10)")
    ap.add_argument("--requests", type=int, default=200, help="timed /ask requests (default 200)")
    ap.add_argument("--workers", type=int, default=None, help="`tdkt serve --workers N` (default: serve's own)")
    ap.add_argument("--out", help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    if not args.index:
        ap.error("--index DIR (or TDKT_INDEX) is required")
    result = run(args.index, clients=args.clients, requests=args.requests, workers=args.workers)
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
