"""Channel-layer group names, built in one place."""

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def topic_group(topic):
    """Channels accepts ASCII letters, digits, '-', '_' and '.' in group names, under 100 characters."""
    safe = _UNSAFE.sub("_", topic)
    if safe != topic or len(safe) > 80:
        safe = safe[:60] + "." + hashlib.sha1(topic.encode(), usedforsecurity=False).hexdigest()[:16]
    return f"topic.{safe}"
