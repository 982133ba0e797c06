-- Since when an instance Evolution calls open has been silent beyond INSTANCE_SILENCE_LIMIT (null: it talks): the
-- watchdog tells the CRM (and restarts it, if so configured) once per silence.
alter table instance add column silent_since timestamptz;
