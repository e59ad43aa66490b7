// The team's live turnout board refreshes its numbers every 30 seconds from the JSON the
// server computes (small cells already hidden there). Without JavaScript, reload the page.
(function () {
  var board = document.getElementById("turnout-board");
  if (!board || !window.fetch) return;
  function number(value) {
    return typeof value === "number" ? value.toLocaleString("en-US") : value;
  }
  function fillKeyed(table, cells) {
    Object.keys(cells).forEach(function (key) {
      var row = table.querySelector('tr[data-key="' + key + '"] td');
      if (row) row.textContent = number(cells[key]);
    });
  }
  // rows of a table whose keys may change between refreshes (hours, outreach links)
  function fillHours(table, cells) {
    var rows = Object.keys(cells).map(function (hour) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      var td = document.createElement("td");
      th.scope = "row";
      th.textContent = hour;
      td.textContent = number(cells[hour]);
      tr.appendChild(th);
      tr.appendChild(td);
      return tr;
    });
    if (rows.length) table.replaceChildren.apply(table, rows);
  }
  function refresh() {
    fetch(board.dataset.source, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (live) {
        if (!live) return;
        document.getElementById("live-ballots").textContent = number(live.ballots);
        var share = document.getElementById("live-share");
        if (share && live.share !== null) share.textContent = live.share;
        var asOf = document.getElementById("live-as-of");
        asOf.setAttribute("datetime", live.as_of);
        asOf.textContent = live.as_of_display;
        fillHours(document.getElementById("live-by-hour"), live.by_hour);
        fillKeyed(document.getElementById("live-age-bands"), live.age_bands);
        fillKeyed(document.getElementById("live-channels"), live.channels);
        fillHours(document.getElementById("live-by-tag"), live.by_tag);
        var untagged = document.getElementById("live-untagged");
        if (untagged) untagged.textContent = number(live.untagged);
        board.dataset.refreshed = String((parseInt(board.dataset.refreshed || "0", 10)) + 1);
      })
      .catch(function () {});
  }
  var seconds = parseInt(board.dataset.interval || "30", 10);
  setInterval(refresh, seconds * 1000);
})();
