/* The workers page: who the key belongs to, and each model's workers with their state and
   request counts (GET /v1/admin/whoami and /v1/admin/workers, administrators only). */
"use strict";

(function () {
  const lg = window.labgate;
  const $ = (id) => document.getElementById(id);
  const COLUMNS = [
    ["id", "Worker"],
    ["base_url", "URL"],
    ["state", "State"],
    ["source", "Source"],
    ["outstanding", "In flight", "number"],
    ["requests", "Requests", "number"],
    ["failures", "Failures", "number"],
    ["last_error", "Last error"],
  ];

  function showError(text) {
    const el = $("admin-error");
    el.textContent = text || "";
    el.hidden = !text;
  }

  function table(model, workers) {
    const t = document.createElement("table");
    const caption = document.createElement("caption");
    caption.textContent = model + " — " + workers.length + " worker(s)";
    const head = document.createElement("thead");
    const headRow = document.createElement("tr");
    for (const [, title, kind] of COLUMNS) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = title;
      if (kind) th.className = kind;
      headRow.appendChild(th);
    }
    head.appendChild(headRow);
    const body = document.createElement("tbody");
    for (const worker of workers) {
      const row = document.createElement("tr");
      for (const [key, , kind] of COLUMNS) {
        const td = document.createElement("td");
        const value = worker[key];
        td.textContent = value === null || value === undefined ? "—" : String(value);
        if (kind) td.className = kind;
        if (key === "state") td.className = "state-" + value;
        row.appendChild(td);
      }
      body.appendChild(row);
    }
    if (!workers.length) {
      const row = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = COLUMNS.length;
      td.textContent = "No workers: start one, or check the model's configuration.";
      row.appendChild(td);
      body.appendChild(row);
    }
    t.append(caption, head, body);
    return t;
  }

  async function refresh() {
    showError("");
    try {
      const who = await fetch("/v1/admin/whoami", { headers: lg.authHeaders() });
      if (who.ok) {
        const me = await who.json();
        $("whoami").textContent = "Signed in as " + me.user_id +
          (me.roles && me.roles.length ? " (" + me.roles.join(", ") + ")" : "");
      }
      const resp = await fetch("/v1/admin/workers", { headers: lg.authHeaders() });
      if (!resp.ok) {
        showError(await lg.errorMessage(resp));
        return;
      }
      const pools = await resp.json();
      const box = $("models");
      box.textContent = "";
      let ready = 0;
      let total = 0;
      let requests = 0;
      for (const [model, workers] of Object.entries(pools)) {
        box.appendChild(table(model, workers));
        total += workers.length;
        ready += workers.filter((w) => w.state === "ready").length;
        requests += workers.reduce((n, w) => n + (w.requests || 0), 0);
      }
      $("summary").textContent = Object.keys(pools).length + " model(s), " + ready + " of " +
        total + " worker(s) ready, " + requests + " request(s) served since start.";
    } catch (err) {
      showError("Could not reach the gateway: " + err.message);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    await lg.loadConfig();
    lg.setBanner(null);
    lg.setupKeyForm(refresh);
    $("refresh").addEventListener("click", refresh);
  });
})();
