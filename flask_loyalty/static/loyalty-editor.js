/* The offer editor's progressive help (templates/loyalty/offers/owner_edit.html).
   Without it the page works the same: the personal fields are listed to type,
   and "Preview the email" posts the form. With it:
   - each personal field gets an "Insert" button that puts it at the cursor of the
     subject or the message (the one last used; the message at first);
   - the preview refreshes as she types: the form is posted (with its CSRF token)
     with fragment=1, which saves nothing and answers with the preview alone. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-loyalty-editor]");
  if (!form) { return; }
  var message = form.elements.namedItem("message");
  var subject = form.elements.namedItem("subject");
  var target = message;
  var pane = form.querySelector("[data-live-preview]");
  // form.action would be the buttons named "action": read the attribute.
  var address = form.getAttribute("action");

  [subject, message].forEach(function (field) {
    if (field) { field.addEventListener("focus", function () { target = field; }); }
  });

  Array.prototype.forEach.call(form.querySelectorAll("button[data-insert]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (!target) { return; }
      var text = button.getAttribute("data-insert");
      var start = target.selectionStart, end = target.selectionEnd;
      if (typeof start !== "number") { start = end = target.value.length; }
      target.setRangeText(text, start, end, "end");
      target.focus();
      target.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  if (!pane || !window.fetch || !window.FormData) { return; }
  var timer = null, asked = 0;
  function refresh() {
    var data = new FormData(form);
    data.set("action", "preview");
    data.set("fragment", "1");
    var mine = ++asked;
    pane.setAttribute("aria-busy", "true");
    fetch(address, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (mine !== asked) { return; }  // a later refresh is on its way
        pane.innerHTML = html;
        pane.removeAttribute("aria-busy");
      })
      .catch(function () { pane.removeAttribute("aria-busy"); });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  var button = form.querySelector("button[name=action][value=preview]");
  if (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      refresh();
    });
  }
}());
