-- The outbox as a table of its own: the journal insert adds the event's seq here in the same statement, the
-- relay deletes it once the event is on the broker. Marking the wide, indexed journal row instead cost a full
-- row version and five index entries per event.
create table event_outbox (
    seq bigint primary key references inbound_event (seq)
);

insert into event_outbox (seq) select seq from inbound_event where published_at is null;

drop index inbound_event_unpublished;
alter table inbound_event drop column published_at;
