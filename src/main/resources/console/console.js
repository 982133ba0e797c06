// The console of the bundle: WhatsApp numbers (instances), their QR code while connecting, sending state, CRM
// dead letters with replay, the latest events (by instance, page by page) and a link to Hawtio when it is served.
// Everything it shows comes from the bundle's API with the token the admin types in; the token stays in this tab's
// session storage and the page itself holds no secret.
import { html, render, useState, useEffect, useCallback, useRef } from './vendor/htm-preact-3.1.1.js';

const TEXTS = {
  en: {
    title: 'WhatsApp ⇄ CRM', token: 'API token', signIn: 'Sign in', signOut: 'Sign out', language: 'Русский',
    instances: 'WhatsApp numbers', create: 'Connect a number', name: 'name, e.g. clinic_1',
    number: 'phone for a pairing code (optional)', add: 'Create', scan: 'Scan this QR code in WhatsApp: Settings → Linked devices',
    pairing: 'or enter this code on the phone', waitingQr: 'Waiting for the QR code…', connect: 'Show the QR code', restart: 'Restart', logout: 'Log out',
    remove: 'Delete', confirmRemove: 'Delete instance', state: 'State', since: 'since', numberLabel: 'Number',
    profile: 'Profile', lastEvent: 'Latest event', sending: 'Sending', queued: 'waiting', sentToday: 'sent today',
    paused: 'paused', held: 'held', none: 'none yet', crm: 'CRM deliveries', dead: 'Dead letters', replay: 'Replay',
    noDead: 'No dead letters.', waiting: 'Waiting for the CRM', due: 'due now', oldest: 'oldest since', event: 'Event', type: 'Type', error: 'Error', badToken: 'The token was refused.',
    latest: 'Latest events', filterInstance: 'number (empty: all)', show: 'Show', refresh: 'Refresh', older: 'Older',
    newest: 'Newest', noEvents: 'No events.', received: 'Received', summary: 'Summary', waitingBroker: 'waiting for the broker',
    scanLimit: n => `Only the latest ${n} events were looked at for this number; older ones under “Older”.`,
    hawtio: 'Hawtio: routes and queues',
    states: { open: 'connected', connecting: 'connecting', close: 'disconnected', refused: 'refused', removed: 'removed', unknown: 'unknown' },
  },
  ru: {
    title: 'WhatsApp ⇄ CRM', token: 'API-токен', signIn: 'Войти', signOut: 'Выйти', language: 'English',
    instances: 'Номера WhatsApp', create: 'Подключить номер', name: 'имя, например clinic_1',
    number: 'телефон для кода сопряжения (необязательно)', add: 'Создать',
    scan: 'Отсканируйте QR-код в WhatsApp: Настройки → Связанные устройства', pairing: 'или введите этот код на телефоне',
    waitingQr: 'Ожидаем QR-код…', connect: 'Показать QR-код', restart: 'Перезапустить', logout: 'Выйти из WhatsApp', remove: 'Удалить',
    confirmRemove: 'Удалить номер', state: 'Состояние', since: 'с', numberLabel: 'Номер', profile: 'Профиль',
    lastEvent: 'Последнее событие', sending: 'Отправка', queued: 'в очереди', sentToday: 'отправлено сегодня',
    paused: 'на паузе', held: 'ждёт', none: 'пока нет', crm: 'Доставка в CRM', dead: 'Недоставленные', replay: 'Повторить',
    noDead: 'Недоставленных нет.', waiting: 'Ждут отправки в CRM', due: 'к отправке сейчас', oldest: 'самое раннее с', event: 'Событие', type: 'Тип', error: 'Ошибка', badToken: 'Токен не принят.',
    latest: 'Последние события', filterInstance: 'номер (пусто — все)', show: 'Показать', refresh: 'Обновить', older: 'Ранее',
    newest: 'Новые', noEvents: 'Событий нет.', received: 'Получено', summary: 'Кратко', waitingBroker: 'ждёт брокера',
    scanLimit: n => `Для этого номера просмотрены только последние ${n} событий; более ранние — «Ранее».`,
    hawtio: 'Hawtio: маршруты и очереди',
    states: { open: 'подключён', connecting: 'подключается', close: 'отключён', refused: 'отклонён', removed: 'удалён', unknown: 'неизвестно' },
  },
};

const REFRESH_MS = 3000;

