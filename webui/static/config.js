// Hotline web UI, configuration forms (webui/pages/tables.py): fields that do not apply
// to the kind chosen are hidden and disabled; a destination picker shows the targets of
// the kind chosen and picking a target sets its kind.  Without this script every field
// is shown and the server ignores the ones that do not apply.
(function () {
  "use strict";
  document.documentElement.classList.add("js");   // config.css hides ".js .when.na"

  function valueOf(form, name) {
    var el = form.elements[name];
    if (!el) { return null; }
    if (el.type === "checkbox") { return el.checked ? "1" : ""; }
    return el.value;
  }

  function words(text) { return (text || "").split(" ").filter(Boolean); }

  // the same rule as Kinds.applies: a listed value, or "*" = any other non-empty value
  function applies(box, value) {
    var on = words(box.dataset.on), listed = words(box.dataset.listed);
    return on.indexOf(value) >= 0 || (on.indexOf("*") >= 0 && value !== "" && listed.indexOf(value) < 0);
  }

  function showFields(form) {
    form.querySelectorAll(".when[data-switch]").forEach(function (box) {
      var value = valueOf(form, box.dataset.switch);
      if (value === null) { return; }
      var ok = applies(box, value);
      box.classList.toggle("na", !ok);
      box.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !ok; });
    });
  }

  // a destination select: only the group of the kind chosen (values outside groups stay);
  // ``picked``: the kind was just chosen, so an empty destination takes its first target
  function filterTargets(form, sel, picked) {
    var kindSel = form.elements[sel.dataset.kindFrom];
    if (!kindSel) { return; }
    var kind = kindSel.value;
    sel.querySelectorAll("optgroup[data-kind]").forEach(function (g) {
      var off = g.dataset.kind !== kind;
      g.hidden = off;
      g.disabled = off;
    });
    var cur = sel.options[sel.selectedIndex];
    if (cur && (cur.parentNode.disabled || (picked && cur.value === ""))) {
      var first = sel.querySelector('optgroup[data-kind="' + kind + '"] option');
      if (first) { first.selected = true; } else { sel.value = ""; }
    }
  }

  function kindOfPick(form, sel) {
    var kindSel = form.elements[sel.dataset.kindFrom];
    var cur = sel.options[sel.selectedIndex];
    var group = cur && cur.parentNode;
    if (kindSel && group && group.dataset && group.dataset.kind) { kindSel.value = group.dataset.kind; }
  }

  function refresh(form, changed) {
    form.querySelectorAll("select[data-kind-from]").forEach(function (sel) {
      filterTargets(form, sel, changed === form.elements[sel.dataset.kindFrom]);
    });
    showFields(form);
  }

  function onChange(ev) {
    var form = ev.target.form;
    if (!form) { return; }
    if (ev.target.matches && ev.target.matches("select[data-kind-from]")) { kindOfPick(form, ev.target); }
    refresh(form, ev.target);
  }

  document.addEventListener("change", onChange);
  document.addEventListener("input", onChange);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector(".when[data-switch], select[data-kind-from]")) { refresh(form); }
    });
  });
})();
