"""The embedded AWS emulator: moto in server mode on 127.0.0.1, plus the handlers it lacks."""

from landing_zone.emulator.server import EmulatorError, EmulatorInfo, start, status, stop

__all__ = ["EmulatorError", "EmulatorInfo", "start", "status", "stop"]
