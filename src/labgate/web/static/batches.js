/* The batches page: the caller's batches (GET /v1/batches) with request_counts as a progress
   bar, status, cancel (POST /v1/batches/{id}/cancel) and downloads of the output and error
   files (GET /v1/files/{id}/content), with the tab's key or the signed-in session, as the
   chat page. It polls while any batch is still running. The banners show the high-water mark
   of the listed batches' labels. */
"use strict";

(function () {
  const lg = window.labgate;
  const $ = (id) => document.getElementById(id);
  const ACTIVE = new Set(["validating", "in_progress", "cancelling", "finalizing"]);
  const CANCELLABLE = new Set(["validating", "in_progress"]);
  const POLL_MS = 2000;
  let timer = null;

  function showError(text) {
    const el = $("batches-error");
    el.textContent = text || "";
    el.hidden = !text;
  }

  async function api(path, init) {
    const options = Object.assign({}, init || {});
    options.headers = lg.authHeaders(options.headers);
    const resp = await fetch(path, options);
    if (!resp.ok) throw new Error(await lg.errorMessage(resp));
    return resp;
  }

  async function download(fileId, name) {
    const resp = await api("/v1/files/" + encodeURIComponent(fileId) + "/content");
    const url = URL.createObjectURL(await resp.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 30000);
  }

  function button(text, label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "small secondary";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        await onClick();
        showError("");
      } catch (err) {
        showError(err.message);
      } finally {
        b.disabled = false;
      }
    });
    return b;
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (text !== undefined) td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function progressCell(row, batch) {
    const counts = batch.request_counts || { total: 0, completed: 0, failed: 0 };
    const done = counts.completed + counts.failed;
    const td = cell(row, undefined, "progress");
    const bar = document.createElement("progress");
    bar.max = Math.max(counts.total, 1);
    bar.value = done;
    bar.setAttribute("aria-label", "Progress of " + batch.id);
    const text = document.createElement("span");
    text.className = "progress-text";
    text.textContent = " " + done + " of " + counts.total + " done" +
      (counts.failed ? ", " + counts.failed + " failed" : "");
    td.append(bar, text);
  }

  function render(batches) {
    const body = $("batches-body");
    body.textContent = "";
    let marking = null;
    for (const batch of batches) {
      const row = document.createElement("tr");
      row.dataset.batchId = batch.id;
      cell(row, batch.id, "batch-id");
      cell(row, batch.endpoint);
      cell(row, batch.status, "status state-" + batch.status);
      progressCell(row, batch);
      cell(row, batch.labgate_label || "—", "label");
      cell(row, new Date(batch.created_at * 1000).toLocaleString());
      const actions = cell(row, undefined, "actions");
      if (CANCELLABLE.has(batch.status)) {
        actions.appendChild(button("Cancel", "Cancel " + batch.id, async () => {
          await api("/v1/batches/" + encodeURIComponent(batch.id) + "/cancel", { method: "POST" });
          await refresh();
        }));
      }
      if (batch.output_file_id) {
        actions.appendChild(button("Output", "Download the output of " + batch.id, () =>
          download(batch.output_file_id, batch.id + "_output.jsonl")));
      }
      if (batch.error_file_id) {
        actions.appendChild(button("Errors", "Download the errors of " + batch.id, () =>
          download(batch.error_file_id, batch.id + "_errors.jsonl")));
      }
      body.appendChild(row);
      if (batch.labgate_label) marking = lg.highWater(marking, batch.labgate_label);
    }
    $("batches-table").hidden = batches.length === 0;
    const running = batches.filter((b) => ACTIVE.has(b.status)).length;
    $("batches-summary").textContent = batches.length
      ? batches.length + " batch(es), " + running + " running"
      : "No batches yet.";
    lg.setBanner(marking);
  }

  function schedule(again) {
    if (timer) window.clearTimeout(timer);
    timer = again ? window.setTimeout(refresh, POLL_MS) : null;
  }

  async function refresh() {
    if (!lg.hasCredentials()) return;
    try {
      const resp = await api("/v1/batches?limit=100");
      const body = await resp.json();
      const batches = body.data || [];
      render(batches);
      showError("");
      schedule(batches.some((b) => ACTIVE.has(b.status)));
    } catch (err) {
      showError(err.message);
      schedule(false);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    await lg.loadConfig();
    $("refresh").addEventListener("click", refresh);
    lg.setupKeyForm(refresh);
  });
})();
