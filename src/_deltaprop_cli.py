"""The ``deltaprop`` command's entry point, outside the package on purpose.

Importing deltaprop (NumPy and the rest) takes a few tenths of a second; a Ctrl-C in that
time would otherwise end the command with a traceback of the import. Here it ends it quietly
with the shell's status for SIGINT, 130, as a Ctrl-C at any later moment does.
"""

import sys


def main() -> int:
    try:
        from deltaprop.cli import main as cli_main
    except KeyboardInterrupt:
        print("deltaprop: interrupted", file=sys.stderr)
        return 130
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
