/* The TĐKT assistant's page: ask, read the cited answer, open the cited clause in its document.
   Plain JavaScript, no build step, no external resources. URL state: ?q=<question>&p=<provision id>. */
"use strict";

const MAX_QUESTION = 1000;
const $ = (sel) => document.querySelector(sel);

const state = {
  docs: [],            // GET /documents rows
  trees: new Map(),    // "doc|as_of" -> GET /documents/{doc} result
  nodes: new Map(),    // id -> {node, parent} for the rendered document
  shownDoc: null,      // "doc|as_of" rendered in the viewer
  result: null,        // last /ask result
  asking: false,
};

// ───────────────────────────── helpers ─────────────────────────────

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function vnDate(iso) {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

const FIELD_NAMES = { question: "Câu hỏi", as_of: "Ngày xét hiệu lực", docs: "Văn bản", doc: "Văn bản", q: "Câu hỏi", k: "Số kết quả" };

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options = {}) {
  let resp;
  try {
    resp = await fetch(path, { headers: { "Accept": "application/json", ...(options.body ? { "Content-Type": "application/json" } : {}) }, ...options });
  } catch (err) {
    throw new ApiError(0, "Không kết nối được máy chủ. Kiểm tra mạng hoặc thử lại sau.");
  }
  let data = null;
  try { data = await resp.json(); } catch (_) { /* not JSON */ }
  if (!resp.ok) {
    let msg = (data && (data.error || (typeof data.detail === "string" ? data.detail : ""))) || `Lỗi ${resp.status}`;
    msg = msg.replace(/(^|; )([a-z_]+)(\.\d+)?:/g, (all, pre, f) => `${pre}${FIELD_NAMES[f] || f}:`);
    throw new ApiError(resp.status, msg);
  }
  return data;
}

/** Validity badge from a status code or a status text ("còn hiệu lực (từ …)"). */
function validity(codeOrText) {
  const s = String(codeOrText || "").normalize("NFC").trim().toLowerCase();
  if (s.startsWith("còn hiệu lực")) return { cls: "ok", text: "còn hiệu lực" };
  if (s.startsWith("hết hiệu lực")) return { cls: "expired", text: "hết hiệu lực" };
  if (s.startsWith("chưa có hiệu lực")) return { cls: "notyet", text: "chưa có hiệu lực" };
  return { cls: "unknown", text: "không rõ hiệu lực" };
}

function badge(codeOrText, title) {
  const v = validity(codeOrText);
  return el("span", { class: `badge ${v.cls}`, title: title || null, text: v.text });
}

function asOf() { return $("#as-of").value || null; }

function selectedDocs() {
  return [...document.querySelectorAll("#doc-options input:checked")].map((i) => i.value);
}

function setStatus(msg, isError = false) {
  const s = $("#status");
  s.textContent = msg || "";
  s.classList.toggle("error", !!isError);
  s.setAttribute("role", isError ? "alert" : "status");
}

function docOf(pid) { return String(pid).split("#")[0]; }

// ───────────────────────────── URL state ─────────────────────────────

function updateUrl(changes, push = true) {
  const url = new URL(window.location.href);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === "") url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  if (url.href === window.location.href) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

// ───────────────────────────── documents and filters ─────────────────────────────

async function loadDocuments() {
  const q = asOf() ? `?as_of=${encodeURIComponent(asOf())}` : "";
  try {
    state.docs = await api(`/documents${q}`);
  } catch (err) {
    $("#doc-options").replaceChildren(el("p", { class: "muted", text: `Không tải được danh sách văn bản: ${err.message}` }));
    $("#doc-list").replaceChildren(el("li", { class: "muted", text: err.message }));
    return;
  }
  const before = new Set(selectedDocs());
  const held = state.docs.filter((d) => d.held);
  $("#doc-options").replaceChildren(...held.map((d) => el("label", { class: "doc-option" },
    el("input", { type: "checkbox", value: d.doc, checked: before.has(d.doc), onchange: updateFilterSummary }),
    el("span", {}, el("b", { text: d.doc }), " ", badge(d.status), el("br"),
      el("span", { class: "t", text: shortTitle(d) })))));
  renderLibrary();
  updateFilterSummary();
}

