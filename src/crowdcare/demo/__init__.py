"""`crowdcare demo`: a seeded clothing store served with live simulated customer traffic."""
from crowdcare.demo.run import run

__all__ = ["run"]
