-- One round trip per stored message or status. A message and its status updates arrive through different
-- queues and are stored concurrently; the advisory lock on (instance, message id) makes the two writes of one
-- message take turns so that neither misses the other's uncommitted row. Statuses only move forward by rank.

create function store_message(
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
end;
$$;

create function apply_message_status(
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
end;
$$;
