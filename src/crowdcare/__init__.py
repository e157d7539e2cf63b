"""crowdcare: social customer care."""
