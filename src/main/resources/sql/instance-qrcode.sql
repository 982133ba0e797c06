insert into instance (name, state, last_qr_at, qr_count, pairing_code, updated_at)
values (:#instance, 'connecting', case when :#hasCode then now() end, case when :#hasCode then 1 else 0 end,
        :#pairingCode, now())
on conflict (name) do update
   set last_qr_at = case when :#hasCode then now() else instance.last_qr_at end,
       qr_count = instance.qr_count + case when :#hasCode then 1 else 0 end,
       pairing_code = coalesce(:#pairingCode, instance.pairing_code),
       updated_at = now()
