"""Print weir's requirements from pyproject.toml, one a line, for `pip install -r` in the images.

    python3 requirements_from_pyproject.py pyproject.toml             # [project] dependencies
    python3 requirements_from_pyproject.py pyproject.toml postgres    # only the `postgres` extra

The images install weir's dependencies first (a layer that changes only with pyproject.toml) and weir
itself after, with --no-deps, so editing weir's code does not reinstall grpcio and friends.
"""

from __future__ import annotations

import sys
import tomllib


def main() -> None:
    with open(sys.argv[1], "rb") as f:
        project = tomllib.load(f)["project"]
    extras = sys.argv[2:]
    if not extras:
        print("\n".join(project["dependencies"]))
        return
    for extra in extras:
        print("\n".join(project["optional-dependencies"][extra]))


if __name__ == "__main__":
    main()
