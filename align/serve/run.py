"""``align serve`` as one call: load the models, then answer HTTP until stopped (SIGTERM or Ctrl-C
let requests in flight finish)."""

from __future__ import annotations

import os

from align.errors import AlignError
from align.extras import require
from align.serve.config import API_KEY_ENV, ServeConfig


def serve(config: ServeConfig) -> None:
    """Serve ``config.models`` on ``config.host``:``config.port`` (see :func:`align.serve.app.create_app`)."""
    require("serve", "align serve")
    if not config.models:
        raise AlignError("align serve: give at least one --model NAME=MODEL to serve")
    import uvicorn

    from align.embedding.loading import load_embedder
    from align.serve.app import create_app

    embedders = {name: load_embedder(model) for name, model in config.models}
    app = create_app(config, embedders, api_key=os.environ.get(API_KEY_ENV) or None)
    uvicorn.run(app, host=config.host, port=config.port, log_level="info")
