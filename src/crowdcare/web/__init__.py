"""The agent console and advocate portal (Jinja2 + htmx, shipped in the package)."""
from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the console's routes and static files on the app."""
