"""Automation over actions: business-hours calendars, SLA clocks, the periodic sweep
(docs/automation.md)."""
