/* Render a model's answer: Markdown (marked) with code highlighting (highlight.js) and LaTeX
   maths (KaTeX), every answer sanitised (DOMPurify) before it touches the page.

   Order, so that nothing the model wrote is ever trusted:
   1. marked turns the Markdown into HTML; maths ($…$, $$…$$, \(…\), \[…\]) becomes an empty
      placeholder <span data-math="N"> holding nothing of the source (code spans and blocks
      keep their dollar signs: marked tokenises code first);
   2. DOMPurify sanitises that HTML (no scripts, no event handlers, no style attributes, no
      forms, links only http(s)/mailto and opened with rel=noopener);
   3. into the sanitised DOM: KaTeX renders each placeholder's maths from the source kept
      aside (trust off, errors shown as text), and highlight.js colours each code block.
   Raw HTML in an answer is shown as text, not rendered. */
"use strict";

(function () {
  const PURIFY = {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "img", "iframe"],
    FORBID_ATTR: ["style", "class", "id", "srcset"],
    ADD_ATTR: ["data-math", "data-display", "data-lang"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
  };

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  function makeParser(maths) {
    const placeholder = (text, display) => {
      maths.push(text);
      return (
        '<span data-math="' + (maths.length - 1) + '" data-display="' + (display ? "1" : "0") +
        '"></span>'
      );
    };
    const blockMath = {
      name: "blockMath",
      level: "block",
      start(src) {
        const m = src.match(/\$\$|\\\[/);
        return m ? m.index : undefined;
      },
      tokenizer(src) {
        const m = /^\$\$([\s\S]+?)\$\$[^\S\n]*(?:\n|$)/.exec(src) ||
          /^\\\[([\s\S]+?)\\\][^\S\n]*(?:\n|$)/.exec(src);
        if (m) return { type: "blockMath", raw: m[0], text: m[1].trim() };
        return undefined;
      },
      renderer(token) {
        return "<p>" + placeholder(token.text, true) + "</p>\n";
      },
    };
    const inlineMath = {
      name: "inlineMath",
      level: "inline",
      start(src) {
        const m = src.match(/\$|\\\(|\\\[/);
        return m ? m.index : undefined;
      },
      tokenizer(src) {
        let m = /^\$\$([\s\S]+?)\$\$/.exec(src) || /^\\\[([\s\S]+?)\\\]/.exec(src);
        if (m) return { type: "inlineMath", raw: m[0], text: m[1].trim(), display: true };
        m = /^\\\(([\s\S]+?)\\\)/.exec(src) || /^\$(?![\s$])((?:\\\$|[^$\n])+?)(?<!\s)\$(?!\d)/.exec(src);
        if (m) return { type: "inlineMath", raw: m[0], text: m[1], display: false };
        return undefined;
      },
      renderer(token) {
        return placeholder(token.text, token.display);
      },
    };
    const parser = new window.marked.Marked({ gfm: true, breaks: false });
    parser.use({
      extensions: [blockMath, inlineMath],
      renderer: {
        /* raw HTML in an answer is text, never markup */
        html(token) {
          const text = typeof token === "object" ? token.text : token;
          return escapeHtml(text);
        },
        code(code, infostring) {
          const text = typeof code === "object" ? code.text : code;
          const lang = String((typeof code === "object" ? code.lang : infostring) || "")
            .split(/\s/)[0]
            .replace(/[^\w+-]/g, "");
          return "<pre><code data-lang=\"" + escapeHtml(lang) + "\">" + escapeHtml(text) +
            "</code></pre>\n";
        },
      },
    });
    return parser;
  }

  function renderMaths(root, maths) {
    for (const el of root.querySelectorAll("span[data-math]")) {
      const source = maths[Number(el.dataset.math)];
      if (source === undefined) continue;
      const display = el.dataset.display === "1";
      el.className = display ? "math math-display" : "math math-inline";
      try {
        window.katex.render(source, el, {
          displayMode: display,
          throwOnError: false,
          trust: false,
          strict: "ignore",
          maxSize: 20,
          maxExpand: 500,
          output: "htmlAndMathml",
        });
      } catch (err) {
        el.textContent = source;
      }
    }
  }

  function highlightCode(root) {
    for (const code of root.querySelectorAll("pre > code")) {
      const lang = code.dataset.lang;
      const hl = window.hljs;
      if (!hl) continue;
      try {
        let result;
        if (lang && hl.getLanguage(lang)) result = hl.highlight(code.textContent, { language: lang, ignoreIllegals: true });
        else result = hl.highlightAuto(code.textContent);
        /* highlight.js escapes the code it marks up; only its own <span class="hljs-…"> */
        code.innerHTML = window.DOMPurify.sanitize(result.value, { ALLOWED_TAGS: ["span"], ALLOWED_ATTR: ["class"] });
        code.classList.add("hljs");
        if (result.language) code.dataset.lang = result.language;
      } catch (err) {
        /* left as plain text */
      }
    }
  }

  function linksOpenSafely(root) {
    for (const a of root.querySelectorAll("a[href]")) {
      a.setAttribute("rel", "noopener noreferrer");
      a.setAttribute("target", "_blank");
    }
  }

  /* Render ``text`` (Markdown) into ``target``, replacing what it held. */
  function renderMarkdown(target, text) {
    if (!window.marked || !window.DOMPurify) {
      target.textContent = text;
      return;
    }
    const maths = [];
    const html = makeParser(maths).parse(String(text || ""));
    const clean = window.DOMPurify.sanitize(html, { ...PURIFY, RETURN_DOM_FRAGMENT: true });
    if (window.katex) renderMaths(clean, maths);
    highlightCode(clean);
    linksOpenSafely(clean);
    target.replaceChildren(clean);
  }

  window.labgateRender = { renderMarkdown };
})();
