// A shed cast's page: count down the seconds the server asked for (Retry-After), then
// send the same ballot again. Without JavaScript the resident presses the button.
(function () {
  var note = document.getElementById("retry-note");
  var form = document.getElementById("retry-form");
  var shown = document.getElementById("retry-seconds");
  if (!note || !form) return;
  var left = parseInt(note.getAttribute("data-seconds"), 10);
  if (!(left > 0)) return;
  var sent = false;
  form.addEventListener("submit", function () { sent = true; });
  var timer = setInterval(function () {
    left -= 1;
    if (shown) shown.textContent = String(Math.max(left, 0));
    if (left <= 0) {
      clearInterval(timer);
      if (!sent) {
        sent = true;
        form.submit();
      }
    }
  }, 1000);
})();
