"""Mail to visitors: their pass, and later a review's outcome.

Messages are queued in PostgreSQL (`mail_outbox`) inside the transaction that makes
them true, then sent by a task of each process, after the response (`outbox.run`):
a crash or an SMTP outage loses nothing, and several processes share the queue
(rows are taken with FOR UPDATE SKIP LOCKED). With no SMTP host configured, messages
are written as .eml files under the data directory's `mail/`.
"""
