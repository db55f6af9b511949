"""Tabular data -> the numbers a network takes: column roles, categories, missing values, scaling.

A :class:`Preprocessor` is fitted on named columns (a pandas DataFrame, a dict of columns, or
the :class:`~deltaprop.io.table.Columns` of a CSV file) and turns any data with those columns
into a float matrix, the same way every time:

- **roles**: the target column(s), the feature columns (all others by default, less ``drop``);
- **numeric** features: missing values replaced by the training median, then standardised,
  ``(x - mean) / std`` with the training mean and std (std 0 -> 1);
- **categorical** features (text, or numbers listed in ``categorical``): missing values
  replaced by the most frequent training category, then one-hot encoded over the categories
  seen in training, sorted; a category unseen in training gives all zeros and a warning;
- **targets**: rows whose target is missing are left out of training (counted in ``notes``);
  class labels pass through (never a class for "missing"); regression targets are
  standardised and :meth:`inverse_target` maps predictions back.

The fitted state is plain JSON (:meth:`get_config`, validated by :meth:`from_config`), saved in
model files; its fields are described in docs/tabular.md.

>>> import numpy as np
>>> data = {"size": [1.0, 3.0, np.nan], "kind": ["cat", None, "dog"], "y": [0, 1, 1]}
>>> prep = Preprocessor(target="y").fit(data)
>>> prep.transform(data, dtype=np.float64).round(3).tolist()  # size: median 2 fills the gap
[[-1.225, 1.0, 0.0], [1.225, 1.0, 0.0], [0.0, 0.0, 1.0]]
>>> prep.feature_names_out()
['size', 'kind=cat', 'kind=dog']
"""

from __future__ import annotations

import warnings

import numpy as np

from .errors import DataError, ParameterError

CONFIG_TYPE = "deltaprop-tabular"
CONFIG_VERSION = 1
MISSING = ("impute", "drop", "error")
TASKS = ("auto", "classification", "regression")
#: a whole-number target with at most this many distinct values is taken for class labels
MAX_AUTO_CLASSES = 20
#: a categorical column with more distinct values is refused unless ``max_categories`` allows it
MAX_CATEGORIES = 100


