-- event_outbox and crm_delivery are queues: rows come and go (or change state) thousands of times a second, while
-- few are live at any moment. With the default thresholds (20 % of the live rows) autovacuum would run rarely on
-- them, and every scan of their indexes would walk past ever more dead entries. Vacuum them after a fixed number
-- of dead rows instead; leave room in crm_delivery's pages so that leasing a delivery is a HOT update.
alter table event_outbox set (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
                              autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000);
alter table crm_delivery set (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02,
                              autovacuum_vacuum_threshold = 5000);
