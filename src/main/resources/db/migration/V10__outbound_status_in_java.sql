-- The message tables tell the outbound side explicitly instead of through triggers: the relay's message store
-- (MessageStore) hands the message rows and statuses it has just written to OutboundConfirmations, in the same
-- transaction and under the same advisory locks, and every status change of an outbound message goes through
-- OutboundStatusWriter, whose status names and ranks are those of OutboundStatus. The triggers and functions of V5
-- that did this in SQL have no caller left; journal_bundle_event stays, the bundle's own events go through it.
drop trigger message_confirms_outbound on message;
drop trigger message_status_tracks_outbound on message_status;
drop function confirm_outbound_message_trigger();
drop function track_outbound_status_trigger();
drop function confirm_outbound_message(text, text, text, text, text, text);
drop function track_outbound_status(text, text, text);
drop function record_outbound_status(text, text, integer, text, text, text, timestamptz, boolean);
drop function apply_early_outbound_status(text, text);
