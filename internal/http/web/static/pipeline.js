// The pipeline board: drag a deal's card to another column, or choose a
// stage in its "Move to" menu, and the move is posted without leaving the
// page. Without this script the menu is a plain form and works the same.
//
// A move posts to /deals/{id}/move with the version the card was drawn at;
// the server answers with the board drawn again (its totals, the card's
// new version). A refused move (someone changed the deal meanwhile, the
// service said no) puts the card back where it was and shows the reason.
// Moving to the lost stage first asks why, in a dialog: the service needs
// the reason.
(function () {
  "use strict";

  function board() { return document.getElementById("board"); }
  if (!board()) { return; }

  var dragged = null; // the card being dragged, and where it came from

  function origin(card) { return { card: card, parent: card.parentNode, next: card.nextSibling }; }

  function putBack(from) {
    if (!from || !from.parent) { return; }
    if (from.next && from.next.parentNode === from.parent) {
      from.parent.insertBefore(from.card, from.next);
    } else {
      from.parent.appendChild(from.card);
    }
    from.card.classList.remove("moving");
    from.card.removeAttribute("aria-busy");
  }

  function columnOf(el) { return el && el.closest ? el.closest(".column") : null; }

  function showAlert(html) {
    var flash = document.getElementById("flash");
    if (!flash) { return; }
    flash.innerHTML = html;
    var alert = flash.querySelector("[role=alert]");
    if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  }

  function networkError() {
    var p = document.createElement("p");
    p.textContent = board().getAttribute("data-network-error");
    var div = document.createElement("div");
    div.className = "alert error";
    div.setAttribute("role", "alert");
    div.appendChild(p);
    showAlert(div.outerHTML);
  }

  // replaceBoard puts the board the server drew in place of this one, says
  // what moved, and gives the focus back to the moved card's menu when the
  // move was made with it.
  function replaceBoard(html, dealID, focusMenu) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var fresh = tpl.content.getElementById("board");
    if (!fresh) { location.reload(); return; }
    board().replaceWith(fresh);
    if (window.htmx) {
      // As for content htmx swaps in: its attributes, and the page's
      // onLoad work (app.js shows the dates in the browser's way).
      window.htmx.process(fresh);
      window.htmx.trigger(fresh, "htmx:load", { elt: fresh });
    }
    var status = document.getElementById("board-status");
    var message = fresh.getAttribute("data-message");
    if (status && message) {
      status.textContent = "";
      var p = document.createElement("p");
      p.className = "success";
      p.textContent = message;
      status.appendChild(p);
    }
    var flash = document.getElementById("flash");
    if (flash) { flash.innerHTML = ""; }
    var card = document.getElementById("deal-" + dealID);
    if (card) {
      card.classList.add("just-moved");
      if (focusMenu) {
        var menu = card.querySelector("select");
        (menu || card.querySelector("a")).focus();
      }
    }
  }

  // move posts a move; from is where the card was, to put it back.
  function move(from, stageID, reason, focusMenu) {
    var card = from.card;
    var b = board();
    var body = new URLSearchParams();
    body.set("stage_id", stageID);
    body.set("version", card.getAttribute("data-version"));
    body.set("pipeline", b.getAttribute("data-pipeline"));
    body.set("owner", b.getAttribute("data-owner") || "");
    if (reason) { body.set("lost_reason", reason); }
    card.classList.add("moving");
    card.setAttribute("aria-busy", "true");
    var dealID = card.getAttribute("data-deal");
    fetch("/deals/" + dealID + "/move", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Target": "board", "HX-Current-URL": location.href, "Accept": "text/html" }
    }).then(function (resp) {
      var to = resp.headers.get("HX-Redirect");
      if (to) { location.href = to; return; }
      return resp.text().then(function (html) {
        if (resp.ok) {
          replaceBoard(html, dealID, focusMenu);
        } else {
          putBack(from);
          showAlert(html);
        }
      });
    }).catch(function () {
      putBack(from);
      networkError();
    });
  }

  // askWhyLost opens the dialog that asks why the deal was lost; cancelled,
  // the card goes back.
  function askWhyLost(from, stageID, focusMenu) {
    var dialog = document.getElementById("lost-dialog");
    var form = document.getElementById("lost-form");
    var reason = document.getElementById("lost-reason");
    if (!dialog || !dialog.showModal) { putBack(from); return; }
    reason.value = "";
    var cancel = document.getElementById("lost-cancel");
    var done = false;
    function finish(ok) {
      if (done) { return; }
      done = true;
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("close", onClose);
      cancel.removeEventListener("click", onCancel);
      if (dialog.open) { dialog.close(); }
      if (ok) {
        move(from, stageID, reason.value.trim(), focusMenu);
      } else {
        putBack(from);
        var menu = from.card.querySelector("select");
        if (focusMenu && menu) { menu.focus(); }
      }
    }
    function onSubmit(e) {
      e.preventDefault();
      if (!reason.value.trim()) { reason.focus(); return; }
      finish(true);
    }
    function onClose() { finish(false); }
    function onCancel() { finish(false); }
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("close", onClose);
    cancel.addEventListener("click", onCancel);
    dialog.showModal();
    reason.focus();
  }

  // moveTo shows the card in its new column at once, then asks why (for
  // the lost stage) or posts the move.
  function moveTo(card, column, focusMenu) {
    var from = origin(card);
    var stageID = column.getAttribute("data-stage");
    var cards = column.querySelector(".cards");
    if (cards) { cards.insertBefore(card, cards.firstChild); }
    if (column.getAttribute("data-kind") === "lost") {
      askWhyLost(from, stageID, focusMenu);
    } else {
      move(from, stageID, "", focusMenu);
    }
  }

  // Drag and drop.
  document.addEventListener("dragstart", function (e) {
    var card = e.target && e.target.closest ? e.target.closest(".deal-card[draggable=true]") : null;
    if (!card || !board().contains(card)) { return; }
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
    card.classList.add("dragging");
    board().classList.add("dragging-on");
  });

  function clearDrag() {
    var b = board();
    if (b) {
      b.classList.remove("dragging-on");
      var over = b.querySelectorAll(".column.drop-over");
      for (var i = 0; i < over.length; i++) { over[i].classList.remove("drop-over"); }
    }
    if (dragged) { dragged.classList.remove("dragging"); }
  }

  document.addEventListener("dragend", function () { clearDrag(); dragged = null; });

  function target(e) {
    var column = columnOf(e.target);
    if (!column || !board().contains(column)) { return null; }
    var card = dragged;
    if (!card && e.dataTransfer) {
      // A drag the page did not see start (a test's synthetic drag).
      var types = e.dataTransfer.types || [];
      if (Array.prototype.indexOf.call(types, "text/plain") < 0) { return null; }
    }
    if (card && card.getAttribute("data-stage") === column.getAttribute("data-stage")) { return null; }
    return column;
  }

  document.addEventListener("dragover", function (e) {
    var column = target(e);
    if (!column) { return; }
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-over")) {
      var over = board().querySelectorAll(".column.drop-over");
      for (var i = 0; i < over.length; i++) { over[i].classList.remove("drop-over"); }
      column.classList.add("drop-over");
    }
  });

  document.addEventListener("dragleave", function (e) {
    var column = columnOf(e.target);
    if (column && !column.contains(e.relatedTarget)) { column.classList.remove("drop-over"); }
  });

  document.addEventListener("drop", function (e) {
    var column = target(e);
    if (!column) { return; }
    e.preventDefault();
    var id = e.dataTransfer.getData("text/plain");
    var card = id ? document.getElementById("deal-" + id) : dragged;
    clearDrag();
    dragged = null;
    if (!card || !card.classList.contains("movable") || card.getAttribute("data-stage") === column.getAttribute("data-stage")) { return; }
    moveTo(card, column, false);
  });

  // The "Move to" menu of a card, from the keyboard or the mouse.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList || !form.classList.contains("move-form") || !board().contains(form)) { return; }
    var select = form.querySelector("select[name=stage_id]");
    var column = select && select.value ? document.getElementById("stage-" + select.value) : null;
    if (!column) { return; } // no stage chosen, or not on this board: the plain form says why
    e.preventDefault();
    moveTo(form.closest(".deal-card"), column, true);
  });
})();
