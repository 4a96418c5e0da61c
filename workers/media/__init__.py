"""Media with ffmpeg, one module per concept. Pure compute: no Django. Importing this package runs nothing.

- ``probing``: the one place the ffmpeg/ffprobe binaries are chosen and run; what a file holds (``probe`` checks an
  upload, ``probe_video`` describes what a decoder gets, ``count_frames``); frame-rate helpers.
- ``clips``: the grid tool's short clips and posters, cut by time.
- ``proxy``: the timeline tool's seekable proxy and thumbnail sprite; the time base (t = 0 is the first video frame).
- ``frames``: decoding frames into numpy arrays at a chosen rate and size (de-dup, shots, mining, proposals).
- ``frame_exact``: reading and cutting by frame index on the proxy's axis (HAA500-style curation).
- ``synthetic``: demo and test videos made from a real photo.
"""