function shortTitle(d) {
  let t = (d.title || "").replace(/\s+/g, " ").trim();
  if (t.length > 110) t = t.slice(0, 107).trimEnd() + "…";
  const type = d.type || "";
  return !t ? type : (!type || t.toLowerCase().startsWith(type.toLowerCase()) ? t : `${type}: ${t}`);
}

function renderLibrary() {
  const held = state.docs.filter((d) => d.held);
  const missing = state.docs.filter((d) => !d.held);
  const items = held.map((d) => el("li", {},
    el("button", { type: "button", class: "linklike d-no", text: `${d.type || ""} ${d.doc}`, onclick: () => openProvision(null, d.doc, true) }),
    " ", badge(d.status),
    el("span", { class: "d-title", text: (d.title || "").replace(/\s+/g, " ") })));
  if (missing.length) {
    items.push(el("li", {}, el("details", {},
      el("summary", { class: "missing", text: `Văn bản biết đến nhưng chưa có trong kho (${missing.length})` }),
      el("ul", {}, ...missing.map((d) => el("li", { class: "missing" }, `${d.type || ""} ${d.doc} `, badge(d.status),
        el("span", { class: "d-title", text: d.title || "" })))))));
  }
  $("#doc-list").replaceChildren(...items);
}

function updateFilterSummary() {
  const n = selectedDocs().length;
  const docs = n ? `${n} văn bản được chọn` : "tất cả văn bản";
  const day = asOf() ? `hiệu lực tại ${vnDate(asOf())}` : "hiệu lực tại hôm nay";
  $("#filter-summary").textContent = `(${docs}, ${day})`;
}

// ───────────────────────────── asking ─────────────────────────────

async function ask(question, push = true) {
  question = question.trim();
  if (!question) {
    setStatus("Vui lòng nhập câu hỏi.", true);
    $("#question").focus();
    return;
  }
  if (question.length > MAX_QUESTION) {
    setStatus(`Câu hỏi dài ${question.length} ký tự; tối đa ${MAX_QUESTION} ký tự.`, true);
    return;
  }
  if (state.asking) return;
  state.asking = true;
  const btn = $("#ask-btn");
  btn.disabled = true;
  btn.textContent = "Đang tìm…";
  setStatus("Đang tìm căn cứ trong kho văn bản…");
  const docs = selectedDocs();
  try {
    const res = await api("/ask", {
      method: "POST",
      body: JSON.stringify({ question, as_of: asOf(), docs: docs.length ? docs : null }),
    });
    state.result = res;
    renderResult(res);
    setStatus("");
    updateUrl({ q: question }, push);
  } catch (err) {
    const msg = err.status === 503
      ? "Máy chủ chưa sẵn sàng trả lời (đang nạp mô hình hoặc chưa có chỉ mục tìm kiếm). Vui lòng thử lại sau ít phút."
      : `Không trả lời được: ${err.message}`;
    setStatus(msg, true);
  } finally {
    state.asking = false;
    btn.disabled = false;
    btn.textContent = "Hỏi";
  }
}

