"""Makes ``featureplatform`` and the jobs folder importable when the tests run from any directory."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOBS = os.path.join(ROOT, "jobs")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
