-- Dead letters counted and found without reading the delivery log: they are few, so the index is small and the
-- forwarder's hot path (pending and delivered rows) never writes to it.
create index crm_delivery_dead on crm_delivery (dead_at) where state = 'dead';
