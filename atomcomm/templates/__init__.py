"""Templates per object type and channel: engine, filters, registry, validation, render and preview."""
