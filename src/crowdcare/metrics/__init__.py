"""Operational metrics in the Prometheus text format (docs/deployment.md#metrics).

What the database knows (the backlog by status, leases, queued sends) is read when /metrics is
scraped, so any process answers the truth for the whole deployment; what happens in a process
(deliveries processed, delays, failures, send attempts) is counted where it happens. Under
`crowdcare serve` the web process and its worker children share one PROMETHEUS_MULTIPROC_DIR,
so the web process's /metrics sums its children's counters too."""