class Preprocessor:
    """Column roles, imputation, one-hot encoding and scaling, fitted on training columns.

    Parameters
    ----------
    target : str, int or list of them, optional
        The target column(s), by name or index. None: features only.
    features : list of str or int, optional
        The feature columns; default every column but the targets and ``drop``.
    drop : list of str or int
        Columns left out.
    categorical : list of str or int
        Columns one-hot encoded even though they hold numbers (codes, years...).
    missing : "impute" (default), "drop" or "error"
        Missing feature values: replaced (median / most frequent category), their training
        rows left out (at prediction they are imputed), or refused.
    max_categories : int or None
        The most distinct values a categorical column may have (default ``MAX_CATEGORIES``);
        None allows any number.
    scale : bool
        Standardise the numeric features (default True).
    scale_target : bool
        Standardise regression targets (default True; predictions are mapped back).
    task : "auto", "classification" or "regression"
        What the target is; auto: text or few whole numbers are classes, else regression.
    """

    def __init__(
        self,
        target=None,
        *,
        features=None,
        drop=(),
        categorical=(),
        missing: str = "impute",
        max_categories: int | None = MAX_CATEGORIES,
        scale: bool = True,
        scale_target: bool = True,
        task: str = "auto",
    ):
        if missing not in MISSING:
            raise ParameterError(f"missing must be one of {', '.join(MISSING)}; got {missing!r}")
        if task not in TASKS:
            raise ParameterError(f"task must be one of {', '.join(TASKS)}; got {task!r}")
        if max_categories is not None and (
            isinstance(max_categories, bool)
            or not isinstance(max_categories, int)
            or max_categories < 1
        ):
            raise ParameterError(
                f"max_categories must be a positive int or None; got {max_categories!r}"
            )
        self.target = [] if target is None else _as_list(target)
        self.features = None if features is None else _as_list(features)
        self.drop = _as_list(drop)
        self.categorical = _as_list(categorical)
        self.missing = missing
        self.max_categories = max_categories
        self.scale = bool(scale)
        self.scale_target = bool(scale_target)
        self.task = task
        self.columns_: list | None = None
        self.targets_: list = []
        #: the rows of the data fit was given that it learnt from (a target, complete if drop)
        self.rows_: np.ndarray | None = None
        self.notes: list = []

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, data, y=None) -> Preprocessor:
        """Learn roles, categories, imputation values and scalers from ``data`` (and ``y``,
        the target values, when the target is not a column); return self."""
        self._fit(data, y)
        return self

    def fit_transform(self, data, y=None) -> tuple[np.ndarray, np.ndarray | None]:
        """``(X, y)`` for training: the rows with a target (and, with ``missing="drop"``, no
        missing feature), ``X`` encoded and ``y`` as :meth:`transform_target` gives it."""
        table, rows = self._fit(data, y)
        table = _take(table, rows)
        X = self.transform(table)
        return X, (self.transform_target(table) if self.targets_ else None)

    def _fit(self, data, y):
        table = as_columns(data, y, self.target)
        names = table.keys()
        targets = [_resolve(t, names, "target") for t in self.target] if y is None else ["y"]
        if y is not None and self.target:
            raise ParameterError("give the target either as a column name or as y, not both")
        dropped = {_resolve(d, names, "column to drop") for d in self.drop}
        forced = {_resolve(c, names, "categorical column") for c in self.categorical}
        if self.features is not None:
            features = [_resolve(f, names, "feature") for f in self.features]
        else:
            features = [n for n in names if n not in targets and n not in dropped]
        clash = sorted(set(features) & set(targets))
        if clash:
            raise ParameterError(f"columns {clash} cannot be both features and targets")
        if not features:
            raise DataError(
                f"no feature columns are left (targets {targets}, dropped {sorted(dropped)}); "
                f"the columns are {names}"
            )
        self.notes = []
        rows = np.arange(len(table))
        if targets:
            rows = self._target_rows(table, targets)
        self.columns_ = []
        for name in features:
            kind = "categorical" if (name in forced or _is_text(table[name])) else "numeric"
            if kind == "numeric" or name not in forced:
                _refuse_mixed(table, name)
            self.columns_.append({"name": name, "kind": kind})
        if self.missing == "drop":
            rows = self._complete_rows(table, rows)
        if len(rows) == 0:
            raise DataError("no rows are left to train on (every row has a missing value)")
        for column in self.columns_:
            _fit_column(column, table[column["name"]][rows], table, self)
        self.targets_ = [self._fit_target(table, name, rows) for name in targets]
        self.rows_ = rows
        return table, rows

    def _target_rows(self, table, targets) -> np.ndarray:
        present = np.ones(len(table), dtype=bool)
        for name in targets:
            _refuse_mixed(table, name, target=True)
            present &= ~missing_mask(table[name])
        if not present.any():
            raise DataError(
                f"the target {_describe(table, targets)} is missing in every row; is it the "
                "right column?"
            )
        left_out = int((~present).sum())
        if left_out:
            self.notes.append(
                f"left out {left_out} of {len(table)} rows whose target "
                f"{_describe(table, targets)} is missing"
            )
        return np.flatnonzero(present)

    def _complete_rows(self, table, rows) -> np.ndarray:
        keep = np.ones(len(rows), dtype=bool)
        for column in self.columns_:
            keep &= ~missing_mask(table[column["name"]][rows])
        if not keep.all():
            self.notes.append(
                f"left out {int((~keep).sum())} rows with missing feature values (--missing drop)"
            )
        return rows[keep]

    def _fit_target(self, table, name, rows) -> dict:
        values = table[name][rows]
        text = _is_text(values)
        task = self.task
        if task == "auto":
            if text:
                task = "classification"
            else:
                whole = bool(np.all(values == np.round(values)))
                task = (
                    "classification"
                    if whole and len(np.unique(values)) <= MAX_AUTO_CLASSES
                    else "regression"
                )
        if task == "regression":
            if text:
                first = next(i for i, v in enumerate(values) if not _is_number(v))
                raise DataError(
                    f"regression needs a numeric target; {_place(table, name, rows[first])} "
                    f"holds {values[first]!r} (use --task classification)"
                )
            _check_finite(values, table, name, rows)
            mean, std = float(values.mean()), float(values.std())
            if not self.scale_target:
                mean, std = 0.0, 1.0
            return {"name": name, "kind": "numeric", "mean": mean, "std": std or 1.0}
        if not text:
            _check_finite(values, table, name, rows)
        return {"name": name, "kind": "class"}

    @staticmethod
    def needed(data) -> bool:
        """Whether tabular ``data`` (DataFrame, dict of columns) holds text or missing values,
        which a network cannot take as they are."""
        table = as_columns(data)
        return any(_is_text(table[n]) or missing_mask(table[n]).any() for n in table.keys())

    # -- applying ---------------------------------------------------------------------------
    def transform(self, data, dtype=np.float32) -> np.ndarray:
        """The encoded feature matrix of ``data`` (columns by name; a 2-D array is taken as
        the input columns in order), shape (n_rows, len(feature_names_out()))."""
        self._check_fitted()
        table = as_columns(data, names=self.input_names())
        missing = [c["name"] for c in self.columns_ if c["name"] not in table.keys()]
        if missing:
            raise DataError(
                f"the data lacks the feature columns {missing} the model was trained on; "
                f"its columns are {table.keys()}"
            )
        blocks = [_apply_column(c, table[c["name"]], table, self.missing) for c in self.columns_]
        return np.column_stack(blocks).astype(dtype, copy=False)

    def transform_target(self, data, scaled: bool = True) -> np.ndarray:
        """The targets of ``data``: class labels as they are (int64 for whole numbers, else
        strings), regression targets standardised unless ``scaled`` is False (1-D for one
        target, else 2-D)."""
        self._check_fitted()
        table = as_columns(data)
        out = []
        for target in self.targets_:
            name = target["name"]
            if name not in table.keys():
                raise DataError(
                    f"the data has no target column {name!r}; its columns are {table.keys()}"
                )
            values = table[name]
            bad = np.flatnonzero(missing_mask(values))
            if bad.size:
                raise DataError(f"{_place(table, name, int(bad[0]))}: the target is missing")
            if target["kind"] == "class":
                out.append(_labels(values))
                continue
            if _is_text(values):
                first = next(i for i, v in enumerate(values) if not _is_number(v))
                raise DataError(
                    f"{_place(table, name, first)} must be a number; got {values[first]!r}"
                )
            values = np.asarray(values, dtype=np.float64)
            _check_finite(values, table, name, np.arange(len(values)))
            out.append((values - target["mean"]) / target["std"] if scaled else values)
        if len(out) == 1:
            return out[0]
        return np.column_stack(out)

    def inverse_target(self, outputs) -> np.ndarray:
        """Network outputs in the regression targets' units: ``out * std + mean``."""
        numeric = [t for t in self.targets_ if t["kind"] == "numeric"]
        if not numeric:
            return outputs
        mean = np.array([t["mean"] for t in numeric])
        std = np.array([t["std"] for t in numeric])
        out = np.asarray(outputs, dtype=np.float64)
        return (out * std + mean).astype(np.asarray(outputs).dtype, copy=False)

    # -- description ------------------------------------------------------------------------
    def input_names(self) -> list:
        """The feature columns the data must have, in order."""
        self._check_fitted()
        return [c["name"] for c in self.columns_]

    def feature_names_out(self) -> list:
        """Names of the encoded columns: the numeric column's name, ``name=category``."""
        self._check_fitted()
        names = []
        for c in self.columns_:
            names += (
                [c["name"]]
                if c["kind"] == "numeric"
                else [f"{c['name']}={v}" for v in c["categories"]]
            )
        return names

    @property
    def target_names(self) -> list:
        return [t["name"] for t in self.targets_]

    @property
    def is_fitted(self) -> bool:
        return self.columns_ is not None

    def _check_fitted(self) -> None:
        if self.columns_ is None:
            raise ParameterError("the Preprocessor is not fitted yet: call fit(data) first")

    def get_config(self) -> dict:
        """The fitted state as JSON-able values (see docs/tabular.md)."""
        self._check_fitted()
        return {
            "type": CONFIG_TYPE,
            "version": CONFIG_VERSION,
            "missing": self.missing,
            "scale": self.scale,
            "columns": [dict(c) for c in self.columns_],
            "targets": [dict(t) for t in self.targets_],
        }

    @classmethod
    def from_config(cls, config: dict) -> Preprocessor:
        """A fitted Preprocessor from :meth:`get_config`'s dict, every field checked
        (DataError naming the field otherwise)."""
        _check_config(config)
        prep = cls(missing=config["missing"], scale=config["scale"])
        prep.columns_ = [dict(c) for c in config["columns"]]
        prep.targets_ = [dict(t) for t in config["targets"]]
        prep.target = [t["name"] for t in prep.targets_]
        return prep

    def describe(self) -> str:
        """What the data must look like, one line per column."""
        self._check_fitted()
        lines = []
        for c in self.columns_:
            if c["kind"] == "numeric":
                scaled = f"; mean {c['mean']:.6g}, std {c['std']:.6g}" if self.scale else ""
                lines.append(f"  {c['name']}: number (missing -> {c['impute']:.6g}{scaled})")
            else:
                shown = ", ".join(map(str, c["categories"][:12]))
                more = f", ... ({len(c['categories'])} in all)" if len(c["categories"]) > 12 else ""
                lines.append(f"  {c['name']}: category of {shown}{more} (missing -> {c['impute']})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        if self.columns_ is None:
            return f"Preprocessor(target={self.target!r}, missing={self.missing!r})"
        return (
            f"Preprocessor({len(self.columns_)} columns -> {len(self.feature_names_out())} "
            f"features, targets {self.target_names})"
        )


# -- columns ------------------------------------------------------------------------------------
class _Table:
    """Named columns (dict name -> array), for data given as a DataFrame, dict or 2-D array."""

    def __init__(self, columns: dict, n: int):
        self.columns, self.n = columns, n

    def __len__(self):
        return self.n

    def __getitem__(self, name):
        return self.columns[name]

    def keys(self):
        return list(self.columns)

    def take(self, rows):
        return _Table({k: v[rows] for k, v in self.columns.items()}, len(np.arange(self.n)[rows]))


def is_table(data) -> bool:
    """A pandas DataFrame or a dict of columns (what :class:`Preprocessor` reads by name)."""
    return isinstance(data, dict) or (
        hasattr(data, "columns") and hasattr(data, "to_numpy") and hasattr(data, "iloc")
    )


def as_columns(data, y=None, target=(), names=None):
    """``data`` as named columns: float64 arrays (NaN for missing) or object arrays of text
    (None for missing). Accepts CSV :class:`~deltaprop.io.table.Columns` (returned as they
    are), a pandas DataFrame, a dict of columns, or a 2-D array (columns ``names``)."""
    if isinstance(data, _Table) or (hasattr(data, "place") and hasattr(data, "take")):
        table = data
    elif hasattr(data, "columns") and hasattr(data, "to_numpy") and hasattr(data, "iloc"):
        table = _table({str(c): data[c] for c in data.columns})
    elif isinstance(data, dict):
        table = _table({str(k): v for k, v in data.items()})
    else:
        array = np.asarray(data, dtype=object if not _numeric_array(data) else None)
        if array.ndim != 2:
            raise DataError(
                "tabular data must be a DataFrame, a dict of columns or a 2-D array; got "
                f"shape {array.shape}"
            )
        if names is None:
            names = [f"x{i}" for i in range(array.shape[1])]
        if array.shape[1] != len(names):
            raise DataError(
                f"the data has {array.shape[1]} columns but the model takes {len(names)}: {names}"
            )
        table = _table({name: array[:, i] for i, name in enumerate(names)})
    if y is not None:
        columns = {k: table[k] for k in table.keys()}
        if "y" in columns:
            raise DataError(
                "the data has a column named 'y' already; name the target column instead"
            )
        columns["y"] = _column(y, "y")
        if len(columns["y"]) != len(table):
            raise DataError(f"y has {len(columns['y'])} values but the data has {len(table)} rows")
        table = _Table(columns, len(table))
    return table


def _numeric_array(data) -> bool:
    return isinstance(data, np.ndarray) and data.dtype.kind in "biuf"


def _table(raw: dict) -> _Table:
    columns = {name: _column(values, name) for name, values in raw.items()}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise DataError(f"the columns must have the same length; got lengths {sorted(lengths)}")
    return _Table(columns, lengths.pop() if lengths else 0)


def _column(values, name) -> np.ndarray:
    """One column as float64 (NaN missing) or object text (None missing)."""
    if hasattr(values, "to_numpy"):
        import pandas as pd  # only reached for pandas objects

        missing = np.asarray(pd.isna(values))
        kind = getattr(values.dtype, "kind", "O")
        values = (
            values.to_numpy(dtype=float, na_value=np.nan)
            if kind in "biuf"
            else values.to_numpy(dtype=object)
        )
        if kind not in "biuf":
            values = values.copy()
            values[missing] = None
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"column {name!r} must be 1-D; got shape {array.shape}")
    if array.dtype.kind in "biuf":
        return array.astype(np.float64)
    out = np.empty(len(array), dtype=object)
    for i, v in enumerate(array.tolist()):
        if v is None or (isinstance(v, float) and v != v):
            out[i] = None
        elif isinstance(v, float) and v.is_integer():
            out[i] = str(int(v))
        else:
            out[i] = str(v).strip() if not isinstance(v, str) else v
    if all(v is None or isinstance(v, (int, float)) for v in array.tolist()):
        try:
            return np.array([np.nan if v is None else float(v) for v in array.tolist()])
        except (TypeError, ValueError):
            pass
    return out


