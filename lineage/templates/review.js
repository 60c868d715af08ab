(function () {
  "use strict";
  var token = document.body.getAttribute("data-token");
  var labels = JSON.parse(document.getElementById("verdict-labels").textContent);
  document.querySelectorAll("form.verdict").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData(form);
      var status = form.querySelector(".status");
      var body = {
        item_id: data.get("item_id"), verdict: data.get("verdict") || "",
        note: data.get("note") || "", editor: data.get("editor") || "", token: token
      };
      if (!body.verdict) { status.textContent = "Choose a verdict first."; return; }
      status.textContent = "Saving…";
      fetch("/api/verdict", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Lineage-Token": token },
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, j: j }; });
      }).then(function (res) {
        if (!res.ok) { status.textContent = "Not saved: " + res.j.error; return; }
        status.textContent = "Saved " + res.j.updated_at;
        var item = form.closest(".item");
        item.setAttribute("data-verdict", res.j.verdict);
        var cur = item.querySelector(".current");
        cur.textContent = labels[res.j.verdict];
        cur.className = "current v v-" + res.j.verdict;
        try { localStorage.setItem("lineage-editor", body.editor); } catch (e) { /* private mode */ }
      }).catch(function (e) { status.textContent = "Not saved: " + e; });
    });
  });
  var who = "";
  try { who = localStorage.getItem("lineage-editor") || ""; } catch (e) { who = ""; }
  if (who) {
    document.querySelectorAll("input[name=editor]").forEach(function (i) { if (!i.value) i.value = who; });
  }
  var filter = document.getElementById("show");
  if (filter) {
    filter.addEventListener("change", function () {
      var v = filter.value;
      document.querySelectorAll(".item").forEach(function (it) {
        var verdict = it.getAttribute("data-verdict");
        it.hidden = (v === "open" && verdict) || (v !== "all" && v !== "open" && it.getAttribute("data-kind") !== v);
      });
    });
  }
})();