function renderResult(res) {
  $("#result").hidden = false;
  $("#examples").hidden = true;
  $("#to-answer").hidden = false;
  const warnings = res.warnings || [];
  const w = $("#warnings");
  w.hidden = warnings.length === 0;
  w.replaceChildren(el("h2", { text: "⚠ Lưu ý" }), el("ul", {}, ...warnings.map((t) => el("li", { text: t }))));

  const citations = res.citations || [];
  const abstained = !!res.abstained;
  $("#abstained").hidden = !abstained;
  // The engine's own words, less the sentence the box already says.
  const said = (res.answer || "").trim().replace(/^Không tìm thấy căn cứ trong kho văn bản( cho câu hỏi này)?\.?\s*/, "");
  $("#abstained-text").textContent = abstained ? said : "";
  $("#answer-h").hidden = abstained;
  $("#answer").hidden = abstained;
  $("#answer-date").textContent = res.as_of ? `(hiệu lực xét tại ${vnDate(res.as_of)})` : "";
  const byN = new Map(citations.map((c) => [String(c.n), c]));
  // Escape, then turn [n] into links to citation n.
  $("#answer").innerHTML = escapeHtml(res.answer || "").replace(/\[(\d+)\]/g, (all, n) => {
    const c = byN.get(n);
    if (!c) return all;
    return `<a class="cite-ref" href="${escapeHtml(c.url || "#")}" data-n="${n}" title="${escapeHtml(c.label || "")}">[${n}]</a>`;
  });
  $("#citations-h").hidden = citations.length === 0;
  $("#citations").replaceChildren(...citations.map(renderCitation));
}

function renderCitation(c) {
  const open = (ev) => { ev.preventDefault(); openCitation(c.n); };
  return el("li", { class: "citation", id: `cite-${c.n}`, "data-pid": c.provision_id || null },
    el("div", { class: "c-head" },
      el("span", { class: "c-n", text: `[${c.n}]` }),
      el("a", { class: "c-label", href: c.url || "#", onclick: open, text: c.label || c.provision_id || "" }),
      badge(c.validity || c.status, c.status)),
    c.title ? el("p", { class: "c-title", text: `${c.title} (${c.doc})` }) : null,
    c.status ? el("p", { class: "c-status", text: `Hiệu lực: ${c.status}` }) : null,
    c.quote ? el("details", {}, el("summary", { text: "Trích nguyên văn" }), el("p", { class: "quote", text: c.quote })) : null,
    el("div", { class: "c-actions" },
      el("button", { type: "button", class: "secondary small", onclick: open, text: "Xem trong văn bản" })));
}

function openCitation(n) {
  const c = (state.result?.citations || []).find((x) => String(x.n) === String(n));
  if (!c) return;
  document.querySelectorAll(".citation.active").forEach((e) => e.classList.remove("active"));
  $(`#cite-${c.n}`)?.classList.add("active");
  openProvision(c.provision_id, c.doc || docOf(c.provision_id), true);
}

// ───────────────────────────── the viewer ─────────────────────────────

const GROUP_KINDS = new Set(["part", "chapter", "chapter-section"]);

function shortLabel(n) {
  switch (n.kind) {
    case "part": return n.label;
    case "chapter": case "chapter-section": return n.label;
    case "article": {
      const h = (n.heading || "").trim();
      return `Điều ${n.article}${h ? ". " + (h.length > 48 ? h.slice(0, 45).trimEnd() + "…" : h) : ""}`;
    }
    case "clause": return `Khoản ${n.clause}`;
    case "point": return `Điểm ${n.point}`;
    case "section": return `Mục ${n.section}`;
    case "preamble": return "Phần mở đầu";
    default: return n.heading || n.label || n.id;
  }
}

function renderNode(n, parentId, depth) {
  state.nodes.set(n.id, { node: n, parent: parentId });
  if (GROUP_KINDS.has(n.kind)) {
    return el("section", { class: `grp grp-${n.kind}`, id: n.id, "data-pid": n.id },
      el("h3", { class: "grp-h" }, el("span", { class: "gl", text: n.label }), n.heading ? el("span", { class: "gt", text: n.heading }) : null),
      ...(n.children || []).map((c) => renderNode(c, n.id, depth)));
  }
  const text = n.text || "";
  const nl = text.indexOf("\n");
  const firstLine = nl < 0 ? text : text.slice(0, nl);
  const bold = n.kind === "article" || n.kind === "appendix" ||
    (n.kind === "section" && (n.children || []).length > 0 && firstLine.length < 140);
  const own = el("p", { class: "own", title: n.label });
  if (bold) own.append(el("span", { class: "first", text: firstLine }), nl < 0 ? "" : text.slice(nl));
  else own.textContent = text;
  own.addEventListener("click", () => highlight(n.id, true));
  return el("div", { class: `prov k-${n.kind} depth-${depth}`, id: n.id, "data-pid": n.id },
    own, ...(n.children || []).map((c) => renderNode(c, n.id, depth + 1)));
}

