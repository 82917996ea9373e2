"""The outcome options of ``nnfit fit`` and ``nnfit cv`` beyond one target column: a survival
outcome (``--time``, ``--event``: ``TabularSurvival``) and counts over an exposure (``--loss
poisson --exposure``: ``TabularRegressor(MLPRegressor(loss="poisson"))`` fitted, in
scikit-learn's convention, to y = count / exposure with ``sample_weight`` = exposure).

The combinations are checked before the table is read (``check_outcome_options``), and the
outcome columns row by row by the library (``nnfit.tabular.outcomes``), naming the column and
the rows as the user sees them in the file.
"""
from ..tabular.outcomes import check_counts, per_exposure, survival_target
from .table_data import check_names


def add_outcome_options(parser, survival_defaults):
    """--time, --event, --exposure; ``survival_defaults`` names the network options whose
    default differs for survival."""
    parser.add_argument("--time", metavar="COLUMN",
                        help="survival: the follow-up time column (numbers >= 0); with --event "
                             "it fits nnfit.TabularSurvival, a Cox network (instead of "
                             f"--target).  The network options then default to MLPSurvival's"
                             f"{survival_defaults}")
    parser.add_argument("--event", metavar="COLUMN",
                        help="survival: the event column, 1 or true = the event was seen at "
                             "that time, 0 or false = censored (followed until then without "
                             "the event); other values are refused: recode them")
    parser.add_argument("--exposure", metavar="COLUMN",
                        help="with --loss poisson: each row's exposure (> 0, e.g. "
                             "person-years); the model fits the rate --target / exposure with "
                             "the exposure as the row's weight (scikit-learn's convention, a "
                             "log(exposure) offset), never as a predictor; 'nnfit predict' "
                             "writes the counts = rate x exposure where the data has this "
                             "column (and the rates), 'nnfit evaluate' and 'nnfit cv' score the "
                             "rates weighted by the exposure")


def check_outcome_options(args):
    """Refuse contradictory outcome options before reading anything; True for survival."""
    time, event, target = args.time, args.event, args.target
    if time and not event:
        raise ValueError("--time needs --event: the column that says whether the event was seen "
                         "(1 or true) or the time is censored (0 or false)")
    if event and not time:
        raise ValueError("--event needs --time: the column of follow-up times")
    survival = bool(time)
    if survival and target:
        raise ValueError(f"--time/--event fit a survival model, --target {target} a "
                         "classification or regression: give --target, or --time and --event, "
                         "not both")
    if not survival and not target:
        raise ValueError("give the outcome: --target COLUMN (classification or regression), or "
                         "--time COLUMN --event COLUMN (survival)")
    if survival and args.task != "auto":
        raise ValueError(f"--task {args.task} is for --target; --time/--event always fit a "
                         "survival model")
    loss = getattr(args, "loss", None)
    if args.exposure and loss != "poisson":
        raise ValueError("--exposure is for counts over an exposure: add --loss poisson")
    if loss == "poisson" and args.task == "classification":
        raise ValueError("--loss poisson fits counts, a regression: leave out --task "
                         "classification")
    return survival


def outcome_columns(args):
    """The columns the outcome comes from (never predictors): [time, event] or [target]."""
    return [args.time, args.event] if args.time else [args.target]


def check_outcome_names(args, frame):
    """Each outcome column the options name must be in the table (else the closest name)."""
    if args.time:
        check_names(frame, "--time", [args.time])
        check_names(frame, "--event", [args.event])
        if args.time == args.event:
            raise ValueError(f"--time and --event both name {args.time!r}: give two columns")
    else:
        check_names(frame, "--target", [args.target])
    if args.exposure:
        check_names(frame, "--exposure", [args.exposure])
        if args.exposure == args.target:
            raise ValueError(f"--exposure and --target both name {args.target!r}: give the "
                             "count column as --target and the exposure as --exposure")
    check_weight_exposure(getattr(args, "weight", None), args.exposure)


def check_weight_exposure(weight, exposure):
    """Refuse ``--weight`` naming the exposure column: the exposure already weights each row's
    rate, and weighting by it again would square the weights (standard errors too small)."""
    if weight is not None and weight == exposure:
        raise ValueError(f"--weight {weight} names the --exposure column: the exposure already "
                         "weights each row's rate count / exposure (the Poisson deviance of the "
                         "counts with a log(exposure) offset), so weighting by it again would "
                         "count it twice and make the standard errors too small; leave --weight "
                         "out (or give a separate column of survey or frequency weights)")


def read_outcome(args, frame, target_values):
    """(y, sample_weight) of the outcome options: a survival y, counts per exposure with the
    exposures as weights, or ``target_values`` (the target column read for its task)."""
    if args.time:
        return survival_target(frame, args.time, args.event), None
    if args.exposure:
        return per_exposure(target_values, frame[args.exposure])
    if getattr(args, "loss", None) == "poisson":
        check_counts(target_values)
    return target_values, None
