"""Running the platform with uvicorn: in the foreground (`kiosk-central serve`) or on a thread.

Access logs stay off: the operator's reference-face upload URL carries an ID number, and logs
never hold one (terminals look faces up with a POST body, never a URL).
"""

from __future__ import annotations

import socket
import ssl as ssl_module
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI


def make_server(
    app: FastAPI,
    *,
    certfile: str = "",
    keyfile: str = "",
    log_level: str = "warning",
    forwarded_allow_ips: str = "",
    lifespan: Literal["on", "off"] = "off",
) -> uvicorn.Server:
    """uvicorn for `app`. X-Forwarded-For is believed only from `forwarded_allow_ips` (the
    reverse proxies in front; none by default), so a client cannot pick its address."""
    return uvicorn.Server(
        server_config(
            app,
            certfile=certfile,
            keyfile=keyfile,
            log_level=log_level,
            forwarded_allow_ips=forwarded_allow_ips,
            lifespan=lifespan,
        )
    )


def server_config(
    app: FastAPI | str,
    *,
    certfile: str = "",
    keyfile: str = "",
    log_level: str = "warning",
    forwarded_allow_ips: str = "",
    lifespan: Literal["on", "off"] = "off",
    **more: Any,
) -> uvicorn.Config:
    """The one uvicorn configuration of the platform; `app` is the app itself, or the import
    string of an app factory (worker processes, `central.workers`), with `more` options."""
    return uvicorn.Config(
        app,
        lifespan=lifespan,
        access_log=False,
        log_config=None,
        log_level=log_level,
        ssl_certfile=certfile or None,
        ssl_keyfile=keyfile or None,
        ssl_version=ssl_module.PROTOCOL_TLS_SERVER,
        timeout_graceful_shutdown=5,
        proxy_headers=bool(forwarded_allow_ips),
        forwarded_allow_ips=forwarded_allow_ips or None,
        server_header=False,
        **more,
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 = a free port chosen by the OS)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    # Listening now: connections made before uvicorn is up wait in the backlog, not refused.
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
