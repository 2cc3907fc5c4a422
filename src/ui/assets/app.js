// The /__ui page: every value from the server is put into the page as text, except a notification's
// content_html, which the server rendered from Markdown and sanitised. Links and buttons only ever
// point at absolute http(s) URLs; anything else (an empty or relative URL included) is shown inert.
// What is on screen is in the address bar (?view=users&user=ID, ?view=groups&gid=GID,
// ?view=journal&outcome=rejected|accepted), so a link or a reload opens the same view.
'use strict';

const ACTION_TYPES = ['primary', 'success', 'danger', 'warning', 'info', 'important', 'special'];
const state = {
  view: 'users',
  selected: { users: null, groups: null, journal: '' },
  users: [],
  groups: [],
  unread: { users: {}, groups: {} },
  seen: JSON.parse(sessionStorage.getItem('xxb-seen') || '{}'),
  // The newest notification counted in `unread`: an event for one already counted (fetched with
  // the rest after the stream lagged) is not counted again.
  counted: 0,
  // How many times the page fetched again what it shows because the stream skipped events.
  refetched: 0,
};

function token() {
  return sessionStorage.getItem('xxb-token') || '';
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    await askToken();
    return api(path, options);
  }
  return response.json();
}

function askToken() {
  return new Promise((resolve) => {
    const dialog = document.getElementById('token-dialog');
    dialog.addEventListener('close', () => {
      sessionStorage.setItem('xxb-token', document.getElementById('token-input').value);
      resolve();
    }, { once: true });
    dialog.showModal();
  });
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else if (name.startsWith('data-')) node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function safeUrl(value) {
  if (typeof value !== 'string' || value.trim() === '') return null;
  try {
    // No base: a relative URL would resolve against this page, which is not what a client shows.
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function text(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// The sender's name as a client shows it: /x.php's `name` (or its id), the direct API's
// `displayName`, the only one the chat daemon reads (without it, clients show none).
function senderName(n) {
  const sender = n.sender;
  if (!sender || typeof sender !== 'object') return text(sender);
  return n.api === 'xxd' ? text(sender.displayName) : text(sender.name || sender.id);
}

function avatar(sender, name) {
  const fallback = el('div', { class: 'avatar fallback', title: name }, (name || '?').slice(0, 1).toUpperCase());
  const src = sender && typeof sender === 'object' ? safeUrl(sender.avatar) : null;
  if (!src) return fallback;
  const img = el('img', { class: 'avatar', alt: name, src });
  img.addEventListener('error', () => img.replaceWith(fallback));
  return img;
}

function card(n) {
  const sender = n.sender;
  const shownName = senderName(n);
  const content = el('div', { class: n.contentType === 'text' ? 'content markdown' : 'content plain' });
  content.innerHTML = n.content_html; // rendered and sanitised by the server
  const link = safeUrl(n.url);
  const actions = el('div', { class: 'actions' });
  for (const action of Array.isArray(n.actions) ? n.actions : []) {
    if (!action || typeof action !== 'object') continue;
    const type = ACTION_TYPES.includes(action.type) ? action.type : 'default';
    const href = safeUrl(action.url);
    const button = el('a', { class: href ? 'btn' : 'btn inert', 'data-type': type, textContent: text(action.label) || '?' });
    if (href) {
      button.href = href;
      button.target = '_blank';
      button.rel = 'noopener noreferrer';
    } else {
      button.title = `not a web link: ${text(action.url)}`;
    }
    actions.append(button);
  }
  const recipients = (n.recipients || []).map((r) => r.realname || r.account).join('、');
  const when = new Date(n.received_at).toLocaleString();
  return el('article', { class: 'card', 'data-seq': String(n.seq) },
    el('header', {},
      avatar(sender, shownName || text(sender && typeof sender === 'object' ? sender.id : sender)),
      el('div', {},
        el('div', { class: 'title', textContent: text(n.title) }),
        n.subtitle ? el('div', { class: 'subtitle', textContent: text(n.subtitle) }) : null,
        el('div', { class: 'meta' },
          el('span', { class: 'api', 'data-api': text(n.api), textContent: text(n.api) }),
          ` ${[shownName, when, `#${n.seq}`].filter(Boolean).join(' · ')}`))),
    content,
    link ? el('a', { class: 'link', href: link, target: '_blank', rel: 'noopener noreferrer', textContent: link }) : null,
    actions.children.length ? actions : null,
    el('div', { class: 'meta', textContent: `→ ${recipients || '(nobody)'}` }));
}

function query(params) {
  return new URLSearchParams(params).toString();
}

async function loadDirectory() {
  const snapshot = await api('/__inspect/state');
  state.users = snapshot.users;
  state.groups = snapshot.chats;
  const all = await api(`/__ui/api/notifications?${query({ limit: 1000, order: 'desc' })}`);
  state.unread = { users: {}, groups: {} };
  state.counted = all.items.length ? all.items[0].seq : 0;
  for (const n of all.items) countUnread(n);
}

// Counts a notification as unread for each recipient (or its chat), except the one on screen.
function countUnread(n, onScreen = null) {
  if (n.cgid === 'notification') {
    for (const r of n.recipients) {
      if (onScreen === `u:${r.id}`) continue;
      if (n.seq > (state.seen[`u:${r.id}`] || 0)) state.unread.users[r.id] = (state.unread.users[r.id] || 0) + 1;
    }
  } else if (onScreen !== `g:${n.cgid}` && n.seq > (state.seen[`g:${n.cgid}`] || 0)) {
    state.unread.groups[n.cgid] = (state.unread.groups[n.cgid] || 0) + 1;
  }
}

function markSeen(key, seq) {
  state.seen[key] = Math.max(state.seen[key] || 0, seq);
  sessionStorage.setItem('xxb-seen', JSON.stringify(state.seen));
}

function renderSidebar() {
  const sidebar = document.getElementById('sidebar');
  sidebar.replaceChildren();
  if (state.view === 'journal') {
    for (const [label, outcome] of [['All', ''], ['Rejected', 'rejected'], ['Accepted', 'accepted']]) {
      const button = el('button', { textContent: label, 'data-outcome': outcome });
      if ((state.selected.journal || '') === outcome) button.classList.add('active');
      button.addEventListener('click', () => { state.selected.journal = outcome; show(); });
      sidebar.append(button);
    }
    return;
  }
  const items = state.view === 'users'
    ? state.users.map((u) => ({ key: u.id, label: `${u.realname} (${u.account})${u.deleted ? ' ✕' : ''}`, unread: state.unread.users[u.id] }))
    : state.groups.map((g) => ({ key: g.gid, label: `${g.name || g.gid}${g.dismissed ? ' (dismissed)' : ''}`, unread: state.unread.groups[g.gid] }));
  for (const item of items) {
    const button = el('button', { 'data-key': String(item.key) }, el('span', { textContent: item.label }), el('span', { class: 'badge', textContent: item.unread ? String(item.unread) : '' }));
    if (String(state.selected[state.view]) === String(item.key)) button.classList.add('active');
    button.addEventListener('click', () => { state.selected[state.view] = item.key; show(); });
    sidebar.append(button);
  }
}

async function renderNotifications() {
  const content = document.getElementById('content');
  const key = state.selected[state.view];
  if (key === null || key === undefined) {
    content.replaceChildren(el('p', { class: 'empty', textContent: state.view === 'users' ? 'Choose a user to see their notification centre (小喧喧).' : 'Choose a chat.' }));
    return;
  }
  const known = state.view === 'users'
    ? state.users.some((u) => String(u.id) === String(key))
    : state.groups.some((g) => g.gid === key);
  if (!known) {
    content.replaceChildren(el('p', { class: 'empty', textContent: state.view === 'users' ? `There is no user ${key}.` : `There is no chat ${key}.` }));
    return;
  }
  const filter = state.view === 'users' ? { user: key, gid: 'notification' } : { gid: key };
  const page = await api(`/__ui/api/notifications?${query(Object.assign({ limit: 200, order: 'desc' }, filter))}`);
  content.replaceChildren(...(page.items.length ? page.items.map(card) : [el('p', { class: 'empty', textContent: 'Nothing yet.' })]));
  if (page.items.length) {
    const seen = state.view === 'users' ? `u:${key}` : `g:${key}`;
    markSeen(seen, page.items[0].seq);
    if (state.view === 'users') delete state.unread.users[key]; else delete state.unread.groups[key];
    renderSidebar();
  }
}

// "Copy as curl": a shell command that sends the journaled request again so that the server
// journals it the same way. The journal keeps the language and the caller's address as the server
// resolved them, not the raw headers, so those are sent as headers that resolve the same way; what
// cannot be reproduced is said in `#` lines above the command. The body always goes through
// stdin (`--data-binary @-`): bytes that are not UTF-8, or hold a NUL, as base64 decoded by `base64 -d`.
function curlOf(entry) {
  const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const notes = [];
  const findings = (entry.findings || []).map((f) => f.code);
  const url = `${location.origin}${entry.path}${entry.query ? `?${entry.query}` : ''}`;
  // --globoff: `[]` and `{}` in a query are data, not curl's URL patterns.
  const curl = ['curl', '-sS', '--globoff'];
  curl.push(entry.http_method === 'HEAD' ? '--head' : `-X ${entry.http_method}`);
  curl.push(quote(url), '-H', quote(`Accept-Language: ${entry.lang}`));
  const forwarded = (entry.findings || []).find((f) => f.code === 'forwarded_address');
  if (forwarded) {
    // The finding names the header the server took the address from (Client-IP wins over X-Forwarded-For).
    const header = forwarded.message.includes('Client-IP') ? 'Client-IP' : 'X-Forwarded-For';
    curl.push('-H', quote(`${header}: ${entry.client_ip}`));
  } else if (!['127.0.0.1', '::1'].includes(entry.client_ip)) {
    notes.push(`The request came from ${entry.client_ip}; from another address the server sees another caller.`);
  }
  let command = curl.join(' ');
  if (entry.body_size > 0 && entry.http_method === 'HEAD') {
    notes.push(`The ${entry.body_size}-byte body of this HEAD request is not sent (curl sends none with --head).`);
  } else if (entry.body_size > 0) {
    notes.push('Content-Type is not journaled; the emulated API reads the body whatever it says.');
    if (entry.body_truncated) {
      notes.push(`The journal kept the first ${bodyLength(entry)} of ${entry.body_size} bytes of the body: only those are sent.`);
    }
    const text = entry.body_encoding === 'utf-8' && !entry.body.includes('\0');
    const base64 = entry.body_encoding === 'base64' ? entry.body : text ? null : utf8Base64(entry.body);
    const input = base64 === null ? `printf '%s' ${quote(entry.body)}` : `printf '%s' ${quote(base64)} | base64 -d`;
    command = `${input} | ${command} --data-binary @-`;
  }
  if (/(^|&)time=/.test(entry.query)) {
    notes.push('A time-mode token is single-use: sent again with the same `time`, it is refused (errcode 405).');
  }
  if (findings.includes('fault_injected')) {
    notes.push('A fault was injected into this request; sent again, it gets the normal answer unless a fault is armed.');
  }
  return [...notes.map((note) => `# ${note}`), command].join('\n');
}

function utf8Base64(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function bodyLength(entry) {
  return entry.body_encoding === 'base64' ? atob(entry.body).length : new TextEncoder().encode(entry.body).length;
}

function journalCard(entry) {
  const findings = (entry.findings || []).map((f) => el('div', { class: `finding ${f.severity}` },
    el('code', { textContent: f.code }), ` (${f.severity}) `, el('span', { textContent: f.message }),
    el('div', { class: 'muted', textContent: f.hint })));
  const copy = el('button', { class: 'copy', textContent: 'copy as curl' });
  copy.addEventListener('click', async () => {
    const command = curlOf(entry);
    try { await navigator.clipboard.writeText(command); copy.textContent = 'copied'; } catch { prompt('curl', command); }
  });
  return el('article', { class: 'card', 'data-seq': String(entry.seq), 'data-outcome': entry.outcome },
    copy,
    el('header', {}, el('span', { class: `outcome ${entry.outcome}`, textContent: entry.outcome }),
      el('span', { class: 'api', 'data-api': text(entry.api), textContent: text(entry.api) }),
      el('span', { class: 'title', textContent: `${entry.http_method} ${entry.method || entry.path}` }),
      el('span', { class: 'meta', textContent: `#${entry.seq} · ${entry.app || '-'} · ${new Date(entry.received_at).toLocaleString()}` })),
    ...findings,
    el('details', {}, el('summary', { textContent: 'request and answer' }),
      el('pre', { textContent: `${entry.path}?${entry.query}\n\n${entry.body}` }),
      el('pre', { textContent: `HTTP ${entry.status}\n\n${entry.response}` })));
}

async function renderJournal() {
  const outcome = state.selected.journal || '';
  const params = { limit: 200, order: 'desc' };
  if (outcome) params.outcome = outcome;
  const page = await api(`/__inspect/requests?${query(params)}`);
  const content = document.getElementById('content');
  content.replaceChildren(...(page.items.length ? page.items.map(journalCard) : [el('p', { class: 'empty', textContent: 'No requests yet.' })]));
}

const VIEWS = ['users', 'groups', 'journal'];

// The view in the address bar: the tab, and the user, chat or outcome chosen in it (the other tabs
// keep what was chosen in them). A user may be given by id or account; the address then shows the id.
function readAddress() {
  const params = new URLSearchParams(location.search);
  state.view = VIEWS.includes(params.get('view')) ? params.get('view') : 'users';
  if (state.view === 'users') {
    const user = params.get('user');
    const found = user && state.users.find((u) => String(u.id) === user || u.account === user);
    state.selected.users = found ? found.id : (user || null);
  } else if (state.view === 'groups') {
    state.selected.groups = params.get('gid') || null;
  } else {
    const outcome = params.get('outcome');
    state.selected.journal = ['rejected', 'accepted'].includes(outcome) ? outcome : '';
  }
}

function address() {
  const params = { view: state.view };
  const key = state.selected[state.view];
  if (state.view === 'users' && key !== null && key !== undefined) params.user = key;
  if (state.view === 'groups' && key !== null && key !== undefined) params.gid = key;
  if (state.view === 'journal' && key) params.outcome = key;
  return `${location.pathname}?${query(params)}`;
}

// Shows the current view. `history`: 'push' for a step the user took (Back returns from it),
// 'replace' to correct the address in place, 'keep' when the address is already what is shown.
async function show(history = 'push') {
  const target = address();
  if (history !== 'keep' && `${location.pathname}${location.search}` !== target) {
    if (history === 'push') window.history.pushState(null, '', target);
    else window.history.replaceState(null, '', target);
  }
  for (const button of document.querySelectorAll('#tabs button')) button.classList.toggle('active', button.dataset.view === state.view);
  renderSidebar();
  if (state.view === 'journal') await renderJournal(); else await renderNotifications();
}

function listen() {
  const url = token() ? `/__inspect/events?${query({ access_token: token() })}` : '/__inspect/events';
  const events = new EventSource(url);
  const live = document.getElementById('live');
  events.addEventListener('open', () => live.classList.add('on'));
  events.addEventListener('error', () => live.classList.remove('on'));
  events.addEventListener('notification', async (event) => {
    const n = JSON.parse(event.data);
    const key = state.selected[state.view];
    const shown = (state.view === 'users' && n.cgid === 'notification' && n.recipients.some((r) => String(r.id) === String(key)))
      || (state.view === 'groups' && n.cgid === key);
    const onScreen = shown ? (state.view === 'users' ? `u:${key}` : `g:${key}`) : null;
    // Every other recipient gets an unread notification, whether or not one of them is on screen.
    if (n.seq > state.counted) {
      state.counted = n.seq;
      countUnread(n, onScreen);
      renderSidebar();
    }
    if (shown) {
      const rendered = await api(`/__ui/api/notifications/${n.seq}`);
      const content = document.getElementById('content');
      if (content.querySelector(`article[data-seq="${n.seq}"]`)) return;
      content.querySelector('.empty')?.remove();
      content.prepend(card(rendered));
      markSeen(onScreen, n.seq);
    }
  });
  events.addEventListener('request', (event) => {
    if (state.view !== 'journal') return;
    const entry = JSON.parse(event.data);
    const outcome = state.selected.journal || '';
    if (outcome && entry.outcome !== outcome) return;
    const content = document.getElementById('content');
    if (content.querySelector(`article[data-seq="${entry.seq}"]`)) return;
    content.querySelector('.empty')?.remove();
    content.prepend(journalCard(entry));
  });
  // The server skipped events this page had not received yet (more arrived than a stream is sent):
  // what the page shows is fetched again instead.
  events.addEventListener('lagged', () => refetch());
}

// Fetches again the unread counts and the view, once at a time and at most once a second however
// often the stream lags; a lag during a fetch is followed by one more.
let refetching = false;
let lagged = false;
async function refetch() {
  lagged = true;
  if (refetching) return;
  refetching = true;
  while (lagged) {
    lagged = false;
    await loadDirectory();
    await show('keep');
    state.refetched += 1;
    document.body.dataset.refetched = String(state.refetched);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  refetching = false;
}

async function start() {
  for (const button of document.querySelectorAll('#tabs button')) {
    button.addEventListener('click', () => { state.view = button.dataset.view; show(); });
  }
  document.getElementById('reset').addEventListener('click', async () => {
    if (!confirm('Reset xxb-mock to its fixtures? Every notification and journal entry is deleted.')) return;
    await api('/__inspect/reset', { method: 'POST' });
    state.seen = {};
    sessionStorage.removeItem('xxb-seen');
    await loadDirectory();
    await show('keep');
  });
  window.addEventListener('popstate', () => { readAddress(); show('keep'); });
  await loadDirectory();
  readAddress();
  await show('replace');
  listen();
  document.body.dataset.ready = 'true';
}

start();
