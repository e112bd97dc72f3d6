// Ask Lucky web chat: no build step. Talks to /v1 with the API key kept in localStorage.
"use strict";
const $ = (sel, el = document) => el.querySelector(sel);
const keyInput = $("#key");
keyInput.value = localStorage.getItem("luckyKey") || "";
keyInput.addEventListener("change", () => { localStorage.setItem("luckyKey", keyInput.value.trim()); loadSaved(); });
let conversation = null;

async function api(path, options = {}) {
  const headers = { "Authorization": `Bearer ${keyInput.value.trim()}`, ...(options.headers || {}) };
  if (options.body && typeof options.body !== "string") {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.body);
  }
  const response = await fetch(path, { ...options, headers });
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.blob();
  if (!response.ok) throw new Error(data.error ? data.error.message : `HTTP ${response.status}`);
  return data;
}

function renderTable(el, columns, rows) {
  if (!columns.length || !rows.length) return;
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  columns.forEach(c => { const th = document.createElement("th"); th.textContent = c; head.appendChild(th); });
  const body = table.createTBody();
  rows.slice(0, 50).forEach(r => {
    const tr = body.insertRow();
    r.forEach(v => {
      const td = tr.insertCell();
      td.textContent = v === null ? "—" : (typeof v === "number" ? v.toLocaleString() : String(v));
      if (typeof v === "number") td.className = "num";
    });
  });
  el.appendChild(table);
  if (rows.length > 50) el.appendChild(document.createTextNode(`${rows.length - 50} more rows`));
}

// 👍/👎 under an answer: POST /v1/feedback. Nothing is learnt until an admin approves it.
function wireFeedback(node, question, a) {
  const box = $(".feedback", node);
  const buttons = [$(".up", box), $(".down", box), $(".send-wrong", box)];
  const note = $(".fb-status", box);
  box.hidden = false;
  const send = async (verdict, corrected) => {
    buttons.forEach(b => { b.disabled = true; });
    note.textContent = "Sending…";
    try {
      const item = await api("/v1/feedback", { method: "POST",
        body: { question, verdict, sql: a.sql || null, corrected_sql: corrected || null } });
      box.dataset.sent = verdict;
      box.dataset.id = item.id;
      $(".correction", box).hidden = true;
      note.textContent = item.state === "pending"
        ? "Thanks: an admin will review it before the assistant learns from it."
        : "Thanks: noted.";
    } catch (err) {
      buttons.forEach(b => { b.disabled = false; });
      note.textContent = err.message;
    }
  };
  $(".up", box).addEventListener("click", () => send("right"));
  $(".down", box).addEventListener("click", () => {
    $(".correction", box).hidden = false;
    $(".corrected", box).focus();
  });
  $(".send-wrong", box).addEventListener("click", () => send("wrong", $(".corrected", box).value.trim()));
}

async function ask(question) {
  const node = $("#turn").content.firstElementChild.cloneNode(true);
  $(".q", node).textContent = question;
  $(".summary", node).textContent = "Thinking…";
  $("#thread").appendChild(node);
  try {
    const a = await api("/v1/ask", { method: "POST", body: { question, conversation_id: conversation } });
    conversation = a.conversation_id;
    node.classList.add(a.status);
    node.dataset.status = a.status;
    $(".summary", node).textContent = a.summary || a.clarification || a.reason || "";
    (a.options || []).forEach(o => {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = o;
      b.addEventListener("click", () => ask(o));
      $(".options", node).appendChild(b);
    });
    renderTable($(".table", node), a.columns || [], a.rows || []);
    $(".meta", node).textContent = [(a.filters || []).join(", "), `${a.engine} · ${Math.round(a.elapsed_ms)} ms`]
      .filter(Boolean).join(" — ");
    $(".sql", node).textContent = a.sql || "";
    $(".toggle-sql", node).hidden = !a.sql;
    $(".toggle-sql", node).addEventListener("click", () => { $(".sql", node).hidden = !$(".sql", node).hidden; });
    $(".save", node).addEventListener("click", async () => {
      await api("/v1/queries", { method: "POST", body: { title: question.slice(0, 120), question } });
      loadSaved();
    });
    wireFeedback(node, question, a);
    if (a.chart_id) {
      const blob = await api(`/v1/charts/${a.chart_id}.png`);
      const img = $(".chart", node);
      img.src = URL.createObjectURL(blob); img.hidden = false;
    }
  } catch (err) {
    node.classList.add("error");
    $(".summary", node).textContent = err.message;
    $(".buttons", node).hidden = true;
  }
}

async function loadSaved() {
  const list = $("#saved");
  list.textContent = "";
  try {
    const data = await api("/v1/queries");
    data.saved.forEach(q => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "#"; a.textContent = q.title;
      a.addEventListener("click", e => { e.preventDefault(); ask(q.question); });
      li.appendChild(a); list.appendChild(li);
    });
  } catch (err) { /* no key yet */ }
}

$("#ask").addEventListener("submit", e => {
  e.preventDefault();
  const q = $("#question").value.trim();
  if (q) { $("#question").value = ""; ask(q); }
});
$("#new").addEventListener("click", () => { conversation = null; $("#thread").textContent = ""; });
// A link like /#key=lk_...&q=orders%20yesterday asks at once (the fragment never reaches a server log).
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get("key")) { keyInput.value = fragment.get("key"); history.replaceState(null, "", location.pathname); }
loadSaved();
if (fragment.get("q")) ask(fragment.get("q"));
