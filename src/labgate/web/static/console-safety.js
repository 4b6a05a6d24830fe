/* The console's safety review queue: GET /v1/safety/flags in the order the reader picks
   (recent: by last activity, a grouped flag's latest request; seen: most requests first) and
   the rows they pick (open, or decided ones with their decisions), Confirm / Dismiss on the
   open rows the gateway says the reader may decide (each row's can_review: a platform
   administrator any lab's, a lab administrator their own lab's, never a row on their own
   requests; auditors read only), and Correct on the decided rows it says they may correct
   (can_correct: the same, and not their own decision), all through
   POST /v1/safety/flags/{id}/review: a decision with the note the reader typed, a correction
   with its reason and the id of the decision it supersedes. The gateway decides; a refusal
   (403, 404, 409 when someone decided or corrected first) is shown as its message, and the
   queue is read again. After every answer the note and the reason are emptied, so nothing
   typed for one row rides along on the next. Helpers (api, table) come from console.js as
   window.labgate.console. */
"use strict";

(function () {
  const lg = window.labgate;
  const kit = lg.console;
  const $ = (id) => document.getElementById(id);
  const when = (t) => (t ? String(t).slice(0, 16).replace("T", " ") : "");
  let correcting = null; // the row whose correction form is open

  function say(text, bad) {
    const el = $("safety-status");
    el.textContent = text;
    el.className = bad ? "status-line bad" : "status-line";
  }

  async function review(flag, body) {
    return kit.api("/v1/safety/flags/" + encodeURIComponent(flag.id) + "/review", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  async function decide(flag, status) {
    const note = $("safety-note").value.trim();
    try {
      await review(flag, note ? { status: status, note: note } : { status: status });
      say("Flag " + flag.id + " " + status + ".", false);
    } catch (err) {
      say("Not decided: " + err.message, true);
    } finally {
      $("safety-note").value = ""; // typed for this row only, whatever the answer
    }
    load();
  }

  function closeCorrection() {
    correcting = null;
    $("safety-correct-reason").value = "";
    $("safety-correct-what").textContent = "";
    $("safety-correct").hidden = true;
  }

  function openCorrection(flag) {
    correcting = flag;
    const latest = (flag.decisions || [])[flag.decisions.length - 1] || {};
    $("safety-correct-what").textContent =
      "Correct flag " + flag.id + ": now " + flag.status +
      (latest.reviewed_by ? " by " + latest.reviewed_by : "") +
      " (decision " + flag.decision_id + "). Both decisions stay on record.";
    $("safety-correct-status").value = flag.status === "confirmed" ? "dismissed" : "confirmed";
    $("safety-correct-reason").value = "";
    $("safety-correct").hidden = false;
    $("safety-correct-reason").focus();
  }

  async function correct() {
    const flag = correcting;
    if (!flag) return;
    const reason = $("safety-correct-reason").value.trim();
    if (!reason) {
      say("A correction needs a reason.", true);
      $("safety-correct-reason").focus();
      return;
    }
    const status = $("safety-correct-status").value === "dismissed" ? "dismissed" : "confirmed";
    try {
      await review(flag, { status: status, note: reason, supersedes: flag.decision_id });
      say("Flag " + flag.id + " corrected: " + status + ".", false);
    } catch (err) {
      say("Not corrected: " + err.message, true);
    } finally {
      closeCorrection();
      $("safety-note").value = "";
    }
    load();
  }

  function button(flag, text, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary small";
    b.textContent = text;
    b.setAttribute("aria-label", text + " flag " + flag.id);
    b.addEventListener("click", onClick);
    return b;
  }

  function actions(flag) {
    const span = document.createElement("span");
    if (flag.can_review) {
      span.append(
        button(flag, "Confirm", () => decide(flag, "confirmed")),
        " ",
        button(flag, "Dismiss", () => decide(flag, "dismissed")),
      );
    } else if (flag.can_correct) {
      span.append(button(flag, "Correct", () => openCorrection(flag)));
    } else {
      return "";
    }
    return span;
  }

  function history(flag) {
    return (flag.decisions || [])
      .map((d) =>
        "#" + d.id + " " + d.status +
        (d.reviewed_by ? " by " + d.reviewed_by : "") + " " + when(d.reviewed_at) +
        (d.supersedes ? " (supersedes #" + d.supersedes + ")" : ""))
      .join("; ");
  }

  async function load() {
    const order = $("safety-order").value === "seen" ? "seen" : "recent";
    const shown = ["open", "all", "confirmed", "dismissed"].includes($("safety-show").value)
      ? $("safety-show").value
      : "open";
    try {
      const q = "/v1/safety/flags?limit=100&order=" + order + "&status=" + shown;
      const body = await (await kit.api(q)).json();
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
      if (rows.some((f) => (f.decisions || []).length)) {
        columns.push({ title: "Decisions", value: history });
      }
      if (rows.some((f) => f.can_review || f.can_correct)) {
        columns.push({ title: "Decide", value: actions });
      }
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
    $("safety-show").addEventListener("change", () => {
      closeCorrection();
      load();
    });
    $("safety-form").addEventListener("submit", (event) => event.preventDefault());
    $("safety-correct").addEventListener("submit", (event) => {
      event.preventDefault();
      correct();
    });
    $("safety-correct-cancel").addEventListener("click", closeCorrection);
  });
})();
