// Progressive enhancement for the ballot: the budget bar follows the picks as they
// change, a full ballot says why another item cannot be picked, and the field filter and
// order apply at once. The server draws the same bar and checks every rule again; this
// only helps the resident.
(function () {
  var form = document.getElementById("ballot-form");
  if (!form) return;
  var max = parseInt(form.dataset.max, 10);
  var cap = form.dataset.cap ? parseInt(form.dataset.cap, 10) : null;
  var korean = form.dataset.locale === "ko";
  var words = document.getElementById("budget-words").dataset;
  var status = document.getElementById("budget-status");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=picks]"));

  function grouped(n) {
    return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // The same reading as core/money.py (korean_reading / english_reading).
  function money(amount) {
    var sign = amount < 0 ? "-" : "";
    var rest = Math.abs(amount);
    if (korean) {
      if (rest < 10000) return sign + grouped(rest) + "원";
      var parts = [];
      [[1e12, "조"], [1e8, "억"], [1e4, "만"]].forEach(function (unit) {
        var count = Math.floor(rest / unit[0]);
        rest = rest % unit[0];
        if (count) parts.push(grouped(count) + unit[1]);
      });
      if (rest) return sign + parts.concat([grouped(rest) + "원"]).join(" ");
      return sign + parts.join(" ") + " 원";
    }
    var units = [[1e12, "trillion"], [1e9, "billion"], [1e6, "million"]];
    for (var i = 0; i < units.length; i++) {
      var size = units[i][0];
      if (rest >= size && (rest * 100) % size === 0) {
        var hundredths = rest * 100 / size;
        var whole = Math.floor(hundredths / 100), part = hundredths % 100;
        var number = part ? (grouped(whole) + "." + (part < 10 ? "0" : "") + part).replace(/0+$/, "") : grouped(whole);
        return sign + "KRW " + number + " " + units[i][1];
      }
    }
    return sign + "KRW " + grouped(rest);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function line(text, className, id) {
    var p = document.createElement("p");
    p.className = className;
    if (id) p.id = id;
    p.textContent = text;
    return p;
  }

  function drawBar(picked, total) {
    status.textContent = "";
    var first = line("", "budget-line", "pick-count");
    [fill(words.count, { n: picked, max: max }), fill(words.total, { total: money(total) })].forEach(function (text, n) {
      if (n) first.appendChild(document.createTextNode(" · "));
      var part = document.createElement("span");
      part.className = "nowrap";
      part.textContent = text;
      first.appendChild(part);
    });
    status.appendChild(first);
    if (cap) {
      var meter = document.createElement("div");
      meter.className = "budget-meter" + (total > cap ? " over" : "");
      meter.setAttribute("aria-hidden", "true");
      var fillBar = document.createElement("span");
      fillBar.style.width = Math.min(100, Math.round(100 * total / cap)) + "%";
      meter.appendChild(fillBar);
      status.appendChild(meter);
      var left = total > cap
        ? fill(words.over, { over: money(total - cap), cap: money(cap) })
        : fill(words.left, { left: money(cap - total), cap: money(cap) });
      status.appendChild(line(left, "budget-line small" + (total > cap ? " over-text" : ""), "budget-left"));
    }
  }

  function update() {
    var picked = 0, total = 0;
    boxes.forEach(function (b) {
      if (b.checked) { picked += 1; total += parseInt(b.dataset.cost, 10); }
    });
    var full = picked >= max;
    boxes.forEach(function (b) {
      var blocked = full && !b.checked;
      var card = b.closest(".pick");
      // aria-disabled, not disabled: the box keeps its Tab stop and says why.
      if (blocked) {
        b.setAttribute("aria-disabled", "true");
        b.setAttribute("aria-describedby", "max-reached");
      } else {
        b.removeAttribute("aria-disabled");
        b.removeAttribute("aria-describedby");
      }
      card.classList.toggle("blocked", blocked);
      card.classList.toggle("picked", b.checked);
      card.querySelector(".pick-why").textContent = blocked ? words.full : "";
    });
    drawBar(picked, total);
  }

  boxes.forEach(function (b) {
    b.addEventListener("click", function (event) {
      if (b.getAttribute("aria-disabled") === "true") {
        event.preventDefault();
        var earlier = document.getElementById("max-warning");
        if (earlier) earlier.remove();
        status.appendChild(line(words.maxReached, "budget-line small over-text", "max-warning"));
      }
    });
    b.addEventListener("change", update);
  });

  // Filter by field and order at once; hidden fields stay in the form, so their picks
  // are sent with the rest.
  var fieldSelect = document.getElementById("filter-field");
  var sortSelect = document.getElementById("filter-sort");
  function arrange() {
    var field = fieldSelect.value;
    var sort = sortSelect.value;
    Array.prototype.forEach.call(form.querySelectorAll("fieldset.field"), function (set) {
      set.hidden = field !== "" && set.dataset.field !== field;
      var cards = Array.prototype.slice.call(set.querySelectorAll(".pick"));
      cards.sort(function (a, b) {
        if (sort === "cost") return (a.dataset.cost - b.dataset.cost) || a.dataset.title.localeCompare(b.dataset.title);
        if (sort === "name") return a.dataset.title.localeCompare(b.dataset.title);
        return a.dataset.order - b.dataset.order;
      });
      cards.forEach(function (card) { set.appendChild(card); });
    });
    var url = new URL(window.location.href);
    url.searchParams.delete("picks");
    if (field) url.searchParams.set("field", field); else url.searchParams.delete("field");
    if (sort) url.searchParams.set("sort", sort); else url.searchParams.delete("sort");
    window.history.replaceState(null, "", url);
  }
  if (fieldSelect && sortSelect) {
    var apply = document.getElementById("filter-apply");
    apply.hidden = true;
    apply.disabled = true;
    fieldSelect.addEventListener("change", arrange);
    sortSelect.addEventListener("change", arrange);
  }
  update();
})();
