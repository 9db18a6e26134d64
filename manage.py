#!/usr/bin/env python
"""Django's command-line utility for Meydan."""

import os
import sys
from pathlib import Path

# The core package lives in platform/, a plain folder (see README: a package named
# "platform" would shadow the standard library), so put it on the path before installation.
sys.path.insert(0, str(Path(__file__).resolve().parent / "platform"))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meydan.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
