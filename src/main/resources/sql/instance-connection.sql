insert into instance (name, state, status_reason, owner_jid, profile_name, state_changed_at, updated_at)
values (:#instance, :#state, :#statusReason, :#ownerJid, :#profileName, now(), now())
on conflict (name) do update
   -- an instance deleted through the bundle stays removed: an event Evolution sent before the delete may come after it
   set state = case when instance.removed_at is not null then instance.state else excluded.state end,
       status_reason = excluded.status_reason,
       owner_jid = coalesce(excluded.owner_jid, instance.owner_jid),
       profile_name = coalesce(excluded.profile_name, instance.profile_name),
       -- a pairing code links a device to the number: once connected it is of no more use, and is not kept
       pairing_code = case when excluded.state = 'open' then null else instance.pairing_code end,
       state_changed_at = case when instance.removed_at is null and instance.state is distinct from excluded.state
                               then now() else instance.state_changed_at end,
       updated_at = now()
