-- Delivery of events to the CRM. One row per event to forward; per chat (ordering_key) only the oldest pending
-- row is ever in flight, so a chat's events reach the CRM in order while other chats go on. A failed attempt
-- schedules the next one (next_attempt_at) instead of holding a thread; leased_until keeps two replicas from
-- sending the same row at once.
create table crm_delivery (
    event_id        text        primary key,
    seq             bigint      not null,
    ordering_key    text        not null,
    instance        text        not null,
    event_type      text        not null,
    state           text        not null default 'pending' check (state in ('pending', 'delivered', 'dead')),
    attempts        integer     not null default 0,
    next_attempt_at timestamptz not null default now(),
    leased_until    timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz not null default now(),
    delivered_at    timestamptz,
    dead_at         timestamptz,
    updated_at      timestamptz not null default now()
);

create index crm_delivery_pending on crm_delivery (ordering_key, seq) where state = 'pending';
create index crm_delivery_listing on crm_delivery (instance, event_type, state, created_at);

-- Every attempt, so that support can answer "did the CRM get message X, and when?".
create table crm_delivery_attempt (
    id           bigserial   primary key,
    event_id     text        not null references crm_delivery (event_id),
    attempt      integer     not null,
    attempted_at timestamptz not null,
    status_code  integer,
    latency_ms   integer,
    error        text
);

create index crm_delivery_attempt_event on crm_delivery_attempt (event_id, attempt);
