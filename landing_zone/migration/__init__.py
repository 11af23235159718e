"""Taking over a running deployment's state in place (`lz migrate leverage`): pure mapping, no I/O."""
