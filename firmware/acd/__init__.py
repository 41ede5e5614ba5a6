"""The call centre (ACD): agents who log in at any phone, queues that hold callers and
hand them to agents by a distribution strategy, callback, survey, and the logs
(``acd.db``: queue_log, agent_events) that statistics and reports read.  docs/acd.md."""
