// The /usage page: reads the usage API with the key typed into the page and draws its numbers as inline SVG.
// The key lives in this closure only: it is sent as the api-key header and never put in a URL or in storage.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  // Costs are exact decimal strings; they are added as BigInt at a fixed scale (C#'s decimal has at most 28 decimals),
  // so the sums shown are exact, as the API's own totals are.
  const SCALE = 28;
  const ONE = 10n ** BigInt(SCALE);
  const dec = (s) => {
    if (s === null || s === undefined || s === '') return 0n;
    const negative = s.startsWith('-');
    const [whole, fraction = ''] = (negative ? s.slice(1) : s).split('.');
    const value = BigInt(whole || '0') * ONE + BigInt((fraction + '0'.repeat(SCALE)).slice(0, SCALE) || '0');
    return negative ? -value : value;
  };
  const decText = (v) => {
    const negative = v < 0n;
    const abs = negative ? -v : v;
    const fraction = (abs % ONE).toString().padStart(SCALE, '0').replace(/0+$/, '');
    return (negative ? '-' : '') + (abs / ONE).toString() + (fraction ? '.' + fraction : '');
  };
  const decNumber = (v) => Number(v) / Number(ONE);
  const intText = (n) => n.toLocaleString('en-US');

  function showError(message) {
    $('error').textContent = message;
    $('error').hidden = false;
  }

  async function get(path, key) {
    const from = $('from').value;
    const to = $('to').value;
    const query = new URLSearchParams();
    if (from) query.set('from', from);
    if (to) query.set('to', to);
    const qs = query.toString();
    const response = await fetch(path + (qs ? '?' + qs : ''), {
      headers: { 'api-key': key }, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
    });
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    return { status: response.status, body };
  }

  // A client key reads v1/usage; the admin key is no client, so it gets 401 there and reads admin/usage.
  async function load() {
    const key = $('key').value.trim();
    $('error').hidden = true;
    if (!key) { showError('Enter a client key or the admin key.'); return; }
    $('report').dataset.state = 'loading';
    try {
      let result = await get('v1/usage', key);
      let admin = false;
      if (result.status === 401) {
        result = await get('admin/usage', key);
        admin = result.status === 200;
      }

      if (result.status !== 200) {
        const message = result.body && result.body.error ? result.body.error.message : 'HTTP ' + result.status;
        $('report').hidden = true;
        $('report').dataset.state = 'error';
        showError(result.status === 401 ? 'This key is neither a client key nor the admin key.' : message);
        return;
      }

      render(result.body, admin);
    } catch (e) {
      $('report').dataset.state = 'error';
      showError('The usage API could not be reached: ' + e.message);
    }
  }

  function sum(lines, keyOf) {
    const groups = new Map();
    for (const line of lines) {
      const k = keyOf(line);
      const g = groups.get(k) || { cost: 0n, tokens: 0, input: 0, output: 0, requests: 0 };
      g.cost += dec(line.cost);
      g.tokens += line.totalTokens;
      g.input += line.inputTokens;
      g.output += line.outputTokens;
      g.requests += line.requests;
      groups.set(k, g);
    }
    return groups;
  }

  function days(from, to) {
    const list = [];
    for (let d = new Date(from + 'T00:00:00Z'); d <= new Date(to + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
      list.push(d.toISOString().slice(0, 10));
    }
    return list;
  }

  function render(report, admin) {
    const clients = admin ? report.clients : [report];
    const lines = [];
    for (const c of clients) for (const line of c.data) lines.push(Object.assign({ client: c.clientId }, line));
    const totals = report.totals;

    $('scope').textContent = (admin ? 'All clients' : 'Client ' + report.clientId) + ', ' + report.from + ' to ' + report.to + ' (UTC).';
    $('total-cost').textContent = totals.cost;
    $('total-requests').textContent = intText(totals.requests);
    $('total-tokens').textContent = intText(totals.totalTokens);
    $('total-io').textContent = intText(totals.inputTokens) + ' / ' + intText(totals.outputTokens);

    const spend = admin ? null : report.spend;
    $('live').hidden = !(spend && spend.available);
    if (spend && spend.available) $('live-spend').textContent = spend.todayUsd + ' / ' + spend.monthUsd;

    const byDay = sum(lines, (l) => l.date);
    const dayList = days(report.from, report.to);
    const dayItems = (pick) => dayList.map((d) => ({ label: d, ...pick(byDay.get(d)) }));
    chart($('chart-day-cost'), 'Spend per day (USD)', dayItems((g) => costItem(g)), '');
    chart($('chart-day-tokens'), 'Tokens per day', dayItems((g) => tokenItem(g)), 'tokens');

    const byModel = sum(lines, (l) => l.model);
    const models = [...byModel.keys()].sort();
    chart($('chart-model-cost'), 'Spend per model (USD)', models.map((m) => ({ label: m, ...costItem(byModel.get(m)) })), '');
    chart($('chart-model-tokens'), 'Tokens per model', models.map((m) => ({ label: m, ...tokenItem(byModel.get(m)) })), 'tokens');
    table($('table-model'), models.map((m) => [m, byModel.get(m)]));

    $('clients').hidden = !admin;
    if (admin) {
      const ids = clients.map((c) => c.clientId).sort();
      const byClient = new Map(clients.map((c) => [c.clientId, {
        cost: dec(c.totals.cost), tokens: c.totals.totalTokens, requests: c.totals.requests,
      }]));
      chart($('chart-client-cost'), 'Spend per client (USD)', ids.map((id) => ({ label: id, ...costItem(byClient.get(id)) })), '');
      chart($('chart-client-tokens'), 'Tokens per client', ids.map((id) => ({ label: id, ...tokenItem(byClient.get(id)) })), 'tokens');
      table($('table-client'), ids.map((id) => [id, byClient.get(id)]));
    }

    $('report').hidden = false;
    $('report').dataset.state = 'ready';
    $('report').dataset.view = admin ? 'admin' : 'client';
  }

  const costItem = (g) => g ? { value: decNumber(g.cost), text: decText(g.cost) } : { value: 0, text: '0' };
  const tokenItem = (g) => g ? { value: g.tokens, text: String(g.tokens) } : { value: 0, text: '0' };

  function table(element, rows) {
    const body = element.tBodies[0];
    body.replaceChildren();
    for (const [name, g] of rows) {
      const tr = body.insertRow();
      tr.dataset.key = name;
      for (const [cls, text] of [['name', name], ['cost', decText(g.cost)], ['tokens', intText(g.tokens)], ['requests', intText(g.requests)]]) {
        const td = tr.insertCell();
        td.className = cls;
        td.textContent = text;
      }
    }
  }

  // A bar chart as inline SVG: one rect.bar per item, carrying its exact value in data-value and a tooltip.
  function chart(container, title, items, kind) {
    const width = 480, height = 200, left = 8, bottom = 34, top = 22;
    const max = Math.max(0, ...items.map((i) => i.value));
    const slot = (width - left * 2) / Math.max(1, items.length);
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', title);
    add(svg, 'text', { x: left, y: 14 }).textContent = title;
    add(svg, 'line', { x1: left, y1: height - bottom, x2: width - left, y2: height - bottom, stroke: '#999' });
    const labelEvery = Math.ceil(items.length / 12);
    items.forEach((item, i) => {
      const h = max > 0 ? (item.value / max) * (height - bottom - top) : 0;
      const rect = add(svg, 'rect', {
        x: left + i * slot + slot * 0.1, y: height - bottom - h, width: Math.max(1, slot * 0.8), height: h,
        class: 'bar' + (kind ? ' ' + kind : ''), 'data-label': item.label, 'data-value': item.text,
      });
      add(rect, 'title', {}).textContent = item.label + ': ' + item.text;
      if (i % labelEvery === 0) {
        const label = item.label.length === 10 && item.label[4] === '-' ? item.label.slice(5) : item.label;
        add(svg, 'text', { x: left + i * slot + slot / 2, y: height - bottom + 14, 'text-anchor': 'middle' }).textContent = label;
      }
    });
    container.replaceChildren(svg);
  }

  function add(parent, name, attributes) {
    const element = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
    parent.appendChild(element);
    return element;
  }

  $('show').addEventListener('click', load);
  for (const id of ['key', 'from', 'to']) {
    $(id).addEventListener('keydown', (e) => { if (e.key === 'Enter') load(); });
  }
})();
