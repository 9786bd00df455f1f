"""``python -m netpol ...``: the whole ``netpol`` command line (check, matrix, audit, verify,
diff, reach, select, ...), run in this process by the extension module; exits with its code."""

import sys

from netpol._netpol import run_cli


def main() -> None:
    """Runs ``netpol`` with this process's arguments and exits with its exit code."""
    sys.exit(run_cli(sys.argv[1:]))


if __name__ == "__main__":
    main()
