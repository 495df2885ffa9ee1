"""scr: the domain of scr-bot. Review records, the statutory rulebooks, the `/scr` grammar and its use-cases.

It imports neither Slack nor the scheduler: `bot` and `jobs` import it.
"""
