"""The web UI (bottle): a client of the management API and the config store.

* :mod:`webui.status` — ``make_app(client_factory)``: the status page ``/``, ``/api/status``,
  ``/healthz``
* :mod:`webui.server` — ``WebServer(host, port, client_factory)``: waitress on a background thread
"""
