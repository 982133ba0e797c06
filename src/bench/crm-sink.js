// The CRM side of the pipeline benchmark: verifies every delivery's Standard Webhooks signature and answers 200.
//   POST /crm/events     a delivery: 401 if its signature or timestamp is wrong, 503 during an outage, else 200
//   GET  /stats          {unique, requests, duplicates, badSignatures, refused, lastFirstArrivalMs, firstAfterOutageMs}
//   POST /outage?on=1|0  start or end a simulated outage (every delivery answered 503)
//   GET  /order?chat=ID  the event ids of one chat in the order they first arrived
// Environment: CRM_PORT (18090), CRM_SECRET (the bundle's CRM_WEBHOOK_SECRET; "whsec_<base64>" or plain text).
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');

const port = Number(process.env.CRM_PORT || 18090);
const secret = process.env.CRM_SECRET || '';
if (!secret) { console.error('CRM_SECRET is not set'); process.exit(2); }
const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
const CHAT_ID = /"chat":\{"id":"([^"]*)"/;

const seen = new Set();
const order = new Map();
const stats = { unique: 0, requests: 0, duplicates: 0, badSignatures: 0, refused: 0, lastFirstArrivalMs: 0, firstAfterOutageMs: 0 };
let outage = false;
let outageEnded = false;

function verified(req, body) {
  const id = req.headers['webhook-id'];
  const ts = req.headers['webhook-timestamp'];
  const sig = req.headers['webhook-signature'] || '';
  if (!id || !ts || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = crypto.createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest();
  return sig.split(' ').some((s) => {
    if (!s.startsWith('v1,')) return false;
    const given = Buffer.from(s.slice(3), 'base64');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

function reply(res, status, json) {
  const b = Buffer.from(JSON.stringify(json));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': b.length });
  res.end(b);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://sink');
  if (req.method === 'POST' && url.pathname === '/crm/events') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      stats.requests++;
      if (outage) { stats.refused++; return reply(res, 503, { error: 'outage' }); }
      const body = Buffer.concat(chunks);
      if (!verified(req, body)) { stats.badSignatures++; return reply(res, 401, { error: 'bad signature' }); }
      const id = req.headers['webhook-id'];
      if (seen.has(id)) { stats.duplicates++; return reply(res, 200, { ok: true }); }
      seen.add(id);
      stats.unique++;
      stats.lastFirstArrivalMs = Date.now();
      if (outageEnded && !stats.firstAfterOutageMs) stats.firstAfterOutageMs = stats.lastFirstArrivalMs;
      const chat = CHAT_ID.exec(body.toString('utf8', 0, Math.min(body.length, 4096)));
      if (chat) {
        let ids = order.get(chat[1]);
        if (!ids) order.set(chat[1], ids = []);
        ids.push(id);
      }
      reply(res, 200, { ok: true });
    });
    return;
  }
  if (req.method === 'GET' && url.pathname === '/stats') return reply(res, 200, stats);
  if (req.method === 'GET' && url.pathname === '/order') return reply(res, 200, order.get(url.searchParams.get('chat')) || []);
  if (req.method === 'POST' && url.pathname === '/outage') {
    outage = url.searchParams.get('on') === '1';
    if (!outage) { outageEnded = true; stats.firstAfterOutageMs = 0; }
    return reply(res, 200, { outage });
  }
  reply(res, 404, { error: 'not found' });
});
server.keepAliveTimeout = 65000;
server.listen(port, '127.0.0.1', () => console.log(`crm sink on 127.0.0.1:${port}`));
process.on('SIGTERM', () => { server.close(); process.exit(0); });
