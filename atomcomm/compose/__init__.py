"""Compose a message: recipients (suggestions with roles), attachments (proposals), the draft."""