function api(token) {
  return async (path, options = {}) => {
    const response = await fetch(path, {
      ...options,
      headers: { Authorization: 'Bearer ' + token, ...(options.body ? { 'Content-Type': 'application/json' } : {}), ...(options.headers || {}) },
    });
    if (response.status === 401) {
      throw Object.assign(new Error('unauthorized'), { status: 401 });
    }
    return response;
  };
}

async function json(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw Object.assign(new Error(body.message || response.statusText), { status: response.status, body });
  }
  return body;
}

function when(text, locale) {
  return text ? new Date(text).toLocaleString(locale) : '—';
}

function SignIn({ t, onToken }) {
  const [value, setValue] = useState('');
  return html`<section>
    <form id="sign-in" onSubmit=${e => { e.preventDefault(); if (value.trim()) onToken(value.trim()); }}>
      <label>${t.token} <input id="token" type="password" autocomplete="off" value=${value} onInput=${e => setValue(e.target.value)} /></label>
      <button class="primary" type="submit">${t.signIn}</button>
    </form></section>`;
}

function QrCode({ t, call, name }) {
  const [image, setImage] = useState(null);
  const [pairing, setPairing] = useState(null);
  useEffect(() => {
    let stopped = false;
    async function load() {
      try {
        const response = await call(`/api/v1/instances/${encodeURIComponent(name)}/qrcode`);
        if (response.ok) {
          const body = await response.json();
          if (!stopped && body.base64) {
            setImage(body.base64);
            setPairing(body.pairingCode || null);
          }
        }
      } catch (e) { /* the next refresh tries again */ }
    }
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => { stopped = true; clearInterval(timer); };
  }, [name]);
  return html`<div class="qr">
    ${image ? html`<p class="muted">${t.scan}</p><img class="qr-image" alt="QR" src=${image} />` : html`<p class="muted">${t.waitingQr}</p>`}
    ${pairing && html`<p>${t.pairing}: <b class="pairing-code">${pairing}</b></p>`}
  </div>`;
}

function Instance({ t, locale, call, instance, onChanged, onError }) {
  const [details, setDetails] = useState(null);
  // asking Evolution for the QR code of a closed instance starts connecting it: only on the admin's click
  const [showQr, setShowQr] = useState(false);
  const state = instance.state || 'unknown';
  useEffect(() => {
    call(`/api/v1/instances/${encodeURIComponent(instance.name)}`).then(json).then(setDetails).catch(() => {});
  }, [instance.name, instance.state, instance.lastEventAt]);
  async function act(path, method, confirmText) {
    if (confirmText && !window.confirm(confirmText)) return;
    try {
      await json(await call(path, { method }));
      onChanged();
    } catch (e) { onError(e.message); }
  }
  const base = `/api/v1/instances/${encodeURIComponent(instance.name)}`;
  const sending = details && details.sending;
  return html`<div class="card instance" data-instance=${instance.name} data-state=${state}>
    <h3>${instance.name} <span class="state ${state}">${t.states[state] || state}</span></h3>
    <dl>
      <dt>${t.state}</dt><dd>${t.states[state] || state} (${t.since} ${when(instance.stateSince, locale)})</dd>
      <dt>${t.numberLabel}</dt><dd>${instance.number || '—'}</dd>
      <dt>${t.profile}</dt><dd>${instance.profileName || '—'}</dd>
      <dt>${t.lastEvent}</dt><dd>${instance.lastEventAt ? when(instance.lastEventAt, locale) : t.none}</dd>
      ${sending && html`<dt>${t.sending}</dt><dd>${sending.queued} ${t.queued}, ${sending.sentToday} ${t.sentToday}${sending.paused ? ', ' + t.paused + ': ' + (sending.pauseReason || '') : ''}${sending.heldReason ? ', ' + t.held + ': ' + sending.heldReason : ''}</dd>`}
    </dl>
    ${(state === 'connecting' || showQr) && state !== 'open' && state !== 'removed'
      && html`<${QrCode} t=${t} call=${call} name=${instance.name} />`}
    ${state !== 'removed' && html`<div class="actions">
      ${state !== 'open' && state !== 'connecting' && !showQr && html`<button class="connect" onClick=${() => setShowQr(true)}>${t.connect}</button>`}
      <button onClick=${() => act(base + '/restart', 'POST')}>${t.restart}</button>
      <button onClick=${() => act(base + '/logout', 'POST')}>${t.logout}</button>
      <button onClick=${() => act(base, 'DELETE', t.confirmRemove + ' ' + instance.name + '?')}>${t.remove}</button>
    </div>`}
  </div>`;
}

