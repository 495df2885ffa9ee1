"""scr: the domain of scr-bot. Review records, the statutory rulebooks, the `/scr` grammar and its use-cases.

It imports neither Slack nor the scheduler: `bot` and `jobs` import it.
"""

__version__ = "0.1.0"  # the one place it is written: pyproject.toml reads it
