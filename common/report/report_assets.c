/*
 * report_assets.c - the report's inline style sheet and script
 * (bs/report.h): nothing is fetched, so the page works from file://
 * without a network. The script only sorts and filters the category
 * table (#category-table):
 *
 *   sort    a click on a heading's button sorts the rows by that column,
 *           ascending, a second click descending (aria-sort on the
 *           heading says which); number columns by their data-value,
 *           text columns by their text (locale compare); cells without
 *           a value last in both directions; ties keep the original
 *           order (data-index).
 *   filter  a row shows when its id or name contains the filter text
 *           (case-insensitive) and its genes passed are at least the
 *           minimum; #category-count says how many show.
 */
#include "report_internal.h"

const char bs_report_css[] =
    "body{font-family:system-ui,sans-serif;margin:0;color:#1d2125;background:#fafafa}\n"
    "header{background:#24435e;color:#fff;padding:1em 2em}\n"
    "header h1{margin:0 0 .2em}header p{margin:0 0 .6em}\n"
    "nav a{color:#fff;margin-right:1.2em;text-decoration:none;border-bottom:1px dotted #fff}\n"
    "main{padding:0 2em 2em;max-width:1400px}\n"
    "section{background:#fff;border:1px solid #dde;border-radius:6px;margin:1.2em 0;"
    "padding:.6em 1.4em 1.2em}\n"
    "h2{color:#24435e;border-bottom:1px solid #dde;padding-bottom:.2em}\n"
    "table{border-collapse:collapse;font-size:.92em}\n"
    "th,td{padding:.25em .7em;text-align:left;border-bottom:1px solid #eee;vertical-align:top}\n"
    "table.facts th{font-weight:500;color:#444}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.bar{width:16em}td.bar span{display:block;height:.9em;background:steelblue}\n"
    "figure{margin:.5em 0}figure svg{max-width:100%;height:auto}\n"
    "div.plots{display:flex;flex-wrap:wrap;gap:1em}div.plots figure{flex:1 1 560px}\n"
    "div.curves{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));"
    "gap:1em}\n"
    "figure.curve figcaption{font-size:.85em;color:#444}\n"
    ".controls{display:flex;gap:1.5em;align-items:center;margin:.6em 0;flex-wrap:wrap}\n"
    ".controls input{margin-left:.4em;padding:.2em .4em}\n"
    "div.scroll{max-height:70vh;overflow:auto;border:1px solid #eee}\n"
    "table.sortable thead th{position:sticky;top:0;background:#eef2f6}\n"
    "table.sortable th button{font:inherit;font-weight:600;background:none;border:0;"
    "cursor:pointer;padding:0;text-align:left}\n"
    "table.sortable th[aria-sort=ascending] button::after{content:' \\25B2'}\n"
    "table.sortable th[aria-sort=descending] button::after{content:' \\25BC'}\n"
    "tr[hidden]{display:none}\n";

const char bs_report_js[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var table = document.getElementById('category-table');\n"
    "  if (!table) return;\n"
    "  var body = table.tBodies[0];\n"
    "  var heads = table.tHead.rows[0].cells;\n"
    "  var filter = document.getElementById('category-filter');\n"
    "  var minGenes = document.getElementById('category-min-genes');\n"
    "  var count = document.getElementById('category-count');\n"
    "  var genesCol = -1;\n"
    "  for (var c = 0; c < heads.length; c++)\n"
    "    if (heads[c].getAttribute('data-key') === 'genes') genesCol = c;\n"
    "\n"
    "  function key(row, col, numeric) {\n"
    "    var cell = row.cells[col];\n"
    "    if (!numeric) return cell.textContent;\n"
    "    var v = cell.getAttribute('data-value');\n"
    "    return v === null || v === '' ? null : Number(v);\n"
    "  }\n"
    "\n"
    "  function sortBy(col) {\n"
    "    var th = heads[col];\n"
    "    var numeric = th.getAttribute('data-type') === 'number';\n"
    "    var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;\n"
    "    var rows = Array.prototype.slice.call(body.rows);\n"
    "    rows.sort(function (a, b) {\n"
    "      var x = key(a, col, numeric), y = key(b, col, numeric), d = 0;\n"
    "      if (x === null || y === null) d = (x === null) - (y === null);\n"
    "      else if (numeric) d = dir * (x < y ? -1 : x > y ? 1 : 0);\n"
    "      else d = dir * x.localeCompare(y);\n"
    "      return d || a.getAttribute('data-index') - b.getAttribute('data-index');\n"
    "    });\n"
    "    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');\n"
    "    th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');\n"
    "    rows.forEach(function (r) { body.appendChild(r); });\n"
    "  }\n"
    "\n"
    "  function applyFilter() {\n"
    "    var text = filter.value.trim().toLowerCase();\n"
    "    var min = Number(minGenes.value) || 0;\n"
    "    var shown = 0;\n"
    "    Array.prototype.forEach.call(body.rows, function (r) {\n"
    "      var words = (r.cells[0].textContent + ' ' + r.cells[1].textContent).toLowerCase();\n"
    "      var genes = genesCol < 0 ? 0 : Number(r.cells[genesCol].getAttribute('data-value'));\n"
    "      r.hidden = !(words.indexOf(text) >= 0 && genes >= min);\n"
    "      if (!r.hidden) shown++;\n"
    "    });\n"
    "    count.setAttribute('data-shown', String(shown));\n"
    "    count.textContent = shown + ' of ' + body.rows.length + ' categories shown';\n"
    "  }\n"
    "\n"
    "  Array.prototype.forEach.call(heads, function (th, col) {\n"
    "    th.querySelector('button').addEventListener('click', function () { sortBy(col); });\n"
    "  });\n"
    "  filter.addEventListener('input', applyFilter);\n"
    "  minGenes.addEventListener('input', applyFilter);\n"
    "})();\n";