async function fetchTree(doc) {
  const key = `${doc}|${asOf() || ""}`;
  if (!state.trees.has(key)) {
    const q = asOf() ? `?as_of=${encodeURIComponent(asOf())}` : "";
    state.trees.set(key, await api(`/documents/${encodeURIComponent(doc)}${q}`));
  }
  return { key, tree: state.trees.get(key) };
}

function showLibrary(push = true) {
  $("#doc-view").hidden = true;
  $("#library").hidden = false;
  updateUrl({ p: null }, push);
}

/** Open the viewer at a provision (pid) or at the top of a document (pid null). */
async function openProvision(pid, doc, push = true) {
  doc = doc || docOf(pid);
  $("#library").hidden = true;
  $("#doc-view").hidden = false;
  let key, tree;
  try {
    ({ key, tree } = await fetchTree(doc));
  } catch (err) {
    state.shownDoc = null;
    $("#doc-short").textContent = doc;
    $("#doc-title").textContent = "";
    $("#doc-meta").textContent = "";
    $("#crumbs").replaceChildren();
    let msg = `Không mở được văn bản: ${err.message}`;
    if (err.status === 404 && /known but its text is not in the corpus/.test(err.message)) {
      msg = `Văn bản ${doc} có trong danh mục nhưng chưa có trong kho văn bản (không có nội dung để hiển thị).`;
    } else if (err.status === 404) {
      msg = `Không có văn bản ${doc} trong kho văn bản.`;
    }
    $("#doc-body").replaceChildren(el("p", { class: "status error", role: "alert", text: msg }));
    return;
  }
  if (state.shownDoc !== key) {
    state.nodes = new Map();
    $("#doc-short").replaceChildren(`${tree.type || ""} ${tree.doc}`, badge(tree.status, tree.status_text));
    $("#doc-title").textContent = tree.title || "";
    $("#doc-meta").replaceChildren(`Hiệu lực: ${tree.status_text || validity(tree.status).text}`,
      tree.issued ? ` · ban hành ${vnDate(tree.issued)}` : "", tree.issuer ? ` · ${tree.issuer}` : "");
    $("#doc-body").replaceChildren(...(tree.children || []).map((n) => renderNode(n, null, 0)));
    state.shownDoc = key;
  }
  if (pid && !state.nodes.has(pid)) {
    setCrumbs(null);
    $("#doc-body").prepend(el("p", { class: "status error", role: "alert", text: `Không tìm thấy ${pid} trong văn bản này.` }));
    return;
  }
  if (pid) highlight(pid, push);
  else {
    document.querySelectorAll(".prov.hl").forEach((e) => e.classList.remove("hl"));
    setCrumbs(null);
    updateUrl({ p: null }, push);
    scrollViewerTop();
  }
}

const isWide = () => window.matchMedia("(min-width: 1000px)").matches;

function scrollViewerTop() {
  const v = $("#viewer");
  v.scrollTop = 0;
  if (!isWide()) v.scrollIntoView({ block: "start", behavior: "auto" });
}

/** Bring a node of the document just below the viewer's sticky head, with its enclosing khoản
    and Điều (their titles) when they fit on screen too. On a wide screen only the viewer column
    scrolls (the question and answer stay put); on a phone the page scrolls. */
