"""A bare Litestar app with the service's `/health/live` route and nothing else (no
middleware, no request class, no hooks): what the service's own stack costs is
measured against it (bench/http_load.py). Served with `python -m bench._bare_app PORT`,
with the same uvicorn options as `tbc serve`."""

from __future__ import annotations

import sys

import uvicorn
from litestar import Litestar

from service.core.health import live
from service.core.http11 import ProblemH11Protocol

app = Litestar(route_handlers=[live], debug=False, logging_config=None)


def main() -> int:
    port = int(sys.argv[1])
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False, http=ProblemH11Protocol)
    return 0


if __name__ == "__main__":
    sys.exit(main())
