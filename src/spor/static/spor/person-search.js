// Suggestions for a person field (input[data-person-search]): as one types, ask the
// server for matching staff and offer them in a <datalist>; choosing one also fills the
// hidden id next to the field. Without this script the server finds the typed name.
(function () {
  "use strict";
  function enhance(input) {
    var url = input.getAttribute("data-person-search");
    var hidden = input.form && input.form.elements[input.name.replace(/_name$/, "")];
    var list = document.createElement("datalist");
    list.id = input.id + "-forslag";
    input.setAttribute("list", list.id);
    input.insertAdjacentElement("afterend", list);
    var found = {};
    var timer = null;
    var asked = "";
    function ask() {
      var q = input.value.trim();
      if (q.length < 2 || q === asked) return;
      asked = q;
      fetch(url + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          list.textContent = "";
          found = {};
          data.results.forEach(function (p) {
            var option = document.createElement("option");
            option.value = p.label;
            option.textContent = p.role;
            list.appendChild(option);
            found[p.label] = p.id;
          });
        })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      if (hidden) hidden.value = found[input.value] || "";
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
  }
  document.querySelectorAll("input[data-person-search]").forEach(enhance);
})();
