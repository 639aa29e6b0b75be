// The SPARQL editor: YASGUI (served from /static/vendor/) on this server's endpoint,
// the project's prefixes, and the named queries of queries/ as example tabs.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sparql-config").textContent);
  var box = document.getElementById("yasgui");
  if (!box || typeof Yasgui === "undefined") { return; }
  // Nothing leaves this server: no prefix.cc or LOV look-ups, no stored tabs.
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  var yasgui = new Yasgui(box, {
    requestConfig: { endpoint: config.endpoint, method: "POST",
                     acceptHeaderSelect: "application/sparql-results+json" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    endpointCatalogueOptions: { getData: function () { return []; } },
    yasqe: { value: config.start },
    populateFromUrl: false
  });
  var tab = yasgui.getTab();
  tab.setQuery(config.start);
  var select = document.getElementById("examples");
  select.addEventListener("change", function () {
    var example = config.examples[Number(select.value)];
    if (!example) { return; }
    var added = yasgui.addTab(true, { name: example.title, requestConfig: { endpoint: config.endpoint } });
    added.setQuery(example.query);
    select.value = "";
  });
  window.ccaiYasgui = yasgui;
})();
