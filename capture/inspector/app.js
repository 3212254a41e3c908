// portant-hooks inspector. Hand-written, no build step, no dependencies.
//
// Rule: everything that comes from a payload or a request is put in the page
// with textContent (or an attribute set to a string), never parsed as HTML.
// A webhook body is written by whoever could reach the listener.
'use strict';

(function () {
  const PAGE = 50;
  const MAX_LIVE_ROWS = 500; // live events beyond this drop off the bottom, reloadable with "Load older"
  const TARGET_KEY = 'portant-hooks.inspector.target';
  const WRAP_KEY = 'portant-hooks.inspector.wrap';

  const $ = (id) => document.getElementById(id);
  const ui = {
    conn: $('conn'), connText: $('conn-text'), count: $('count'), dir: $('dir'),
    q: $('q'), type: $('type'), status: $('status'), invalid: $('invalid'),
    list: $('events'), more: $('more'), empty: $('empty'), listError: $('list-error'),
    placeholder: $('placeholder'), event: $('event'),
    dType: $('d-type'), dId: $('d-id'), dValid: $('d-valid'), dTime: $('d-time'), dReq: $('d-req'),
    dRemote: $('d-remote'), dSize: $('d-size'), dStatus: $('d-status'), dFile: $('d-file'),
    form: $('replay-form'), target: $('target'), replay: $('replay'), copyCurl: $('copy-curl'), download: $('download'),
    edit: $('edit'), editor: $('editor'), eHeaders: $('e-headers'), eBody: $('e-body'), eError: $('e-error'),
    eSend: $('e-send'), eReset: $('e-reset'), eCancel: $('e-cancel'),
    answer: $('answer'), aStatus: $('a-status'), aLatency: $('a-latency'), aURL: $('a-url'), aExcerpt: $('a-excerpt'),
    aError: $('a-error'), aHeadersBox: $('a-headers-box'), aHeaders: $('a-headers'), aHeaderCount: $('a-header-count'),
    aBodyBox: $('a-body-box'), aNote: $('a-note'), aBody: $('a-body'), wrap: $('wrap'),
    result: $('replay-result'), rStatus: $('r-status'), rLatency: $('r-latency'), rTo: $('r-to'), rEdited: $('r-edited'),
    rError: $('r-error'), rHeadersBox: $('r-headers-box'), rHeaders: $('r-headers'), rBody: $('r-body'),
    curl: $('curl'), problems: $('problems'), problemsTitle: $('problems-title'), problemList: $('problem-list'),
    tabBody: $('tab-body'), tabHeaders: $('tab-headers'), headerCount: $('header-count'),
    note: $('body-note'), code: $('code'), headers: $('headers'), toast: $('toast'),
  };

  const state = {
    info: {},
    events: [],        // summaries shown, newest first
    ids: new Set(),
    next: 0,           // before= for the next older page; 0: none
    total: 0,
    latest: 0,         // newest id seen: the stream resumes after it
    selected: 0,
    detail: null,
    listAbort: null,
    es: null,
    retry: 1000,
    replaying: false,
    matched: null,     // events passing the filters, when the server could count them
    savedBody: null,   // the selected event's body as saved, for the editor
  };

  // ---- small helpers -------------------------------------------------------

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // api fetches a JSON (or text) answer; an error answer becomes an Error
  // with the server's message. ok names extra statuses that carry a result.
  async function api(path, opts, ok) {
    const res = await fetch(path, opts);
    const type = res.headers.get('Content-Type') || '';
    const body = type.startsWith('application/json') ? await res.json() : await res.text();
    if (!res.ok && !(ok && ok.includes(res.status))) {
      const msg = body && body.error ? body.error : (res.status + ' ' + res.statusText);
      throw new Error(msg);
    }
    return body;
  }

  function pad(n) { return String(n).padStart(2, '0'); }

  function clock(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return '—';
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  function longTime(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return '—';
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }

  function ago(iso) {
    const s = Math.round((Date.now() - new Date(iso)) / 1000);
    if (isNaN(s) || s < 0) return '';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }

  function size(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1024 / 1024).toFixed(1) + ' MiB';
  }

  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  // TONES is how many badge colours style.css has; a type takes the one of
  // its place in the server's list of types (state.info.types).
  const TONES = 6;
  function badge(type) {
    const b = el('span', 'badge', type || 'UNKNOWN');
    b.dataset.type = type || 'UNKNOWN';
    const i = (state.info.types || []).indexOf(type);
    if (i >= 0) b.dataset.tone = String(i % TONES);
    return b;
  }

  // typeOptions puts the server's event types in the type filter, before
  // UNKNOWN.
  function typeOptions() {
    const unknown = ui.type.querySelector('option[value="UNKNOWN"]');
    for (const t of state.info.types || []) {
      const o = el('option', null, t);
      o.value = t;
      ui.type.insertBefore(o, unknown);
    }
  }

  function validity(ev) {
    if (ev.valid) return el('span', 'validity ok', '✓ valid');
    const n = ev.problemCount || 0;
    return el('span', 'validity bad', '✗ ' + (n ? plural(n, 'problem') : 'invalid'));
  }

  // answerChip is what the sender got: the handler's status, coloured by
  // class, or "no answer"; without --forward-to, the listener's own when it
  // was not a plain 200 (a mock --status or --fail-rate), or always.
  function answerChip(ev, always) {
    if (!ev.answer || (!always && !ev.forwarded && ev.status === 200)) return el('span', 'answer');
    const unreachable = ev.answer === 'unreachable';
    const s = el('span', 'answer status', unreachable ? 'no answer' : String(ev.status));
    s.dataset.class = unreachable ? 'x' : ev.answer.charAt(0);
    s.title = unreachable ? 'The handler gave no whole answer: the sender got ' + ev.status : 'The sender got ' + ev.status;
    return s;
  }

  function latency(ms) { return ms.toFixed(ms < 10 ? 1 : 0) + ' ms'; }

  // copyText puts text on the clipboard, or, when the page may not, asks
  // the user to select it where it is shown.
  async function copyText(text, what, where) {
    try {
      await navigator.clipboard.writeText(text);
      toast('Copied ' + what);
    } catch (_) {
      toast('Select ' + where + ' to copy it');
    }
  }

  let toastTimer = 0;
  function toast(msg) {
    ui.toast.textContent = msg;
    ui.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { ui.toast.hidden = true; }, 2200);
  }

  // ---- filters -------------------------------------------------------------

  function filterParams() {
    const p = new URLSearchParams();
    if (ui.q.value.trim()) p.set('q', ui.q.value.trim());
    if (ui.type.value) p.set('type', ui.type.value);
    if (ui.status.value) p.set('status', ui.status.value);
    if (ui.invalid.checked) p.set('invalid', '1');
    return p;
  }

  function filtering() { return ui.q.value.trim() !== '' || ui.type.value !== '' || ui.status.value !== '' || ui.invalid.checked; }

  // matchesCheap decides the filters the page can check itself; a text
  // filter needs the server (it searches bodies).
  function matchesCheap(ev) {
    if (ui.type.value && (ev.eventType || 'UNKNOWN') !== ui.type.value) return false;
    if (ui.invalid.checked && ev.valid) return false;
    if (ui.status.value && ev.answer !== ui.status.value) return false;
    return true;
  }

  // ---- the list ------------------------------------------------------------

  function row(ev) {
    const li = el('li');
    li.id = 'ev-' + ev.id;
    li.dataset.id = ev.id;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', ev.id === state.selected ? 'true' : 'false');
    const t = el('span', 'time', clock(ev.received));
    t.title = longTime(ev.received);
    const head = el('span', 'head');
    head.append(badge(ev.eventType), answerChip(ev));
    li.append(
      t,
      head,
      el('span', 'size', size(ev.size)),
      el('span', 'seq', '#' + ev.id),
      el('span', 'eid', ev.eventId || '(no eventId)'),
      validity(ev),
    );
    li.querySelector('.eid').title = ev.eventId || '';
    if (ev.answerText) {
      const a = el('span', 'answer-text', ev.answerText);
      a.dataset.class = ev.answer === 'unreachable' ? 'x' : ev.answer.charAt(0);
      a.title = ev.answerText;
      li.append(a);
    }
    li.addEventListener('click', () => select(ev.id));
    return li;
  }

  function renderList() {
    ui.list.replaceChildren(...state.events.map(row));
    renderFoot();
  }

  // count says how many events there are, and how many pass the filters:
  // counted by the server when it could, else those loaded (and more).
  function count() {
    if (!state.total) return '';
    if (!filtering()) return plural(state.total, 'event');
    const n = state.matched !== null ? String(state.matched) : state.events.length + (state.next ? '+' : '');
    return n + ' of ' + plural(state.total, 'event');
  }

  function renderFoot() {
    ui.more.hidden = !state.next;
    ui.count.textContent = count();
    if (state.events.length) {
      ui.empty.hidden = true;
      return;
    }
    ui.empty.hidden = false;
    ui.empty.replaceChildren();
    if (filtering()) {
      ui.empty.append('No event matches these filters.');
      return;
    }
    ui.empty.append('Waiting for events…', el('br'));
    if (state.info.webhook) {
      const cmd = 'portant-hooks send --type all --to ' + state.info.webhook;
      const copy = el('button', 'copy', 'Copy');
      copy.type = 'button';
      copy.title = 'Copy the command';
      copy.addEventListener('click', () => copyText(cmd, 'the command', 'the text'));
      const box = el('div', 'cmd');
      box.append(el('code', null, cmd), copy);
      ui.empty.append('Point Portant at the listener, or send a test event:', box);
    } else {
      ui.empty.append('They appear here as the listener saves them.');
    }
  }

  async function loadFirst() {
    if (state.listAbort) state.listAbort.abort();
    const ctrl = new AbortController();
    state.listAbort = ctrl;
    const p = filterParams();
    p.set('limit', PAGE);
    try {
      const page = await api('/api/events?' + p, { signal: ctrl.signal });
      state.events = page.events;
      state.ids = new Set(page.events.map((e) => e.id));
      state.next = page.next;
      state.total = page.total;
      state.matched = page.matched === undefined ? null : page.matched;
      state.latest = Math.max(state.latest, page.latest);
      ui.listError.hidden = true;
      renderList();
      if (state.selected && !state.ids.has(state.selected)) {
        // The filters hide the event shown: the pane must not show it as
        // if it were in the list.
        deselect(state.events.length ? 'The event you had selected does not match these filters.' : '');
      } else if (!state.selected && state.events.length) select(state.events[0].id);
      else if (state.selected) markSelected();
    } catch (err) {
      if (err.name === 'AbortError') return;
      ui.listError.textContent = 'Could not load events: ' + err.message;
      ui.listError.hidden = false;
    }
  }

  async function loadMore() {
    if (!state.next) return;
    const p = filterParams();
    p.set('limit', PAGE);
    p.set('before', state.next);
    ui.more.disabled = true;
    try {
      const page = await api('/api/events?' + p);
      const fresh = page.events.filter((e) => !state.ids.has(e.id));
      fresh.forEach((e) => state.ids.add(e.id));
      state.events = state.events.concat(fresh);
      state.next = page.next;
      ui.list.append(...fresh.map(row));
      renderFoot();
    } catch (err) {
      ui.listError.textContent = 'Could not load older events: ' + err.message;
      ui.listError.hidden = false;
    } finally {
      ui.more.disabled = false;
    }
  }

  let reloadTimer = 0;
  function reloadSoon(ms) {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(loadFirst, ms);
  }

  // ---- live updates --------------------------------------------------------

  function setConn(s, text) {
    ui.conn.dataset.state = s;
    ui.connText.textContent = text;
  }

  function connect() {
    if (state.es) state.es.close();
    const es = new EventSource('/api/stream?after=' + state.latest);
    state.es = es;
    es.addEventListener('open', () => { state.retry = 1000; setConn('live', 'live'); });
    es.addEventListener('event', (e) => {
      let ev;
      try { ev = JSON.parse(e.data); } catch (_) { return; }
      onLive(ev);
    });
    es.addEventListener('reset', (e) => {
      try { state.latest = JSON.parse(e.data).latest; } catch (_) { /* keep ours */ }
      state.selected = 0;
      loadFirst();
    });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (the server answered with an error): try again
        // ourselves, from the newest event we have.
        setConn('offline', 'offline: retrying…');
        const wait = state.retry;
        state.retry = Math.min(state.retry * 2, 15000);
        setTimeout(() => { if (state.es === es) connect(); }, wait);
      } else {
        setConn('connecting', 'reconnecting…');
      }
    });
  }

  function onLive(ev) {
    if (ev.id <= 0) return;
    state.latest = Math.max(state.latest, ev.id);
    if (state.ids.has(ev.id)) return;
    state.total = Math.max(state.total, ev.id); // ids count the journal's events
    if (!matchesCheap(ev)) { renderFoot(); return; }
    if (ui.q.value.trim()) { reloadSoon(250); return; }
    if (state.matched !== null) state.matched++;
    state.ids.add(ev.id);
    // Newest first; the stream sends them in order, but keep it exact.
    let i = 0;
    while (i < state.events.length && state.events[i].id > ev.id) i++;
    state.events.splice(i, 0, ev);
    const li = row(ev);
    li.classList.add('fresh');
    const before = ui.list.children[i];
    ui.list.insertBefore(li, before || null);
    while (state.events.length > MAX_LIVE_ROWS) {
      const gone = state.events.pop();
      state.ids.delete(gone.id);
      if (ui.list.lastElementChild) ui.list.lastElementChild.remove();
      state.next = state.events[state.events.length - 1].id;
    }
    renderFoot();
    if (!state.selected) select(ev.id);
  }

  // ---- one event -----------------------------------------------------------

  function markSelected() {
    for (const li of ui.list.querySelectorAll('li[aria-selected="true"]')) li.setAttribute('aria-selected', 'false');
    const li = document.getElementById('ev-' + state.selected);
    if (li) {
      li.setAttribute('aria-selected', 'true');
      li.scrollIntoView({ block: 'nearest' });
    }
  }

  // deselect empties the detail pane, saying why when there is a reason.
  function deselect(why) {
    state.selected = 0;
    state.detail = null;
    detailSeq++;
    markSelected();
    ui.event.hidden = true;
    ui.placeholder.hidden = false;
    ui.placeholder.replaceChildren(el('p', null, why || 'Select an event to see its body, headers and problems.'));
  }

  let detailSeq = 0;
  async function select(id) {
    if (id === state.selected && state.detail && state.detail.id === id) {
      markSelected(); // shown already: an editor or a replay result stays
      return;
    }
    state.selected = id;
    markSelected();
    const mine = ++detailSeq;
    try {
      const d = await api('/api/events/' + id);
      if (mine !== detailSeq) return;
      state.detail = d;
      renderDetail(d);
    } catch (err) {
      if (mine !== detailSeq) return;
      ui.placeholder.hidden = false;
      ui.event.hidden = true;
      ui.placeholder.replaceChildren(el('p', 'error-text', 'Could not load event #' + id + ': ' + err.message));
    }
  }

  function move(delta) {
    if (!state.events.length) return;
    let i = state.events.findIndex((e) => e.id === state.selected);
    i = i < 0 ? 0 : Math.max(0, Math.min(state.events.length - 1, i + delta));
    if (state.events[i].id !== state.selected) select(state.events[i].id);
    if (i === state.events.length - 1 && state.next) loadMore();
  }

  function renderDetail(d) {
    ui.placeholder.hidden = true;
    ui.event.hidden = false;
    ui.dType.replaceWith(ui.dType = Object.assign(badge(d.eventType), { id: 'd-type' }));
    ui.dId.textContent = d.eventId || '(no eventId)';
    ui.dValid.replaceWith(ui.dValid = Object.assign(validity(d), { id: 'd-valid' }));
    ui.dTime.textContent = longTime(d.received);
    const when = ago(d.received);
    if (when) ui.dTime.append(el('span', 'muted', ' · ' + when));
    ui.dTime.title = d.received;
    ui.dReq.textContent = d.method + ' ' + d.path + (d.query ? '?' + d.query : '');
    ui.dRemote.textContent = d.remote || '—';
    ui.dSize.textContent = size(d.size);
    ui.dStatus.replaceChildren(d.status ? answerChip(d, true) : '—');
    if (d.forward) {
      const f = d.forward;
      ui.dStatus.append(el('span', 'muted', f.error ? ' · the handler gave no whole answer' : ' · your handler\'s answer, in ' + latency(f.latencyMs)));
    } else if (d.status) {
      ui.dStatus.append(el('span', 'muted', ' · by the listener'));
    }
    ui.dFile.textContent = d.file || '(not saved)';

    if (d.file) {
      ui.download.href = '/api/events/' + d.id + '/body?download=1';
      ui.download.setAttribute('download', d.file);
      ui.download.removeAttribute('aria-disabled');
    } else {
      ui.download.removeAttribute('href');
      ui.download.setAttribute('aria-disabled', 'true');
    }
    const noBody = d.view.kind === 'missing';
    ui.replay.disabled = noBody;
    ui.edit.disabled = noBody;
    ui.copyCurl.disabled = noBody;
    ui.result.hidden = true;
    ui.curl.hidden = true;
    ui.editor.hidden = true;
    state.savedBody = null;

    renderAnswer(d);
    renderProblems(d.view);
    renderHeaders(d.headers);
    ui.note.hidden = !d.view.note;
    ui.note.textContent = d.view.note || '';
    renderCode(d.view);
    showTab('body');
  }

  // renderAnswer shows what the --forward-to handler answered, as the
  // journal kept it: no replay needed to read an error.
  function renderAnswer(d) {
    const f = d.forward;
    const a = d.answerView;
    ui.answer.hidden = !f;
    if (!f) return;
    ui.aURL.textContent = 'from ' + f.url;
    ui.aLatency.textContent = latency(f.latencyMs);
    ui.aStatus.textContent = a.statusText || 'no answer';
    ui.aStatus.dataset.class = f.error ? 'x' : String(f.status).charAt(0);
    ui.aError.hidden = !f.error;
    ui.aError.textContent = f.error || '';
    ui.aExcerpt.hidden = !a.excerpt;
    ui.aExcerpt.textContent = a.excerpt || '';
    ui.aExcerpt.dataset.class = String(f.status).charAt(0);
    const names = headerNames(f.headers);
    ui.aHeaders.replaceChildren(...headerRows(f.headers || {}, names));
    ui.aHeaderCount.textContent = String(names.length);
    ui.aHeadersBox.hidden = names.length === 0;
    ui.aNote.hidden = !a.note;
    ui.aNote.textContent = a.note || '';
    const shown = a.kind === 'json' || a.kind === 'text';
    ui.aBodyBox.hidden = !shown && !a.note;
    ui.aBody.hidden = !shown;
    if (shown) renderCode({ kind: a.kind, text: a.text, problems: [] }, ui.aBody);
    // Open when reading it helps: JSON, or text that is not a page whose
    // text the excerpt already gives.
    const html = /html/i.test((f.headers && (f.headers['Content-Type'] || [])[0]) || '');
    ui.aBodyBox.open = shown && !html && f.status >= 300;
  }

  function renderProblems(view) {
    const ps = view.problems || [];
    ui.problems.hidden = ps.length === 0;
    ui.problemList.replaceChildren();
    if (!ps.length) return;
    ui.problemsTitle.textContent = plural(ps.length, 'problem') + (view.kind === 'json' ? ' (marked in the body below)' : '');
    for (const p of ps) {
      const li = el('li');
      li.append(el('span', 'at', p.line + ':' + p.column));
      if (p.pointer) li.append(el('span', 'ptr', p.pointer));
      li.append(el('span', 'msg', p.message));
      if (p.fileLine && (p.fileLine !== p.line || p.fileColumn !== p.column)) {
        li.append(el('span', 'file', '(line ' + p.fileLine + ', column ' + p.fileColumn + ' in the saved file)'));
      }
      li.addEventListener('click', () => {
        showTab('body');
        const line = ui.code.querySelector('[data-line="' + p.line + '"]');
        if (line) {
          line.scrollIntoView({ block: 'center', behavior: 'smooth' });
          line.classList.remove('flash');
          void line.offsetWidth;
          line.classList.add('flash');
        }
      });
      ui.problemList.append(li);
    }
  }

  function renderHeaders(headers) {
    const names = headerNames(headers);
    ui.headerCount.textContent = String(names.length);
    ui.headers.replaceChildren(...headerRows(headers, names));
  }

  // headerNames are the names of headers in the order every header list
  // shows them.
  function headerNames(headers) { return Object.keys(headers || {}).sort((a, b) => a.localeCompare(b)); }

  function headerRows(headers, names) {
    const rows = [];
    for (const name of names) {
      for (const v of headers[name]) {
        const tr = el('tr');
        tr.append(el('th', null, name), el('td', null, v));
        rows.push(tr);
      }
    }
    return rows;
  }

  function showTab(which) {
    const body = which === 'body';
    ui.tabBody.setAttribute('aria-selected', String(body));
    ui.tabHeaders.setAttribute('aria-selected', String(!body));
    ui.code.hidden = !body;
    ui.headers.hidden = body;
  }

  // ---- the body, highlighted, with problems marked ----------------------------

  // A JSON token per match; pretty-printed JSON keeps every string on one line.
  const TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b|([{}[\],:])/g;

  function highlight(line) {
    const parts = [];
    let last = 0;
    TOKEN.lastIndex = 0;
    let m;
    while ((m = TOKEN.exec(line)) !== null) {
      if (m.index > last) parts.push({ text: line.slice(last, m.index), cls: '', start: last });
      if (m[1] !== undefined) {
        parts.push({ text: m[1], cls: m[2] !== undefined ? 'j-key' : 'j-str', start: m.index });
        if (m[2] !== undefined) parts.push({ text: m[2], cls: 'j-punct', start: m.index + m[1].length });
      } else if (m[3] !== undefined) {
        parts.push({ text: m[3], cls: 'j-num', start: m.index });
      } else if (m[4] !== undefined) {
        parts.push({ text: m[4], cls: 'j-lit', start: m.index });
      } else {
        parts.push({ text: m[5], cls: 'j-punct', start: m.index });
      }
      last = m.index + m[0].length;
    }
    if (last < line.length) parts.push({ text: line.slice(last), cls: '', start: last });
    return parts;
  }

  function plain(line) { return line ? [{ text: line, cls: '', start: 0 }] : []; }

  // utf16At turns a 1-based column counted in characters (code points, as
  // the validator counts) into an index in a JS string.
  function utf16At(line, column) {
    let i = 0;
    let c = 1;
    while (c < column && i < line.length) {
      const cp = line.codePointAt(i);
      i += cp > 0xffff ? 2 : 1;
      c++;
    }
    return i;
  }

  // markAt splits parts so the token (or, in plain text, the word) starting
  // at index is wrapped in an error mark.
  function markAt(parts, line, index, json, message) {
    if (index >= line.length) return false;
    let end;
    if (json) {
      const p = parts.find((q) => q.start <= index && index < q.start + q.text.length && q.cls);
      end = p ? p.start + p.text.length : index + 1;
      if (p && p.cls === 'j-key') end = p.start + p.text.length;
    } else {
      const rest = line.slice(index);
      const w = /^[^\s,:{}[\]]+/.exec(rest);
      end = index + (w ? w[0].length : 1);
    }
    const out = [];
    for (const p of parts) {
      const s = p.start;
      const e = p.start + p.text.length;
      if (e <= index || s >= end) { out.push(p); continue; }
      if (s < index) out.push({ text: line.slice(s, index), cls: p.cls, start: s });
      out.push({ text: line.slice(Math.max(s, index), Math.min(e, end)), cls: p.cls + ' err-mark', start: Math.max(s, index), title: message });
      if (e > end) out.push({ text: line.slice(end, e), cls: p.cls, start: end });
    }
    parts.splice(0, parts.length, ...out);
    return true;
  }

  function renderCode(view, into) {
    into = into || ui.code;
    const frag = document.createDocumentFragment();
    if (view.kind === 'missing') {
      into.replaceChildren(el('div', 'line', '  (no body)'));
      return;
    }
    const json = view.kind === 'json';
    const byLine = new Map();
    for (const p of view.problems || []) {
      if (!byLine.has(p.line)) byLine.set(p.line, []);
      byLine.get(p.line).push(p);
    }
    const lines = view.text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const highlightAll = json && lines.length <= 20000;
    lines.forEach((text, n) => {
      const num = n + 1;
      const line = el('div', 'line');
      line.dataset.line = num;
      const parts = highlightAll ? highlight(text) : plain(text);
      const problems = byLine.get(num) || [];
      let eol = false;
      for (const p of problems) {
        if (!markAt(parts, text, utf16At(text, p.column), json, p.message)) eol = true;
      }
      const src = el('span', 'src');
      for (const p of parts) {
        if (!p.cls && !p.title) { src.append(p.text); continue; }
        const s = el('span', p.cls.trim(), p.text);
        if (p.title) s.title = p.title;
        src.append(s);
      }
      if (eol) src.append(el('span', 'err-eol'));
      line.append(el('span', 'ln', num), src);
      if (problems.length) line.classList.add('has-err');
      frag.append(line);
      for (const p of problems) {
        // The caret sits under the marked column: the padding is the line's
        // own text up to it, hidden, so wide characters line up too.
        const lens = el('div', 'lens');
        const src = el('span', 'src');
        src.append(el('span', 'pad', text.slice(0, utf16At(text, p.column)).replace(/[^\t]/g, ' ')), el('span', 'caret', '▲ '),
          el('span', 'msg', p.message), el('span', 'ptr', p.pointer ? '  ' + p.pointer : ''));
        lens.append(el('span', 'ln', ''), src);
        frag.append(lens);
      }
    });
    into.replaceChildren(frag);
  }

  // ---- actions -------------------------------------------------------------

  function target() { return ui.target.value.trim(); }

  // replay sends the selected event again; changes, from the editor, are
  // {body, headers} to send in place of the captured ones.
  async function replay(changes) {
    const d = state.detail;
    if (!d || state.replaying || ui.replay.disabled) return;
    state.replaying = true;
    ui.replay.disabled = true;
    ui.eSend.disabled = true;
    ui.rEdited.hidden = !changes;
    ui.result.hidden = false;
    ui.rStatus.textContent = '…';
    ui.rStatus.dataset.class = '';
    ui.rLatency.textContent = 'sending';
    ui.rTo.textContent = target() || state.info.forwardTo || '';
    ui.rError.hidden = true;
    ui.rHeadersBox.hidden = true;
    ui.rBody.textContent = '';
    try {
      const res = await api('/api/events/' + d.id + '/replay', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(Object.assign({ to: target() }, changes || {})),
      }, [502]); // 502: the handler could not be reached; the result says why
      if (state.detail !== d) return;
      showReplay(res);
    } catch (err) {
      if (state.detail !== d) return;
      ui.rStatus.textContent = 'not sent';
      ui.rStatus.dataset.class = 'x';
      ui.rLatency.textContent = '';
      ui.rError.textContent = err.message;
      ui.rError.hidden = false;
    } finally {
      state.replaying = false;
      ui.replay.disabled = false;
      ui.eSend.disabled = false;
    }
  }

  // ---- replay with changes -----------------------------------------------------

  function headerText(headers) {
    const lines = [];
    for (const name of headerNames(headers)) {
      for (const v of headers[name]) lines.push(name + ': ' + v);
    }
    return lines.join('\n');
  }

  // parseHeaders reads the editor's "Name: value" lines; a line that is not
  // one is an Error naming it.
  function parseHeaders(text) {
    const out = {};
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon).trim() : '';
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
        throw new Error('Header line ' + (i + 1) + ' is not "Name: value": ' + line);
      }
      (out[name] = out[name] || []).push(line.slice(colon + 1).trim());
    });
    return out;
  }

  async function openEditor() {
    const d = state.detail;
    if (!d || ui.edit.disabled) return;
    ui.eError.hidden = true;
    if (state.savedBody === null && d.view.decoded) {
      // Saved compressed: edit the decoded text the page shows.
      state.savedBody = d.view.text;
    } else if (state.savedBody === null) {
      try {
        const body = await api('/api/events/' + d.id + '/body');
        if (state.detail !== d) return; // another event is shown now
        state.savedBody = body;
      } catch (err) {
        toast('Could not read the saved body: ' + err.message);
        return;
      }
    }
    ui.editor.hidden = false;
    resetEditor();
    ui.eBody.focus();
  }

  function resetEditor() {
    const d = state.detail;
    if (!d) return;
    ui.eHeaders.value = headerText(d.replayHeaders);
    ui.eBody.value = typeof state.savedBody === 'string' ? state.savedBody : '';
    ui.eError.hidden = true;
    fitRows(ui.eHeaders, 2, 8);
    fitRows(ui.eBody, 4, 18);
  }

  // fitRows sizes a text area to its text, within bounds: long lines
  // wrap, so they count by how many rows they take.
  function fitRows(area, least, most) {
    const cols = Math.max(20, Math.floor(area.clientWidth / 7.5) || 100);
    const rows = area.value.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / cols)), 0);
    area.rows = Math.min(most, Math.max(least, rows));
  }

  function sendEdited() {
    let headers;
    try {
      headers = parseHeaders(ui.eHeaders.value);
    } catch (err) {
      ui.eError.textContent = err.message;
      ui.eError.hidden = false;
      return;
    }
    ui.eError.hidden = true;
    replay({ body: ui.eBody.value, headers });
  }

  // ---- wrapping ------------------------------------------------------------

  function setWrap(on) {
    ui.wrap.checked = on;
    document.body.classList.toggle('wrap-lines', on);
    try { localStorage.setItem(WRAP_KEY, on ? '1' : ''); } catch (_) { /* private mode */ }
  }

  function showReplay(res) {
    ui.result.scrollIntoView({ block: 'nearest' });
    ui.rTo.textContent = '→ ' + res.to;
    ui.rLatency.textContent = latency(res.latencyMs);
    if (res.error) {
      ui.rStatus.textContent = 'no answer';
      ui.rStatus.dataset.class = 'x';
      ui.rError.textContent = res.error;
      ui.rError.hidden = false;
      return;
    }
    ui.rStatus.textContent = res.statusText || String(res.status);
    ui.rStatus.dataset.class = String(res.status).charAt(0);
    const names = headerNames(res.headers);
    ui.rHeaders.replaceChildren(...headerRows(res.headers || {}, names));
    ui.rHeadersBox.hidden = names.length === 0;
    ui.rBody.textContent = res.body + (res.bodyTruncated ? '\n… (cut)' : '');
  }

  async function copyCurl() {
    const d = state.detail;
    if (!d) return;
    const p = new URLSearchParams();
    if (target()) p.set('to', target());
    try {
      const cmd = (await api('/api/events/' + d.id + '/curl?' + p)).replace(/\n$/, '');
      ui.curl.textContent = cmd;
      ui.curl.hidden = false;
      await copyText(cmd, 'the curl command', 'the command below');
    } catch (err) {
      toast('Could not make the curl command: ' + err.message);
    }
  }

  // ---- wiring --------------------------------------------------------------

  function typing(e) {
    const t = e.target;
    return t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
  }

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e)) {
      if (e.key === 'Escape') e.target.blur();
      if (e.target === ui.q && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
        e.preventDefault();
        ui.q.blur();
        move(e.key === 'ArrowDown' ? 1 : -1);
      }
      return;
    }
    switch (e.key) {
      case 'ArrowDown': case 'j': e.preventDefault(); move(1); break;
      case 'ArrowUp': case 'k': e.preventDefault(); move(-1); break;
      case 'r': e.preventDefault(); replay(); break;
      case 'e': e.preventDefault(); openEditor(); break;
      case 'c': e.preventDefault(); copyCurl(); break;
      case '/': e.preventDefault(); ui.q.focus(); ui.q.select(); break;
      default:
    }
  });

  let filterTimer = 0;
  ui.q.addEventListener('input', () => { clearTimeout(filterTimer); filterTimer = setTimeout(loadFirst, 200); });
  ui.type.addEventListener('change', loadFirst);
  ui.invalid.addEventListener('change', loadFirst);
  ui.status.addEventListener('change', loadFirst);
  ui.edit.addEventListener('click', openEditor);
  ui.editor.addEventListener('submit', (e) => { e.preventDefault(); sendEdited(); });
  ui.eReset.addEventListener('click', resetEditor);
  ui.eCancel.addEventListener('click', () => { ui.editor.hidden = true; });
  ui.wrap.addEventListener('change', () => setWrap(ui.wrap.checked));
  ui.more.addEventListener('click', loadMore);
  ui.form.addEventListener('submit', (e) => { e.preventDefault(); replay(); });
  ui.copyCurl.addEventListener('click', copyCurl);
  ui.tabBody.addEventListener('click', () => showTab('body'));
  ui.tabHeaders.addEventListener('click', () => showTab('headers'));
  ui.target.addEventListener('change', () => {
    try { localStorage.setItem(TARGET_KEY, target()); } catch (_) { /* private mode */ }
  });
  ui.list.parentElement.addEventListener('scroll', () => {
    const l = ui.list.parentElement;
    if (l.scrollTop + l.clientHeight > l.scrollHeight - 80) loadMore();
  });

  async function start() {
    try {
      state.info = await api('/api/info');
    } catch (_) {
      state.info = {};
    }
    typeOptions();
    let wrap = false;
    try { wrap = localStorage.getItem(WRAP_KEY) === '1'; } catch (_) { /* private mode */ }
    setWrap(wrap);
    ui.dir.textContent = state.info.dir || '';
    ui.dir.title = 'Events are saved in ' + (state.info.dir || '');
    let saved = '';
    try { saved = localStorage.getItem(TARGET_KEY) || ''; } catch (_) { /* private mode */ }
    ui.target.value = state.info.forwardTo || saved;
    if (state.info.forwardTo) ui.target.placeholder = state.info.forwardTo;
    await loadFirst();
    connect();
  }

  start();
})();
