/* The console's safety review queue: GET /v1/safety/flags in the order the reader picks
   (recent: by last activity, a grouped flag's latest request; seen: most requests first), and
   Confirm / Dismiss on the open rows the gateway says the reader may decide (each row's
   can_review: a platform administrator any lab's, a lab administrator their own lab's, never
   a row on their own requests; auditors read only), through
   POST /v1/safety/flags/{id}/review with the note the reader typed. The gateway decides; a
   refusal (403, 404, 409 when someone decided first) is shown as its message, and the queue
   is read again. Helpers (api, table) come from console.js as window.labgate.console. */
"use strict";

(function () {
  const lg = window.labgate;
  const kit = lg.console;
  const $ = (id) => document.getElementById(id);
  const when = (t) => (t ? String(t).slice(0, 16).replace("T", " ") : "");

  function say(text, bad) {
    const el = $("safety-status");
    el.textContent = text;
    el.className = bad ? "status-line bad" : "status-line";
  }

  async function decide(flag, status) {
    const note = $("safety-note").value.trim();
    try {
      await kit.api("/v1/safety/flags/" + encodeURIComponent(flag.id) + "/review", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(note ? { status: status, note: note } : { status: status }),
      });
      $("safety-note").value = "";
      say("Flag " + flag.id + " " + status + ".", false);
    } catch (err) {
      say("Not decided: " + err.message, true);
    }
    load();
  }

  function button(flag, text, status) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary small";
    b.textContent = text;
    b.setAttribute("aria-label", text + " flag " + flag.id);
    b.addEventListener("click", () => decide(flag, status));
    return b;
  }

  function actions(flag) {
    if (!flag.can_review) return "";
    const span = document.createElement("span");
    span.append(button(flag, "Confirm", "confirmed"), " ", button(flag, "Dismiss", "dismissed"));
    return span;
  }

  async function load() {
    const order = $("safety-order").value === "seen" ? "seen" : "recent";
    try {
      const body = await (await kit.api("/v1/safety/flags?limit=100&order=" + order)).json();
      const rows = body.data || [];
      const columns = [
        { title: "When", value: (f) => when(f.created_at) },
        { title: "Action", value: (f) => f.action },
        { title: "Category", value: (f) => f.category },
        { title: "Model", value: (f) => f.model },
        { title: "Request (latest)", value: (f) => f.last_request_id || f.request_id },
        { title: "Status", value: (f) => f.status },
        {
          title: "Seen",
          value: (f) =>
            f.grouped
              ? f.seen_count + " times, " + f.users + " users, last " + when(f.last_seen_at)
              : "",
        },
      ];
      if (rows.some((f) => f.can_review)) columns.push({ title: "Decide", value: actions });
      const caption = "Flags, refusals and 'wrongly refused' reports (" +
        (order === "seen" ? "most seen first" : "latest activity first") + ")";
      $("safety-table").replaceChildren(kit.table(columns, rows, caption));
    } catch (err) {
      $("safety-table").textContent = err.message;
    }
  }

  kit.loadSafety = load;

  document.addEventListener("DOMContentLoaded", () => {
    $("safety-order").addEventListener("change", load);
    $("safety-form").addEventListener("submit", (event) => event.preventDefault());
  });
})();