def _take(table, rows):
    return table.take(rows)


def _is_text(values) -> bool:
    return np.asarray(values).dtype.kind not in "biuf"


def missing_mask(values) -> np.ndarray:
    """True where a column (float NaN, text None) is missing."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind in "biu":
        return np.zeros(len(values), dtype=bool)
    return np.array([v is None for v in values.tolist()], dtype=bool)


def _place(table, name, row) -> str:
    if hasattr(table, "place"):
        return table.place(name, int(row))
    return f"row {int(row)}, column {name!r}"


def _describe(table, names) -> str:
    if hasattr(table, "positions"):
        return ", ".join(f"{n!r} (column {table.positions[n]})" for n in names)
    return ", ".join(map(repr, names))


def _resolve(ref, names: list, what: str) -> str:
    """A column given by name, or by index (an int, or digits naming no column)."""
    text = str(ref).strip()
    if text in names:
        return text
    try:
        i = int(text)
    except ValueError:
        raise DataError(f"{what} {text!r} is not in the data; its columns are {names}") from None
    if not -len(names) <= i < len(names):
        raise DataError(f"{what} index {i} is out of range: there are {len(names)} columns {names}")
    return names[i]


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return list(value)


def _is_number(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _refuse_mixed(table, name, target=False) -> None:
    mixed = getattr(table, "mixed", {}).get(name)
    if mixed is None:
        return
    row, text = mixed
    hint = "" if target else f", or --categorical {name!r} to treat the column as categories"
    raise DataError(
        f"{_place(table, name, row)} must be a number like the rest of the column; got "
        f"{text!r} (if it marks a missing value, add --na-values {text!r}{hint})"
    )


def _check_finite(values, table, name, rows) -> None:
    values = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values) | (np.abs(values) > np.finfo(np.float32).max))
    if bad.size:
        row = int(rows[bad[0]])
        raise DataError(
            f"{_place(table, name, row)} must be a finite number (float32: up to 3.4e38); got "
            f"{_cell(table, name, row, values[bad[0]])!r}"
        )


def _cell(table, name, row, value) -> str:
    """A cell's text as written (CSV columns), else the value."""
    return table.cell(name, row) if hasattr(table, "cell") else str(value)