function Create({ t, call, onCreated, onError }) {
  const [name, setName] = useState('');
  const [number, setNumber] = useState('');
  async function submit(e) {
    e.preventDefault();
    try {
      await json(await call('/api/v1/instances', { method: 'POST', body: JSON.stringify(number ? { name, number } : { name }) }));
      setName(''); setNumber('');
      onCreated();
    } catch (error) { onError(error.message); }
  }
  return html`<section><form id="create" onSubmit=${submit}>
    <strong>${t.create}</strong>
    <input id="new-name" placeholder=${t.name} value=${name} onInput=${e => setName(e.target.value)} />
    <input id="new-number" placeholder=${t.number} value=${number} onInput=${e => setNumber(e.target.value)} />
    <button class="primary" type="submit">${t.add}</button>
  </form></section>`;
}

function DeadLetters({ t, locale, call, onError, tick }) {
  const [dead, setDead] = useState([]);
  const [backlog, setBacklog] = useState(null);
  const load = useCallback(() => {
    call('/api/v1/crm/backlog').then(json).then(setBacklog).catch(() => {});
    return call('/api/v1/crm/deliveries?state=dead&limit=20').then(json)
      .then(body => setDead(body.deliveries || [])).catch(() => {});
  }, [call]);
  useEffect(() => { load(); }, [tick]);
  async function replay(eventId) {
    try {
      await json(await call(`/api/v1/crm/deliveries/${encodeURIComponent(eventId)}/replay`, { method: 'POST' }));
      load();
    } catch (e) { onError(e.message); }
  }
  return html`<section id="dead-letters">
    ${backlog && html`<p id="backlog">${t.waiting}: <b>${backlog.pending}</b> (${t.due}: ${backlog.due})${backlog.oldestPendingAt ? ', ' + t.oldest + ' ' + when(backlog.oldestPendingAt, locale) : ''} · ${t.dead}: <b>${backlog.dead}</b></p>`}
    ${dead.length === 0 ? html`<p class="muted">${t.noDead}</p>` : html`<table>
      <tr><th>${t.event}</th><th>${t.type}</th><th>${t.error}</th><th></th></tr>
      ${dead.map(d => html`<tr key=${d.eventId}><td>${d.eventId}<div class="muted">${d.instance} · ${when(d.deadAt, locale)}</div></td>
        <td>${d.eventType}</td><td>${d.lastError}</td><td><button onClick=${() => replay(d.eventId)}>${t.replay}</button></td></tr>`)}
    </table>`}
  </section>`;
}

function LatestEvents({ t, locale, call, tick }) {
  const [filter, setFilter] = useState('');
  const [instance, setInstance] = useState('');
  // null: the newest page, which follows the console's refresh; else the cursor of an older page, which stays put
  const [before, setBefore] = useState(null);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  // only the answer to the latest request is shown (a refresh still under way must not replace a newer choice)
  const latest = useRef(0);
  const load = useCallback(async (name, cursor) => {
    const request = ++latest.current;
    const query = new URLSearchParams();
    if (name) query.set('instance', name);
    if (cursor !== null) query.set('before', cursor);
    try {
      const text = query.toString();
      const body = await json(await call('/api/v1/events' + (text ? '?' + text : '')));
      if (request === latest.current) { setPage(body); setError(null); }
    } catch (e) { if (request === latest.current) setError(e.message); }
  }, [call]);
  useEffect(() => { if (before === null) load(instance, null); }, [tick, instance, before]);
  function show(e) { e.preventDefault(); const name = filter.trim(); setBefore(null); setInstance(name); load(name, null); }
  function older() { setBefore(page.nextBefore); load(instance, page.nextBefore); }
  return html`<section id="events">
    <form id="events-filter" onSubmit=${show}>
      <input id="events-instance" placeholder=${t.filterInstance} value=${filter} onInput=${e => setFilter(e.target.value)} />
      <button class="primary" type="submit">${t.show}</button>
      <button id="events-refresh" type="button" onClick=${() => load(instance, before)}>${t.refresh}</button>
      ${before !== null && html`<button id="events-newest" type="button" onClick=${() => setBefore(null)}>${t.newest}</button>`}
    </form>
    ${error && html`<p class="error">${error}</p>`}
    ${page && (page.events.length === 0 ? html`<p class="muted">${t.noEvents}</p>` : html`<table>
      <tr><th>${t.received}</th><th>${t.numberLabel}</th><th>${t.type}</th><th>${t.summary}</th></tr>
      ${page.events.map(e => html`<tr key=${e.seq} class="event" data-event=${e.eventId} data-instance=${e.instance}>
        <td>${when(e.receivedAt, locale)}</td><td>${e.instance}</td>
        <td>${e.eventType}${e.waitingForBroker && html`<div class="waiting">${t.waitingBroker}</div>`}</td>
        <td class="summary">${e.summary || ''}</td></tr>`)}
    </table>`)}
    ${page && page.scanLimitReached && html`<p class="muted" id="events-scan-limit">${t.scanLimit(page.instanceScan)}</p>`}
    ${page && page.nextBefore !== null && html`<div class="actions"><button id="events-older" onClick=${older}>${t.older}</button></div>`}
  </section>`;
}

