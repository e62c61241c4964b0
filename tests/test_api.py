"""The HTTP API as a client sees it: a real `tdkt serve` subprocess over the real corpus.

One server per test session (the browser tests in test_web.py use it too): the corpus is
ingested without the search index for the fast tests; the `search_ready` fixture (tests marked
slow) builds the index with `tdkt ingest --json` on the same folder, and the running server's
answering engine picks it up on the first /ask.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "tdkt"
TODAY = "2026-11-22"
QUESTION = "Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở là gì?"


def _env(index: Path) -> dict:
    return {**os.environ, "TDKT_INDEX": str(index), "TDKT_TODAY": TODAY,
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def tdkt(*args: str, index: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=REPO, env=_env(index),
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def as_json(stdout: str):
    """The JSON a `--json` command printed (a library may print a line of its own before it)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("{", "[")))
    return json.loads("\n".join(lines[start:]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `tdkt serve` subprocess; `url` is its base address."""

    def __init__(self, index: Path, log: Path, *extra: str, env: dict | None = None):
        self.index = index
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = open(log, "w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port), "--index", str(index), *extra],
            cwd=REPO, env={**_env(index), **(env or {})}, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait(self, timeout: float = 120, until=lambda h: True) -> dict:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tdkt serve exited with {self.proc.returncode}:\n{self.log()}")
            try:
                r = httpx.get(self.url + "/health", timeout=5)
                if r.status_code == 200 and until(r.json()):
                    return r.json()
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"tdkt serve not ready after {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


@pytest.fixture(scope="session")
def tdkt_server(tmp_path_factory):
    """A running server over the real corpus (documents only until `search_ready` builds the index)."""
    root = tmp_path_factory.mktemp("api")
    index = root / "index"
    report = as_json(tdkt("ingest", str(CORPUS), "--no-index", "--json", index=index).stdout)
    assert report["documents"] == 11 and not report["failures"]
    server = Server(index, root / "serve.log", "--no-warm")
    try:
        server.wait(120)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def search_ready(tdkt_server):
    """Build the search index (needs the embedding model) and warm the server's answering engine."""
    t = time.perf_counter()
    out = as_json(tdkt("ingest", str(CORPUS), "--json", index=tdkt_server.index).stdout)
    assert out.get("index") is not None, "tdkt ingest did not build a search index"
    build = time.perf_counter() - t
    r = httpx.post(tdkt_server.url + "/ask", json={"question": QUESTION}, timeout=600)
    assert r.status_code == 200, r.text
    print(f"\nsearch index built in {build:.1f} s; first /ask {time.perf_counter() - t - build:.1f} s")
    return tdkt_server


@pytest.fixture(scope="session")
def client(tdkt_server):
    with httpx.Client(base_url=tdkt_server.url, timeout=120) as c:
        yield c


def pid_path(pid: str) -> str:
    return quote(pid, safe="")


# ───────────────────────────────── documents and provisions (no model) ─────────────────────────────

def test_health(client):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["documents"] == 11 and h["provisions"] > 2000
    assert "assistant" in h


def test_documents_list_matches_the_cli(client, tdkt_server):
    rows = client.get("/documents").json()
    cli = as_json(tdkt("documents", "--json", index=tdkt_server.index).stdout)
    assert rows == cli
    by_doc = {r["doc"]: r for r in rows}
    assert by_doc["06/2022/QH15"]["status"] == "còn hiệu lực" and by_doc["06/2022/QH15"]["held"] is True
    assert by_doc["15/2025/TT-BNV"]["held"] is False
    assert sum(r["held"] for r in rows) == 11


def test_documents_as_of(client):
    rows = {r["doc"]: r for r in client.get("/documents", params={"as_of": "2023-06-01"}).json()}
    assert rows["16/VBHN-VPQH"]["status"] == "còn hiệu lực"
    assert rows["06/2022/QH15"]["status"] == "chưa có hiệu lực"


def _walk(nodes, depth=0):
    for n in nodes:
        yield n, depth
        yield from _walk(n["children"], depth + 1)


def test_document_tree_of_the_law(client):
    r = client.get("/documents/06/2022/QH15")
    assert r.status_code == 200
    d = r.json()
    assert (d["doc"], d["type"], d["status"]) == ("06/2022/QH15", "Luật", "còn hiệu lực")
    assert d["title"] and d["issued"] == "2022-06-15"
    # Chương grouping nodes at the top, articles inside them, clauses and points below.
    assert all(n["kind"] == "chapter" for n in d["children"])
    assert d["children"][0]["label"] == "Chương I"
    nodes = {n["id"]: (n, depth) for n, depth in _walk(d["children"])}
    articles = [n for n, _ in nodes.values() if n["kind"] == "article"]
    assert len(articles) == 96
    art23, _ = nodes["06/2022/QH15#d23"]
    assert art23["heading"] and "Chiến sĩ thi đua cơ sở" in art23["heading"]
    assert art23["text"].startswith("Điều 23.")
    assert [c["id"] for c in art23["children"]][:2] == ["06/2022/QH15#d23.k1", "06/2022/QH15#d23.k2"]
    # Own text only: the article's text does not repeat its clauses.
    k1 = art23["children"][0]
    assert k1["text"] not in art23["text"]
    # Every provision of the document appears once (counts as ingested: 96 Điều, 319 khoản, 328 điểm).
    kinds = {}
    for n, _ in nodes.values():
        kinds[n["kind"]] = kinds.get(n["kind"], 0) + 1
    assert kinds["article"] == 96 and kinds["clause"] == 319 and kinds["point"] == 328


def test_document_tree_of_a_decision_with_attached_rules(client):
    d = client.get("/documents/" + quote("86/2025/QĐ-UBND")).json()
    top = [(n["kind"], n["id"]) for n in d["children"]]
    assert top[:3] == [("article", "86/2025/QĐ-UBND#d1"), ("article", "86/2025/QĐ-UBND#d2"),
                       ("article", "86/2025/QĐ-UBND#d3")]
    part = d["children"][3]
    assert part["kind"] == "part" and part["label"] == "Quy định ban hành kèm theo"
    assert part["children"][0]["kind"] == "chapter"
    ids = {n["id"] for n, _ in _walk(d["children"])}
    assert "86/2025/QĐ-UBND#quy-dinh/d3.k1.b" in ids


def test_document_tree_of_a_plan(client):
    d = client.get("/documents/157/KH-UBND").json()
    assert d["sections"] == 5 and d["articles"] is None
    kinds = [n["kind"] for n in d["children"]]
    assert kinds[0] == "preamble" and kinds.count("section") == 5
    sec = next(n for n in d["children"] if n["id"] == "157/KH-UBND#s:II")
    assert any(c["id"] == "157/KH-UBND#s:II.2" for c in sec["children"])


def test_document_by_tolerant_name_and_as_of(client):
    d = client.get("/documents/nd 152", params={"as_of": "2023-06-01"}).json()
    assert d["doc"] == "152/2025/NĐ-CP" and d["status"] == "chưa có hiệu lực" and d["as_of"] == "2023-06-01"


def test_document_unknown_and_not_held_are_404_naming_it(client):
    r = client.get("/documents/999/2030/NĐ-CP")
    assert r.status_code == 404 and "999/2030/NĐ-CP" in r.json()["error"]
    r = client.get("/documents/15/2025/TT-BNV")
    assert r.status_code == 404
    assert "15/2025/TT-BNV" in r.json()["error"] and "known but its text is not in the corpus" in r.json()["error"]


def test_provision_with_parents_and_neighbours(client):
    r = client.get("/provisions/" + pid_path("06/2022/QH15#d23.k2"))
    assert r.status_code == 200
    p = r.json()
    assert (p["doc"], p["kind"], p["article"], p["clause"]) == ("06/2022/QH15", "clause", "23", "2")
    assert p["label"].startswith("khoản 2 Điều 23")
    assert p["parents"] == [{"id": "06/2022/QH15#d23", "label": "Điều 23 Luật Thi đua, khen thưởng số 06/2022/QH15"}]
    assert p["neighbours"]["previous"]["id"] == "06/2022/QH15#d23.k1"
    assert p["neighbours"]["next"] is None or p["neighbours"]["next"]["id"] == "06/2022/QH15#d23.k3"
    assert p["status"] == "còn hiệu lực" and "06/2026/QH16" in p["status_text"]
    assert p["title"] == "THI ĐUA, KHEN THƯỞNG" and p["chapter"].startswith("Chương II")
    assert p["url"] == "/?p=" + pid_path("06/2022/QH15#d23.k2")


def test_provision_point_has_two_parents_and_article_neighbours(client):
    p = client.get("/provisions/" + pid_path("152/2025/NĐ-CP#d25.k1.a")).json()
    assert [x["id"] for x in p["parents"]] == ["152/2025/NĐ-CP#d25", "152/2025/NĐ-CP#d25.k1"]
    assert p["neighbours"]["previous"] is None and p["neighbours"]["next"]["id"] == "152/2025/NĐ-CP#d25.k1.b"
    art = client.get("/provisions/" + pid_path("152/2025/NĐ-CP#d25")).json()
    assert art["neighbours"]["previous"]["id"] == "152/2025/NĐ-CP#d24"
    assert art["neighbours"]["next"]["id"] == "152/2025/NĐ-CP#d26"
    assert art["children"][0]["id"] == "152/2025/NĐ-CP#d25.k1"


def test_provision_not_found(client):
    r = client.get("/provisions/" + pid_path("06/2022/QH15#d999"))
    assert r.status_code == 404 and "06/2022/QH15#d999" in r.json()["error"]
    r = client.get("/provisions/" + pid_path("999/2030/NĐ-CP#d1"))
    assert r.status_code == 404 and "unknown document" in r.json()["error"]


@pytest.mark.parametrize("body,field", [
    ({"question": ""}, "question"),
    ({"question": "   "}, "question"),
    ({"question": "x" * 1001}, "question"),
    ({}, "question"),
    ({"question": QUESTION, "as_of": "22/11/2026"}, "as_of"),
    ({"question": QUESTION, "as_of": "2026-02-30"}, "as_of"),
    ({"question": QUESTION, "docs": ["999/2030/NĐ-CP"]}, "docs"),
    ({"question": QUESTION, "docs": ["15/2025/TT-BNV"]}, "docs"),
    ({"question": QUESTION, "asof": "2026-01-01"}, "asof"),
])
def test_ask_bad_requests_name_the_field(client, body, field):
    r = client.post("/ask", json=body)
    assert r.status_code == 422, r.text
    err = r.json()
    assert field in err["error"]
    assert any(field in [str(x) for x in e["loc"]] for e in err["detail"])
    if "docs" in body:
        assert body["docs"][0] in err["error"]


@pytest.mark.parametrize("params,field", [
    ({"q": ""}, "q"),
    ({"q": "khen thưởng", "as_of": "2026/01/01"}, "as_of"),
    ({"q": "khen thưởng", "k": 0}, "k"),
    ({"q": "khen thưởng", "k": 500}, "k"),
    ({"q": "khen thưởng", "doc": "999/2030/NĐ-CP"}, "doc"),
])
def test_search_bad_requests_name_the_field(client, params, field):
    r = client.get("/search", params=params)
    assert r.status_code == 422, r.text
    assert any(field in [str(x) for x in e["loc"]] for e in r.json()["detail"])


def test_malformed_json_is_422(client):
    r = client.post("/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "body" in r.json()["error"]


def test_openapi_docs_and_page_are_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/ask", "/search", "/documents", "/documents/{doc}", "/provisions/{pid}", "/health"} <= set(spec["paths"])
    page = client.get("/")
    assert page.status_code == 200 and "Trợ lý văn bản thi đua, khen thưởng" in page.text
    for f in ("app.js", "style.css"):
        assert client.get(f"/static/{f}").status_code == 200
    assert "http" not in page.text.split("<body>")[0].replace('content="width', "")  # no CDN in <head>


def test_api_docs_use_only_local_assets(client):
    """/docs works offline: every script, stylesheet and icon it names is served here."""
    import re

    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text.lower()
    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', page.text)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls) and any(u.endswith(".css") for u in urls)
    assert "cdn" not in page.text.lower()
    for u in urls:
        assert u.startswith("/") and not u.startswith("//"), f"/docs loads {u} from elsewhere"
        r = client.get(u)
        assert r.status_code == 200 and r.content, u
    assert "/openapi.json" in page.text and client.get("/openapi.json").status_code == 200
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_concurrent_document_requests(client, tdkt_server):
    paths = ["/documents/06/2022/QH15", "/documents/157/KH-UBND", "/provisions/" + pid_path("06/2022/QH15#d23"),
             "/documents", "/documents/" + quote("86/2025/QĐ-UBND")] * 4

    def get(p):
        with httpx.Client(base_url=tdkt_server.url, timeout=120) as c:
            r = c.get(p)
            return p, r.status_code, r.content

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(get, paths))
    assert all(code == 200 for _, code, _ in results)
    by_path: dict[str, set] = {}
    for p, _, body in results:
        by_path.setdefault(p, set()).add(body)
    assert all(len(bodies) == 1 for bodies in by_path.values())


# ───────────────────────────────── answers and search (embedding model) ─────────────────────────────

@pytest.mark.slow
def test_ask_cites_the_law_article(search_ready, client):
    t = time.perf_counter()
    r = client.post("/ask", json={"question": QUESTION})
    elapsed = time.perf_counter() - t
    assert r.status_code == 200, r.text
    res = r.json()
    assert not res["abstained"] and res["answer"] and res["as_of"] == TODAY
    cited = [(c["doc"], c["article"]) for c in res["citations"]]
    assert ("06/2022/QH15", 23) in cited, cited
    c = next(c for c in res["citations"] if c["doc"] == "06/2022/QH15")
    assert c["validity"] == "còn hiệu lực" and c["status"].startswith("còn hiệu lực")
    assert c["url"] == "/?p=" + pid_path(c["provision_id"])
    assert c["provision_id"].startswith("06/2022/QH15#d23")
    # The citation's provision opens through the API, as the page does with ?p=.
    assert client.get("/provisions/" + pid_path(c["provision_id"])).status_code == 200
    assert f"[{res['citations'][0]['n']}]" in res["answer"]
    print(f"\n/ask warm: {elapsed:.2f} s")


@pytest.mark.slow
def test_ask_with_filters(search_ready, client):
    res = client.post("/ask", json={"question": QUESTION, "as_of": "2023-06-01", "docs": ["16/VBHN-VPQH"]}).json()
    assert res["as_of"] == "2023-06-01"
    assert all(c["doc"] == "16/VBHN-VPQH" for c in res["citations"])
    # Tolerant số hiệu in docs: "nd 152" is Nghị định 152/2025/NĐ-CP.
    r = client.post("/ask", json={"question": "Thẩm quyền tặng Bằng khen của Bộ trưởng", "docs": ["nd 152"]})
    assert r.status_code == 200
    assert all(c["doc"] == "152/2025/NĐ-CP" for c in r.json()["citations"])


@pytest.mark.slow
def test_ask_abstains_outside_the_corpus(search_ready, client):
    res = client.post("/ask", json={"question": "Thủ tục đăng ký kết hôn với người nước ngoài cần giấy tờ gì?"}).json()
    assert res["abstained"] is True and res["citations"] == []


@pytest.mark.slow
def test_search(search_ready, client):
    r = client.get("/search", params={"q": QUESTION, "k": 5})
    assert r.status_code == 200
    results = r.json()["results"]
    assert 1 <= len(results) <= 5
    assert any(h["doc"] == "06/2022/QH15" and str(h["article"]) == "23" for h in results)
    assert {"doc", "article", "clause", "point", "section", "part", "label", "score", "id", "kind", "status"} <= set(results[0])
    only = client.get("/search", params=[("q", QUESTION), ("doc", "152/2025/NĐ-CP"), ("doc", "16/VBHN-VPQH")]).json()
    assert {h["doc"] for h in only["results"]} <= {"152/2025/NĐ-CP", "16/VBHN-VPQH"}


@pytest.mark.slow
def test_ten_concurrent_asks_agree(search_ready, tdkt_server):
    questions = [QUESTION, "Hồ sơ đề nghị xét tặng danh hiệu Lao động tiên tiến gồm những gì?"]
    with httpx.Client(base_url=tdkt_server.url, timeout=300) as c:
        expected = {q: c.post("/ask", json={"question": q}).json() for q in questions}

    def ask(i):
        q = questions[i % 2]
        with httpx.Client(base_url=tdkt_server.url, timeout=300) as c:
            r = c.post("/ask", json={"question": q})
            return q, r.status_code, r.json()

    t = time.perf_counter()
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(ask, range(10)))
    elapsed = time.perf_counter() - t
    assert all(code == 200 for _, code, _ in results)
    for q, _, res in results:
        assert res["answer"] == expected[q]["answer"]
        assert res["citations"] == expected[q]["citations"]
    print(f"\n10 concurrent /ask: {elapsed:.1f} s")


@pytest.mark.slow
def test_serve_answers_soon_after_start(search_ready, tmp_path):
    """`tdkt serve` warms the answering engine at start and answers the first question with it.
    How soon is a figure of `python -m eval.serve_bench`, not an assertion here."""
    server = Server(search_ready.index, tmp_path / "serve.log")
    try:
        server.wait(60)
        with httpx.Client(base_url=server.url, timeout=120) as c:
            r = c.post("/ask", json={"question": QUESTION})
        elapsed = time.perf_counter() - server.started
        assert r.status_code == 200, r.text
        res = r.json()
        assert not res["abstained"] and ("06/2022/QH15", 23) in [(c["doc"], c["article"]) for c in res["citations"]]
        print(f"\nfirst answer {elapsed:.1f} s after `tdkt serve` started")
        # The warm-up logs when it is done; a request can reach a worker a moment before its line
        # is written (or while another worker still warms), so wait for the line, not race it.
        deadline = time.monotonic() + 60
        while "answering engine warm in" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "answering engine warm in" in server.log()
    finally:
        server.stop()


@pytest.mark.slow
def test_query_embedder_is_close_to_the_reference_embedder(search_ready):
    """The server's int8 ONNX question embedder gives vectors close to index.embed's (torch) one
    (cosine >= 0.99 on each of 60 real questions), and the search ranks the same provision first
    for nearly all of them (219 of the 229 dev questions when this was written)."""
    import numpy as np

    from index.embed import OnnxQueryEmbedder, get_embedder
    from index.search import Searcher
    from service.api import load_query_embedder

    fast = load_query_embedder()
    assert isinstance(fast, OnnxQueryEmbedder)
    ref = get_embedder()
    rows = [json.loads(line) for line in (REPO / "eval" / "questions" / "tdkt.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows if r.get("split") == "dev"][:60]
    questions += ["tieu chuan chien si thi dua co so", "khen thưởng " * 400]  # the last one truncated at 512 tokens
    for q in questions:
        a, b = fast.embed_query(q), ref.embed_query(q)
        assert a.shape == b.shape == (384,) and a.dtype == np.float32
        assert abs(float(a @ a) - 1) < 1e-5 and float(a @ b) >= 0.99, q
    s_fast = Searcher(search_ready.index, embedder=fast, auto_sync=False)
    s_ref = Searcher(search_ready.index, embedder=ref, auto_sync=False)
    same = sum(s_fast.search(q, k=3)[0].id == s_ref.search(q, k=3)[0].id for q in questions)
    assert same >= 0.9 * len(questions), f"top result unchanged for {same} of {len(questions)} questions"


def test_query_embedder_concurrent_questions():
    """Questions embedded by concurrent requests (one shared onnxruntime session) each get their
    own vector, equal to embedding it alone (the long one is truncated at 512 tokens)."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from service.api import load_query_embedder

    qe = load_query_embedder()
    questions = [QUESTION, "tieu chuan chien si thi dua co so", "Hồ sơ đề nghị xét tặng danh hiệu Lao động tiên tiến?",
                 "Quỹ thi đua, khen thưởng được trích lập thế nào?", "khen thưởng " * 400] * 4
    alone = {q: qe.embed_query(q) for q in set(questions)}
    with ThreadPoolExecutor(10) as pool:
        got = list(pool.map(qe.embed_query, questions))
    for q, v in zip(questions, got):
        assert v.shape == (384,) and float(np.abs(v - alone[q]).max()) < 1e-6, q
    assert float(got[0] @ got[1]) < 0.99  # different questions, different vectors
    batch = qe.embed_queries(questions[:5])
    assert batch.shape == (5, 384) and float(np.abs(batch[1] - alone[questions[1]]).max()) < 1e-6
    qe.embed_ahead(questions[2])  # computed ahead, then taken once by the search's embed_query
    assert float(np.abs(qe.embed_query(questions[2]) - alone[questions[2]]).max()) < 1e-6


def test_serve_with_two_worker_processes(tmp_path):
    """`tdkt serve --workers 2`: two processes share the port, both serve the index folder given
    on the command line, and stopping the server stops them."""
    index = tmp_path / "index"
    tdkt("ingest", str(CORPUS / "kh-157-KH-UBND-2025-CanTho.md"), "--no-index", "--json", index=index)
    # TDKT_INDEX names another folder: the workers must get the one of --index
    server = Server(index, tmp_path / "serve.log", "--no-warm", "--workers", "2",
                    env={"TDKT_INDEX": str(tmp_path / "elsewhere")})
    try:
        assert server.wait(120)["documents"] == 1
        deadline = time.perf_counter() + 60
        while server.log().count("Application startup complete") < 2 and time.perf_counter() < deadline:
            time.sleep(0.2)
        assert server.log().count("Started server process") == 2, server.log()
        workers = [int(c) for t in Path(f"/proc/{server.proc.pid}/task").iterdir()
                   for c in (t / "children").read_text().split()]
        for _ in range(20):  # new connections: the kernel spreads them over both workers
            assert httpx.get(server.url + "/documents/157/KH-UBND").status_code == 200
    finally:
        server.stop()
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_documents_ingested_while_serving_appear(tmp_path):
    """`tdkt ingest` into the folder a server reads: the server sees the new document at once."""
    index = tmp_path / "index"
    tdkt("ingest", str(CORPUS / "kh-157-KH-UBND-2025-CanTho.md"), "--no-index", "--json", index=index)
    server = Server(index, tmp_path / "serve.log", "--no-warm")
    try:
        assert server.wait(120)["documents"] == 1
        with httpx.Client(base_url=server.url, timeout=60) as c:
            assert c.get("/documents/86/2025/QĐ-UBND").status_code == 404
            tdkt("ingest", str(CORPUS / "qd-86-2025-QD-UBND-BacNinh.md"), "--no-index", "--json", index=index)
            assert c.get("/health").json()["documents"] == 2
            assert c.get("/documents/86/2025/QĐ-UBND").status_code == 200
            assert c.get("/provisions/" + pid_path("86/2025/QĐ-UBND#quy-dinh/d5")).status_code == 200
    finally:
        server.stop()


@pytest.mark.slow
def test_answers_follow_an_ingest_while_serving(search_ready, tmp_path):
    """`tdkt ingest` (with its index) into the folder a warm server answers from: /ask and /search
    find the new document at once (new BM25, new Library, chroma reopened), in each of the
    server's two worker processes."""
    import shutil

    index = tmp_path / "index"
    index.mkdir()
    # The vectors of the full corpus, so the two ingests below reuse them instead of embedding.
    shutil.copytree(search_ready.index / "embeddings", index / "embeddings")
    tdkt("ingest", str(CORPUS / "kh-157-KH-UBND-2025-CanTho.md"), "--json", index=index)
    question = "Ở Bắc Ninh, hồ sơ đề nghị khen thưởng tổng kết năm phải gửi về Sở Nội vụ trước ngày nào?"
    server = Server(index, tmp_path / "serve.log", "--workers", "2")
    try:
        server.wait(120, until=lambda h: h["assistant"] == "ready")
        with httpx.Client(base_url=server.url, timeout=120) as c:
            before = c.post("/ask", json={"question": question}).json()
            assert not any(x["doc"] == "86/2025/QĐ-UBND" for x in before["citations"])
            tdkt("ingest", str(CORPUS / "qd-86-2025-QD-UBND-BacNinh.md"), "--json", index=index)
            r = c.post("/ask", json={"question": question})
            assert r.status_code == 200, r.text
            after = r.json()
            assert not after["abstained"]
            assert after["citations"][0]["provision_id"].startswith("86/2025/QĐ-UBND#quy-dinh/d6"), after["citations"]
            hits = c.get("/search", params={"q": question, "k": 5}).json()["results"]
            assert any(h["id"].startswith("86/2025/QĐ-UBND#quy-dinh/d6") for h in hits[:3]), hits
            assert "answering engine reloaded" in server.log()
        for _ in range(6):  # new connections, spread over both workers by the kernel
            r = httpx.post(server.url + "/ask", json={"question": question}, timeout=120)
            assert r.status_code == 200 and r.json()["citations"] == after["citations"], r.text
    finally:
        server.stop()
    # The reloaded engine answers as a server started on the new index does (a stale chroma
    # client, missing the new vectors, ranked another article third).
    fresh = Server(index, tmp_path / "fresh.log")
    try:
        fresh.wait(120, until=lambda h: h["assistant"] == "ready")
        with httpx.Client(base_url=fresh.url, timeout=120) as c:
            again = c.post("/ask", json={"question": question}).json()
        assert again["citations"] == after["citations"]
    finally:
        fresh.stop()
