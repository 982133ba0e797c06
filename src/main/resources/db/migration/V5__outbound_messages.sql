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
-- webhooks find their message, and a send.message without a known id the send it confirms
create index outbound_message_wa on outbound_message (instance, wa_message_id) where wa_message_id is not null;
create index outbound_message_unconfirmed on outbound_message (instance, recipient_jid)
    where status in ('sending', 'unknown')
       or (status = 'queued' and reason_code in ('retrying_server_error', 'resending_unconfirmed'))
       or (status = 'failed' and reason_code in ('unconfirmed', 'retries_exhausted'));
-- health: recent sends that failed on a configuration error
create index outbound_message_configuration on outbound_message (updated_at)
    where status = 'failed' and reason_code = 'configuration';

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

-- Per instance: when the next send may start, what holds the whole instance back, failures and "Connection Closed"
-- answers in a row, and whether it is paused.
create table outbound_instance (
    instance             text        primary key,
    next_send_at         timestamptz,
    held_until           timestamptz,
    held_reason          text,
    consecutive_failures integer     not null default 0,
    consecutive_disconnects integer  not null default 0,
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
-- Unless forced, a status only moves forward by rank; the one way back is evidence that a send that failed
-- without confirmation (unconfirmed, or out of retries after 5xx answers) did go out. A WhatsApp id is attached
-- under the advisory lock the message's webhooks take (instance|id), and statuses that arrived before it apply at
-- once. Returns whether the status changed.
create function record_outbound_status(p_id text, p_status text, p_rank integer, p_reason_code text,
                                       p_reason text, p_wa_message_id text, p_at timestamptz, p_force boolean)
returns boolean language plpgsql as $$
declare
    m outbound_message;
    v_instance text;
    v_history bigint;
    v_early text;
begin
    if p_wa_message_id is not null then
        select instance into v_instance from outbound_message where id = p_id;
        if v_instance is null then
            return false;
        end if;
        -- the lock store_message and apply_message_status take: a status webhook either committed before this
        -- (and is in message_status) or waits and then finds the id
        perform pg_advisory_xact_lock(hashtextextended(v_instance || '|' || p_wa_message_id, 0));
    end if;

    select * into m from outbound_message where id = p_id for update;
    if not found then
        return false;
    end if;
    if not p_force and p_rank <= m.status_rank
       and not (m.status = 'failed' and m.reason_code in ('unconfirmed', 'retries_exhausted')
                and p_status <> 'failed') then
        if p_wa_message_id is not null and m.wa_message_id is null then
            update outbound_message set wa_message_id = p_wa_message_id, updated_at = p_at where id = p_id;
            perform apply_early_outbound_status(m.instance, p_wa_message_id);
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

    if p_wa_message_id is not null and m.wa_message_id is null then
        perform apply_early_outbound_status(m.instance, p_wa_message_id);
    end if;
    return true;
end;
$$;

-- Statuses WhatsApp reported for a message before the bundle knew the message was its own.
create function apply_early_outbound_status(p_instance text, p_wa_message_id text)
returns void language plpgsql as $$
declare
    v_status text;
begin
    select status into v_status
      from message_status
     where instance = p_instance and wa_message_id = p_wa_message_id
       and status in ('PENDING', 'SERVER_ACK', 'ERROR', 'DELIVERY_ACK', 'READ', 'PLAYED')
       and from_me is distinct from false
     order by status_rank desc
     limit 1;
    if v_status is not null then
        perform track_outbound_status(p_instance, p_wa_message_id, v_status);
    end if;
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
-- A send whose answer never came (timeout), was a 5xx, or is not recorded yet has no WhatsApp id: it is matched by
-- kind, recipient and text within a day, the send in flight first, then the most recent.
create function confirm_outbound_message(p_instance text, p_wa_message_id text, p_chat_jid text, p_chat_lid text,
                                         p_message_type text, p_body text)
returns void language plpgsql as $$
declare
    v_id text;
    v_kind text;
begin
    select id into v_id from outbound_message where instance = p_instance and wa_message_id = p_wa_message_id
     order by seq limit 1;
    if v_id is null then
        v_kind := case
            when p_message_type in ('conversation', 'extendedTextMessage') then 'text'
            when p_message_type = 'imageMessage' then 'image'
            when p_message_type in ('documentMessage', 'documentWithCaptionMessage') then 'document'
            when p_message_type in ('audioMessage', 'pttMessage') then 'audio'
            when p_message_type = 'videoMessage' then 'video'
        end;
        if v_kind is null then
            return;
        end if;
        select id into v_id
          from outbound_message
         where instance = p_instance
           and recipient_jid in (p_chat_jid, p_chat_lid)
           and kind = v_kind
           and (status in ('sending', 'unknown')
                or (status = 'queued' and reason_code in ('retrying_server_error', 'resending_unconfirmed'))
                or (status = 'failed' and reason_code in ('unconfirmed', 'retries_exhausted')))
           and wa_message_id is null
           and attempted_at > now() - interval '1 day'
           and coalesce(text, '') = coalesce(p_body, '')
         order by status = 'sending' desc, attempted_at desc
         limit 1;
    end if;
    if v_id is not null then
        perform record_outbound_status(v_id, 'sent', 20, null, null, p_wa_message_id, now(), false);
    end if;
end;
$$;

-- The inbound store (V3's store_message and apply_message_status, which hold the advisory lock of the message)
-- tells the outbound side: a message sent from the instance may confirm a send; a status of one of its own messages
-- moves that message on.
create function confirm_outbound_message_trigger()
returns trigger language plpgsql as $$
begin
    perform confirm_outbound_message(new.instance, new.wa_message_id, new.chat_jid, new.chat_lid, new.message_type,
                                     new.body);
    return null;
end;
$$;

create trigger message_confirms_outbound
    after insert on message
    for each row when (new.from_me)
    execute function confirm_outbound_message_trigger();

create function track_outbound_status_trigger()
returns trigger language plpgsql as $$
begin
    perform track_outbound_status(new.instance, new.wa_message_id, new.status);
    return null;
end;
$$;

create trigger message_status_tracks_outbound
    after insert on message_status
    for each row when (new.from_me is distinct from false)
    execute function track_outbound_status_trigger();
