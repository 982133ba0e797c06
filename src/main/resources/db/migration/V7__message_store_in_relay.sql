-- The message tables are now written a relay round at a time, by set-based statements in the relay's own
-- transaction (MessageRepository), which take the same advisory lock (instance|message id) for the messages the
-- bundle may have sent. The one-message-at-a-time functions of V3 have no caller left.
drop function store_message(text, text, boolean, text, text, text, text, boolean, text, text, text, text, text,
                            jsonb, text, timestamptz, text, integer, text);
drop function apply_message_status(text, text, text, integer, text, boolean, text);
