"""The operator's `scr` command: the `/scr` grammar from a shell, import and export, the local demo."""