def _labels(values) -> np.ndarray:
    if _is_text(values):
        return np.array([str(v) for v in values.tolist()])
    values = np.asarray(values, dtype=np.float64)
    if np.all(values == np.round(values)) and np.abs(values).max() < 2**53:
        return values.astype(np.int64)
    return values


def _fit_column(column: dict, values, table, prep: Preprocessor) -> None:
    """Imputation value, categories or scaler of one feature column, from training rows."""
    name = column["name"]
    missing = missing_mask(values)
    if prep.missing == "error" and missing.any():
        raise DataError(_first_missing(table, name))
    if missing.all():
        raise DataError(f"feature column {name!r} has no values (every cell is missing); drop it")
    if column["kind"] == "numeric":
        present = np.asarray(values, dtype=np.float64)[~missing]
        _check_finite(present, table, name, np.flatnonzero(~missing))
        column["impute"] = float(np.median(present))
        filled = np.where(missing, column["impute"], values)
        mean, std = (float(filled.mean()), float(filled.std())) if prep.scale else (0.0, 1.0)
        column["mean"], column["std"] = mean, (std if std > 0 else 1.0)
        return
    text = [_category(v) for v in np.asarray(values, dtype=object)[~missing].tolist()]
    categories, counts = np.unique(np.array(text, dtype=str), return_counts=True)
    n = len(categories)
    # More than max_categories; with the default limit, also more than 10 values that most
    # rows have to themselves (an identifier, free text). None allows any number.
    limit = prep.max_categories
    if limit is not None and (
        n > limit or (limit == MAX_CATEGORIES and n > 10 and n > len(text) / 2)
    ):
        raise DataError(
            f"column {name!r} has {n} distinct values in {len(values)} rows (an identifier or free "
            f"text?): leave it out with --drop {name!r}, or allow it with --max-categories {n}"
        )
    column["categories"] = categories.tolist()
    column["impute"] = str(categories[int(np.argmax(counts))])


