"""The flow: ingest → normalize → triage → route → act → notify (one module per stage)."""
