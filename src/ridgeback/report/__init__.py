"""The HTML report of a run: its context, figures (matplotlib) and one self-contained page."""
