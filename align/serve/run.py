"""``align serve`` as one call: load the models and open the stores, then answer HTTP until
stopped (SIGTERM or Ctrl-C let requests in flight finish; the stores are closed after)."""

from __future__ import annotations

import copy
import os
from typing import Any

from align.errors import AlignError
from align.extras import require
from align.serve.config import API_KEY_ENV, ServeConfig


def serve(config: ServeConfig) -> None:
    """Serve ``config.models`` and ``config.stores`` on ``config.host``:``config.port`` (see
    :func:`align.serve.app.create_app`)."""
    require("serve", "align serve")
    if not config.models and not config.stores:
        raise AlignError("align serve: give a --model NAME=MODEL or a --store NAME=DIR to serve")
    import uvicorn

    from align.embedding.loading import load_embedder
    from align.serve.app import create_app
    from align.store.files import is_store
    from align.store.store import Store

    for _, directory in config.stores:
        if not is_store(directory):
            raise AlignError(f"--store {directory}: not a store made by align index")
    embedders = {name: load_embedder(model) for name, model in config.models}
    stores = {name: Store(directory) for name, directory in config.stores}
    app = create_app(config, embedders, stores, api_key=os.environ.get(API_KEY_ENV) or None)
    uvicorn.run(app, host=config.host, port=config.port, log_config=log_config(), access_log=False)


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with align's own line a request (it says how long each took) in place of
    uvicorn's access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["align.serve"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
