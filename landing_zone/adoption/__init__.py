"""Adopting an organization that already exists: read-only reads before synth, ids per object."""
