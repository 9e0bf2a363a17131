// kean — small behaviours for the server-rendered pages (no inline scripts,
// so the Content-Security-Policy can forbid them).
(function () {
  // The ticked rows of a registry list.
  function selected() {
    return Array.prototype.map.call(document.querySelectorAll('input[name="sel"]:checked'), function (c) { return c.value; });
  }
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest('[data-edit-selected]');
    if (b) {
      var ids = selected();
      if (ids.length === 0) { alert(b.getAttribute('data-none')); return; }
      if (ids.length > 1) { alert(b.getAttribute('data-many')); return; }
      window.location = b.getAttribute('data-edit-selected') + '/' + ids[0] + '/edit';
      return;
    }
    b = ev.target.closest('[data-archive-selected]');
    if (b) {
      var sel = selected();
      if (sel.length === 0) { alert(b.getAttribute('data-none')); return; }
      if (!confirm(b.getAttribute('data-confirm').replace('{}', sel.length))) { return; }
      var f = document.getElementById('archive-form');
      f.action = b.getAttribute('data-archive-selected');
      f.querySelector('input[name="ids"]').value = sel.join(',');
      f.submit();
      return;
    }
    b = ev.target.closest('[data-export-selected]');
    if (b) {
      var chosen = selected();
      if (chosen.length === 0) { alert(b.getAttribute('data-none')); return; }
      window.location = b.getAttribute('data-export-selected') + '&ids=' + chosen.join(',');
    }
  });
  // A checkbox ticking every box of its group: boxes marked data-group="G"
  // (a party's open results) or of class G (batch approval).
  document.addEventListener('change', function (ev) {
    var all = ev.target.closest && ev.target.closest('[data-check-all]');
    if (!all) { return; }
    var group = all.getAttribute('data-check-all');
    document.querySelectorAll('input[data-group="' + group + '"], input.' + group).forEach(function (c) { c.checked = all.checked; });
  });
  // A searchable picker over a long select: typing in the box beside it
  // (data-filter-select="ID") leaves only the options whose text holds
  // what was typed, and chooses the first of them when the chosen one goes.
  document.addEventListener('input', function (ev) {
    var box = ev.target.closest && ev.target.closest('[data-filter-select]');
    if (!box) { return; }
    var sel = document.getElementById(box.getAttribute('data-filter-select'));
    if (!sel) { return; }
    var q = box.value.trim().toLowerCase();
    var first = null;
    Array.prototype.forEach.call(sel.options, function (o) {
      var keep = o.value === '' || q === '' || o.text.toLowerCase().indexOf(q) >= 0;
      o.hidden = !keep;
      if (keep && o.value !== '' && !first) { first = o; }
    });
    var cur = sel.options[sel.selectedIndex];
    if (q !== '' && first && (!cur || cur.hidden || cur.value === '')) { sel.value = first.value; }
  });
  document.addEventListener('submit', function (ev) {
    var f = ev.target;
    var msg = f.getAttribute && f.getAttribute('data-confirm');
    if (msg && !confirm(msg)) { ev.preventDefault(); }
  });
})();
// Charts: each [data-chart] holds an ECharts option as JSON; a data item
// with a `link` opens the list of records behind it.
(function () {
  function draw() {
    if (typeof echarts === 'undefined') { return; }
    document.querySelectorAll('[data-chart]').forEach(function (el) {
      if (el.getAttribute('data-drawn')) { return; }
      el.setAttribute('data-drawn', '1');
      var chart = echarts.init(el);
      chart.setOption(JSON.parse(el.getAttribute('data-chart')));
      chart.on('click', function (p) {
        if (p.data && p.data.link) { window.location = p.data.link; }
      });
      window.addEventListener('resize', function () { chart.resize(); });
    });
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', draw); } else { draw(); }
})();
