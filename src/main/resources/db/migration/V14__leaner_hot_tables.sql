-- Every index on a table the intake or the relay writes costs each event an index entry, its WAL, and the commit
-- that waits for that WAL. Three of them served nothing the bundle reads:
-- * the journal is read by its primary key only (the relay, the CRM claim, the events API): no browsing indexes;
-- * message (instance, wa_message_id) repeats the leading columns of the primary key, which serves the same lookups.
drop index if exists inbound_event_instance_type;
drop index if exists inbound_event_message;
drop index if exists message_id;
