-- Instances the bundle manages (created or adopted through its API: their webhook is the bundle's), instances
-- Evolution no longer has, and the time of each instance's latest event from Evolution (for the API and the
-- watchdog of instances that go quiet).
alter table instance
    add column managed_since timestamptz,
    add column removed_at    timestamptz,
    add column last_event_at timestamptz;