function scrollToNode(target) {
  const v = $("#viewer");
  const head = document.querySelector(".doc-head");
  const headH = head ? head.offsetHeight : 0;
  const visible = (isWide() ? v.clientHeight : window.innerHeight) - headH;
  const bottom = target.getBoundingClientRect().bottom;
  let anchor = target;
  for (let a = target.parentElement?.closest(".prov"); a; a = a.parentElement?.closest(".prov")) {
    if (bottom - a.getBoundingClientRect().top > visible * 0.85) break;
    anchor = a;
  }
  const gap = headH + (anchor === target ? Math.min(64, Math.round(window.innerHeight * 0.08)) : 8);
  if (isWide()) {
    v.scrollTop += anchor.getBoundingClientRect().top - v.getBoundingClientRect().top - gap;
  } else {
    window.scrollBy(0, anchor.getBoundingClientRect().top - gap);
  }
}

function highlight(pid, push = true) {
  const target = document.getElementById(pid);
  if (!target) return;
  document.querySelectorAll(".prov.hl").forEach((e) => e.classList.remove("hl"));
  target.classList.add("hl");
  setCrumbs(pid);
  updateUrl({ p: pid }, push);
  scrollToNode(target);
}

function setCrumbs(pid) {
  const nav = $("#crumbs");
  if (!pid) { nav.replaceChildren(); return; }
  const chain = [];
  for (let id = pid; id; id = state.nodes.get(id)?.parent) {
    const entry = state.nodes.get(id);
    if (!entry) break;
    chain.unshift(entry.node);
  }
  const parts = [];
  chain.forEach((n, i) => {
    if (i) parts.push(el("span", { class: "sep", text: "›" }));
    const title = n.heading ? `${n.label}${GROUP_KINDS.has(n.kind) ? ". " + n.heading : ""}` : null;
    if (i === chain.length - 1) parts.push(el("b", { text: shortLabel(n), title }));
    else if (GROUP_KINDS.has(n.kind)) {
      parts.push(el("button", { type: "button", class: "linklike", text: shortLabel(n), title,
        onclick: () => scrollToNode(document.getElementById(n.id)) }));
    }
    else parts.push(el("button", { type: "button", class: "linklike", text: shortLabel(n), onclick: () => highlight(n.id, true) }));
  });
  nav.replaceChildren(...parts);
}

// ───────────────────────────── wiring ─────────────────────────────

function applyUrl(push = false) {
  const params = new URLSearchParams(window.location.search);
  const p = params.get("p");
  if (p) openProvision(p, docOf(p), push);
  else if (!$("#doc-view").hidden) showLibrary(false);
}

function init() {
  const q = $("#question");
  const count = () => { $("#q-count").textContent = `${q.value.length}/${MAX_QUESTION}`; };
  q.addEventListener("input", count);
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      ask(q.value);
    }
  });
  $("#ask-form").addEventListener("submit", (ev) => { ev.preventDefault(); ask(q.value); });
  $("#answer").addEventListener("click", (ev) => {
    const a = ev.target.closest("a.cite-ref");
    if (!a) return;
    ev.preventDefault();
    openCitation(a.dataset.n);
  });
  $("#as-of").addEventListener("change", () => {
    loadDocuments();
    updateFilterSummary();
    const p = new URLSearchParams(window.location.search).get("p");
    if (!$("#doc-view").hidden && state.shownDoc) openProvision(p, state.shownDoc.split("|")[0], false);
  });
  $("#clear-filters").addEventListener("click", () => {
    document.querySelectorAll("#doc-options input:checked").forEach((i) => { i.checked = false; });
    $("#as-of").value = "";
    loadDocuments();
  });
  $("#viewer-back").addEventListener("click", () => showLibrary(true));
  $("#to-answer").addEventListener("click", () => $("#result").scrollIntoView({ block: "start" }));
  document.querySelectorAll("#examples .example").forEach((b) => b.addEventListener("click", () => {
    q.value = b.textContent.trim();
    count();
    ask(q.value);
  }));
  window.addEventListener("popstate", () => applyUrl(false));

  loadDocuments();
  const params = new URLSearchParams(window.location.search);
  if (params.get("q")) {
    q.value = params.get("q").slice(0, MAX_QUESTION);
    count();
    ask(q.value, false);
  }
  applyUrl(false);
}

document.addEventListener("DOMContentLoaded", init);
