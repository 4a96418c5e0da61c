"""Bulk writing of checked HACS rows: a HACS-size file (1.55M clips, 504K videos) in one transaction.

PostgreSQL: the checked rows stream through COPY into temporary staging tables; INSERT … SELECT then writes
catalog_video, clips_clip and clips_consensusresult (or quality_goldanswer) with ON CONFLICT handling, chunk by
chunk so the progress bar moves. SQLite (the embedded default): the same checks, then batched bulk_create. Both
write the same rows as the row-by-row import they replace. Which of the two runs is decided in `clips_load`, the
only place in the code that looks at the database vendor.

The checks themselves are hacs.py's, and so is the rule for rows naming one clip more than once (hacs.Repeats:
identical repeats stored once, conflicting ones refused unless --on-conflict first|last); each loader only finds
the repeated rows its own way and leaves out the lines the rule drops. What is checked here needs the whole file or
the database: repeated rows, a video given two subsets, gold rows of unknown videos, and a clip whose stored label
the file contradicts.
"""

from backend.exports.bulk.load import clips_import_file, clips_load

__all__ = ["clips_import_file", "clips_load"]
