// Shows a source's live calls: listens to the console's relay of Ingestion's server-sent events.
(function () {
  "use strict";
  var list = document.getElementById("stream");
  var state = document.getElementById("stream-state");
  var pauseButton = document.getElementById("pause");
  if (!list || !window.EventSource) { return; }
  var paused = false;
  var maxItems = 500;

  function render(kind, data) {
    if (paused) { return; }
    var item = document.createElement("li");
    var badge = document.createElement("span");
    badge.className = "badge " + (kind === "accepted" ? "ok" : kind === "flagged" ? "warn" : "bad");
    badge.textContent = kind;
    item.appendChild(badge);
    var text = document.createElement("span");
    var what = data.type === "track" ? data.event : data.type;
    text.textContent = " " + (what || "") + (data.reason ? " — " + data.reason : "") + " · " + new Date(data.receivedAt).toLocaleTimeString();
    item.appendChild(text);
    if (data.payload) {
      var details = document.createElement("details");
      var summary = document.createElement("summary");
      summary.textContent = "payload";
      var pre = document.createElement("pre");
      pre.textContent = JSON.stringify(data.payload, null, 2);
      details.appendChild(summary);
      details.appendChild(pre);
      item.appendChild(details);
    }
    list.insertBefore(item, list.firstChild);
    while (list.children.length > maxItems) { list.removeChild(list.lastChild); }
  }

  var source = new EventSource(list.getAttribute("data-stream-url"));
  source.addEventListener("connected", function () { state.textContent = "Listening."; });
  ["accepted", "flagged", "blocked", "rejected"].forEach(function (kind) {
    source.addEventListener(kind, function (event) { render(kind, JSON.parse(event.data)); });
  });
  source.onerror = function () { state.textContent = "Disconnected; retrying…"; };
  pauseButton.addEventListener("click", function () {
    paused = !paused;
    pauseButton.textContent = paused ? "Resume" : "Pause";
  });
})();
