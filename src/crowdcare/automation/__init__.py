"""Automation over actions: business-hours calendars, SLA clocks, away messages, rules
(rules.py, run.py), automatic assignment (assign.py) and the periodic sweep. Decisions live
here with their reasons; writes go through actions/ (docs/automation.md)."""
