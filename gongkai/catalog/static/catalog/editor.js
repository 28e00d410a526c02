// The catalogue body editor: an editable area with a small toolbar over the body <textarea>, so a clerk
// writes paragraphs, headings, lists and links without HTML. Offline, no library, no inline script
// (CSP). The textarea stays the form field (kept in step on every change) and is shown again by
// "HTML 源代码" for tables; without JavaScript it is the plain field. The server sanitises with nh3.
(function () {
  "use strict";
  // The tags the server keeps (catalog.services.BODY_TAGS); everything else is unwrapped when pasted.
  var ALLOWED = ["P", "BR", "B", "STRONG", "I", "EM", "U", "S", "SUB", "SUP", "H2", "H3", "H4", "UL", "OL", "LI",
    "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "CAPTION", "BLOCKQUOTE", "A", "SPAN", "DIV", "HR", "PRE", "CODE"];
  var DROP = ["SCRIPT", "STYLE", "IFRAME", "OBJECT", "EMBED", "TEMPLATE", "META", "LINK", "TITLE", "HEAD"];
  var KEEP_ATTRS = { A: ["href", "title"], TD: ["colspan", "rowspan"], TH: ["colspan", "rowspan", "scope"] };

  function clean(html) {
    // Parsed inert (a <template> runs no script and loads no image), then copied tag by tag.
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var out = document.createDocumentFragment();
    (function copy(from, to) {
      Array.prototype.forEach.call(from.childNodes, function (node) {
        if (node.nodeType === 3) { to.appendChild(document.createTextNode(node.nodeValue)); return; }
        if (node.nodeType !== 1 || DROP.indexOf(node.tagName) >= 0) { return; }
        if (ALLOWED.indexOf(node.tagName) < 0) { copy(node, to); return; }
        var el = document.createElement(node.tagName.toLowerCase());
        (KEEP_ATTRS[node.tagName] || []).forEach(function (name) {
          var v = node.getAttribute(name);
          if (v === null) { return; }
          if (name === "href" && !/^(https?:|mailto:)/i.test(v.trim())) { return; }
          el.setAttribute(name, v);
        });
        copy(node, el);
        to.appendChild(el);
      });
    })(tpl.content, out);
    var box = document.createElement("div");
    box.appendChild(out);
    return box.innerHTML;
  }

  var TOOLS = [
    ["段落", "formatBlock", "p"], ["二级标题", "formatBlock", "h2"], ["三级标题", "formatBlock", "h3"],
    ["加粗", "bold"], ["倾斜", "italic"], ["项目列表", "insertUnorderedList"], ["编号列表", "insertOrderedList"],
    ["插入链接", "createLink"], ["取消链接", "unlink"], ["清除格式", "removeFormat"], ["撤销", "undo"], ["重做", "redo"]
  ];

  function setup(textarea) {
    var slot = document.querySelector('[data-editor-for="' + textarea.id + '"]');
    if (!slot) { return; }
    var label = document.getElementById(textarea.id + "-label");
    var hint = document.getElementById(textarea.id + "-hint");
    var error = document.getElementById(textarea.id + "-error");
    var toolbar = document.createElement("div");
    toolbar.className = "editor-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "正文格式");
    var area = document.createElement("div");
    area.className = "editor-area";
    area.id = textarea.id + "-editor";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.tabIndex = 0;
    if (label) {
      area.setAttribute("aria-labelledby", label.id);
    }
    var described = [hint, error].filter(Boolean).map(function (e) { return e.id; }).join(" ");
    if (described) { area.setAttribute("aria-describedby", described); }
    if (error) { area.setAttribute("aria-invalid", "true"); }
    area.innerHTML = clean(textarea.value);

    function sync() { textarea.value = area.innerHTML; }
    function run(command, value) {
      area.focus();
      if (command === "createLink") {
        value = window.prompt("链接地址（以 http://、https:// 或 mailto: 开头）", "https://");
        if (!value || !/^(https?:\/\/|mailto:)/i.test(value.trim())) { return; }
      }
      document.execCommand(command, false, value === undefined ? null : value);
      sync();
    }
    TOOLS.forEach(function (tool) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = tool[0];
      b.setAttribute("aria-controls", area.id);
      // Keep the selection in the editable area while a button is pressed with the mouse.
      b.addEventListener("mousedown", function (e) { e.preventDefault(); });
      b.addEventListener("click", function () { run(tool[1], tool[2]); });
      toolbar.appendChild(b);
    });
    var source = document.createElement("button");
    source.type = "button";
    source.textContent = "HTML 源代码";
    source.setAttribute("aria-pressed", "false");
    source.setAttribute("aria-controls", textarea.id);
    source.addEventListener("click", function () {
      var showing = textarea.hidden;
      if (showing) { sync(); } else { area.innerHTML = clean(textarea.value); }
      textarea.hidden = !showing;
      area.hidden = showing;
      source.setAttribute("aria-pressed", showing ? "true" : "false");
      (showing ? textarea : area).focus();
    });
    toolbar.appendChild(source);

    area.addEventListener("input", sync);
    area.addEventListener("paste", function (e) {
      var data = e.clipboardData;
      if (!data) { return; }
      e.preventDefault();
      var html = data.getData("text/html");
      if (html) {
        document.execCommand("insertHTML", false, clean(html));
      } else {
        document.execCommand("insertText", false, data.getData("text/plain"));
      }
      sync();
    });
    document.execCommand("styleWithCSS", false, false);  // <b>, <i>: never style="" (CSP, nh3)
    document.execCommand("defaultParagraphSeparator", false, "p");
    slot.appendChild(toolbar);
    slot.appendChild(area);
    textarea.hidden = true;
    if (textarea.form) { textarea.form.addEventListener("submit", function () { if (textarea.hidden) { sync(); } }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-editor]"), setup);
  });
})();