function Console() {
  const [lang, setLang] = useState(sessionStorage.getItem('bundle.lang') || ((navigator.language || 'en').slice(0, 2) === 'ru' ? 'ru' : 'en'));
  const [token, setToken] = useState(sessionStorage.getItem('bundle.token'));
  const [instances, setInstances] = useState([]);
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0);
  const [hawtioUrl, setHawtioUrl] = useState(null);
  const t = TEXTS[lang] || TEXTS.en;
  const locale = lang === 'ru' ? 'ru-RU' : 'en-GB';
  const call = useCallback(api(token || ''), [token]);
  document.documentElement.lang = lang;

  const refresh = useCallback(async () => {
    if (!token) return;
    try {
      const body = await json(await call('/api/v1/instances'));
      // the numbers being connected first, removed ones last
      const rank = i => ({ connecting: 0, close: 1, refused: 1, open: 2, removed: 4 }[i.state] ?? 3);
      setInstances([...body.instances].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)));
      setTick(n => n + 1);
    } catch (e) {
      if (e.status === 401) { sessionStorage.removeItem('bundle.token'); setToken(null); setError(t.badToken); }
    }
  }, [token, call]);
  useEffect(() => { refresh(); const timer = setInterval(refresh, REFRESH_MS); return () => clearInterval(timer); }, [refresh]);
  useEffect(() => {
    setHawtioUrl(null);
    if (token) call('/api/v1/console').then(json).then(body => setHawtioUrl(body.hawtioUrl || null)).catch(() => {});
  }, [token]);

  function signIn(value) { sessionStorage.setItem('bundle.token', value); setError(null); setToken(value); }
  function signOut() { sessionStorage.removeItem('bundle.token'); setToken(null); setInstances([]); }
  function switchLanguage() { const next = lang === 'ru' ? 'en' : 'ru'; sessionStorage.setItem('bundle.lang', next); setLang(next); }

  return html`
    <header><h1>${t.title}</h1><div>
      ${token && hawtioUrl && html`<a id="hawtio" href=${hawtioUrl} target="_blank" rel="noopener noreferrer">${t.hawtio}</a> `}
      <button id="language" onClick=${switchLanguage}>${t.language}</button>
      ${token && html` <button id="sign-out" onClick=${signOut}>${t.signOut}</button>`}
    </div></header>
    ${error && html`<p class="error" id="error">${error}</p>`}
    ${!token ? html`<${SignIn} t=${t} onToken=${signIn} />` : html`
      <${Create} t=${t} call=${call} onCreated=${refresh} onError=${setError} />
      <h2>${t.instances}</h2>
      <div class="cards" id="instances">
        ${instances.map(i => html`<${Instance} key=${i.name} t=${t} locale=${locale} call=${call} instance=${i} onChanged=${refresh} onError=${setError} />`)}
      </div>
      <h2>${t.crm}: ${t.dead}</h2>
      <${DeadLetters} t=${t} locale=${locale} call=${call} onError=${setError} tick=${tick} />
      <h2>${t.latest}</h2>
      <${LatestEvents} t=${t} locale=${locale} call=${call} tick=${tick} />`}`;
}

render(html`<${Console} />`, document.getElementById('console'));
