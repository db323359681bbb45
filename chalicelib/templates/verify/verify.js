// The verification page's only script (served by the API, so the page's CSP allows no inline script):
// posts the chosen PDF to /verify as application/pdf and shows the answer.
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  var result = document.getElementById("result");
  function text(id, value) { document.getElementById(id).textContent = value == null ? "—" : String(value); }
  function shanghai(iso) {
    if (!iso) { return null; }
    var at = new Date(iso);
    if (isNaN(at.getTime())) { return iso; }
    return at.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) + " (Asia/Shanghai)";
  }
  function show(answer) {
    result.className = answer.genuine ? "panel genuine" : "panel not-genuine";
    text("verdict", answer.genuine
      ? "真实有效：本平台签发的原件，未被改动 / Genuine: an unaltered original of Hetong"
      : "无法确认为真 / NOT genuine");
    text("claims", answer.genuine ? "" : "以下为文件自称的信息，未经确认 / What the file claims, unconfirmed:");
    text("r-contract-no", answer.contract_no);
    text("r-part", answer.part);
    text("r-version", answer.version);
    text("r-signed-at", shanghai(answer.signed_at));
    text("r-sealed-at", shanghai(answer.timestamp || answer.sealed_at));
    var list = document.getElementById("problems");
    list.textContent = "";
    (answer.problems || []).forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p;
      list.appendChild(li);
    });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = document.getElementById("file").files[0];
    if (!file) { return; }
    fetch(window.location.pathname, { method: "POST", headers: { "Content-Type": "application/pdf" }, body: file })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (answer.error) {
          show({ genuine: false, problems: [answer.error.message] });
        } else {
          show(answer);
        }
      })
      .catch(function (e) { show({ genuine: false, problems: [String(e)] }); });
  });
})();
