// Progressive enhancement for the ballot: show how many items are picked and stop at the
// maximum. The server checks every rule again; this only helps the resident.
(function () {
  var form = document.getElementById("ballot-form");
  if (!form) return;
  var max = parseInt(form.dataset.max, 10);
  var counter = document.getElementById("pick-count");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=picks]"));
  function update() {
    var picked = boxes.filter(function (b) { return b.checked; }).length;
    counter.textContent = counter.dataset.template.replace("{n}", picked).replace("{max}", max);
    boxes.forEach(function (b) {
      b.disabled = !b.checked && picked >= max;
      b.closest("label").classList.toggle("picked", b.checked);
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  update();
})();
