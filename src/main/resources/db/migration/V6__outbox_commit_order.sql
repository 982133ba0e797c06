-- The relay publishes only events whose transaction has ended, in the order of their transactions: each outbox row
-- records the id of the transaction that wrote it (journal writers of every replica, and the bundle's own events
-- written inside other transactions). Rows of transactions older than the oldest one still running
-- (pg_snapshot_xmin) can no longer be joined by a row that sorts before them, so the relay never passes an event
-- that may still commit. An event acknowledged before another was posted has an older transaction: per-chat order
-- holds across replicas.
alter table event_outbox add column xid xid8 not null default pg_current_xact_id();

create index event_outbox_commit_order on event_outbox (xid, seq);
