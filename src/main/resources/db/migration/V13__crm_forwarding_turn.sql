-- One replica forwards to the CRM at a time (a session advisory lock held for its turn), so deliveries are no longer
-- leased row by row: a round is written down once, as the list of the deliveries it claimed, and crossed out when
-- its outcomes are recorded. A round left behind (the process stopped, or recording failed) counts as an attempt
-- of each of its deliveries when the next turn starts, so a delivery that never gets an outcome still runs out of
-- attempts instead of holding its chat for ever.
create table crm_round (
    id         bigserial   primary key,
    event_ids  text[]      not null,
    started_at timestamptz not null default now()
);

alter table crm_delivery drop column leased_until;

-- The last attempt on the delivery row itself: a delivery that goes through at its first attempt, nearly all of
-- them, writes no attempt row. crm_delivery_attempt keeps the attempts that failed.
alter table crm_delivery add column last_attempted_at timestamptz, add column last_latency_ms integer;

-- Every attempt of a delivery, for support ("did the CRM get message X, and when?"): the failed ones as logged,
-- and the one that went through as recorded on the delivery.
create view crm_delivery_attempt_log as
select event_id, attempt, attempted_at, status_code, latency_ms, error
  from crm_delivery_attempt
union all
select event_id, attempts, last_attempted_at, last_status, last_latency_ms, null
  from crm_delivery
 where state = 'delivered' and last_attempted_at is not null;
