"""Private helpers shared by every layer: validation messages, JSON conversion, parameter text,
atomic writes."""
