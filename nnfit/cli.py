"""The ``nnfit`` command line: one subcommand per module of ``nnfit.commands``."""
import argparse
import importlib
import sys

COMMAND_MODULES = ["mnist", "islr", "table", "lab"]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="nnfit",
        description="Fit multilayer neural networks by explicit backpropagation (ISLR2 ch. 10).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"nnfit.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"nnfit.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (ValueError, FileNotFoundError) as error:
        print(f"nnfit {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
