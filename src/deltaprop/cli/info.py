"""``deltaprop info MODEL``: what a saved model expects (columns, types, categories, target,
classes) and how it was trained, as text or JSON."""

from __future__ import annotations

from .._text import plural
from ._common import emit_json, load_model


def add_parser(sub) -> None:
    p = sub.add_parser(
        "info",
        help="what a model file expects (columns, categories, target, classes) and its training",
        description="Describe a model file: its input columns, target, classes, layers and "
        "the training that made it.",
    )
    p.add_argument("model", help="model file")
    p.add_argument("--json", action="store_true", help="print the description as JSON")
    p.set_defaults(handler=run)


def describe(net) -> dict:
    """The facts ``info`` shows, as JSON-able values."""
    prep = net.preprocessor
    classifier = net.loss is not None and net.loss.kind in ("multiclass", "binary")
    return {
        "library_version": getattr(net, "library_version", None),
        "task": "classification" if classifier else ("regression" if net.loss else None),
        "loss": None if net.loss is None else net.loss.name,
        "target": prep.target_names if prep is not None else net.target_name,
        "classes": None if net.classes_ is None else net.classes_.tolist(),
        "columns": prep.get_config()["columns"] if prep is not None else None,
        "feature_names": net.feature_names,
        "inputs": net.in_features,
        "layers": [repr(layer) for layer in net.layers],
        "parameters": net.count_parameters(),
        "training": net.training_info,
    }


def run(args) -> int:
    net = load_model(args.model)
    facts = describe(net)
    if args.json:
        emit_json(facts)
        return 0
    print(f"model {args.model} (deltaprop {facts['library_version']})")
    target = facts["target"]
    if isinstance(target, list):
        target = ", ".join(target)
    print(f"task      {facts['task'] or 'none saved'}; target {target or 'not named'}")
    if facts["classes"] is not None:
        print(f"classes   {', '.join(map(str, facts['classes']))}")
    if net.preprocessor is not None:
        prep = net.preprocessor
        print(
            f"columns   {len(prep.columns_)} in, encoded to {plural(net.in_features, 'feature')}:"
        )
        print(prep.describe())
        print(f"          missing values: {prep.missing}; unseen categories: all zeros + warning")
        for t in prep.targets_:
            if t["kind"] == "numeric":
                print(
                    f"target    {t['name']}: standardised in training (mean {t['mean']:.6g}, std "
                    f"{t['std']:.6g}); predictions in its units"
                )
    elif facts["feature_names"]:
        print(f"features  {', '.join(facts['feature_names'])} (numbers)")
    else:
        print(f"features  {facts['inputs']} numbers")
    print(f"layers    {' -> '.join(facts['layers'])}; {plural(facts['parameters'], 'parameter')}")
    info = facts["training"]
    if isinstance(info, dict):
        print(
            f"trained   on {info.get('data')}: {info.get('n_train')} rows "
            f"({info.get('n_validation')} held out), {info.get('epochs')} epochs of at most "
            f"{info.get('max_epochs')}, {info.get('optimizer')} lr={info.get('lr')}, batch "
            f"{info.get('batch_size')}, loss {info.get('loss')}, seed {info.get('seed')}"
        )
        if info.get("stop_reason"):
            print(f"          stopped: {info['stop_reason']}")
        final = info.get("final")
        if isinstance(final, dict) and final:
            shown = ", ".join(
                f"{k} {v:.4g}" if isinstance(v, (int, float)) else f"{k} {v}"
                for k, v in final.items()
            )
            print(f"          final: {shown}")
    else:
        print("trained   (no training record in the file)")
    return 0
