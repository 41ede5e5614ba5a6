"""Call detail records: one row per call, SQLite (WAL), Asterisk Master.csv export.

    from firmware.cdr import CdrRecord, CdrStore
    with CdrStore(DataDir.at(d).cdr_db) as cdrs:
        cdrs.write(CdrRecord(uniqueid=..., start=..., answer=..., end=..., src="801", dst="802"))
"""
from firmware.cdr.record import (CdrRecord, call_seconds, format_clid, new_uniqueid)
from firmware.cdr.store import CdrStore, csv_line

__all__ = ["CdrRecord", "CdrStore", "call_seconds", "format_clid", "new_uniqueid", "csv_line"]
