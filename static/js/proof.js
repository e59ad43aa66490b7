// Checks a ballot's inclusion proof against the published snapshot, in the browser.
// The rules are those of voting/commitment.py and tools/verify.py: the receipt tag is
// HMAC-SHA256(salt, receipt code); a leaf is "ballot-leaf/v1\n" + canonical JSON; its
// hash SHA-256(0x00 || leaf); a node SHA-256(0x01 || left || right) (RFC 6962), and
// the audit path is walked as RFC 9162, 2.1.3.2 says.
(function () {
  "use strict";
  var box = document.getElementById("proof");
  if (!box || !window.crypto || !window.crypto.subtle) { return; }
  var status = document.getElementById("proof-status");
  var subtle = window.crypto.subtle;
  var encoder = new TextEncoder();

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function bytes(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(text.substr(i * 2, 2), 16); }
    return out;
  }
  function join(prefix, parts) {
    var size = 1 + parts.reduce(function (n, p) { return n + p.length; }, 0);
    var out = new Uint8Array(size);
    out[0] = prefix;
    var at = 1;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  function sha(data) { return subtle.digest("SHA-256", data).then(function (d) { return new Uint8Array(d); }); }
  function leafText(leaf) {
    var text = '{"picks":' + JSON.stringify(leaf.picks);
    if (leaf.reason !== undefined) { text += ',"reason":' + JSON.stringify(leaf.reason); }
    return "ballot-leaf/v1\n" + text + ',"receipt":' + JSON.stringify(leaf.receipt) + "}";
  }
  function walk(value, index, size, path) {
    if (index >= size) { return Promise.resolve(null); }
    var fn = index, sn = size - 1, chain = Promise.resolve(value);
    for (var i = 0; i < path.length; i++) {
      if (sn === 0) { return Promise.resolve(null); }
      var sibling = bytes(path[i]);
      if ((fn & 1) || fn === sn) {
        chain = chain.then(function (s) { return function (v) { return sha(join(1, [s, v])); }; }(sibling));
        while (!(fn & 1) && fn) { fn >>= 1; sn >>= 1; }
      } else {
        chain = chain.then(function (s) { return function (v) { return sha(join(1, [v, s])); }; }(sibling));
      }
      fn >>= 1; sn >>= 1;
    }
    return sn === 0 ? chain : Promise.resolve(null);
  }
  function say(text, ok) {
    status.textContent = text;
    status.className = ok ? "flash flash-success" : "flash flash-error";
  }

  status.textContent = box.dataset.checking;
  Promise.all([
    fetch(box.dataset.proofUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }),
    fetch(box.dataset.snapshotUrl).then(function (r) { return r.json(); })
  ]).then(function (got) {
    var proof = got[0], block = got[1].commitment, tree = block[proof.tree];
    var key = subtle.importKey("raw", bytes(block.salt), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return key.then(function (k) {
      return subtle.sign("HMAC", k, encoder.encode(box.dataset.receipt));
    }).then(function (tag) {
      if (hex(tag) !== proof.leaf.receipt || proof.size !== tree.leaves) { return false; }
      return sha(join(0, [encoder.encode(leafText(proof.leaf))])).then(function (leaf) {
        return walk(leaf, proof.index, proof.size, proof.path);
      }).then(function (top) {
        if (!top || hex(top) !== tree.root) { return false; }
        var text = box.dataset[proof.tree === "counted" ? "counted" : "excluded"];
        say(text.replace("%(size)s", tree.leaves).replace("%(root)s", tree.root.slice(0, 16) + "…")
          .replace("%(reason)s", proof.leaf.reason || ""), true);
        return true;
      });
    });
  }).then(function (ok) {
    if (ok === false) { say(box.dataset.failed, false); }
  }).catch(function () { say(box.dataset.failed, false); });
})();
