"""Automation: calendars, away messages, SLA clocks, rules (rules.py, run.py) and automatic
assignment (assign.py). Decisions live here with their reasons; writes go through actions/."""
