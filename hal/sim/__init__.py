"""The simulated board: real audio through the hal interfaces, no hardware.

``SimBoard`` (hal.sim.board) carries ``SimFxsPort`` s with a ``SimPhone`` each and
``SimFxoPort`` s wired to the lines of a ``SimExchange``; ``SimRemote`` s are the
parties beyond the exchange. ``hal.sim.commands.sim_commands(board)`` exposes them to
the management API.
"""
from hal.sim.board import SimBoard, sim_status
from hal.sim.exchange import LineState, SimExchange, SimLine
from hal.sim.fxo import SimFxoPort
from hal.sim.fxs import SimFxsPort
from hal.sim.phone import SimPhone
from hal.sim.remote import RemoteState, SimRemote

__all__ = ["SimBoard", "SimExchange", "SimLine", "LineState", "SimFxoPort", "SimFxsPort",
           "SimPhone", "SimRemote", "RemoteState", "sim_status"]
