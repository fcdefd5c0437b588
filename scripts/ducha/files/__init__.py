"""Files, safely: walks that never follow links, caches written atomically and read defensively."""
