/* The chat page: pick a model, send a message, stream the answer in over SSE, show its
   reasoning (when the response carries it) and its label; the banners show the conversation's
   high-water mark (the most sensitive label of anything on screen). */
"use strict";

(function () {
  const lg = window.labgate;
  const history = [];
  let mark = null; /* the conversation's high-water mark; null: the deployment's default */
  let controller = null;

  const $ = (id) => document.getElementById(id);

  function showError(text) {
    const el = $("chat-error");
    el.textContent = text || "";
    el.hidden = !text;
  }

  async function loadModels() {
    const select = $("model");
    try {
      const resp = await fetch("/v1/models", { headers: lg.authHeaders() });
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
      select.disabled = select.options.length === 0;
      showError("");
    } catch (err) {
      showError("Could not reach the gateway: " + err.message);
    }
  }

  function addMessage(role, text) {
    const item = document.createElement("li");
    item.className = "message " + role;
    const who = document.createElement("p");
    who.className = "who";
    who.textContent = role === "user" ? "You" : "Model";
    const body = document.createElement("p");
    body.className = "text";
    body.textContent = text || "";
    item.append(who, body);
    $("conversation").appendChild(item);
    return { item, who, body };
  }

  function setLabelTag(entry, marking, isDefault) {
    const tag = document.createElement("span");
    tag.className = "label-tag";
    tag.textContent = marking + (isDefault ? " (default)" : "");
    tag.setAttribute("aria-label", "Label of this answer: " + marking);
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
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary report-refusal";
    button.textContent = "This was wrongly refused";
    button.dataset.requestId = requestId;
    const status = document.createElement("span");
    status.className = "report-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", async () => {
      button.disabled = true;
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
          button.textContent = "Reported";
        } else {
          status.textContent = "Could not report it: " + (await lg.errorMessage(resp));
          button.disabled = false;
        }
      } catch (err) {
        status.textContent = "Could not report it: " + err.message;
        button.disabled = false;
      }
    });
    box.append(button, status);
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

  async function send(text) {
    const model = $("model").value;
    if (!lg.getKey()) {
      showError("Enter your API key first.");
      $("api-key").focus();
      return;
    }
    if (!model) {
      showError("Pick a model first.");
      return;
    }
    showError("");
    const stated = $("request-label").value.trim();
    /* each turn keeps its label (labgate_label), so the gateway knows the conversation's
       high-water mark; the user's turn gets the answer's label once it is known */
    const turn = { role: "user", content: text };
    history.push(turn);
    addMessage("user", text);
    const entry = addMessage("assistant", "");
    entry.item.setAttribute("aria-busy", "true");
    const headers = lg.authHeaders({ "Content-Type": "application/json" });
    if (stated) headers[lg.LABEL_HEADER] = stated;
    if ($("show-reasoning").checked) headers["X-Labgate-Show-Reasoning"] = "true";
    controller = new AbortController();
    $("send").disabled = true;
    $("stop").disabled = false;
    let answer = "";
    try {
      const resp = await fetch("/v1/chat/completions", {
        method: "POST",
        headers,
        body: JSON.stringify({ model, messages: history, stream: true }),
        signal: controller.signal,
      });
      const requestId = resp.headers.get("X-Request-Id");
      if (!resp.ok) {
        history.pop();
        let body = null;
        try {
          body = await resp.clone().json();
        } catch (err) {
          /* not JSON */
        }
        if (body && body.error && body.error.code === "content_policy_violation") {
          entry.body.textContent = body.error.message;
          addReportButton(entry, requestId);
          return;
        }
        entry.item.remove();
        showError(await lg.errorMessage(resp));
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
            entry.body.textContent = answer;
          }
        }
      });
      if (refusedId) addReportButton(entry, refusedId);
      const marking = label || stated || config.label;
      setLabelTag(entry, marking, !label && !stated);
      mark = lg.highWater(mark || config.label, marking);
      lg.setBanner(mark);
      turn.labgate_label = marking;
      history.push({ role: "assistant", content: answer, labgate_label: marking });
    } catch (err) {
      if (err.name === "AbortError") {
        entry.body.textContent = answer + " [stopped]";
      } else {
        showError("The answer failed: " + err.message);
      }
      const partial = { role: "assistant", content: answer };
      if (mark) partial.labgate_label = mark; /* a cut answer is at least what came before */
      history.push(partial);
    } finally {
      entry.item.removeAttribute("aria-busy");
      controller = null;
      $("send").disabled = false;
      $("stop").disabled = true;
    }
  }

  function newConversation() {
    if (controller) controller.abort();
    history.length = 0;
    mark = null;
    $("conversation").textContent = "";
    showError("");
    lg.setBanner(null);
    $("prompt").focus();
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
  });
})();
