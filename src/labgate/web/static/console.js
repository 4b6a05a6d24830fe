/* The console: usage (charts as inline SVG, tables, CSV), API keys (create, revoke), the
   safety review queue (console-safety.js), and an audit record whose RFC 9162 inclusion proof is checked here,
   in the page, against the latest checkpoint, whose Ed25519 signature (a C2SP signed note) is
   checked here too, with WebCrypto, against the verifier key the reader gives. Everything goes
   through the gateway's API with the reader's own credentials, so each list holds only what
   their role and clearance let the API show them. console-ops.js adds the administrators'
   views (workers and Slurm jobs, projects, the model registry) through window.labgate.console. */
"use strict";

(function () {
  const lg = window.labgate;
  const $ = (id) => document.getElementById(id);
  const SVG = "http" + "://www.w3.org/2000/svg";

  function showError(text) {
    $("console-error").textContent = text || "";
    $("console-error").hidden = !text;
  }

  async function api(path, init) {
    const resp = await fetch(path, Object.assign({}, init || {}, {
      headers: lg.authHeaders((init && init.headers) || {}),
    }));
    if (!resp.ok) throw new Error(path + ": " + (await lg.errorMessage(resp)));
    return resp;
  }

  function table(columns, rows, caption) {
    const t = document.createElement("table");
    const cap = document.createElement("caption");
    cap.textContent = caption;
    const head = document.createElement("tr");
    for (const c of columns) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = c.title;
      if (c.number) th.className = "number";
      head.appendChild(th);
    }
    const thead = document.createElement("thead");
    thead.appendChild(head);
    const tbody = document.createElement("tbody");
    for (const r of rows) {
      const tr = document.createElement("tr");
      for (const c of columns) {
        const td = document.createElement("td");
        const v = c.value(r);
        if (v instanceof Node) td.appendChild(v);
        else td.textContent = v === null || v === undefined ? "" : String(v);
        if (c.number) td.className = "number";
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
    t.append(cap, thead, tbody);
    return t;
  }

  /* A bar chart as inline SVG: one bar per (label, value), each with a <title>, labelled. */
  function barChart(items, label) {
    const w = 640, barH = 22, gap = 6, left = 160;
    const h = Math.max(1, items.length) * (barH + gap) + 10;
    const max = Math.max(1, ...items.map((i) => i.value));
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    items.forEach((item, i) => {
      const y = 5 + i * (barH + gap);
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", left - 8);
      text.setAttribute("y", y + barH * 0.7);
      text.setAttribute("text-anchor", "end");
      text.setAttribute("class", "chart-label");
      text.textContent = item.label;
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", left);
      rect.setAttribute("y", y);
      rect.setAttribute("height", barH);
      rect.setAttribute("width", Math.max(1, ((w - left - 80) * item.value) / max));
      rect.setAttribute("class", "bar");
      const title = document.createElementNS(SVG, "title");
      title.textContent = item.label + ": " + item.value;
      rect.appendChild(title);
      const val = document.createElementNS(SVG, "text");
      val.setAttribute("x", left + Math.max(1, ((w - left - 80) * item.value) / max) + 6);
      val.setAttribute("y", y + barH * 0.7);
      val.setAttribute("class", "chart-value");
      val.textContent = String(item.value);
      svg.append(text, rect, val);
    });
    return svg;
  }

  const tokens = (t) => (t.prompt_tokens || 0) + (t.completion_tokens || 0);

  async function loadUsage() {
    const group = $("usage-group").value;
    const since = $("usage-since").value;
    try {
      const body = await (await api("/v1/admin/usage?group_by=" + group + "&since=" + since)).json();
      const rows = body.rows || [];
      $("usage-chart-caption").textContent = "Tokens by " + group + " since " + body.since.slice(0, 10);
      $("usage-chart").replaceChildren(
        barChart(rows.map((r) => ({ label: r.name || r[group] || "(none)", value: tokens(r) })), "Tokens by " + group)
      );
      $("usage-table").replaceChildren(
        table(
          [
            { title: group, value: (r) => r.name || r[group] || "(none)" },
            { title: "Requests", value: (r) => r.requests, number: true },
            { title: "Prompt tokens", value: (r) => r.prompt_tokens, number: true },
            { title: "Completion tokens", value: (r) => r.completion_tokens, number: true },
          ],
          rows,
          "Usage by " + group
        )
      );
      /* over time: one request per day of the last week, totals only */
      const days = [];
      const today = new Date();
      today.setUTCHours(0, 0, 0, 0);
      for (let i = 6; i >= 0; i--) {
        const start = new Date(today.getTime() - i * 86400000);
        const end = new Date(start.getTime() + 86400000);
        days.push({ start, end });
      }
      const totals = await Promise.all(
        days.map(async (d) => {
          const q = "/v1/admin/usage?group_by=" + group + "&since=" + d.start.toISOString() + "&until=" + d.end.toISOString();
          const b = await (await api(q)).json();
          return { label: d.start.toISOString().slice(0, 10), value: tokens(b.totals || {}) };
        })
      );
      $("usage-daily").replaceChildren(barChart(totals, "Tokens per day, last 7 days"));
      showError("");
    } catch (err) {
      showError(err.message);
    }
  }

  async function exportCsv() {
    try {
      const group = $("usage-group").value;
      const resp = await api("/v1/admin/usage?format=csv&group_by=" + group + "&since=" + $("usage-since").value);
      const url = URL.createObjectURL(await resp.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = "usage-by-" + group + ".csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      showError(err.message);
    }
  }

  async function loadKeys() {
    try {
      const body = await (await api("/v1/admin/keys")).json();
      const rows = body.data || [];
      $("keys-table").replaceChildren(
        table(
          [
            { title: "Name", value: (k) => k.name || "(unnamed)" },
            { title: "Prefix", value: (k) => k.prefix },
            { title: "Project", value: (k) => k.project_id },
            { title: "Status", value: (k) => k.status },
            { title: "Created", value: (k) => (k.created_at || "").slice(0, 16).replace("T", " ") },
            {
              title: "Action",
              value: (k) => {
                if (k.status !== "active") return "";
                const b = document.createElement("button");
                b.type = "button";
                b.className = "secondary small";
                b.textContent = "Revoke";
                b.setAttribute("aria-label", "Revoke key " + (k.name || k.prefix));
                b.addEventListener("click", async () => {
                  try {
                    await api("/v1/admin/keys/" + encodeURIComponent(k.id), { method: "DELETE" });
                    loadKeys();
                  } catch (err) {
                    showError(err.message);
                  }
                });
                return b;
              },
            },
          ],
          rows,
          "Keys you may see"
        )
      );
    } catch (err) {
      showError(err.message);
    }
  }

  /* Your own key works at once (201). A platform administrator's key for someone else is a
     request (202): the key is shown once, with the request a second platform administrator
     must approve before it works; the page says so rather than calling it done. */
  async function createKey(event) {
    event.preventDefault();
    const spec = { name: $("new-key-name").value.trim() };
    const user = $("new-key-user").value.trim(), project = $("new-key-project").value.trim();
    if (user) spec.user_id = user;
    if (project) spec.project_id = project;
    try {
      const resp = await api("/v1/admin/keys", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(spec),
      });
      const body = await resp.json();
      if (resp.status === 202 && body.pending_action) {
        $("new-key").textContent =
          "New key for " + (user || body.user_id) + " (shown once, store it now): " + body.key +
          ". Pending, not usable yet: request " + body.pending_action.id +
          " waits for a second platform administrator (" + body.pending_action.next_step + ").";
        document.dispatchEvent(new CustomEvent("labgate:approvals-changed"));
      } else {
        $("new-key").textContent = "New key (shown once, store it now): " + body.key;
      }
      $("new-key-name").value = "";
      $("new-key-user").value = "";
      $("new-key-project").value = "";
      loadKeys();
    } catch (err) {
      showError(err.message);
    }
  }

  async function loadAccessRequests() {
    try {
      const body = await (await api("/v1/audit/access-requests")).json();
      $("access-table").replaceChildren(
        table(
          [
            { title: "Filed", value: (r) => (r.created_at || "").slice(0, 16).replace("T", " ") },
            { title: "Project", value: (r) => r.scope && r.scope.project },
            { title: "Reason", value: (r) => r.reason },
            { title: "Status", value: (r) => r.status },
            { title: "Approved by", value: (r) => r.approver || "" },
            {
              title: "Action",
              value: (r) => {
                if (r.status !== "pending") return "";
                const b = document.createElement("button");
                b.type = "button";
                b.className = "secondary small";
                b.textContent = "Approve";
                b.setAttribute("aria-label", "Approve access request " + r.id);
                b.addEventListener("click", async () => {
                  try {
                    await api("/v1/audit/access-requests/" + encodeURIComponent(r.id) + "/approve", { method: "POST" });
                    $("access-status").textContent = "Approved.";
                    loadAccessRequests();
                  } catch (err) {
                    $("access-status").textContent = "Not approved: " + err.message;
                  }
                });
                return b;
              },
            },
          ],
          body.data || [],
          "Requests to read transcripts"
        )
      );
    } catch (err) {
      $("access-table").textContent = err.message;
    }
  }

  /* ---- RFC 9162 inclusion proof, checked here ---- */

  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, "0")).join("");
  async function sha256(parts) {
    const total = parts.reduce((n, p) => n + p.length, 0);
    const buf = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      buf.set(p, o);
      o += p.length;
    }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  }
  const nodeHash = (l, r) => sha256([Uint8Array.of(1), l, r]);

  async function rootFromInclusion(index, size, leaf, proof) {
    if (index < 0 || index >= size) throw new Error("index beyond the tree");
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) throw new Error("the proof is too long");
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error("the proof is too short");
    return r;
  }

  /* ---- the checkpoint's signature (c2sp.org/signed-note, Ed25519), checked here ---- */

  const VKEY_STORE = "labgate.auditVerifierKey";
  const utf8 = (s) => new TextEncoder().encode(s);

  /* "<name>+<hex key hash>+<base64(0x01 || public key)>": the name, the 4-byte id (checked
     against the name and key, as the Go note package does) and the raw Ed25519 key. */
  async function parseVerifierKey(text) {
    const s = String(text || "").trim();
    const i = s.indexOf("+"), j = i < 0 ? -1 : s.indexOf("+", i + 1);
    if (i <= 0 || j < 0) throw new Error("a verifier key looks like <name>+<8 hex digits>+<base64 key>");
    const name = s.slice(0, i), idHex = s.slice(i + 1, j).toLowerCase();
    let raw;
    try {
      raw = b64(s.slice(j + 1));
    } catch (err) {
      throw new Error("the verifier key's key is not base64");
    }
    if (raw.length !== 33 || raw[0] !== 1) throw new Error("the verifier key is not an Ed25519 key (type 0x01, 32 bytes)");
    const publicKey = raw.slice(1);
    const id = (await sha256([utf8(name + "\n"), Uint8Array.of(1), publicKey])).slice(0, 4);
    if (hex(id) !== idHex) throw new Error("the verifier key's id does not match its name and key");
    return { name, id, publicKey };
  }

  /* Whether `note` carries a valid signature by `vkey`. Returns {ok, reason}. */
  async function checkSignature(note, vkey) {
    const split = note.lastIndexOf("\n\n");
    if (split < 0 || !note.endsWith("\n")) return { ok: false, reason: "the checkpoint is not a signed note" };
    const text = note.slice(0, split + 1);
    const lines = note.slice(split + 2, -1).split("\n");
    let byName = false;
    for (const line of lines) {
      if (!line.startsWith("\u2014 ")) return { ok: false, reason: "a signature line is malformed" };
      const [name, sig64] = line.slice(2).split(" ");
      if (name !== vkey.name) continue;
      byName = true;
      let sig;
      try {
        sig = b64(sig64 || "");
      } catch (err) {
        return { ok: false, reason: "a signature is not base64" };
      }
      if (sig.length !== 68 || hex(sig.slice(0, 4)) !== hex(vkey.id)) continue;
      let key;
      try {
        key = await crypto.subtle.importKey("raw", vkey.publicKey, { name: "Ed25519" }, false, ["verify"]);
      } catch (err) {
        return { ok: false, unsupported: true, reason: "this browser's WebCrypto cannot check Ed25519 signatures" };
      }
      const valid = await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), utf8(text));
      return valid
        ? { ok: true, reason: "" }
        : { ok: false, reason: "the signature by key " + vkey.name + " does not match the checkpoint's text" };
    }
    return {
      ok: false,
      reason: byName ? "no signature with key id " + hex(vkey.id) : "no signature by a key named " + vkey.name,
    };
  }

  async function verifierKey() {
    const typed = $("checkpoint-key").value.trim();
    if (typed) {
      window.localStorage.setItem(VKEY_STORE, typed);
      return { text: typed, source: "the key you gave" };
    }
    const body = await (await api("/v1/audit/verifier-key")).json();
    return { text: body.key, source: "the key this gateway states (not an independent check)" };
  }

  async function useGatewayKey() {
    try {
      const body = await (await api("/v1/audit/verifier-key")).json();
      $("checkpoint-key").value = body.key;
      window.localStorage.setItem(VKEY_STORE, body.key);
    } catch (err) {
      showError(err.message);
    }
  }

  /* Shows the signature's verdict; true only for a valid signature by the key. */
  async function showSignature(note) {
    const out = $("checkpoint-verdict");
    let vkey, source;
    try {
      const k = await verifierKey();
      source = k.source;
      vkey = await parseVerifierKey(k.text);
    } catch (err) {
      out.className = "verdict bad";
      out.textContent = "Checkpoint signature not checked: " + err.message;
      return false;
    }
    const result = await checkSignature(note, vkey);
    const who = "key " + vkey.name + " (id " + hex(vkey.id) + ", " + source + ")";
    out.className = result.ok ? "verdict ok" : "verdict bad";
    out.dataset.keyId = hex(vkey.id);
    out.textContent = result.ok
      ? "Checkpoint signature valid (Ed25519, checked in this page) under " + who + "."
      : "Checkpoint signature NOT valid under " + who + ": " + result.reason + ".";
    return result.ok;
  }

  async function showRecord(event) {
    event.preventDefault();
    const index = Number($("audit-index").value);
    const verdict = $("audit-verdict");
    verdict.className = "verdict";
    verdict.textContent = "Checking…";
    $("checkpoint-verdict").className = "verdict";
    $("checkpoint-verdict").textContent = "";
    try {
      const rec = await (await api("/v1/audit/records/" + index)).json();
      $("audit-record").textContent = JSON.stringify(rec.record, null, 2);
      const note = await (await api("/v1/audit/checkpoint")).text();
      if (!(await showSignature(note))) throw new Error("the checkpoint's signature is not valid, so its root proves nothing");
      const lines = note.split("\n");
      const size = Number(lines[1]);
      const root = b64(lines[2]);
      if (index >= size) {
        verdict.textContent = "Record " + index + " is newer than the latest checkpoint (" + size + " records): check again after the next one.";
        return;
      }
      const proof = await (await api("/v1/audit/proofs/inclusion?index=" + index + "&tree_size=" + size)).json();
      if (proof.leaf_hash !== rec.leaf_hash) throw new Error("the proof is for another leaf");
      const computed = await rootFromInclusion(index, size, b64(rec.leaf_hash), proof.hashes.map(b64));
      if (hex(computed) !== hex(root)) throw new Error("the proof does not lead to the checkpoint's root");
      verdict.className = "verdict ok";
      verdict.textContent =
        "Verified in this page: record " + index + " is in the log of " + size +
        " records whose root the latest checkpoint states (" + hex(root).slice(0, 16) + "…, " +
        proof.hashes.length + " proof hashes).";
    } catch (err) {
      verdict.className = "verdict bad";
      verdict.textContent = "Not verified: " + err.message;
    }
  }

  /* Who the reader is (roles, lab): console-ops.js shows the views their roles may use. */
  async function loadWhoami() {
    try {
      const me = await (await api("/v1/admin/whoami")).json();
      document.dispatchEvent(new CustomEvent("labgate:whoami", { detail: me }));
    } catch (err) {
      document.dispatchEvent(new CustomEvent("labgate:whoami", { detail: { roles: [] } }));
    }
  }

  function loadAll() {
    $("new-key").textContent = ""; /* a key shown once is not left for the next reader */
    loadWhoami();
    loadUsage();
    loadKeys();
    if (lg.console.loadSafety) lg.console.loadSafety(); /* console-safety.js */
    loadAccessRequests();
  }

  lg.console = { api, table, showError };

  document.addEventListener("DOMContentLoaded", async () => {
    await lg.loadConfig();
    lg.setBanner(null);
    lg.setupKeyForm(loadAll);
    $("usage-refresh").addEventListener("click", loadUsage);
    $("usage-csv").addEventListener("click", exportCsv);
    $("key-create").addEventListener("submit", createKey);
    $("audit-form").addEventListener("submit", showRecord);
    $("checkpoint-key").value = window.localStorage.getItem(VKEY_STORE) || "";
    $("checkpoint-key-gateway").addEventListener("click", useGatewayKey);
    $("checkpoint-key-form").addEventListener("submit", (event) => event.preventDefault());
  });
})();
