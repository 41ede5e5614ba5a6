"""The management API: the one door to a running daemon.

* :mod:`firmware.mgmt.protocol` — line-delimited JSON messages (requests, replies, events)
* :mod:`firmware.mgmt.commands` — :class:`Dispatcher` (command registry) and :class:`CommandError`
* :mod:`firmware.mgmt.server`   — :class:`MgmtServer`, the Unix-socket server on the asyncio loop
* :mod:`firmware.mgmt.client`   — :class:`MgmtClient`, a blocking client (ctl, web UI, tests)
* :mod:`firmware.mgmt.ctl`      — ``hotline ctl``
* :mod:`firmware.mgmt.render`   — results as readable text (tables for ``status``)

The web UI may import :mod:`firmware.mgmt.client` only.
"""
