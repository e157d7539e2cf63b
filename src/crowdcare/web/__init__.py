"""The agent console and advocate portal (Jinja2 + htmx, shipped in the package)."""
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from crowdcare.web.core import HERE, install_handlers


def install(app: FastAPI) -> None:
    """Mount the console's routes and static files on the app."""
    from crowdcare.web import (
        admin,
        auth,
        automation,
        community,
        conversation,
        hours,
        inbox,
        kb,
        live,
        orders,
        presence,
        review,
        survey,
    )

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    install_handlers(app)
    for module in (auth, inbox, conversation, orders, admin, hours, kb, live, presence,
                   community, review, survey, automation):
        app.include_router(module.router)
