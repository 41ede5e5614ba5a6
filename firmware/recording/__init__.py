"""Call recording (docs/recording.md).

    policy      settings.recording: never / always / on demand per extension, queue,
                trunk, inbound route; format; retention; disk guard thresholds
    wavfile     WAV headers (A-law / PCM, mono / stereo), crash repair
    writer      the switch tap and the per-file writers (1-s flushes)
    index       recordings.db: the index and the access log
    manager     RecordingManager: start/stop, feature key, disk guard, recovery, retention
    archive     search results as a zip of the files + CSV index
    commands    management commands recording.*
"""
