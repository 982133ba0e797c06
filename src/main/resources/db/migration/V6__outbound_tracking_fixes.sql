-- Outbound status tracking, tightened:
-- * a WhatsApp id is attached under the same advisory lock as the message's webhooks (instance|id), and the
--   statuses that arrived before it (message_status) are applied at once instead of being lost;
-- * a send.message without a known id confirms only a recent send of the same kind, recipient and text: the one
--   in flight first, then the most recent; a send Evolution answered with a 5xx but that did go out counts too;
-- * "Connection Closed" answers in a row are counted per instance (they hold it longer each time, then pause it).

alter table outbound_instance add column consecutive_disconnects integer not null default 0;

create or replace function record_outbound_status(p_id text, p_status text, p_rank integer, p_reason_code text,
                                                  p_reason text, p_wa_message_id text, p_at timestamptz,
                                                  p_force boolean)
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

drop function confirm_outbound_message(text, text, text, text, text);

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
        perform confirm_outbound_message(p_instance, p_wa_message_id, p_chat_jid, p_chat_lid, p_message_type, p_body);
    end if;
end;
$$;

-- a retry after a 5xx, a resend, or a send that ran out of retries may still be confirmed by send.message
drop index outbound_message_unconfirmed;
create index outbound_message_unconfirmed on outbound_message (instance, recipient_jid)
    where status in ('sending', 'unknown')
       or (status = 'queued' and reason_code in ('retrying_server_error', 'resending_unconfirmed'))
       or (status = 'failed' and reason_code in ('unconfirmed', 'retries_exhausted'));

-- health: recent sends that failed on a configuration error
create index outbound_message_configuration on outbound_message (updated_at)
    where status = 'failed' and reason_code = 'configuration';
