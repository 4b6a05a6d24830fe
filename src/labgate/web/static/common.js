/* Shared by every labgate page: the API key (session storage), the deployment's label config,
   markings and their high-water mark, and the top and bottom classification banners. */
"use strict";

(function () {
  const KEY_STORE = "labgate.apiKey";
  const LABEL_HEADER = "X-Labgate-Label";
  let config = null;

  function getKey() {
    return window.sessionStorage.getItem(KEY_STORE) || "";
  }
  function setKey(key) {
    window.sessionStorage.setItem(KEY_STORE, key);
  }
  function forgetKey() {
    window.sessionStorage.removeItem(KEY_STORE);
  }

  /* The deployment's default label, level order and banner colours (GET /web/config). */
  async function loadConfig() {
    if (config) return config;
    try {
      const resp = await fetch("/web/config", { headers: { Accept: "application/json" } });
      if (resp.ok) config = await resp.json();
    } catch (err) {
      config = null;
    }
    if (!config) {
      const text = document.body.dataset.defaultLabel || "UNCLASSIFIED";
      config = { label: text, levels: [] };
    }
    return config;
  }

  /* "secret // nuc/sigma" -> {level: "SECRET", compartments: ["NUC", "SIGMA"]} */
  function parseMarking(text) {
    const parts = String(text || "").split("//");
    const level = parts[0].trim().replace(/\s+/g, " ").toUpperCase();
    const compartments = parts.length > 1
      ? parts.slice(1).join(",").split(/[,/]/).map((c) => c.trim().toUpperCase()).filter(Boolean)
      : [];
    return { level, compartments: Array.from(new Set(compartments)).sort() };
  }

  function formatMarking(label) {
    return label.compartments.length
      ? label.level + "//" + label.compartments.join(",")
      : label.level;
  }

  function rank(level) {
    const levels = (config && config.levels) || [];
    const i = levels.findIndex((l) => l.level === level);
    /* A level the page does not know is treated as the highest: never under-marked. */
    return i < 0 ? levels.length : i;
  }

  /* The high-water mark of two markings: the higher level, the union of compartments. */
  function highWater(a, b) {
    if (!a) return b;
    if (!b) return a;
    const la = parseMarking(a);
    const lb = parseMarking(b);
    const level = rank(la.level) >= rank(lb.level) ? la.level : lb.level;
    const compartments = Array.from(new Set([...la.compartments, ...lb.compartments])).sort();
    return formatMarking({ level, compartments });
  }

  /* Show a marking on the top and bottom banners (colours come from /web/banners.css). */
  function setBanner(marking) {
    const text = marking || (config && config.label) || "UNCLASSIFIED";
    const level = parseMarking(text).level;
    for (const id of ["banner-top", "banner-bottom"]) {
      const el = document.getElementById(id);
      if (!el) continue;
      el.textContent = text;
      el.dataset.level = level;
      if (id === "banner-top") el.setAttribute("aria-label", "Classification marking: " + text);
    }
  }

  /* A key in this tab wins; else a signed-in session (the cookie goes by itself, HttpOnly)
     with its CSRF token on every request. */
  let session = { signed_in: false };
  function authHeaders(extra) {
    const base = getKey()
      ? { Authorization: "Bearer " + getKey() }
      : session.signed_in
        ? { "X-CSRF-Token": session.csrf_token }
        : {};
    return Object.assign(base, extra || {});
  }
  function hasCredentials() {
    return Boolean(getKey() || session.signed_in);
  }

  /* Sign-in with the lab's identity provider: who is signed in, and a link per issuer. */
  async function loadSession() {
    try {
      const resp = await fetch("/web/session");
      if (resp.ok) session = await resp.json();
    } catch (err) {
      session = { signed_in: false };
    }
    const box = document.getElementById("signin");
    if (!box) return session;
    box.textContent = "";
    if (session.signed_in) {
      const who = document.createElement("span");
      who.id = "signed-in-as";
      who.textContent = "Signed in as " + session.name + (session.lab ? " (" + session.lab + ")" : "");
      const out = document.createElement("button");
      out.type = "button";
      out.className = "secondary";
      out.textContent = "Sign out";
      out.addEventListener("click", async () => {
        await fetch("/web/signout", { method: "POST", headers: { "X-CSRF-Token": session.csrf_token } });
        window.location.reload();
      });
      box.append(who, out);
      return session;
    }
    try {
      const resp = await fetch("/web/signin");
      const body = resp.ok ? await resp.json() : { data: [] };
      for (const idp of body.data || []) {
        const a = document.createElement("a");
        a.className = "button-link";
        a.href = idp.url;
        a.textContent = "Sign in with " + idp.lab;
        box.appendChild(a);
      }
    } catch (err) {
      /* no identity provider: API keys only */
    }
    return session;
  }

  /* A clear sentence from a failed response ({"error": {"message"}} when labgate sent it). */
  async function errorMessage(resp) {
    try {
      const body = await resp.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (err) {
      /* not JSON */
    }
    return "the gateway answered " + resp.status + " " + resp.statusText;
  }

  /* Wire the key form every page carries; onKey runs with a key present. */
  function setupKeyForm(onKey) {
    const form = document.getElementById("key-form");
    const input = document.getElementById("api-key");
    const status = document.getElementById("key-status");
    const forget = document.getElementById("key-forget");
    function show() {
      status.textContent = getKey()
        ? "A key is set for this tab."
        : "No key yet: paste your labgate API key and choose “Use key”.";
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) {
        status.textContent = "Paste a key first.";
        input.focus();
        return;
      }
      setKey(key);
      input.value = "";
      show();
      onKey();
    });
    forget.addEventListener("click", () => {
      forgetKey();
      show();
    });
    show();
    loadSession().then(() => {
      if (getKey() || session.signed_in) onKey();
    });
  }

  window.labgate = {
    LABEL_HEADER,
    getKey,
    loadConfig,
    parseMarking,
    formatMarking,
    highWater,
    setBanner,
    authHeaders,
    hasCredentials,
    loadSession,
    errorMessage,
    setupKeyForm,
  };
})();
