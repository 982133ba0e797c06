-- Outbound: messages the CRM asks the bundle to send. The row is written before the request is answered; the
-- dispatcher hands each instance's oldest ready row to the broker, one at a time, and the paced sender decides
-- (under a lock on the instance's outbound_instance row) whether it goes now or waits.
create table outbound_message (
    id              text        primary key,
    seq             bigserial   not null unique,
    instance        text        not null,
    recipient       text        not null,
    recipient_jid   text        not null,
    kind            text        not null check (kind in ('text', 'image', 'document', 'audio', 'video')),
    text            text,
    media           jsonb,
    reply_to        text,
    crm_message_id  text,
    idempotency_key text        unique,
    request_hash    text,
    status          text        not null default 'queued',
    status_rank     smallint    not null default 0,
    reason_code     text,
    reason          text,
    wa_message_id   text,
    first_contact   boolean,
    attempts        integer     not null default 0,
    not_before      timestamptz not null,
    waiting_reason  text,
    dispatched_at   timestamptz,
    created_at      timestamptz not null,
    attempted_at    timestamptz,
    sent_at         timestamptz,
    updated_at      timestamptz not null
);

-- the dispatcher's loose index scan: per instance, the oldest row waiting for the broker
create index outbound_message_ready on outbound_message (instance, seq)
    where status = 'queued' and dispatched_at is null;
-- rows on the broker or at Evolution: an instance has at most one
create index outbound_message_in_flight on outbound_message (instance)
    where status = 'sending' or (status = 'queued' and dispatched_at is not null);
-- daily caps and the gap per recipient
create index outbound_message_sent on outbound_message (instance, sent_at) where sent_at is not null;
create index outbound_message_recipient on outbound_message (instance, recipient_jid, seq);
-- webhooks find their message
create index outbound_message_wa on outbound_message (instance, wa_message_id) where wa_message_id is not null;
create index outbound_message_unconfirmed on outbound_message (instance, recipient_jid)
    where status in ('sending', 'unknown') or (status = 'failed' and reason_code = 'unconfirmed');

-- Every status an outbound message went through, with its reason.
create table outbound_message_status (
    id          bigserial   primary key,
    message_id  text        not null references outbound_message (id),
    status      text        not null,
    reason_code text,
    reason      text,
    at          timestamptz not null
);

create index outbound_message_status_message on outbound_message_status (message_id, id);

-- Per instance: when the next send may start, what holds the whole instance back, and whether it is paused.
create table outbound_instance (
    instance             text        primary key,
    next_send_at         timestamptz,
    held_until           timestamptz,
    held_reason          text,
    consecutive_failures integer     not null default 0,
    paused_at            timestamptz,
    pause_reason_code    text,
    pause_reason         text,
    updated_at           timestamptz not null default now()
);

-- first-contact checks for recipients addressed by LID
create index message_lid on message (instance, chat_lid) where chat_lid is not null;

-- An event the bundle itself emits, journaled like a webhook: relayed to the broker and forwarded to the CRM.
create function journal_bundle_event(p_event_id text, p_event_type text, p_instance text, p_chat_id text,
                                     p_message_id text, p_payload jsonb, p_at timestamptz)
returns void language plpgsql as $$
declare
    v_seq bigint;
begin
    insert into inbound_event (event_id, event_type, instance, chat_id, message_id, payload, received_at)
    values (p_event_id, p_event_type, p_instance, p_chat_id, p_message_id, p_payload, p_at)
    on conflict (event_id) do nothing
    returning seq into v_seq;
    if v_seq is not null then
        insert into event_outbox (seq) values (v_seq);
    end if;
end;
$$;

-- Moves an outbound message to a status, records it in the history and tells the CRM (outbound.status).
-- Unless forced, a status only moves forward by rank; the one way back is evidence that a message whose send
-- was never confirmed did go out. Returns whether anything changed.
create function record_outbound_status(p_id text, p_status text, p_rank integer, p_reason_code text,
                                       p_reason text, p_wa_message_id text, p_at timestamptz, p_force boolean)
returns boolean language plpgsql as $$
declare
    m outbound_message;
    v_history bigint;
begin
    select * into m from outbound_message where id = p_id for update;
    if not found then
        return false;
    end if;
    if not p_force and p_rank <= m.status_rank
       and not (m.status = 'failed' and m.reason_code = 'unconfirmed' and p_status <> 'failed') then
        if p_wa_message_id is not null and m.wa_message_id is null then
            update outbound_message set wa_message_id = p_wa_message_id, updated_at = p_at where id = p_id;
        end if;
        return false;
    end if;

    update outbound_message
       set status = p_status, status_rank = p_rank, reason_code = p_reason_code, reason = p_reason,
           wa_message_id = coalesce(p_wa_message_id, wa_message_id),
           sent_at = case when p_rank >= 20 and p_status <> 'failed' then coalesce(sent_at, p_at) else sent_at end,
           updated_at = p_at
     where id = p_id;

    insert into outbound_message_status (message_id, status, reason_code, reason, at)
    values (p_id, p_status, p_reason_code, p_reason, p_at)
    returning id into v_history;

    perform journal_bundle_event('evt_out_' || v_history, 'outbound.status', m.instance, m.recipient_jid,
        coalesce(p_wa_message_id, m.wa_message_id),
        jsonb_build_object(
            'event', 'outbound.status',
            'instance', m.instance,
            'data', jsonb_strip_nulls(jsonb_build_object(
                'id', m.id,
                'crmMessageId', m.crm_message_id,
                'to', m.recipient,
                'chatId', m.recipient_jid,
                'waMessageId', coalesce(p_wa_message_id, m.wa_message_id),
                'status', p_status,
                'reasonCode', p_reason_code,
                'reason', p_reason,
                'attempts', m.attempts,
                'at', p_at))),
        p_at);
    return true;
end;
$$;

-- Evolution's status of a message the bundle sent, as the outbound status the CRM follows.
create function track_outbound_status(p_instance text, p_wa_message_id text, p_evolution_status text)
returns void language plpgsql as $$
declare
    v_id text;
begin
    select id into v_id from outbound_message where instance = p_instance and wa_message_id = p_wa_message_id;
    if v_id is null then
        return;
    end if;
    case p_evolution_status
        when 'PENDING', 'SERVER_ACK' then
            perform record_outbound_status(v_id, 'sent', 20, null, null, p_wa_message_id, now(), false);
        when 'ERROR' then
            perform record_outbound_status(v_id, 'failed', 25, 'whatsapp_error', 'WhatsApp reported an error',
                                           p_wa_message_id, now(), false);
        when 'DELIVERY_ACK' then
            perform record_outbound_status(v_id, 'delivered', 30, null, null, p_wa_message_id, now(), false);
        when 'READ' then
            perform record_outbound_status(v_id, 'read', 40, null, null, p_wa_message_id, now(), false);
        when 'PLAYED' then
            perform record_outbound_status(v_id, 'played', 50, null, null, p_wa_message_id, now(), false);
        else
            null;
    end case;
end;
$$;

-- A message sent from the instance (send.message, or an upsert with fromMe): if the bundle sent it, it is sent.
-- A send whose answer never came (timeout) or is not recorded yet has no WhatsApp id: it is matched by
-- recipient and text, oldest first.
create function confirm_outbound_message(p_instance text, p_wa_message_id text, p_chat_jid text, p_chat_lid text,
                                         p_body text)
returns void language plpgsql as $$
declare
    v_id text;
begin
    select id into v_id from outbound_message where instance = p_instance and wa_message_id = p_wa_message_id;
    if v_id is null then
        select id into v_id
          from outbound_message
         where instance = p_instance
           and recipient_jid in (p_chat_jid, p_chat_lid)
           and (status in ('sending', 'unknown') or (status = 'failed' and reason_code = 'unconfirmed'))
           and wa_message_id is null
           and coalesce(text, '') = coalesce(p_body, '')
         order by seq
         limit 1;
    end if;
    if v_id is not null then
        perform record_outbound_status(v_id, 'sent', 20, null, null, p_wa_message_id, now(), false);
    end if;
end;
$$;

create or replace function store_message(
    p_instance text, p_wa_message_id text, p_from_me boolean, p_direction text,
    p_chat_jid text, p_chat_phone text, p_chat_lid text, p_is_group boolean,
    p_author_jid text, p_author_phone text, p_author_name text,
    p_message_type text, p_body text, p_media jsonb, p_quoted_message_id text,
    p_wa_timestamp timestamptz, p_status text, p_status_rank integer, p_source_event_id text)
returns void language plpgsql as $$
begin
    perform pg_advisory_xact_lock(hashtextextended(p_instance || '|' || p_wa_message_id, 0));

    insert into message (instance, wa_message_id, from_me, direction, chat_jid, chat_phone, chat_lid, is_group,
                         author_jid, author_phone, author_name, message_type, body, media, quoted_message_id,
                         wa_timestamp, status, status_rank, status_at, source_event_id)
    values (p_instance, p_wa_message_id, p_from_me, p_direction, p_chat_jid, p_chat_phone, p_chat_lid, p_is_group,
            p_author_jid, p_author_phone, p_author_name, p_message_type, p_body, p_media, p_quoted_message_id,
            p_wa_timestamp, p_status, p_status_rank, now(), p_source_event_id)
    on conflict (instance, wa_message_id, from_me) do nothing;

    -- statuses that arrived before the message
    update message m
       set status = s.status, status_rank = s.status_rank, status_at = s.received_at, updated_at = now()
      from (select status, status_rank, received_at
              from message_status
             where instance = p_instance and wa_message_id = p_wa_message_id
             order by status_rank desc
             limit 1) s
     where m.instance = p_instance and m.wa_message_id = p_wa_message_id and m.status_rank < s.status_rank;

    if p_from_me then
        perform confirm_outbound_message(p_instance, p_wa_message_id, p_chat_jid, p_chat_lid, p_body);
    end if;
end;
$$;

create or replace function apply_message_status(
    p_instance text, p_wa_message_id text, p_status text, p_status_rank integer,
    p_chat_jid text, p_from_me boolean, p_source_event_id text)
returns void language plpgsql as $$
begin
    perform pg_advisory_xact_lock(hashtextextended(p_instance || '|' || p_wa_message_id, 0));

    insert into message_status (instance, wa_message_id, status, status_rank, chat_jid, from_me, source_event_id)
    values (p_instance, p_wa_message_id, p_status, p_status_rank, p_chat_jid, p_from_me, p_source_event_id)
    on conflict (instance, wa_message_id, status) do nothing;

    if p_status_rank > 0 then
        update message
           set status = p_status, status_rank = p_status_rank, status_at = now(), updated_at = now()
         where instance = p_instance and wa_message_id = p_wa_message_id and status_rank < p_status_rank;
    end if;

    if p_from_me is distinct from false then
        perform track_outbound_status(p_instance, p_wa_message_id, p_status);
    end if;
end;
$$;
