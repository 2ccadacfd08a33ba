"""The bottom layer every stage shares: errors and problems, the resource kinds, JSON output, naming rules."""
