/* The chat page: pick a model (only those this user may use: GET /v1/models filters), send a
   message (with text attachments read into it), stream the answer in over SSE and render it
   as Markdown with code and maths (render.js: sanitised), show its reasoning (when policy lets
   the response carry it) and its label on every message; stop, retry, edit-and-resend, copy.
   The banners show the conversation's high-water mark. Every refusal gets a clear message:
   quota (with the reset time), guardrail (category, request id, a one-click report), label,
   model starting (the wait, with a progress bar). Conversations are kept server-side
   (/web/conversations, encrypted at rest) and listed beside the chat. */
"use strict";

(function () {
  const lg = window.labgate;
  const render = window.labgateRender;
  const history = [];
  let mark = null; /* the conversation's high-water mark; null: the deployment's default */
  let controller = null;
  let conversationId = null;
  let attachments = [];
  const MAX_ATTACHMENT = 256 * 1024;

  const $ = (id) => document.getElementById(id);

  function showError(text, extra) {
    const el = $("chat-error");
    el.textContent = text || "";
    if (extra) el.appendChild(extra);
    el.hidden = !text;
  }

  async function loadModels() {
    const select = $("model");
    try {
      const headers = lg.authHeaders();
      const stated = $("request-label").value.trim();
      if (stated) headers[lg.LABEL_HEADER] = stated;
      const resp = await fetch("/v1/models", { headers });
      if (!resp.ok) {
        showError("Could not list the models: " + (await lg.errorMessage(resp)));
        return;
      }
      const body = await resp.json();
      const previous = select.value;
      select.textContent = "";
      for (const model of body.data || []) {
        const option = document.createElement("option");
        option.value = model.id;
        option.textContent = model.id;
        select.appendChild(option);
      }
      if (previous) select.value = previous;
      if (!select.value && select.options.length) select.selectedIndex = 0;
      select.disabled = select.options.length === 0;
      showCardLink();
      showError("");
      loadHistory();
    } catch (err) {
      showError("Could not reach the gateway: " + err.message);
    }
  }

  /* The picked model's card (GET /v1/model-cards/{model}: how it was evaluated and who
     approved it), beside the picker, opened read-only in a new tab. Signed in, the tab's
     navigation carries the session cookie (a GET needs no CSRF token). With a key, which lives
     in this tab only and never goes into a URL, the card is fetched with it here and the new
     tab shows that copy (a blob: page under this page's policy: no script runs in it). */
  function cardUrl(model) {
    return "/v1/model-cards/" + encodeURIComponent(model);
  }
  function showCardLink() {
    const link = $("model-card");
    const model = $("model").value;
    link.hidden = !model;
    if (!model) return;
    link.href = cardUrl(model);
    link.textContent = "Model card: " + model;
    link.setAttribute("aria-label", "Model card of " + model + " (opens in a new tab)");
  }
  async function openCard(event) {
    const model = $("model").value;
    if (!model || !lg.getKey()) return; /* signed in: the plain link does it */
    event.preventDefault();
    /* opened now, while the click still counts as the user's (popup blockers) */
    const win = window.open("", "_blank");
    if (win) win.opener = null;
    try {
      const resp = await fetch(cardUrl(model), { headers: lg.authHeaders({ Accept: "text/html" }) });
      if (!resp.ok) {
        if (win) win.close();
        showError("Could not open the model card: " + (await lg.errorMessage(resp)));
        return;
      }
      const html = await resp.blob();
      const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
      if (win) win.location.href = url;
      else window.open(url, "_blank", "noopener");
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (err) {
      if (win) win.close();
      showError("Could not reach the gateway: " + err.message);
    }
  }

  function button(text, cls, onClick, label) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary small " + (cls || "");
    b.textContent = text;
    if (label) b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function addMessage(role, text) {
    const item = document.createElement("li");
    item.className = "message " + role;
    const who = document.createElement("p");
    who.className = "who";
    who.textContent = role === "user" ? "You" : "Model";
    const body = document.createElement("div");
    body.className = "text";
    if (role === "user") body.textContent = text || "";
    else render.renderMarkdown(body, text || "");
    const tools = document.createElement("div");
    tools.className = "message-tools";
    item.append(who, body, tools);
    $("conversation").appendChild(item);
    const entry = { item, who, body, tools, role };
    return entry;
  }

  function addTools(entry, index) {
    entry.tools.textContent = "";
    entry.tools.appendChild(
      button("Copy", "copy", async () => {
        const text = history[index] ? history[index].content : "";
        try {
          await navigator.clipboard.writeText(text);
          entry.tools.querySelector(".copy").textContent = "Copied";
        } catch (err) {
          entry.tools.querySelector(".copy").textContent = "Copy failed";
        }
      }, "Copy this message")
    );
    if (entry.role === "user") {
      entry.tools.appendChild(button("Edit and resend", "edit", () => editFrom(index), "Edit this message and resend it"));
    } else {
      entry.tools.appendChild(button("Retry", "retry", () => retryFrom(index), "Ask again for this answer"));
    }
  }

  function setLabelTag(entry, marking, isDefault) {
    const old = entry.who.querySelector(".label-tag");
    if (old) old.remove();
    const tag = document.createElement("span");
    tag.className = "label-tag";
    tag.dataset.level = lg.parseMarking ? (lg.parseMarking(marking) || {}).level || "" : "";
    tag.textContent = marking + (isDefault ? " (default)" : "");
    tag.setAttribute("aria-label", "Label of this message: " + marking);
    entry.who.appendChild(tag);
  }

  function reasoningBox(entry) {
    if (entry.reasoning) return entry.reasoning;
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "Reasoning";
    const pre = document.createElement("pre");
    details.append(summary, pre);
    entry.item.insertBefore(details, entry.body);
    entry.reasoning = pre;
    return pre;
  }

  /* A refused answer gets a one-click report: POST /v1/safety/reports with its request id
     puts it in the safety reviewers' queue. */
  function addReportButton(entry, requestId) {
    if (!requestId || entry.item.querySelector(".report-refusal")) return;
    const box = document.createElement("div");
    box.className = "report";
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary report-refusal";
    b.textContent = "This was wrongly refused";
    b.dataset.requestId = requestId;
    const status = document.createElement("span");
    status.className = "report-status";
    status.setAttribute("role", "status");
    b.addEventListener("click", async () => {
      b.disabled = true;
      status.textContent = "Sending the report…";
      try {
        const resp = await fetch("/v1/safety/reports", {
          method: "POST",
          headers: lg.authHeaders({ "Content-Type": "application/json" }),
          body: JSON.stringify({ request_id: requestId }),
        });
        if (resp.ok) {
          status.textContent =
            "Reported: a safety reviewer will look at request " + requestId + ".";
          b.textContent = "Reported";
        } else {
          status.textContent = "Could not report it: " + (await lg.errorMessage(resp));
          b.disabled = false;
        }
      } catch (err) {
        status.textContent = "Could not report it: " + err.message;
        b.disabled = false;
      }
    });
    const rid = document.createElement("span");
    rid.className = "request-id";
    rid.textContent = "Request " + requestId;
    box.append(rid, b, status);
    entry.item.appendChild(box);
  }

  /* Read an SSE body, calling onEvent with each parsed JSON payload until [DONE]. */
  async function readEvents(resp, onEvent) {
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = event
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trimStart())
          .join("\n");
        if (!data) continue;
        if (data === "[DONE]") return;
        onEvent(JSON.parse(data));
      }
    }
  }

  /* A refusal as people read it: what happened, why, and what to do next. */
  function refusalNotice(resp, body) {
    const err = (body && body.error) || {};
    const code = err.code || "";
    const box = document.createElement("div");
    box.className = "refusal refusal-" + (code || resp.status);
    const title = document.createElement("strong");
    const detail = document.createElement("p");
    detail.textContent = err.message || "The gateway refused the request (HTTP " + resp.status + ").";
    const retryAfter = Number(resp.headers.get("Retry-After") || 0);
    if (resp.status === 429) {
      title.textContent = "Quota reached";
      if (retryAfter) {
        const at = new Date(Date.now() + retryAfter * 1000);
        const when = document.createElement("p");
        when.className = "reset-time";
        when.textContent = "You can send again after " + at.toISOString().slice(0, 16).replace("T", " ") + " UTC.";
        box.append(title, detail, when);
        return box;
      }
    } else if (code === "model_starting") {
      title.textContent = "The model is starting";
      const wait = Math.max(1, retryAfter || 30);
      const progress = document.createElement("progress");
      progress.max = wait;
      progress.value = 0;
      progress.setAttribute("aria-label", "Waiting for the model to start");
      const note = document.createElement("p");
      note.textContent = "Expected wait: about " + wait + " s. Send again when the bar is full.";
      const started = Date.now();
      const timer = setInterval(() => {
        const s = (Date.now() - started) / 1000;
        progress.value = Math.min(wait, s);
        if (s >= wait || !progress.isConnected) clearInterval(timer);
      }, 500);
      box.append(title, detail, note, progress);
      return box;
    } else if (code.startsWith("label_") || code === "insufficient_clearance") {
      title.textContent = "Not at this label";
    } else if (code === "content_policy_violation") {
      title.textContent = "Refused by the guardrail";
    } else {
      title.textContent = "Refused";
    }
    box.append(title, detail);
    return box;
  }

  async function readAttachments() {
    const out = [];
    for (const file of attachments) out.push("\n\n--- attached file: " + file.name + " ---\n```\n" + file.text + "\n```");
    return out.join("");
  }

  async function send(text, opts) {
    const model = $("model").value;
    if (!lg.hasCredentials()) {
      showError("Sign in or enter your API key first.");
      $("api-key").focus();
      return;
    }
    if (!model) {
      showError("Pick a model first.");
      return;
    }
    showError("");
    const stated = $("request-label").value.trim();
    let content = text;
    if (!(opts && opts.resend)) {
      content = text + (await readAttachments());
      attachments = [];
      renderAttachments();
      const turn = { role: "user", content };
      history.push(turn);
      const userEntry = addMessage("user", content);
      addTools(userEntry, history.length - 1);
      if (stated) setLabelTag(userEntry, stated, false);
    }
    const turn = history[history.length - 1];
    const userEntry = { item: $("conversation").lastElementChild };
    userEntry.who = userEntry.item.querySelector(".who");
    const entry = addMessage("assistant", "");
    entry.item.setAttribute("aria-busy", "true");
    const headers = lg.authHeaders({ "Content-Type": "application/json" });
    if (stated) headers[lg.LABEL_HEADER] = stated;
    if ($("show-reasoning").checked) headers["X-Labgate-Show-Reasoning"] = "true";
    controller = new AbortController();
    $("send").disabled = true;
    $("stop").disabled = false;
    let answer = "";
    let pending = false;
    const paint = () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        render.renderMarkdown(entry.body, answer);
      });
    };
    try {
      const resp = await fetch("/v1/chat/completions", {
        method: "POST",
        headers,
        body: JSON.stringify({ model, messages: apiHistory(), stream: true }),
        signal: controller.signal,
      });
      const requestId = resp.headers.get("X-Request-Id");
      if (!resp.ok) {
        let body = null;
        try {
          body = await resp.clone().json();
        } catch (err) {
          /* not JSON */
        }
        entry.body.replaceChildren(refusalNotice(resp, body));
        entry.item.classList.add("refused");
        if (body && body.error && body.error.code === "content_policy_violation") {
          addReportButton(entry, requestId);
        } else if (requestId) {
          const rid = document.createElement("p");
          rid.className = "request-id";
          rid.textContent = "Request " + requestId;
          entry.body.appendChild(rid);
        }
        history.pop();
        return;
      }
      const config = await lg.loadConfig();
      let label = resp.headers.get(lg.LABEL_HEADER);
      let refusedId = null;
      await readEvents(resp, (chunk) => {
        if (chunk.error) throw new Error(chunk.error.message || "the answer failed");
        if (!label && chunk.labgate_label) label = chunk.labgate_label;
        for (const choice of chunk.choices || []) {
          if (choice.finish_reason === "content_filter") {
            refusedId = (chunk.labgate_report && chunk.labgate_report.request_id) || requestId;
          }
          const delta = choice.delta || {};
          if (delta.reasoning_content) reasoningBox(entry).textContent += delta.reasoning_content;
          if (delta.content) {
            answer += delta.content;
            paint();
          }
        }
      });
      render.renderMarkdown(entry.body, answer);
      if (refusedId) {
        entry.item.classList.add("refused");
        addReportButton(entry, refusedId);
      }
      const marking = label || stated || config.label;
      setLabelTag(entry, marking, !label && !stated);
      if (!stated) setLabelTag(userEntry, marking, !label);
      mark = lg.highWater(mark || config.label, marking);
      lg.setBanner(mark);
      turn.labgate_label = marking;
      history.push({ role: "assistant", content: answer, labgate_label: marking, reasoning: entry.reasoning ? entry.reasoning.textContent : undefined });
      addTools(entry, history.length - 1);
      await saveConversation();
    } catch (err) {
      render.renderMarkdown(entry.body, answer);
      if (err.name === "AbortError") {
        const stopped = document.createElement("p");
        stopped.className = "stopped";
        stopped.textContent = "[stopped]";
        entry.body.appendChild(stopped);
      } else {
        showError("The answer failed: " + err.message);
      }
      const partial = { role: "assistant", content: answer };
      if (mark) partial.labgate_label = mark; /* a cut answer is at least what came before */
      history.push(partial);
      addTools(entry, history.length - 1);
    } finally {
      entry.item.removeAttribute("aria-busy");
      controller = null;
      $("send").disabled = false;
      $("stop").disabled = true;
    }
  }

  /* What the API is sent: role, content and label only (reasoning stays on the page). */
  function apiHistory() {
    return history.map((m) => {
      const out = { role: m.role, content: m.content };
      if (m.labgate_label) out.labgate_label = m.labgate_label;
      return out;
    });
  }

  function redraw() {
    $("conversation").textContent = "";
    history.forEach((m, i) => {
      const e = addMessage(m.role, m.content);
      if (m.reasoning) reasoningBox(e).textContent = m.reasoning;
      if (m.labgate_label) setLabelTag(e, m.labgate_label, false);
      addTools(e, i);
    });
  }

  function truncate(index) {
    history.length = index;
    redraw();
  }

  function retryFrom(index) {
    if (controller) return;
    truncate(index); /* drop this answer and what follows; resend the question before it */
    send(null, { resend: true });
  }

  function editFrom(index) {
    if (controller) return;
    const text = history[index].content;
    truncate(index);
    $("prompt").value = text;
    $("prompt").focus();
  }

  /* ---- conversations kept server-side ---- */

  async function saveConversation() {
    if (!history.length) return;
    const payload = {
      title: (history[0].content || "").split("\n")[0].slice(0, 120),
      label: mark,
      messages: history,
    };
    try {
      const url = conversationId ? "/web/conversations/" + conversationId : "/web/conversations";
      const resp = await fetch(url, {
        method: conversationId ? "PUT" : "POST",
        headers: lg.authHeaders({ "Content-Type": "application/json" }),
        body: JSON.stringify(payload),
      });
      if (resp.ok) {
        const body = await resp.json();
        conversationId = body.id;
        $("history-status").textContent = "Saved.";
        loadHistory();
      } else {
        $("history-status").textContent = "Not saved: " + (await lg.errorMessage(resp));
      }
    } catch (err) {
      $("history-status").textContent = "Not saved: " + err.message;
    }
  }

  async function loadHistory() {
    if (!lg.hasCredentials()) return;
    const q = $("history-search").value.trim();
    try {
      const resp = await fetch("/web/conversations" + (q ? "?q=" + encodeURIComponent(q) : ""), { headers: lg.authHeaders() });
      if (!resp.ok) return;
      const body = await resp.json();
      const list = $("history-list");
      list.textContent = "";
      for (const c of body.data || []) {
        const li = document.createElement("li");
        const open = document.createElement("button");
        open.type = "button";
        open.className = "link conversation-link";
        open.textContent = c.title || "(untitled)";
        open.addEventListener("click", () => openConversation(c.id));
        const tag = document.createElement("span");
        tag.className = "label-tag";
        tag.dataset.level = (lg.parseMarking(c.label) || {}).level || "";
        tag.textContent = c.label;
        tag.setAttribute("aria-label", "High-water mark: " + c.label);
        const del = button("Delete", "delete", async () => {
          const r = await fetch("/web/conversations/" + c.id, { method: "DELETE", headers: lg.authHeaders() });
          if (r.ok) {
            if (conversationId === c.id) newConversation();
            loadHistory();
          }
        }, "Delete conversation " + (c.title || ""));
        li.append(open, tag, del);
        list.appendChild(li);
      }
      $("history-status").textContent = (body.data || []).length ? "" : q ? "No conversation matches." : "No conversations yet.";
    } catch (err) {
      /* the list is a convenience; the chat works without it */
    }
  }

  async function openConversation(id) {
    const resp = await fetch("/web/conversations/" + id, { headers: lg.authHeaders() });
    if (!resp.ok) {
      showError("Could not open it: " + (await lg.errorMessage(resp)));
      return;
    }
    const body = await resp.json();
    if (controller) controller.abort();
    conversationId = body.id;
    history.length = 0;
    for (const m of body.messages || []) history.push(m);
    mark = body.label;
    lg.setBanner(mark);
    redraw();
    showError("");
  }

  function newConversation() {
    if (controller) controller.abort();
    history.length = 0;
    mark = null;
    conversationId = null;
    $("conversation").textContent = "";
    showError("");
    lg.setBanner(null);
    $("prompt").focus();
  }

  /* ---- attachments: text files only, read here into the message ---- */

  function renderAttachments() {
    const list = $("attachments");
    list.textContent = "";
    attachments.forEach((file, i) => {
      const li = document.createElement("li");
      li.textContent = file.name + " (" + file.text.length + " characters) ";
      li.appendChild(button("Remove", "remove", () => {
        attachments.splice(i, 1);
        renderAttachments();
      }, "Remove " + file.name));
      list.appendChild(li);
    });
  }

  async function addFiles(files) {
    for (const file of files) {
      if (file.size > MAX_ATTACHMENT) {
        showError(file.name + " is larger than 256 KB: attach a smaller text file.");
        continue;
      }
      const bytes = new Uint8Array(await file.arrayBuffer());
      let text;
      try {
        if (bytes.includes(0)) throw new Error("binary");
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch (err) {
        showError(file.name + " is not a text file (UTF-8): only text can be attached, so the guardrail and the audit log can read it.");
        continue;
      }
      attachments.push({ name: file.name, text });
    }
    renderAttachments();
  }

  document.addEventListener("DOMContentLoaded", async () => {
    await lg.loadConfig();
    lg.setBanner(null);
    lg.setupKeyForm(loadModels);
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("prompt").value.trim();
      if (!text || $("send").disabled) return;
      $("prompt").value = "";
      send(text);
    });
    $("prompt").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("stop").addEventListener("click", () => controller && controller.abort());
    $("new-conversation").addEventListener("click", newConversation);
    $("attach").addEventListener("change", async (event) => {
      await addFiles(event.target.files);
      event.target.value = "";
    });
    $("request-label").addEventListener("change", () => lg.hasCredentials() && loadModels());
    $("model").addEventListener("change", showCardLink);
    $("model-card").addEventListener("click", openCard);
    let searchTimer = null;
    $("history-search").addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(loadHistory, 250);
    });
  });
})();
