-- Every accepted Evolution webhook, once. This table is the intake's durable point and its outbox:
-- rows with published_at null have not reached the broker yet.
create table inbound_event (
    seq          bigserial   primary key,
    event_id     text        not null unique,
    event_type   text        not null,
    instance     text        not null,
    chat_id      text,
    message_id   text,
    payload      jsonb       not null,
    received_at  timestamptz not null,
    published_at timestamptz
);

create index inbound_event_unpublished on inbound_event (seq) where published_at is null;
create index inbound_event_instance_type on inbound_event (instance, event_type, received_at);
create index inbound_event_message on inbound_event (instance, message_id) where message_id is not null;

-- WhatsApp messages, normalized from messages.upsert (incoming, and typed on the phone) and send.message
-- (sent through Evolution's API).
create table message (
    instance          text        not null,
    wa_message_id     text        not null,
    from_me           boolean     not null,
    direction         text        not null check (direction in ('inbound', 'outbound')),
    chat_jid          text        not null,
    chat_phone        text,
    chat_lid          text,
    is_group          boolean     not null,
    author_jid        text,
    author_phone      text,
    author_name       text,
    message_type      text,
    body              text,
    media             jsonb,
    quoted_message_id text,
    wa_timestamp      timestamptz,
    status            text,
    status_rank       smallint    not null default 0,
    status_at         timestamptz,
    source_event_id   text        not null,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    primary key (instance, wa_message_id, from_me)
);

create index message_chat on message (instance, chat_jid, wa_timestamp);
create index message_id on message (instance, wa_message_id);

-- Every status a message went through, as Evolution reported it (messages.update), kept even when it arrives
-- before its message or after a newer status.
create table message_status (
    instance        text        not null,
    wa_message_id   text        not null,
    status          text        not null,
    status_rank     smallint    not null,
    chat_jid        text,
    from_me         boolean,
    source_event_id text        not null,
    received_at     timestamptz not null default now(),
    primary key (instance, wa_message_id, status)
);

-- Evolution instances (WhatsApp numbers): the latest connection state and QR code time.
create table instance (
    name                text        primary key,
    state               text,
    status_reason       integer,
    owner_jid           text,
    profile_name        text,
    state_changed_at    timestamptz,
    last_qr_at          timestamptz,
    qr_count            integer     not null default 0,
    pairing_code        text,
    updated_at          timestamptz not null default now()
);
