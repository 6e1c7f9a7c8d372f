"""`python -m tong_bench …`: the same as `tong bench …`, without the server's CLI."""

import argparse
import sys

from .command import register


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tong_bench")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bench", *sys.argv[1:]])
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
