"""Private helpers shared by every layer: validation messages, JSON conversion, atomic writes."""