def _first_missing(table, name) -> str:
    row = int(np.flatnonzero(missing_mask(table[name]))[0])
    text = _cell(table, name, row, "")
    what = "an empty cell" if not text.strip() else repr(text)
    return f"{_place(table, name, row)} is missing ({what}; --missing error)"


def _category(value) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _apply_column(column: dict, values, table, missing_rule: str) -> np.ndarray:
    """One column's encoded block: (n,) numbers or (n, n_categories) one-hot."""
    name = column["name"]
    missing = missing_mask(values)
    if missing_rule == "error" and missing.any():
        raise DataError(_first_missing(table, name))
    if column["kind"] == "numeric":
        if _is_text(values):
            _refuse_mixed(table, name)
            first = next(
                i for i, v in enumerate(values.tolist()) if v is not None and not _is_number(v)
            )
            raise DataError(f"{_place(table, name, first)} must be a number; got {values[first]!r}")
        values = np.where(missing, column["impute"], np.asarray(values, dtype=np.float64))
        _check_finite(values, table, name, np.arange(len(values)))
        return (values - column["mean"]) / column["std"]
    # missing: None in text, NaN in a numeric column given as categories (codes, years)
    text = np.array(
        [
            column["impute"] if gap else _category(v)
            for v, gap in zip(np.asarray(values, dtype=object).tolist(), missing.tolist())
        ],
        dtype=str,
    )
    categories = np.array(column["categories"], dtype=str)
    index = np.searchsorted(categories, text)
    index = np.minimum(index, len(categories) - 1)
    known = categories[index] == text
    if not known.all():
        unseen = sorted(set(text[~known].tolist()))
        warnings.warn(
            f"column {name!r}: {int((~known).sum())} rows hold categories not seen in training "
            f"({', '.join(map(repr, unseen[:5]))}{', ...' if len(unseen) > 5 else ''}); they are "
            "encoded as all zeros",
            UnknownCategoryWarning,
            stacklevel=3,
        )
    block = np.zeros((len(text), len(categories)))
    block[np.flatnonzero(known), index[known]] = 1.0
    return block


