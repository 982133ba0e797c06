-- wrk script: Evolution API v2 "messages.upsert" webhooks (~600 bytes), the same bodies as the Node-RED reference
-- flow's load, with the bundle's token header. Each request has its own data.key.id, "3EB0" .. RUN_TAG .. thread ..
-- counter, and goes to one of CHATS chats (default 500). MAX_REQUESTS (per wrk thread) stops a thread after that
-- many answers; DELAY_MS paces it. done() prints one RESULT line.
local run_tag = os.getenv("RUN_TAG") or "X"
local chats = tonumber(os.getenv("CHATS") or "500")
local max_requests = tonumber(os.getenv("MAX_REQUESTS") or "0")
local headers = {
   ["Content-Type"] = "application/json",
   ["apikey"] = "B6D711FCDE4D4FD5936544120E713976",
   ["X-Webhook-Token"] = os.getenv("WEBHOOK_TOKEN") or "",
}
local thread_no = 0

function setup(thread)
   thread_no = thread_no + 1
   thread:set("tid", thread_no)
end

local counter = 0
local answered = 0
local a1 = '{"event":"messages.upsert","instance":"atendimento-01","data":{"key":{"remoteJid":"'
local a2 = '@s.whatsapp.net","fromMe":false,"id":"'
local b = '"},"pushName":"Maria Oliveira","status":"DELIVERY_ACK","message":{"conversation":"Ola! Qual o horario de atendimento amanha e o valor da consulta?"},"messageType":"conversation","messageTimestamp":'
local c = ',"instanceId":"7f3c2a9e-1b4d-4e8a-9c61-2d5f0e8b4a13","source":"android"},"date_time":"2025-06-01T12:34:56.789Z","sender":"5511912345678@s.whatsapp.net","server_url":"http://127.0.0.1:8080","apikey":"B6D711FCDE4D4FD5936544120E713976"}'
local ts = 1748781296

function request()
   counter = counter + 1
   local id = string.format("3EB0%s%02d%010d", run_tag, tid or 0, counter)
   local jid = string.format("55119%08d", ((tid or 0) * 7919 + counter) % chats)
   return wrk.format("POST", nil, headers, a1 .. jid .. a2 .. id .. b .. (ts + counter) .. c)
end

-- DELAY_MS paces the load: each connection waits that long after an answer before its next request.
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
if delay_ms > 0 then
   function delay()
      return delay_ms
   end
end

if max_requests > 0 then
   function response(status, headers, body)
      answered = answered + 1
      if answered >= max_requests then
         wrk.thread:stop()
      end
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "RESULT requests=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout))
end
