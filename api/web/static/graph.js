// The neighbourhood graph of an entity page and the network of /challenges
// (cytoscape.js, served from /static/vendor/). Clicking a node opens its page.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  var data = document.getElementById("graph-data");
  if (!box || !data || typeof cytoscape === "undefined") { return; }
  var elements = JSON.parse(data.textContent);
  if (elements.length < 2) { box.hidden = true; return; }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  var fg = dark ? "#e6edf3" : "#1b1f24";
  var cy = cytoscape({
    container: box,
    elements: elements,
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 10, "color": fg, "text-wrap": "ellipsis",
        "text-max-width": 120, "text-valign": "bottom", "text-margin-y": 4,
        "background-color": "#0b57a4", "width": 14, "height": 14 } },
      { selector: "node[?centre]", style: {
        "background-color": "#b3261e", "width": 24, "height": 24, "font-weight": "bold" } },
      { selector: "node[kind = 'challenge']", style: { "background-color": "#b3261e" } },
      { selector: "node[kind = 'recommendation']", style: { "background-color": "#1a7f37", "shape": "round-rectangle" } },
      { selector: "edge", style: {
        "width": 1, "line-color": "#8c959f", "target-arrow-color": "#8c959f",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.7 } },
      { selector: "edge[?interpreted]", style: { "line-style": "dashed" } },
      { selector: "node:active, node:selected", style: { "overlay-opacity": 0.2 } }
    ],
    layout: elements.some(function (e) { return e.data.centre; })
      ? { name: "concentric", concentric: function (n) { return n.data("centre") ? 2 : 1; },
          levelWidth: function () { return 1; }, minNodeSpacing: 30, animate: false }
      : { name: "cose", animate: false, nodeRepulsion: function () { return 9000; } }
  });
  cy.on("tap", "node", function (event) {
    var node = event.target;
    if (!node.data("centre") && node.data("href")) { window.location.href = node.data("href"); }
  });
  cy.on("mouseover", "node", function () { box.style.cursor = "pointer"; });
  cy.on("mouseout", "node", function () { box.style.cursor = ""; });
  window.ccaiGraph = cy;
})();
