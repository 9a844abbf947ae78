"""Question exchange formats: one module per format, each turning a file into `ItemData` and
back (see interchange.py). The modules know nothing of the database; `services.py` stores what
they read."""
