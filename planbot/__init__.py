"""planbot's entry points: the `planbot` command, the console chat, the Telegram application, ingest.

The top layer: it wires the conversation core (bot/) to a terminal or to Telegram (handlers/).
Nothing below imports from here.
"""
