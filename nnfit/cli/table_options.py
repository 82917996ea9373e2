"""argparse types of ``nnfit fit``'s options: each refuses a bad value with the option's name
(argparse adds it: "argument --dropout: 1 is invalid: give a fraction in [0, 1)")."""
import argparse
import math


def fraction(text):
    value = finite(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{value:g} is invalid: give a fraction in [0, 1)")
    return value


def finite(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} is invalid: give a finite number")
    return value


def nonnegative(text):
    value = finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value:g} is invalid: give a number >= 0")
    return value


def positive(text):
    value = finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value:g} is invalid: give a number > 0")
    return value


def seed(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{value} is invalid: give a whole number from 0 to "
                                         "4294967295")
    return value


def hidden_sizes(text):
    if text.strip().lower() in ("", "none", "0"):
        return ()
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of widths like 64,32 or none")
    return sizes


def switch(text):
    """--early-stopping: auto, true or false (yes/no, on/off, 1/0 also do)."""
    value = text.strip().lower()
    if value == "auto":
        return "auto"
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is invalid: choose auto, true or false")
