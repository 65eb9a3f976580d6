// The Events panel: the upload events the local stack (`ossdirect dev`)
// received as webhooks, live. The stack's receiver verifies each delivery's
// Standard Webhooks signature and serves what it got at <apiBase>/events:
// JSON ({receiver, events: [...]}) or, to an EventSource, one message per
// delivery (the kept ones first, then each new one).
//
// The panel appears only when that answers JSON. A deployed page has no
// such endpoint, so by default (config.js `events: 'auto'`) the page asks
// only when the API is on this machine: a deployed page makes no request
// for it and logs nothing. Per delivery the page parses one JSON message
// and adds one row, batched per animation frame; at most MAX_ROWS rows are
// kept. Rows are built with textContent only.
import config from './config.js';
import { formatBytes } from './upload.js';
import { t } from './i18n.js';

const MAX_ROWS = 50;

// eventsURL is where the page looks for events, or '' when it should not.
export function eventsURL(cfg = config, page = window.location.href) {
  const mode = cfg.events ?? 'auto';
  if (mode === false) return '';
  const base = String(cfg.apiBase || '').replace(/\/+$/, '');
  let url;
  try {
    url = new URL(`${base}/events`, page);
  } catch {
    return '';
  }
  return mode === true || isLoopback(url.hostname) ? url.href : '';
}

function isLoopback(host) {
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

// A Listing is {receiver: string, events: Delivery[]}.
function isListing(v) {
  return v && typeof v === 'object' && typeof v.receiver === 'string' && Array.isArray(v.events);
}

const el = (tag, className, text) => {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
};

// row renders one delivery: {seq, receivedAt, webhookId, verified,
// duplicate, error, event}.
function row(d) {
  const e = d.event;
  const data = e?.data || {};
  const li = el('li', 'event');
  li.dataset.seq = String(d.seq);
  li.dataset.verified = String(Boolean(d.verified));
  li.dataset.type = e?.type || '';
  li.dataset.key = data.key || '';
  if (d.duplicate) li.dataset.duplicate = 'true';

  const head = el('div', 'event-line');
  head.append(el('span', `badge event-type ${e?.type === 'upload.rejected' ? 'rejected' : ''}`.trim(), e?.type || t('notAnEvent')));
  head.append(el('span', 'event-key', data.key || d.webhookId || t('noWebhookId')));
  if (d.duplicate) head.append(el('span', 'badge event-duplicate', t('duplicateId')));
  li.append(head);

  const facts = [];
  if (e) {
    if (Number.isFinite(data.size)) facts.push(formatBytes(data.size));
    if (data.contentType) facts.push(data.contentType);
    if (Number.isFinite(data.width) && Number.isFinite(data.height)) facts.push(`${data.width}×${data.height}`);
    if (data.source) facts.push(t('via', { source: data.source }));
    if (Array.isArray(data.violations) && data.violations.length) facts.push(`${data.violations.join('; ')} (${data.action || t('kept')})`);
  }
  const time = new Date(d.receivedAt);
  if (!Number.isNaN(time.getTime())) facts.push(time.toLocaleTimeString());
  li.append(el('div', 'event-facts', facts.join(' · ')));

  const check = d.verified
    ? el('div', 'event-check ok', d.error ? t('verifiedRefused', { why: d.error }) : t('verified'))
    : el('div', 'event-check failed', t('notVerified', { why: d.error || t('unknownReason') }));
  li.append(check);
  return li;
}

// follow subscribes to url and shows each delivery as it arrives.
function follow(url, list, summary, state) {
  let lastSeq = 0;
  const counts = { total: 0, verified: 0, refused: 0, duplicates: 0 };
  let pending = [];
  let queued = false;
  const flush = () => {
    queued = false;
    const batch = pending.slice(-MAX_ROWS);
    pending = [];
    const frag = document.createDocumentFragment();
    for (let i = batch.length - 1; i >= 0; i--) frag.append(row(batch[i])); // newest first
    list.prepend(frag);
    while (list.childElementCount > MAX_ROWS) list.lastElementChild.remove();
    const parts = [t('deliveries', { n: counts.total })];
    if (counts.verified) parts.push(t('nVerified', { n: counts.verified }));
    if (counts.refused) parts.push(t('nRefused', { n: counts.refused }));
    if (counts.duplicates) parts.push(t('nDuplicates', { n: counts.duplicates }));
    summary.textContent = counts.total ? parts.join(' · ') : t('eventsNone');
  };
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(flush);
  };
  const add = (d) => {
    if (!d || typeof d !== 'object' || !Number.isFinite(d.seq)) return;
    if (d.seq <= lastSeq) {
      // The stack restarted: its numbering starts again.
      pending = [];
      list.replaceChildren();
      Object.keys(counts).forEach((k) => { counts[k] = 0; });
    }
    lastSeq = d.seq;
    counts.total++;
    if (d.verified && !d.error) counts.verified++;
    else counts.refused++;
    if (d.duplicate) counts.duplicates++;
    pending.push(d);
    if (pending.length > 2 * MAX_ROWS) pending.splice(0, pending.length - MAX_ROWS); // a hidden tab runs no frames
    schedule();
  };

  const source = new EventSource(url);
  source.addEventListener('open', () => { state.textContent = t('eventsLive'); });
  source.addEventListener('error', () => {
    state.textContent = t(source.readyState === EventSource.CLOSED ? 'eventsDisconnected' : 'eventsReconnecting');
  });
  source.addEventListener('message', (m) => {
    let d;
    try { d = JSON.parse(m.data); } catch { return; }
    add(d);
  });
  window.addEventListener('pagehide', () => source.close(), { once: true });
}

// fetchListing returns the Listing at url, or null.
async function fetchListing(url) {
  try {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok || !/^application\/json\b/.test(res.headers.get('Content-Type') || '')) return null;
    const v = await res.json();
    return isListing(v) ? v : null;
  } catch {
    return null; // no event list here
  }
}

// init shows the panel when <apiBase>/events answers JSON. It sets
// data-events on <html>: "on" with the panel shown, "off" otherwise.
export async function init(url = eventsURL()) {
  const listing = url ? await fetchListing(url) : null;
  const panel = document.getElementById('events');
  document.documentElement.dataset.events = listing && panel ? 'on' : 'off';
  if (!listing || !panel) return;
  const list = document.getElementById('events-list');
  const summary = document.getElementById('events-summary');
  const state = document.getElementById('events-state');
  document.getElementById('events-receiver').textContent = listing.receiver;
  panel.hidden = false;
  if (/^forwarding to /.test(listing.receiver)) {
    // `ossdirect dev --webhook-url`: the events go to the user's receiver.
    summary.textContent = t('eventsForwarded');
    state.textContent = '';
    return;
  }
  summary.textContent = t('eventsNone');
  follow(url, list, summary, state);
}

init();
