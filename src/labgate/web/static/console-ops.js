/* The console's views for those who run the service, each shown only to the roles whose API
   routes answer them (the gateway decides what is in each list; the page only leaves out the
   views a reader's roles cannot use):

   - Workers and Slurm jobs (platform and lab administrators): /v1/admin/workers,
     /v1/admin/hpc/jobs, and /v1/admin/scheduler for the queue, where it runs.
   - Projects, allocations and members (platform and lab administrators, project leads):
     /v1/admin/projects…, and the requests waiting for a second person, /v1/admin/approvals.
     A change the API accepts only as a request (202) is shown as that request, pending.
   - The model registry (platform administrators, approvers, auditors): /v1/admin/models.

   Helpers (api, table, showError) come from console.js as window.labgate.console. */
"use strict";

(function () {
  const lg = window.labgate;
  const kit = lg.console;
  const $ = (id) => document.getElementById(id);
  const OPS = ["platform_admin", "lab_admin"];
  const PROJECTS = ["platform_admin", "lab_admin", "project_lead"];
  const REGISTRY = ["platform_admin", "approver", "auditor"];
  let me = { roles: [] };
  let selected = null; /* the project whose members and allocation are shown */
  let people = {}; /* user id -> "lab/username", for the users the reader may see */
  const person = (id) => (id ? people[id] || id : "");

  const has = (roles) => (me.roles || []).some((r) => roles.includes(r));
  const when = (t) => (t ? String(t).slice(0, 16).replace("T", " ") : "");
  const epoch = (s) => (s ? new Date(s * 1000).toISOString().slice(0, 16).replace("T", " ") : "");
  const secs = (s) => (s === null || s === undefined ? "" : s < 120 ? Math.round(s) + " s" : Math.round(s / 60) + " min");

  function button(text, label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary small";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function setStatus(id, text, bad) {
    const el = $(id);
    el.textContent = text;
    el.className = bad ? "status-line bad" : "status-line";
  }

  /* ------------------------------------------------------------ workers and Slurm jobs */

  async function loadOps() {
    const status = $("ops-status");
    status.textContent = "Loading…";
    let workers = {}, jobs = { models: [], data: [] }, pools = {};
    const problems = [];
    try {
      workers = await (await kit.api("/v1/admin/workers")).json();
    } catch (err) {
      problems.push(err.message);
    }
    try {
      jobs = await (await kit.api("/v1/admin/hpc/jobs")).json();
    } catch (err) {
      problems.push(err.message);
    }
    try {
      pools = (await (await kit.api("/v1/admin/scheduler")).json()).pools || {};
    } catch (err) {
      /* no fair-share scheduler on this gateway: no queue figures */
    }
    const byJob = {};
    for (const m of jobs.models || []) byJob[m.model] = m;
    const models = Array.from(new Set([...Object.keys(workers), ...Object.keys(byJob)])).sort();
    const summary = models.map((model) => {
      const ws = workers[model] || [];
      const j = byJob[model] || { phases: {}, cold_starts: 0, cold_start_s_max: null, failures: 0 };
      const pool = pools[model] || {};
      const count = (v) => (v && typeof v === "object" ? Object.values(v).reduce((n, x) => n + count(x), 0) : Number(v) || 0);
      return {
        model,
        workers: ws.filter((w) => w.state === "healthy").length + " / " + ws.length,
        in_flight: ws.reduce((n, w) => n + (w.outstanding || 0), 0),
        waiting: pool.queued !== undefined ? count(pool.queued) : (j.waiting || 0),
        running: pool.running !== undefined ? count(pool.running) : (j.running || 0),
        jobs: Object.entries(j.phases || {}).map(([p, n]) => n + " " + p).join(", "),
        cold: j.cold_starts ? j.cold_starts + " (longest " + secs(j.cold_start_s_max) + ")" : "0",
        failures: ws.reduce((n, w) => n + (w.failures || 0), 0) + " requests, " + (j.failures || 0) + " jobs",
      };
    });
    $("ops-models").replaceChildren(
      kit.table(
        [
          { title: "Model", value: (r) => r.model },
          { title: "Healthy workers", value: (r) => r.workers },
          { title: "In flight", value: (r) => r.in_flight, number: true },
          { title: "Waiting", value: (r) => r.waiting, number: true },
          { title: "Running", value: (r) => r.running, number: true },
          { title: "Slurm jobs", value: (r) => r.jobs },
          { title: "Cold starts", value: (r) => r.cold },
          { title: "Failures", value: (r) => r.failures },
        ],
        summary,
        "Load, queue, cold starts and failures by model"
      )
    );
    const rows = [];
    for (const model of Object.keys(workers).sort()) {
      for (const w of workers[model]) rows.push(Object.assign({ model }, w));
    }
    $("ops-workers").replaceChildren(
      kit.table(
        [
          { title: "Model", value: (w) => w.model },
          { title: "Worker", value: (w) => w.id },
          { title: "State", value: (w) => w.state },
          { title: "Breaker", value: (w) => w.breaker },
          { title: "Source", value: (w) => w.source },
          { title: "Slurm job", value: (w) => w.job_id || "" },
          { title: "In flight", value: (w) => w.outstanding, number: true },
          { title: "Requests", value: (w) => w.requests, number: true },
          { title: "Failures", value: (w) => w.failures, number: true },
          { title: "Last error", value: (w) => w.last_error || "" },
        ],
        rows,
        "Workers"
      )
    );
    $("ops-jobs").replaceChildren(
      kit.table(
        [
          { title: "Model", value: (j) => j.model },
          { title: "Deployment", value: (j) => j.deployment },
          { title: "Slurm job", value: (j) => j.slurm_job_id || "" },
          { title: "Phase", value: (j) => j.phase },
          { title: "Slurm state", value: (j) => j.slurm_state || "" },
          { title: "Nodes", value: (j) => j.nodes || "" },
          { title: "Submitted", value: (j) => epoch(j.submitted_at) },
          { title: "Queued", value: (j) => secs(j.queued_s) },
          { title: "Cold start", value: (j) => secs(j.cold_start_s) },
          { title: "Ended", value: (j) => [j.end_state, j.retire_reason].filter(Boolean).join(", ") },
          { title: "Failed", value: (j) => (j.failed ? "yes" : "") },
        ],
        jobs.data || [],
        "Slurm jobs"
      )
    );
    status.textContent = problems.length ? problems.join("; ") : "";
  }

  /* ------------------------------------------------------------ projects and members */

  function pendingText(view) {
    return "Pending, not done yet: " + (view.kind || "request") + " " + view.id + " waits for a second person (" + (view.next_step || "an approval") + ").";
  }

  async function loadPeople() {
    try {
      const body = await (await kit.api("/v1/admin/users")).json();
      people = {};
      for (const u of body.data || []) people[u.id] = u.lab_id + "/" + u.username;
    } catch (err) {
      people = {}; /* ids are shown as they are */
    }
  }

  async function loadProjects() {
    await loadPeople();
    try {
      const body = await (await kit.api("/v1/admin/projects")).json();
      $("projects-table").replaceChildren(
        kit.table(
          [
            { title: "Project", value: (p) => p.id },
            { title: "Lab", value: (p) => p.lab_id },
            { title: "Name", value: (p) => p.name },
            { title: "Lead", value: (p) => person(p.lead_user_id) },
            {
              title: "Allocation",
              value: (p) => (p.budget_tokens === null || p.budget_tokens === undefined ? "no budget" : p.budget_tokens + " per " + p.budget_period),
            },
            { title: "Share", value: (p) => p.share, number: true },
            {
              title: "Action",
              value: (p) => button("Manage", "Manage project " + p.id, () => selectProject(p)),
            },
          ],
          body.data || [],
          "Projects you may see"
        )
      );
      if (selected) {
        const again = (body.data || []).find((p) => p.id === selected.id);
        if (again) selectProject(again);
      }
    } catch (err) {
      $("projects-table").textContent = err.message;
    }
    loadApprovals();
  }

  async function selectProject(p) {
    selected = p;
    $("project-detail").hidden = false;
    $("project-detail-heading").textContent = "Project " + p.id + " (" + p.lab_id + ")";
    $("allocation-tokens").value = p.budget_tokens === null || p.budget_tokens === undefined ? "" : String(p.budget_tokens);
    const show = (v) => (v === null || v === undefined ? "" : String(v));
    $("limit-rpm").value = show(p.rpm_limit);
    $("limit-tpm").value = show(p.tpm_limit);
    $("limit-user-rpm").value = show(p.user_rpm_limit);
    $("limit-user-tpm").value = show(p.user_tpm_limit);
    if (p.budget_period && $("allocation-period").querySelector('option[value="' + CSS.escape(p.budget_period) + '"]')) {
      $("allocation-period").value = p.budget_period;
    }
    try {
      const body = await (await kit.api("/v1/admin/projects/" + encodeURIComponent(p.id) + "/members")).json();
      $("members-table").replaceChildren(
        kit.table(
          [
            { title: "User", value: (m) => m.username },
            { title: "Lab", value: (m) => m.lab_id },
            { title: "Id", value: (m) => m.user_id },
            { title: "Role", value: (m) => m.role },
            {
              title: "Action",
              value: (m) =>
                button("Remove", "Remove " + m.username + " from " + p.id, async () => {
                  try {
                    await kit.api("/v1/admin/projects/" + encodeURIComponent(p.id) + "/members/" + encodeURIComponent(m.user_id), { method: "DELETE" });
                    setStatus("projects-status", "Removed " + m.username + " from " + p.id + ".");
                    selectProject(p);
                  } catch (err) {
                    setStatus("projects-status", "Not removed: " + err.message, true);
                  }
                }),
            },
          ],
          body.data || [],
          "Members of " + p.id
        )
      );
    } catch (err) {
      $("members-table").textContent = err.message;
    }
  }

  async function createProject(event) {
    event.preventDefault();
    const id = $("project-id").value.trim();
    const body = { id, lab_id: $("project-lab").value.trim() || me.lab };
    const lead = $("project-lead").value.trim();
    if (lead) body.lead_user_id = lead;
    try {
      await kit.api("/v1/admin/projects", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      setStatus("projects-status", "Created project " + id + ".");
      $("project-id").value = "";
      loadProjects();
    } catch (err) {
      setStatus("projects-status", "Not created: " + err.message, true);
    }
  }

  async function setAllocation(event) {
    event.preventDefault();
    if (!selected) return;
    const raw = $("allocation-tokens").value.trim();
    const body = { budget_tokens: raw === "" ? null : Number(raw), budget_period: $("allocation-period").value };
    try {
      const view = await (
        await kit.api("/v1/admin/projects/" + encodeURIComponent(selected.id) + "/allocation", {
          method: "PUT",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        })
      ).json();
      setStatus(
        "projects-status",
        "Allocation of " + selected.id + ": " + (view.budget_tokens === null ? "no budget" : view.budget_tokens + " per " + view.budget_period) + "."
      );
      loadProjects();
    } catch (err) {
      setStatus("projects-status", "Allocation not changed: " + err.message, true);
    }
  }

  async function setLimits(event) {
    event.preventDefault();
    if (!selected) return;
    const num = (id) => ($(id).value.trim() === "" ? null : Number($(id).value));
    const body = {
      rpm_limit: num("limit-rpm"),
      tpm_limit: num("limit-tpm"),
      user_rpm_limit: num("limit-user-rpm"),
      user_tpm_limit: num("limit-user-tpm"),
    };
    try {
      await kit.api("/v1/admin/projects/" + encodeURIComponent(selected.id) + "/limits", {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      setStatus("projects-status", "Limits of " + selected.id + " set.");
      loadProjects();
    } catch (err) {
      setStatus("projects-status", "Limits not changed: " + err.message, true);
    }
  }

  async function addMember(event) {
    event.preventDefault();
    if (!selected) return;
    const user = $("member-user").value.trim();
    try {
      const resp = await kit.api("/v1/admin/projects/" + encodeURIComponent(selected.id) + "/members", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user_id: user, role: $("member-role").value }),
      });
      const view = await resp.json();
      if (resp.status === 202) setStatus("projects-status", pendingText(view));
      else setStatus("projects-status", "Added " + (view.username || user) + " to " + selected.id + ".");
      $("member-user").value = "";
      selectProject(selected);
      loadApprovals();
    } catch (err) {
      setStatus("projects-status", "Not added: " + err.message, true);
    }
  }

  async function loadApprovals() {
    try {
      const body = await (await kit.api("/v1/admin/approvals?status=pending")).json();
      $("approvals-table").replaceChildren(
        kit.table(
          [
            { title: "Filed", value: (a) => when(a.created_at) },
            { title: "Request", value: (a) => a.kind },
            { title: "Project", value: (a) => a.project_id || "" },
            { title: "About user", value: (a) => person(a.target_user_id) },
            { title: "Requested by", value: (a) => person(a.requested_by) },
            { title: "Status", value: (a) => a.status },
            {
              title: "Action",
              value: (a) => {
                const span = document.createElement("span");
                for (const [verb, path] of [["Approve", "approve"], ["Reject", "reject"]]) {
                  span.appendChild(
                    button(verb, verb + " request " + a.id, async () => {
                      try {
                        await kit.api("/v1/admin/approvals/" + encodeURIComponent(a.id) + "/" + path, { method: "POST" });
                        setStatus("projects-status", verb + "d request " + a.id + ".");
                        loadProjects();
                      } catch (err) {
                        setStatus("projects-status", "Not " + verb.toLowerCase() + "d: " + err.message, true);
                      }
                    })
                  );
                }
                return span;
              },
            },
          ],
          body.data || [],
          "Requests waiting for a second person"
        )
      );
    } catch (err) {
      $("approvals-table").textContent = err.message;
    }
  }

  /* ------------------------------------------------------------ the model registry */

  async function loadRegistry() {
    if (!has(PROJECTS)) await loadPeople();
    try {
      const body = await (await kit.api("/v1/admin/models")).json();
      $("registry-table").replaceChildren(
        kit.table(
          [
            { title: "Model", value: (v) => v.name },
            { title: "Version", value: (v) => v.version },
            { title: "Status", value: (v) => v.status },
            { title: "Label", value: (v) => v.label || "" },
            { title: "Engine", value: (v) => v.engine },
            { title: "Weights", value: (v) => (v.weights_digest || "").slice(0, 12) },
            { title: "Approved for", value: (v) => (v.approved_for || []).map((a) => a.deployment + (a.label ? " at " + a.label : "")).join(", ") },
            { title: "Action", value: (v) => button("Details", "Details of " + v.name + " " + v.version, () => showVersion(v)) },
          ],
          body.data || [],
          "Model versions you may see"
        )
      );
    } catch (err) {
      $("registry-table").textContent = err.message;
    }
  }

  async function showVersion(v) {
    $("version-detail").hidden = false;
    $("version-heading").textContent = v.name + " " + v.version + " (" + v.status + ")";
    try {
      const d = await (await kit.api("/v1/admin/models/" + encodeURIComponent(v.id))).json();
      const t = d.thresholds || { checks: [] };
      $("version-thresholds").replaceChildren(
        kit.table(
          [
            { title: "Metric", value: (c) => c.metric },
            { title: "Threshold", value: (c) => c.bound },
            { title: "Measured", value: (c) => (c.value === null ? "not measured" : c.value) },
            { title: "Met", value: (c) => (c.met ? "yes" : "no") },
          ],
          t.checks || [],
          "Thresholds for " + (t.deployment || "this deployment") + (t.evaluation_id ? " (evaluation " + t.evaluation_id + ")" : "") + ": " + (t.all_met ? "all met" : "not all met")
        )
      );
      $("version-evaluations").replaceChildren(
        kit.table(
          [
            { title: "Evaluation", value: (e) => e.id },
            { title: "Status", value: (e) => e.status },
            { title: "Suites", value: (e) => Object.keys(e.suites || {}).join(", ") },
            { title: "Items", value: (e) => e.items_done, number: true },
            { title: "Metrics", value: (e) => JSON.stringify(e.metrics || {}) },
            { title: "Run by", value: (e) => person(e.run_by) },
            { title: "Finished", value: (e) => when(e.finished_at) },
          ],
          d.evaluations || [],
          "Evaluation results"
        )
      );
      $("version-signoffs").replaceChildren(
        kit.table(
          [
            { title: "Signer", value: (s) => person(s.signer) },
            { title: "Deployment", value: (s) => s.deployment },
            { title: "Label", value: (s) => s.label || "" },
            { title: "Kind", value: (s) => s.kind },
            { title: "Reason", value: (s) => s.reason },
            { title: "When", value: (s) => when(s.at) },
          ],
          d.signoffs || [],
          "Sign-offs (two approvers, neither the submitter)"
        )
      );
      $("version-approvals").replaceChildren(
        kit.table(
          [
            { title: "Deployment", value: (a) => a.deployment },
            { title: "Label", value: (a) => a.label || "" },
            { title: "Approved by", value: (a) => (a.approved_by || []).map(person).join(", ") },
            { title: "Kind", value: (a) => a.kind },
            { title: "When", value: (a) => when(a.at) },
            { title: "Revoked", value: (a) => when(a.revoked_at) },
          ],
          d.approvals || [],
          "Approvals"
        )
      );
      const card = $("version-card");
      card.hidden = true;
      if ((d.approvals || []).some((a) => !a.revoked_at)) {
        try {
          const md = await (await kit.api("/v1/model-cards/" + encodeURIComponent(v.name) + "?format=md")).text();
          card.textContent = md;
          card.hidden = false;
        } catch (err) {
          /* the card is of the version served here; another version has none to show */
        }
      }
      $("version-heading").focus();
    } catch (err) {
      $("version-thresholds").textContent = err.message;
    }
  }

  /* ------------------------------------------------------------ who sees what */

  document.addEventListener("labgate:whoami", (event) => {
    me = event.detail || { roles: [] };
    people = {};
    setStatus("projects-status", "");
    $("ops").hidden = !has(OPS);
    $("projects").hidden = !has(PROJECTS);
    const admin = has(["platform_admin", "lab_admin"]);
    $("project-create").hidden = !admin;
    $("allocation-form").hidden = !admin; /* a project lead manages members, not budgets */
    $("limits-form").hidden = !admin;
    $("new-key-for").hidden = !has(["platform_admin"]);
    $("registry").hidden = !has(REGISTRY);
    if (!has(PROJECTS)) {
      selected = null;
      $("project-detail").hidden = true;
    }
    for (const id of ["ops-models", "ops-workers", "ops-jobs", "projects-table", "members-table", "approvals-table", "registry-table"]) {
      $(id).replaceChildren();
    }
    $("version-detail").hidden = true;
    $("project-lab").value = me.lab || ""; /* the reader's own lab, not the last reader's */
    if (has(OPS)) loadOps();
    if (has(PROJECTS)) loadProjects();
    if (has(REGISTRY)) loadRegistry();
  });

  document.addEventListener("labgate:approvals-changed", () => {
    if (has(PROJECTS)) loadApprovals();
  });

  document.addEventListener("DOMContentLoaded", () => {
    $("ops-refresh").addEventListener("click", loadOps);
    $("project-create").addEventListener("submit", createProject);
    $("allocation-form").addEventListener("submit", setAllocation);
    $("member-add").addEventListener("submit", addMember);
    $("limits-form").addEventListener("submit", setLimits);
  });
})();