class UnknownCategoryWarning(UserWarning):
    """Prediction data holds a category the preprocessor never saw in training."""


def _check_config(config) -> None:
    def need(ok, what):
        if not ok:
            raise DataError(f"invalid tabular preprocessing: {what}")

    need(isinstance(config, dict), f"must be an object; got {type(config).__name__}")
    need(config.get("type") == CONFIG_TYPE, f"type must be {CONFIG_TYPE!r}")
    need(config.get("version") == CONFIG_VERSION, f"version must be {CONFIG_VERSION}")
    need(config.get("missing") in MISSING, f"missing must be one of {MISSING}")
    need(isinstance(config.get("scale"), bool), "scale must be true or false")
    columns, targets = config.get("columns"), config.get("targets")
    need(isinstance(columns, list) and columns, "columns must be a non-empty list")
    need(isinstance(targets, list), "targets must be a list")
    seen = set()
    for i, c in enumerate(columns):
        need(isinstance(c, dict) and isinstance(c.get("name"), str), f"columns[{i}] needs a name")
        need(c["name"] not in seen, f"column {c['name']!r} is listed twice")
        seen.add(c["name"])
        if c.get("kind") == "numeric":
            for key in ("impute", "mean", "std"):
                need(_finite(c.get(key)), f"columns[{i}].{key} must be a finite number")
            need(c["std"] > 0, f"columns[{i}].std must be positive")
        elif c.get("kind") == "categorical":
            cats = c.get("categories")
            need(
                isinstance(cats, list)
                and cats
                and all(isinstance(v, str) for v in cats)
                and cats == sorted(set(cats)),
                f"columns[{i}].categories must be a sorted list of distinct strings",
            )
            need(c.get("impute") in cats, f"columns[{i}].impute must be one of its categories")
        else:
            need(False, f"columns[{i}].kind must be 'numeric' or 'categorical'")
    for i, t in enumerate(targets):
        need(isinstance(t, dict) and isinstance(t.get("name"), str), f"targets[{i}] needs a name")
        need(t.get("kind") in ("class", "numeric"), f"targets[{i}].kind must be class or numeric")
        if t["kind"] == "numeric":
            need(
                _finite(t.get("mean")) and _finite(t.get("std")) and t["std"] > 0,
                f"targets[{i}] needs a finite mean and a positive std",
            )


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
