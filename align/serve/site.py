"""The page at ``/``: plain HTML, CSS and JavaScript from ``align/serve/page`` (no build step), a
search box over the served stores and a viewer of align's TSV outputs. The page calls the same API
as any client, so it needs nothing of its own on the server; it is served without the API key (it
holds no data) and asks the user for the key when the API does."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

PAGE = Path(__file__).parent / "page"


def install_page(app: FastAPI) -> None:
    """Serve the page at ``/`` and its scripts and style under ``/page/``."""

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(PAGE / "index.html")

    app.mount("/page", StaticFiles(directory=PAGE), name="page")
