"""PBX features built on call control: feature codes, transfer, conference rooms, the
toll-fraud guard."""
