"""Who can do what: an access model read from the synthesized JSON of every stack, decided
by a real IAM policy evaluator (PMapper's local simulator), never by the emulator (moto
enforces no policy). `lz access` and the access tests build on it; nothing below imports it.
"""
